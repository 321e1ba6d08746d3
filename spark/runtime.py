"""The running server's shared parts, built once and handed to services."""

from __future__ import annotations

from dataclasses import dataclass

from spark.adapters.db.database import Database
from spark.adapters.media_disk import DiskMediaStore
from spark.config import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    media: DiskMediaStore

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            db=Database(settings.effective_database_url, server_pool_size=settings.database_pool_size),
            media=DiskMediaStore(settings.media_dir, base_url=settings.base_url + "/media"),
        )

    def url(self, path: str) -> str:
        return self.settings.base_url + path

    async def close(self) -> None:
        await self.db.dispose()
