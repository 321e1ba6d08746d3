"""Media files on local disk, stored only under server-generated keys."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

_KEY_RE = re.compile(r"^[a-z0-9]{2}/[a-z0-9]{2}/[a-z0-9_]{8,64}\.(png|jpg|jpeg|webp|gif|mp4|webm|mp3|ogg)$")


class DiskMediaStore:
    def __init__(self, root: Path, *, base_url: str):
        self.root = root
        self.base_url = base_url

    @staticmethod
    def new_key(extension: str) -> str:
        """A fresh key; user-supplied file names never reach the file system."""
        name = secrets.token_hex(16)
        return f"{name[:2]}/{name[2:4]}/{name}.{extension}"

    def path(self, key: str) -> Path:
        if not _KEY_RE.match(key):
            raise ValueError("invalid media key")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink()
        except (FileNotFoundError, ValueError):
            pass

    def url(self, key: str | None) -> str | None:
        return f"{self.base_url}/{key}" if key else None
