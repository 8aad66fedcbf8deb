"""``file://DIR``: one ``.eml`` file per message (the embedded default)."""

from __future__ import annotations

import itertools
import os
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tqconsole.backends.mail.base import BaseEmailBackend, MailUnavailable
from tqconsole.errors import ConfigError

_counter = itertools.count(1)


class FileBackend(BaseEmailBackend):
    scheme = "file"

    def __init__(self, file_path: str | os.PathLike, **options):
        super().__init__(**options)
        self.file_path = Path(file_path)

    @classmethod
    def from_url(cls, url, **options):
        parts = urlsplit(url)
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ConfigError(f"TQ_EMAIL_URL {url!r} names no folder")
        return cls(path, **options)

    def open(self) -> bool:
        try:
            self.file_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailUnavailable(
                f"cannot create mail folder {self.file_path}: {exc.strerror}"
            ) from None
        return False

    def deliver_raw(self, sender, recipients, data):
        self.check_writable()
        self.open()
        name = f"{datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}-{next(_counter)}.eml"
        try:
            (self.file_path / name).write_bytes(data)
        except OSError as exc:
            raise MailUnavailable(f"cannot write {self.file_path / name}: {exc.strerror}") from None
        return {}

    def probe(self):
        count = sum(1 for _ in self.file_path.glob("*.eml")) if self.file_path.is_dir() else 0
        return f"folder {self.file_path}", [("files", f"{count:,} .eml")]
