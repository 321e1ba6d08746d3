"""The running server's shared parts, built once and handed to services."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from spark.adapters.db.database import Database
from spark.adapters.http import FederationHttp
from spark.adapters.jobs_sql import GroupEnqueuer
from spark.adapters.media_disk import DiskMediaStore
from spark.adapters.pubsub_memory import MemoryPubSub
from spark.adapters.pubsub_redis import RedisPubSub
from spark.config import Settings
from spark.ports import PubSub

logger = logging.getLogger(__name__)


def _best_effort(publish):
    """Live events are a courtesy: if Redis is unreachable the action has still happened (and queued
    jobs are still found by polling), so the request must not fail after its commit."""

    async def publish_or_log(messages: list) -> None:
        try:
            await publish(messages)
        except Exception:  # noqa: BLE001 - logged; the committed action stands
            logger.exception("live events could not be published")

    return publish_or_log


def _host_map(spec: str) -> dict[str, str]:
    """SPARK_FEDERATION_HOSTS (test only): "name=address,name=address" → {name: address}."""
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {name.strip().lower().rstrip("."): address.strip() for name, address in pairs}


@dataclass
class Runtime:
    settings: Settings
    db: Database
    media: DiskMediaStore
    pubsub: PubSub
    _http: FederationHttp | None = field(default=None, repr=False)
    _enqueuer: GroupEnqueuer | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        db = Database(settings.effective_database_url, server_pool_size=settings.database_pool_size)
        backlog = settings.streaming_backlog
        pubsub = RedisPubSub(settings.redis_url, backlog) if settings.redis_url else MemoryPubSub(backlog)
        db.on_commit = _best_effort(pubsub.publish)  # live events leave once their transaction has committed
        return cls(
            settings=settings,
            db=db,
            media=DiskMediaStore(settings.media_dir, base_url=settings.base_url + "/media"),
            pubsub=pubsub,
        )

    def url(self, path: str) -> str:
        return self.settings.base_url + path

    @property
    def enqueuer(self) -> GroupEnqueuer:
        """Queues jobs from concurrent requests in shared transactions (see GroupEnqueuer)."""
        if self._enqueuer is None:
            self._enqueuer = GroupEnqueuer(self.db)
        return self._enqueuer

    @property
    def http(self) -> FederationHttp:
        """The client for other servers (made on first use: many processes never federate)."""
        if self._http is None:
            from spark import __version__

            self._http = FederationHttp(user_agent=f"Spark/{__version__} (+{self.settings.base_url}/)",
                                        allow_private=self.settings.federation_allow_private,
                                        host_map=_host_map(self.settings.federation_hosts))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        await self.pubsub.close()
        await self.db.dispose()
