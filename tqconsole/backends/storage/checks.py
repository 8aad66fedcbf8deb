"""What a key, a listing prefix and a bucket name may be; presigned URL expiry; content types."""

from __future__ import annotations

import mimetypes

from tqconsole.backends.storage.errors import SuspiciousKey
from tqconsole.errors import InvalidInput

MAX_KEY_BYTES = 1024
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def check_key(key: str, what: str = "key", marker: bool = False) -> str:
    """``key`` if it is a valid object key, else InvalidInput/SuspiciousKey naming why.

    ``marker`` also accepts a key ending in ``/``: the empty "folder" objects other
    S3 tools create, which can be listed and deleted but not written here.
    """
    if not isinstance(key, str) or not key:
        raise InvalidInput(f"empty {what}")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidInput(f"{what} is longer than {MAX_KEY_BYTES} bytes: {key[:40]}…")
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise InvalidInput(f"{what} {key!r} contains control characters")
    if key.startswith("/") or key.startswith("\\"):
        raise SuspiciousKey(f"{what} {key!r} is an absolute path")
    segments = key.split("/")
    if any(s in (".", "..") for s in segments):
        raise SuspiciousKey(f"{what} {key!r} leaves its folder (. or .. segment)")
    if marker and len(segments) > 1 and not segments[-1]:
        segments.pop()
    if any(not s for s in segments[:-1]) or not segments[-1]:
        raise InvalidInput(f"{what} {key!r} has an empty segment (// or a trailing /)")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key-like string that may end in ``/``."""
    if prefix:
        check_key(prefix.rstrip("/") or "/", "prefix")
    return prefix


def guess_content_type(key: str) -> str:
    return mimetypes.guess_type(key, strict=False)[0] or DEFAULT_CONTENT_TYPE


def check_expires(expires: int) -> int:
    if not 1 <= int(expires) <= MAX_PRESIGN_SECONDS:
        raise InvalidInput(f"expiry must be between 1 s and 7 days, not {expires} s")
    return int(expires)


def check_bucket_name(name: str) -> str:
    """S3's rules, also applied to folders: 3–63 of a-z 0-9 . -, starting and ending alphanumeric."""
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name or "") or ".." in name:
        raise InvalidInput(
            f"invalid bucket name {name!r}: 3-63 characters a-z 0-9 . -, "
            "starting and ending with a letter or digit"
        )
    return name
