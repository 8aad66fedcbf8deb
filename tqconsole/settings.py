"""Configuration: one URL per backend, from the environment or a TOML profile.

Precedence: environment, then the chosen ``[profiles.NAME]`` table, then the
file's top-level keys, then the site's ``TQ_*`` variables (``site_env``), then
the embedded defaults (which need no server).  The console's own options are
``TQCONSOLE_NAME``, or ``TQ_NAME`` where the site gives that name no meaning.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tempfile
from dataclasses import dataclass, field, fields
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
    import tomllib  # here: most starts read no file

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


def _option(default: Any, kind: type, doc: str):
    """A typed option of ``Settings``: its default, its kind and what it is for."""
    meta = {"kind": kind, "doc": doc}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """One configuration, loaded once by the command line and handed down.

    Beside the backend URLs every option is a typed field with its default; an
    option is set by ``TQCONSOLE_NAME`` / ``TQ_NAME``, the chosen profile, the file's
    top level, or the site's variables, in that order.
    """

    urls: dict[str, str]
    data_dir: Path
    read_only: bool = False
    profile: str | None = None
    config_path: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)  # URL or option -> where it came from

    # mail
    default_from_email: str = _option(
        "webmaster@localhost",
        str,
        "sender of mails that name none (the site's TQ_DEFAULT_FROM_EMAIL)",
    )
    sender_addresses: list = _option(
        [
            f"{box}@tanzquotient.org"
            for box in ("anmeldungen", "finanzen", "kurse", "kontakt", "events", "informatik")
        ],
        list,
        "senders the compose form offers after default_from_email (the site's EMAIL_ADDRESS_*)",
    )
    server_email: str = _option("root@localhost", str, "sender of the mails to admins and managers")
    email_subject_prefix: str = _option("[tqconsole] ", str, "subject prefix of those mails")
    admins: list = _option([], list, "people mail_admins writes to (comma-separated in TQ_ADMINS)")
    managers: list = _option([], list, "people mail_managers writes to")
    mail_max_attempts: int = _option(8, int, "deliveries tried before a queued mail fails")
    mail_max_attachment_bytes: int = _option(10 * 1024 * 1024, int, "largest attachment")
    mail_connections: int = _option(1, int, "parallel SMTP connections of a bulk job")
    site_domain: str = _option(
        "tanzquotient.org", str, "domain of the links in the site's mails (TQ_DEPLOYMENT_DOMAIN)"
    )
    payment_account: str = _option(
        "Tanzquotient, 8092 Zürich", str, "account holder in payment mails"
    )
    payment_iban: str = _option("CH00 0000 0000 0000 0000 0", str, "IBAN in payment mails")
    # tasks
    queue_name: str = _option("tqconsole", str, "name of the Huey queue")
    heartbeat_interval: float = _option(5.0, float, "seconds between consumer heartbeats (≤ 10)")
    shutdown_timeout: float = _option(30.0, float, "seconds a stopping consumer waits for tasks")
    embedded_consumer: bool = _option(True, bool, "the TUI runs tasks of an embedded queue")
    task_history_days: float = _option(14.0, float, "days the task history keeps")
    task_history_max: int = _option(100_000, int, "tasks the task history keeps at most")
    celery_broker_url: str | None = _option(
        None, str, "the site's Celery broker (the site's TQ_REDIS_BROKER_URL)"
    )
    # cache (unset: Django's defaults, or the cache URL's query)
    cache_key_prefix: str | None = _option(None, str, "KEY_PREFIX of the cache")
    cache_version: int | None = _option(None, int, "VERSION of the cache keys")
    cache_timeout: int | str | None = _option(
        None, int, 'TIMEOUT of new cache keys: seconds, or "none" (they never expire)'
    )
    cache_max_entries: int | None = _option(None, int, "MAX_ENTRIES of a db:// or locmem:// cache")
    cache_cull_frequency: int | None = _option(None, int, "CULL_FREQUENCY of those caches")
    # storage
    storage_media_bucket: str = _option("media", str, "bucket of the media storage")
    storage_static_bucket: str = _option("static", str, "bucket of the static storage")
    storage_finance_bucket: str = _option("finance", str, "bucket of the finance storage")
    storage_media_url: str = _option("", str, "server of the media storage (TQ_S3_MEDIA_*)")
    storage_static_url: str = _option("", str, "server of the static storage (TQ_S3_STATIC_*)")
    storage_finance_url: str = _option("", str, "server of the finance storage (TQ_S3_FINANCE_*)")
    storage_media_custom_domain: str = _option("", str, "domain of media links (the site's CDN)")
    storage_static_custom_domain: str = _option("", str, "domain of static links")
    storage_finance_custom_domain: str = _option(
        "", str, "domain of finance links (unused: presigned)"
    )
    # interface
    animations: bool = _option(False, bool, "Textual's animations")
    keymap: dict = _option({}, dict, "key bindings by id (a table in the configuration file)")

    @property
    def database_url(self) -> str:
        return self.urls["database"]

    def url(self, family: str) -> str:
        return self.urls[family]

    def masked(self, family: str) -> str:
        return mask_url(self.urls[family])

    def origin(self, name: str) -> str:
        """Where a backend URL or option came from: variable, file, site env or default."""
        return self.origins.get(name, "default")

    def bucket(self, storage: str) -> str:
        """The bucket name of a named storage (media, static, finance)."""
        return getattr(self, f"storage_{storage}_bucket")

    def storage_url(self, storage: str) -> str:
        """The server of a named storage: its own URL (the site's ``TQ_S3_<STORAGE>_*``),
        else ``TQ_STORAGE_URL``'s."""
        return getattr(self, f"storage_{storage}_url") or self.url("storage")

    def custom_domain(self, storage: str) -> str:
        """The domain links of a public storage point at (the site's CDN), or ""."""
        return getattr(self, f"storage_{storage}_custom_domain")

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


# option name -> (kind, description)
OPTIONS: dict[str, tuple[type, str]] = {
    f.name: (f.metadata["kind"], f.metadata["doc"]) for f in fields(Settings) if f.metadata
}
# what a configuration file may set: at its top level, and in each [profiles.NAME]
PROFILE_KEYS = frozenset(
    {"data_dir", "read_only", *(f"{family}_url" for family in BACKENDS), *OPTIONS}
)
FILE_KEYS = PROFILE_KEYS | {"default_profile", "profiles"}
NEVER = frozenset({"cache_timeout"})  # number options that also take "none"


def own_env(name: str) -> tuple[str, str] | None:
    """(variable, value) of the console's own option ``name`` in the environment, if set.

    ``TQCONSOLE_NAME``, else ``TQ_NAME`` unless the site's environment uses that name.
    """
    for var in (f"TQCONSOLE_{name.upper()}", f"TQ_{name.upper()}"):
        if var in os.environ and not is_site_variable(var):
            return var, os.environ[var]
    return None


def typed(name: str, value: Any, source: str) -> Any:
    """``value`` of option ``name`` as its kind, or ConfigError naming ``source``."""
    kind = OPTIONS[name][0]
    if kind is bool:
        word = str(value).strip().lower()
        if isinstance(value, bool) or word in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
            return _truthy(value)
        raise ConfigError(f"{source}: {value!r} is not true or false")
    if name in NEVER and str(value).strip().lower() == "none":
        return "none"  # Django's TIMEOUT=None, as the cache URL's query spells it
    if kind in (int, float):
        try:
            number = kind(value)
            if isinstance(value, bool) or not math.isfinite(number) or number < 0:
                raise ValueError
            if kind is int and isinstance(value, float) and value != number:
                raise ValueError
        except (TypeError, ValueError):
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{source}: {value!r} is not {what} (0 or more)") from None
        return number
    if kind is list:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return value
        raise ConfigError(f"{source}: {value!r} is not a list (or comma-separated text)")
    if kind is dict:
        if isinstance(value, dict):
            return value
        raise ConfigError(f"{source}: {name} is a table: set it in the configuration file")
    if isinstance(value, dict | list):
        raise ConfigError(f"{source}: {name} is text, not a table or list")
    return str(value)


def check_keys(data: dict[str, Any], path: Path) -> None:
    """Every key of the file is one the console knows (ConfigError naming key and file)."""

    def unknown(key: str, where: str, known: frozenset[str]) -> ConfigError:
        near = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return ConfigError(f"configuration file {path}: unknown setting {key!r}{where}{hint}")

    for key in data:
        if key not in FILE_KEYS:
            raise unknown(key, "", FILE_KEYS)
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"configuration file {path}: profiles must be tables ([profiles.NAME])")
    for name, table in profiles.items():
        if not isinstance(table, dict):
            raise ConfigError(f"configuration file {path}: profiles.{name} is not a table")
        for key in table:
            if key not in PROFILE_KEYS:
                raise unknown(key, f" in [profiles.{name}]", PROFILE_KEYS)


