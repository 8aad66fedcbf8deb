"""What storage operations return: objects, listing pages, deletions, transfers, uploads, buckets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MISSING = "not found"  # the error of a key that delete() did not find


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime
    etag: str = ""
    content_type: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "size": self.size,
            "modified": self.modified.isoformat(),
            "etag": self.etag,
            "content_type": self.content_type,
            "metadata": dict(self.metadata),
        }


@dataclass
class Page:
    objects: list[ObjectInfo]
    prefixes: list[str]
    next_token: str | None = None


@dataclass
class DeleteResult:
    deleted: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """The keys of ``errors`` that were not there."""
        return [key for key, error in self.errors.items() if error == MISSING]


@dataclass
class TransferResult:
    """What a many-file upload or download did: done keys, and failures by source.

    ``incomplete``: keys of failed uploads whose parts could not be removed from
    the server (it was unreachable): ``uploads()`` lists them, ``abort_upload`` frees them.
    """

    done: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    bytes: int = 0
    cancelled: bool = False
    incomplete: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UploadInfo:
    """An incomplete multipart upload: parts on the server that are no object yet."""

    key: str
    upload_id: str
    initiated: datetime | None
    size: int  # bytes of the parts uploaded
    parts: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "upload_id": self.upload_id,
            "initiated": self.initiated.isoformat() if self.initiated else None,
            "size": self.size,
            "parts": self.parts,
        }


@dataclass(frozen=True)
class BucketInfo:
    name: str
    created: datetime | None = None
