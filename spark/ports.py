"""The boundaries services depend on, as Protocols; adapters implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator
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

    async def close(self) -> None: ...
