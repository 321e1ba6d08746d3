"""Keep-alive connections closed now and then, so that several server processes share the load.

With `spark serve --workers N` the processes accept from one socket, and a client that opens its
connections at once (a load balancer's pool, a load generator) may find most of them on one process:
kept alive, a connection never moves, so that process stays the slowest for as long as they live.
Here a response closes its connection (`Connection: close`; the client reconnects, wherever the kernel
puts it) with a probability that grows with the connections this process is serving. A process holding
more than its share then sheds them faster than the others, and the connections even out; a lone client
is rarely disturbed. `every` is about how many responses a connection gets while it is the process's
only one; with n connections, n times fewer (1,000 and ten connections: one in a hundred).
"""

from __future__ import annotations

import random
import time

_CLOSE = (b"connection", b"close")
_ACTIVE_SECONDS = 1.0  # a connection that sent nothing for this long is not counted


class KeepAliveLimit:
    """ASGI middleware closing kept-alive HTTP connections at a rate that balances processes."""

    def __init__(self, app, every: int):
        self.app = app
        self.every = every
        self._last_seen: dict[tuple, float] = {}  # client (address, port) → when it last sent a request
        self._pruned_at = 0.0

    def _active(self, client: tuple, now: float) -> int:
        self._last_seen[client] = now
        if now - self._pruned_at > _ACTIVE_SECONDS:
            self._pruned_at = now
            self._last_seen = {c: seen for c, seen in self._last_seen.items() if now - seen <= _ACTIVE_SECONDS}
        return len(self._last_seen)

    async def __call__(self, scope, receive, send):
        client = scope.get("client")
        if scope["type"] != "http" or self.every <= 0 or client is None:
            return await self.app(scope, receive, send)
        active = self._active(tuple(client), time.monotonic())
        if random.random() * self.every >= active:
            return await self.app(scope, receive, send)
        self._last_seen.pop(tuple(client), None)

        async def closing(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), _CLOSE]}
            await send(message)

        return await self.app(scope, receive, closing)
