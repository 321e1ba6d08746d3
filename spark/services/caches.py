"""In-process caches: bounded, and (Kept) timed and forgotten on change."""

from __future__ import annotations

from time import monotonic


class Memo(dict):
    """A bounded cache of values that never go stale (their keys carry a version): a dict, so a hit costs
    one `get`; past `maxsize` the oldest entry goes (a hot one is simply made again)."""

    def __init__(self, maxsize: int):
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key, value) -> None:
        if len(self) >= self.maxsize and key not in self:
            del self[next(iter(self))]
        super().__setitem__(key, value)


class Kept:
    """A bounded cache of values kept a while, and dropped as soon as `forget` is told they changed: a read
    that overlapped a change (`changes` taken before it, given to `keep`) does not keep its answer."""

    def __init__(self, maxsize: int):
        self.entries = Memo(maxsize)  # key → (monotonic deadline, value)
        self.changes = 0

    def get(self, key):
        kept = self.entries.get(key)
        if kept is None:
            return None
        if kept[0] > monotonic():
            return kept[1]
        self.entries.pop(key, None)
        return None

    def keep(self, key, value, ttl: float, changes: int) -> None:
        """Keep `value` for `ttl` seconds, unless something was forgotten since `changes` was read."""
        if changes == self.changes and ttl > 0:
            self.entries[key] = (monotonic() + ttl, value)

    def forget(self, keys=None) -> None:
        """Drop the values of `keys` (of every key, for None)."""
        self.changes += 1
        if keys is None:
            self.entries.clear()
        for key in keys or ():
            self.entries.pop(key, None)
