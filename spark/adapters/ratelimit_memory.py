"""Fixed-window rate-limit counters kept in this process (Redis-backed counters come with scale-out)."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int
    remaining: int
    reset_at: float  # epoch seconds

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0


class MemoryRateLimiter:
    def __init__(self, max_keys: int = 200_000):
        self._counts: dict[tuple[str, str, int], int] = {}
        self._max_keys = max_keys

    def hit(self, bucket: str, key: str, limit: int, period: int, now: float | None = None) -> Window:
        now = time.time() if now is None else now
        window = int(now // period)
        slot = (bucket, key, window)
        if len(self._counts) > self._max_keys:
            self._counts = {k: v for k, v in self._counts.items() if k[2] * period + period > now}
        count = self._counts.get(slot, 0) + 1
        self._counts[slot] = count
        return Window(limit, limit - count, (window + 1) * period)
