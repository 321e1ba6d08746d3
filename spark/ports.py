"""The boundaries services depend on, as Protocols; adapters implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol


class Subscription(Protocol):
    """Messages on the channels subscribed to, as (channel, payload), until closed."""

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]: ...

    def wake(self) -> None:
        """Yield a heartbeat, ("", b""), soon: lets a holder of many subscriptions keep them alive
        without a timer each."""

    async def subscribe(self, channels: list[str]) -> None: ...

    async def unsubscribe(self, channels: list[str]) -> None: ...

    async def close(self) -> None: ...


class PubSub(Protocol):
    """Fire-and-forget messages to whoever listens now, in this process or (Redis) in any."""

    async def publish(self, messages: list[tuple[str, bytes]]) -> None: ...

    async def subscription(self) -> Subscription: ...

    async def watch(self, channel: str, callback: Callable[[bytes], None]) -> bool:
        """Call `callback(payload)` for each message on `channel` from now on, in the publishing process as
        it publishes: for caches that must forget what a commit changed before its response goes out.
        False if messages from other processes cannot be heard now (Redis unreachable)."""

    async def close(self) -> None: ...


@dataclass(frozen=True)
class FeedChange:
    """What a committed transaction did to some home feeds: added one post, removed posts, or changed
    them so much (follow, unfollow, block) that a cached copy is best dropped and rebuilt."""

    account_ids: list[int]
    added: int | None = None
    removed: list[int] = field(default_factory=list)
    dropped: bool = False


class FeedCache(Protocol):
    """A cache of the newest entries of home feeds (Redis at scale); the database stays the truth."""

    async def window(self, account_id: int, *, max_id: int | None, since_id: int | None, min_id: int | None,
                     limit: int) -> list[int] | None:
        """Status ids for a page, newest first, or None when the cache cannot answer it in full."""

    async def fill(self, account_id: int, newest_ids: list[int], *, whole: bool) -> None:
        """Cache a feed's newest ids; `whole` when they are all the feed has."""

    async def apply(self, changes: list[FeedChange]) -> None: ...

    async def close(self) -> None: ...
