"""PubSub over Redis: a message published by any Spark process reaches listeners in every one.

One Redis connection per process carries every subscription; this process's listeners are
multiplexed over it by the in-process hub.
"""

from __future__ import annotations

import asyncio
import contextlib

import redis.asyncio as redis

from spark.adapters.pubsub_memory import MemoryPubSub, MemorySubscription

PREFIX = "spark:"


class RedisSubscription(MemorySubscription):
    async def subscribe(self, channels: list[str]) -> None:
        new = [c for c in channels if c not in self._hub.listeners]
        await super().subscribe(channels)
        if new:
            await self._hub.redis_subscribe(new)

    async def unsubscribe(self, channels: list[str]) -> None:
        await super().unsubscribe(channels)
        gone = [c for c in channels if c not in self._hub.listeners and c not in self._hub.watchers]
        if gone:
            await self._hub.redis_unsubscribe(gone)


class RedisPubSub(MemoryPubSub):
    def __init__(self, url: str, backlog: int):
        super().__init__(backlog)
        self._redis = redis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._reader: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def publish(self, messages: list[tuple[str, bytes]]) -> None:
        if not messages:
            return
        self.notify_watchers(messages)  # here at once; Redis brings them back later (watchers take both)
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel, payload in messages:
                pipe.publish(PREFIX + channel, payload)
            await pipe.execute()

    async def subscription(self) -> RedisSubscription:
        return RedisSubscription(self, self.backlog)

    async def watch(self, channel: str, callback) -> bool:
        await super().watch(channel, callback)
        try:
            await self.redis_subscribe([channel])
        except (redis.RedisError, OSError):
            return False
        return True

    async def redis_subscribe(self, channels: list[str]) -> None:
        async with self._lock:
            await self._pubsub.subscribe(*(PREFIX + c for c in channels))
            if self._reader is None:
                self._reader = asyncio.create_task(self._read())

    async def redis_unsubscribe(self, channels: list[str]) -> None:
        async with self._lock:
            with contextlib.suppress(redis.RedisError, OSError):  # gone with the connection anyway
                await self._pubsub.unsubscribe(*(PREFIX + c for c in channels))

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except (redis.ConnectionError, RuntimeError):
                await asyncio.sleep(0.5)  # not subscribed yet, or Redis restarting: try again
                continue
            if message and message["type"] == "message":
                channel = message["channel"].decode().removeprefix(PREFIX)
                await MemoryPubSub.publish(self, [(channel, message["data"])])

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()
        await self._redis.aclose()
        await super().close()