def load(
    profile: str | None = None,
    read_only: bool | None = None,
    site_env: Path | None = None,
    config: Path | None = None,
) -> Settings:
    """Read the configuration from the environment, the TOML file and the site's variables.

    ``config`` is the file to read (else ``config_file()``); ``site_env`` is the site's
    dotenv file; without it the site's variables are taken from the environment.
    """
    path = config or config_file()
    data = _read_config(path) if path else {}
    if path:
        check_keys(data, path)
    profile = profile or os.environ.get("TQ_PROFILE") or data.get("default_profile")
    base = {k: v for k, v in data.items() if k not in ("profiles", "default_profile")}
    profiles = data.get("profiles", {})
    if profile:
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none defined"
            where = path or "no configuration file found"
            raise ConfigError(f"unknown profile {profile!r} ({where}; profiles: {known})")
        base.update(profiles[profile])

    def where(key: str) -> str:
        in_profile = profile and key in profiles.get(profile, {})
        return f"{path} [profiles.{profile}] {key}" if in_profile else f"{path} {key}"

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
            urls[family] = validate_url(family, str(base[key]), where(key), data_dir)
            origins[family] = where(key)
        elif family in site.urls:
            origins[family] = site.origins[family]
            urls[family] = validate_url(family, site.urls[family], origins[family], data_dir)
        else:
            urls[family], origins[family] = defaults[family], "default"
    if urls["storage"] != site.urls.get("storage"):  # the console's own storage: all of it
        for name in STORAGES:
            site.options.pop(f"storage_{name}_url", None)
            site.options.pop(f"storage_{name}_custom_domain", None)
    options: dict[str, Any] = {}
    for name in OPTIONS:
        env = own_env(name)
        if env is not None:
            value, origins[name] = env[1], env[0]
        elif name in base:
            value, origins[name] = base[name], where(name)
        elif name in site.options:
            value, origins[name] = site.options[name], site.origins[name]
        else:
            continue
        options[name] = typed(name, value, origins[name])
    if read_only is None:
        env_ro = os.environ.get("TQ_READ_ONLY")
        read_only = _truthy(env_ro) if env_ro is not None else _truthy(base.get("read_only", False))
    return Settings(
        urls=urls,
        data_dir=data_dir,
        read_only=bool(read_only),
        profile=profile,
        config_path=path,
        origins=origins,
        **options,
    )
