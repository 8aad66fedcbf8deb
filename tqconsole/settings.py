"""Configuration: one URL per backend, from the environment or a TOML profile.

Precedence: environment, then the chosen ``[profiles.NAME]`` table, then the
file's top-level keys, then the site's ``TQ_*`` variables (``site_env``), then
the embedded defaults (which need no server).  The console's own options are
``TQCONSOLE_NAME``, or ``TQ_NAME`` where the site gives that name no meaning.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tqconsole.errors import ConfigError
from tqconsole.site_env import is_site_variable, site_config
from tqconsole.url_checks import problem

# backend family -> (environment variable, allowed URL schemes)
BACKENDS: dict[str, tuple[str, frozenset[str]]] = {
    "database": ("TQ_DATABASE_URL", frozenset({"sqlite", "postgresql", "postgres"})),
    "cache": ("TQ_CACHE_URL", frozenset({"db", "redis", "rediss", "locmem", "dummy"})),
    "storage": ("TQ_STORAGE_URL", frozenset({"file", "s3"})),
    "email": (
        "TQ_EMAIL_URL",
        frozenset({"smtp", "smtp+starttls", "smtps", "file", "console", "locmem", "dummy"}),
    ),
    "queue": ("TQ_QUEUE_URL", frozenset({"sqlite", "redis", "memory"})),
}

STORAGES = ("media", "static", "finance")
SECRET_QUERY_KEYS = {
    "password",
    "secret",
    "token",
    "secret_key",
    "aws_secret_access_key",
    "sslpassword",
    "ssl_password",
}
PASSWORD_AS_USER = {"redis", "rediss"}  # redis://PASSWORD@host is a common spelling
# Options that must be numbers (the environment gives text): name -> type
NUMBER_OPTIONS = {
    "heartbeat_interval": float,
    "shutdown_timeout": float,
    "task_history_days": float,
    "task_history_max": int,
    "mail_max_attempts": int,
    "mail_max_attachment_bytes": int,
    "mail_connections": int,
    "cache_version": int,
    "cache_max_entries": int,
    "cache_cull_frequency": int,
}


def default_urls(data_dir: Path) -> dict[str, str]:
    return {
        "database": f"sqlite:///{data_dir / 'tqconsole.db'}",
        "cache": "db://tq_cache_table",
        "storage": f"file://{data_dir / 'storage'}",
        "email": f"file://{data_dir / 'outbox'}",
        "queue": f"sqlite:///{data_dir / 'queue.db'}",
    }


def mask_url(url: str) -> str:
    """The URL with its password (and secret query values) replaced by ``***``.

    Malformed URLs too: a missing ``:`` after the scheme, an unencoded ``/``, ``?``
    or ``#`` in the password.  For Redis a lone user part is the password.
    """
    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.-]*", url)
    slashes = url.find("//")
    if slashes >= 0:
        start = slashes + 2
    else:
        start = scheme.end() + 1 if scheme and url[scheme.end() : scheme.end() + 1] == ":" else 0
    authority = re.match(r"[^/?#]*", url[start:]).group()
    at = authority.rfind("@")
    if at < 0:  # an '@' further on: a password with '/', '?' or '#' in it
        at = url.rfind("@", start) - start
    if at >= 0:
        user, colon, _ = url[start : start + at].partition(":")
        if colon:
            url = f"{url[:start]}{user}:***{url[start + at :]}"
        elif user and scheme and scheme.group().lower() in PASSWORD_AS_USER:
            url = f"{url[:start]}***{url[start + at :]}"
    head, question, query = url.partition("?")
    if question:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in SECRET_QUERY_KEYS for k, _ in pairs):
            pairs = [(k, "***" if k.lower() in SECRET_QUERY_KEYS else v) for k, v in pairs]
            url = f"{head}?{urlencode(pairs, safe='*/:')}"
    return url


def validate_url(family: str, url: str, source: str, data_dir: Path | None = None) -> str:
    """Return ``url`` or raise ConfigError naming where it came from (``source``)."""
    _, schemes = BACKENDS[family]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        # Never echo the URL here: an unencoded '/' or '@' in a password makes the
        # parser see part of the secret as host or port.
        scheme = url.split(":", 1)[0] if "://" in url else ""
        raise ConfigError(
            f"{source}: malformed {scheme + ' ' if scheme else ''}URL (bad host or port); "
            "percent-encode '/', '@' and ':' in the user name and password"
        ) from None
    if not parts.scheme:
        raise ConfigError(f"{source}: {mask_url(url)!r} is not a URL (expected scheme://…)")
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ConfigError(
            f"{source}: unknown scheme {parts.scheme!r} in {mask_url(url)!r} (use one of: {allowed})"
        )
    wrong = problem(family, parts, data_dir or Path.cwd())
    if wrong:
        raise ConfigError(f"{source}: {wrong} ({mask_url(url)})")
    return url


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / fallback


def config_file() -> Path | None:
    """The configuration file in use: $TQ_CONFIG, ./tqconsole.toml, then the XDG one."""
    explicit = os.environ.get("TQ_CONFIG")
    if explicit:
        return Path(explicit)
    for candidate in (
        Path("tqconsole.toml"),
        _xdg("XDG_CONFIG_HOME", ".config") / "tqconsole" / "config.toml",
    ):
        if candidate.is_file():
            return candidate
    return None


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"configuration file {path}: {exc}") from None


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    urls: dict[str, str]
    data_dir: Path
    read_only: bool = False
    profile: str | None = None
    config_path: Path | None = None
    # The merged [profile] table: options of later features (key prefixes, limits, …).
    options: dict[str, Any] = field(default_factory=dict)
    # Options from the site's variables (below the console's own) and where each setting came from.
    site_options: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.urls["database"]

    def url(self, family: str) -> str:
        return self.urls[family]

    def masked(self, family: str) -> str:
        return mask_url(self.urls[family])

    @property
    def celery_broker_url(self) -> str | None:
        """The site's Celery broker (``TQ_CELERY_BROKER_URL``, the site's ``TQ_REDIS_BROKER_URL``)."""
        url = self.option("celery_broker_url")
        return str(url) if url else None

    def option(self, name: str, default: Any = None) -> Any:
        """An option from the environment, else the profile, else the site's, else ``default``."""
        env = own_env(name)
        if env is not None:
            return env[1]
        if name in self.options:
            return self.options[name]
        return self.site_options.get(name, default)

    def origin(self, name: str) -> str:
        """Where a backend URL or option came from: variable, file, site env or default."""
        if name in self.origins:
            return self.origins[name]
        env = own_env(name)
        if env is not None:
            return env[0]
        if name in self.options:
            return f"{self.config_path} {name}"
        return "default"

    def bucket(self, storage: str) -> str:
        """The bucket name of a named storage (media, static, finance)."""
        return str(self.option(f"storage_{storage}_bucket", storage))

    def storage_url(self, storage: str) -> str:
        """The server of a named storage: its own URL (the site's ``TQ_S3_<STORAGE>_*``),
        else ``TQ_STORAGE_URL``'s."""
        return str(self.option(f"storage_{storage}_url") or self.url("storage"))

    def custom_domain(self, storage: str) -> str:
        """The domain links of a public storage point at (the site's CDN), or ""."""
        return str(self.option(f"storage_{storage}_custom_domain") or "")

    def ensure_data_dir(self) -> Path:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # a file of its own per call: backends open in several threads at once
            with tempfile.TemporaryFile(dir=self.data_dir):
                pass
        except OSError as exc:
            raise ConfigError(
                f"data directory {self.data_dir} is not writable ({exc.strerror}); "
                "set TQ_DATA_DIR to a writable folder"
            ) from None
        return self.data_dir


