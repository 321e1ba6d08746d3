"""PubSub within one process: the embedded default."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

BACKLOG = 1000  # messages a listener may fall behind by before it is cut off
HEARTBEAT = ("", b"")


class MemorySubscription:
    def __init__(self, hub: MemoryPubSub, backlog: int = BACKLOG):
        self._hub = hub
        self._queue: asyncio.Queue = asyncio.Queue()
        self._backlog = backlog
        self.channels: set[str] = set()
        self.overflowed = False  # fell too far behind: its iteration ends, the caller says why

    def deliver(self, channel: str, payload: bytes) -> None:
        if self.overflowed:
            return
        if self._queue.qsize() >= self._backlog:
            self.overflowed = True
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait((channel, payload))

    def wake(self) -> None:
        """Make the iterator yield a heartbeat, ("", b""), without any message."""
        if not self.overflowed:
            self._queue.put_nowait(HEARTBEAT)

    async def subscribe(self, channels: list[str]) -> None:
        for channel in channels:
            self.channels.add(channel)
            self._hub.listeners[channel].add(self)

    async def unsubscribe(self, channels: list[str]) -> None:
        for channel in channels:
            self.channels.discard(channel)
            listeners = self._hub.listeners.get(channel)
            if listeners is not None:
                listeners.discard(self)
                if not listeners:
                    del self._hub.listeners[channel]

    async def close(self) -> None:
        await self.unsubscribe(list(self.channels))
        self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        while (item := await self._queue.get()) is not None:
            yield item


class MemoryPubSub:
    """alone: this is the only process that publishes (no other `spark serve` or `spark worker` runs on
    the same database), so watchers hear every message."""

    def __init__(self, backlog: int = BACKLOG, *, alone: bool = True):
        self.backlog = backlog
        self.alone = alone
        self.listeners: dict[str, set[MemorySubscription]] = defaultdict(set)
        self.watchers: dict[str, list[Callable[[bytes], None]]] = defaultdict(list)

    async def publish(self, messages: list[tuple[str, bytes]]) -> None:
        self.notify_watchers(messages)
        for channel, payload in messages:
            for subscription in list(self.listeners.get(channel, ())):
                subscription.deliver(channel, payload)

    async def watch(self, channel: str, callback: Callable[[bytes], None]) -> bool:
        self.watchers[channel].append(callback)
        return self.alone

    def notify_watchers(self, messages: list[tuple[str, bytes]]) -> None:
        for channel, payload in messages:
            for callback in self.watchers.get(channel, ()):
                callback(payload)

    async def subscription(self) -> MemorySubscription:
        return MemorySubscription(self, self.backlog)

    async def close(self) -> None:
        self.listeners.clear()
        self.watchers.clear()
