"""The site's environment (its ``TQ_*`` variables) read the way its settings read them.

The site (tanzquotient/website) configures itself from ``TQ_DB_*``,
``TQ_REDIS_BROKER_URL``, ``TQ_S3_<STORAGE>_*``, ``TQ_EMAIL_HOST*`` and
``TQ_DEFAULT_FROM_EMAIL``; here they become the console's backend URLs and
options.  They come from a dotenv file (``--site-env FILE``) or, without one,
from the process environment, as on the server where the site's env is loaded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from tqconsole.errors import ConfigError

# Every variable the site's settings read: none of them may mean anything else here.
SITE_STORAGES = ("media", "static", "finance")
S3_FIELDS = (
    "BUCKET",
    "HOST",
    "PORT",
    "REGION",
    "USE_SSL",
    "ACCESS_KEY",
    "SECRET_KEY",
    "CUSTOM_DOMAIN",
)
SITE_VARIABLES = frozenset(
    {
        "TQ_DEBUG",
        "TQ_SECRET_KEY",
        "TQ_ENVIRONMENT",
        "TQ_DEPLOYMENT_DOMAIN",
        "TQ_ALLOWED_HOSTS",
        "TQ_S3_ENABLED",
        "TQ_REDIS_BROKER_URL",
        "TQ_EMAIL_HOST",
        "TQ_EMAIL_HOST_USER",
        "TQ_EMAIL_HOST_PASSWORD",
        "TQ_DEFAULT_FROM_EMAIL",
        "TQ_GOOGLE_ANALYTICS_PROPERTY_ID",
        "TQ_FDS_USER",
        "TQ_FDS_PRIVATE_KEY",
        *(f"TQ_DB_{k}" for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")),
        *(f"TQ_S3_{s.upper()}_{f}" for s in SITE_STORAGES for f in S3_FIELDS),
    }
)
SITE_PREFIXES = ("TQ_PAYMENT_ACCOUNT_",)
SMTP_PORT = 587  # the site's settings fix port 587 with STARTTLS

_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def is_site_variable(name: str) -> bool:
    return name in SITE_VARIABLES or name.startswith(SITE_PREFIXES)


def _value(raw: str) -> str | None:
    """The value of ``KEY=raw`` as dotenv reads it, None when it cannot be read."""
    if raw[:1] in ("'", '"'):
        quote_char = raw[0]
        end = raw.find(quote_char, 1)
        if quote_char == '"':
            end = 1
            while end < len(raw) and raw[end] != '"':
                end += 2 if raw[end] == "\\" else 1
            if end >= len(raw):
                return None
        if end < 0 or raw[end + 1 :].strip()[:1] not in ("", "#"):
            return None
        text = raw[1:end]
        if quote_char == '"':
            text = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), text)
        return text
    return re.split(r"\s+#", raw, maxsplit=1)[0]


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; a line that is none of that is a ConfigError naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"site env file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"site env file {path}: cannot read it ({exc})") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        value = _value(match[2]) if match else None
        if value is None:
            raise ConfigError(
                f"site env file {path} line {number}: expected KEY=VALUE "
                "(a quoted value must close on its line)"
            )
        values[match[1]] = value
    return values


@dataclass
class SiteConfig:
    """What the site's variables configure: URLs and options, each with its origin."""

    urls: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # family or option -> where


def _true(value: str) -> bool:
    return value.strip().lower() == "true"  # the site compares with 'true'


def _server_url(scheme: str, user: str, password: str, host: str, port: str, rest: str) -> str:
    """``scheme://user:password@host:port`` + ``rest``, user and password percent-encoded."""
    secret = f":{quote(password, safe='')}" if password else ""
    userinfo = f"{quote(user, safe='')}{secret}@" if user or password else ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{userinfo}{host}{f':{port}' if port else ''}{rest}"