def own_env(name: str) -> tuple[str, str] | None:
    """(variable, value) of the console's own option ``name`` in the environment, if set.

    ``TQCONSOLE_NAME``, else ``TQ_NAME`` unless the site's environment uses that name.
    """
    for var in (f"TQCONSOLE_{name.upper()}", f"TQ_{name.upper()}"):
        if var in os.environ and not is_site_variable(var):
            return var, os.environ[var]
    return None


def check_numbers(options: dict[str, Any], path: Path | None) -> None:
    """Options that must be numbers are, wherever they are set (ConfigError naming it)."""
    for name, kind in NUMBER_OPTIONS.items():
        var = f"TQ_{name.upper()}"
        value, source = os.environ.get(var), var
        if value is None:
            value, source = options.get(name), f"{path} {name}"
        if value is None:
            continue
        try:
            number = kind(value)
            if isinstance(value, bool) or not math.isfinite(number) or number < 0:
                raise ValueError
        except (TypeError, ValueError):
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{source}: {value!r} is not {what} (0 or more)") from None


def load(
    profile: str | None = None, read_only: bool | None = None, site_env: Path | None = None
) -> Settings:
    """Read the configuration from the environment, the TOML file and the site's variables.

    ``site_env`` is the site's dotenv file; without it the site's variables are
    taken from the environment.
    """
    path = config_file()
    data = _read_config(path) if path else {}
    profile = profile or os.environ.get("TQ_PROFILE") or data.get("default_profile")
    base = {k: v for k, v in data.items() if not isinstance(v, dict)}
    profiles = data.get("profiles", {})
    if profile:
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none defined"
            where = path or "no configuration file found"
            raise ConfigError(f"unknown profile {profile!r} ({where}; profiles: {known})")
        base.update(profiles[profile])
    data_dir_value = os.environ.get("TQ_DATA_DIR") or base.get("data_dir")
    data_dir = (
        Path(data_dir_value).expanduser()
        if data_dir_value
        else _xdg("XDG_DATA_HOME", ".local/share") / "tqconsole"
    )
    defaults = default_urls(data_dir.absolute())
    site = site_config(site_env)
    urls: dict[str, str] = {}
    origins: dict[str, str] = {}
    for family, (var, _) in BACKENDS.items():
        key = f"{family}_url"
        if os.environ.get(var):
            urls[family], origins[family] = (
                validate_url(family, os.environ[var], var, data_dir),
                var,
            )
        elif base.get(key):
            where = f"{path} [profiles.{profile}] {key}" if profile else f"{path} {key}"
            urls[family] = validate_url(family, str(base[key]), where, data_dir)
            origins[family] = where
        elif family in site.urls:
            where = site.origins[family]
            urls[family] = validate_url(family, site.urls[family], where, data_dir)
            origins[family] = where
        else:
            urls[family], origins[family] = defaults[family], "default"
    if urls["storage"] != site.urls.get("storage"):  # the console's own storage: all of it
        for name in STORAGES:
            site.options.pop(f"storage_{name}_url", None)
            site.options.pop(f"storage_{name}_custom_domain", None)
    for name in site.options:
        if own_env(name) is None and name not in base:
            origins[name] = site.origins[name]
    check_numbers(base, path)
    if read_only is None:
        env_ro = os.environ.get("TQ_READ_ONLY")
        read_only = _truthy(env_ro) if env_ro is not None else _truthy(base.get("read_only", False))
    return Settings(
        urls=urls,
        data_dir=data_dir,
        read_only=bool(read_only),
        profile=profile,
        config_path=path,
        options=base,
        site_options=site.options,
        origins=origins,
    )
