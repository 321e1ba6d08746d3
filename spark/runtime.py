"""The running server's shared parts, built once and handed to services."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from spark.adapters.db.database import Database
from spark.adapters.feeds_redis import RedisFeedCache
from spark.adapters.http import FederationHttp
from spark.adapters.jobs_sql import GroupEnqueuer
from spark.adapters.media_disk import DiskMediaStore
from spark.adapters.pubsub_memory import MemoryPubSub
from spark.adapters.pubsub_redis import RedisPubSub
from spark.config import Settings
from spark.ports import FeedCache, FeedChange, PubSub

logger = logging.getLogger(__name__)


def _after_commit(pubsub: PubSub, feed_cache: FeedCache | None):
    """What a committed transaction queued: live events to publish and feed changes for the cache.

    Both are best effort: if Redis is unreachable the action has still happened (queued jobs are still
    found by polling; cached feeds that missed changes are dropped when Redis is back, and rebuilt from
    the database), so the request must not fail after its commit."""

    async def hand_over(items: list) -> None:
        changes = [item for item in items if isinstance(item, FeedChange)]
        try:
            await pubsub.publish([item for item in items if not isinstance(item, FeedChange)])
        except Exception:  # noqa: BLE001 - logged; the committed action stands
            logger.exception("live events could not be published")
        if changes and feed_cache is not None:
            await feed_cache.apply(changes)  # never raises: see RedisFeedCache

    return hand_over


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
    feed_cache: FeedCache | None = None  # Redis, when configured; else home feeds are read from the database
    _http: FederationHttp | None = field(default=None, repr=False)
    _enqueuer: GroupEnqueuer | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        db = Database(settings.effective_database_url, server_pool_size=settings.database_pool_size)
        backlog = settings.streaming_backlog
        pubsub = (RedisPubSub(settings.redis_url, backlog) if settings.redis_url
                  else MemoryPubSub(backlog, alone=settings.processes == 1 and settings.embedded_worker))
        feed_cache = RedisFeedCache(settings.redis_url, settings.home_feed_size) if settings.redis_url else None
        db.on_commit = _after_commit(pubsub, feed_cache)  # once their transaction has committed
        return cls(
            settings=settings,
            db=db,
            media=DiskMediaStore(settings.media_dir, base_url=settings.base_url + "/media"),
            pubsub=pubsub,
            feed_cache=feed_cache,
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
        if self.feed_cache is not None:
            await self.feed_cache.close()
        await self.db.dispose()