def site_config(site_file: Path | None = None) -> SiteConfig:
    """The site's configuration from ``site_file``, else from the process environment."""
    env = read_dotenv(site_file) if site_file else dict(os.environ)
    where = f"site env file {site_file}" if site_file else "environment"
    config = SiteConfig()

    def get(name: str) -> str:
        return env.get(name, "").strip()

    def put(key: str, value: str, names: list[str], into: dict[str, str]) -> None:
        into[key] = value
        present = [n for n in names if n in env]
        shown = f"{os.path.commonprefix(present)}*" if len(present) > 1 else present[0]
        config.origins[key] = f"{shown} ({where})"

    if get("TQ_DB_NAME") or get("TQ_DB_HOST"):
        db = [f"TQ_DB_{k}" for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")]
        rest = f"/{quote(get(db[0]), safe='')}"
        url = _server_url(
            "postgresql", get(db[1]), env.get(db[2], ""), get(db[3]), get(db[4]), rest
        )
        put("database", url, db, config.urls)
    if get("TQ_REDIS_BROKER_URL"):
        broker = get("TQ_REDIS_BROKER_URL")
        put("cache", broker, ["TQ_REDIS_BROKER_URL"], config.urls)
        put("celery_broker_url", broker, ["TQ_REDIS_BROKER_URL"], config.options)

    def s3_url(storage: str) -> str:
        names = [f"TQ_S3_{storage.upper()}_{f}" for f in S3_FIELDS]
        query = {"secure": "1" if _true(get(names[4])) else "0"}
        if get(names[3]):
            query["region"] = get(names[3])
        user, password = get(names[5]), env.get(names[6], "")
        rest = f"?{urlencode(query)}"
        return _server_url("s3", user, password, get(names[1]), get(names[2]), rest)

    media_url = s3_url("media") if get("TQ_S3_MEDIA_HOST") else ""
    if media_url:
        put("storage", media_url, [f"TQ_S3_MEDIA_{f}" for f in S3_FIELDS[1:7]], config.urls)
    for storage in SITE_STORAGES:
        prefix = f"TQ_S3_{storage.upper()}_"
        if get(f"{prefix}BUCKET"):
            put(
                f"storage_{storage}_bucket",
                get(f"{prefix}BUCKET"),
                [f"{prefix}BUCKET"],
                config.options,
            )
        if storage != "media" and get(f"{prefix}HOST") and s3_url(storage) != media_url:
            names = [f"{prefix}{f}" for f in S3_FIELDS[1:7]]
            put(f"storage_{storage}_url", s3_url(storage), names, config.options)
        if get(f"{prefix}CUSTOM_DOMAIN"):
            # the site formats the domain with the bucket name ("{}.cdn.example.org")
            domain = get(f"{prefix}CUSTOM_DOMAIN").replace("{}", get(f"{prefix}BUCKET") or storage)
            put(
                f"storage_{storage}_custom_domain",
                domain,
                [f"{prefix}CUSTOM_DOMAIN"],
                config.options,
            )
    mail = ["TQ_EMAIL_HOST", "TQ_EMAIL_HOST_USER", "TQ_EMAIL_HOST_PASSWORD"]
    if get("TQ_EMAIL_HOST"):
        user, password = get(mail[1]), env.get(mail[2], "")
        url = _server_url("smtp+starttls", user, password, get(mail[0]), str(SMTP_PORT), "")
        put("email", url, mail, config.urls)
    if get("TQ_DEFAULT_FROM_EMAIL"):
        sender = get("TQ_DEFAULT_FROM_EMAIL")
        put("default_from_email", sender, ["TQ_DEFAULT_FROM_EMAIL"], config.options)
    if get("TQ_DEPLOYMENT_DOMAIN"):  # the links in the site's mails
        domain = get("TQ_DEPLOYMENT_DOMAIN")
        put("site_domain", domain, ["TQ_DEPLOYMENT_DOMAIN"], config.options)
    return config
