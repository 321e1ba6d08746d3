"""Home feeds cached in Redis: the newest entries of each active reader's feed as a sorted set.

Members are status ids zero-padded to 20 digits, all with score 0, so that Redis orders them
exactly by id (lexicographic ranges); scores would be doubles and lose the low bits of 64-bit ids.
Only feeds that are already cached take new entries; a missing feed is rebuilt from the database
when its owner next reads it, and an unread one expires, so inactive accounts cost nothing here.
A `:whole` flag marks a cached feed that holds every entry the database has.

While Redis cannot be reached, feeds are read from the database and changes cannot be applied, so
once it answers again this process drops every cached feed before using the cache: a feed that
missed a change (or came back from an old snapshot) is never served.
"""

from __future__ import annotations

import logging
import time

import redis.asyncio as redis

from spark.ports import FeedChange

PREFIX = "spark:feed:"
TTL_SECONDS = 14 * 24 * 3600  # a feed nobody read for two weeks is dropped (rebuilt on return)
KEYS_PER_CALL = 500
WARN_EVERY_SECONDS = 60.0

logger = logging.getLogger(__name__)

# KEYS: feeds; ARGV: member, size. Adds to cached feeds only, keeps the newest `size`; a feed that
# had to drop old entries no longer holds the whole feed.
_ADD = """
local member, size = ARGV[1], tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, 0, member)
    if redis.call('ZREMRANGEBYRANK', key, 0, -(size + 1)) > 0 then
      redis.call('DEL', key .. ':whole')
    end
  end
end
return 0
"""


def _member(status_id: int) -> str:
    return f"{status_id:020d}"


def _key(account_id: int) -> str:
    return f"{PREFIX}{account_id}"


class RedisFeedCache:
    def __init__(self, url: str, size: int):
        self._redis = redis.from_url(url)
        self._size = size
        self._add = self._redis.register_script(_ADD)
        self._warned_at = float("-inf")
        self._stale = False  # Redis was unreachable: cached feeds may have missed changes

    def _unreachable(self, error: Exception) -> None:
        """Reads go to the database while Redis is away; say so now and then, not on every read."""
        self._stale = True
        if time.monotonic() - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = time.monotonic()
            logger.warning("home feed cache unreachable, reading feeds from the database: %s", error)

    async def _forget_all_if_stale(self) -> None:
        if self._stale:
            cursor = None
            while cursor != 0:
                cursor, keys = await self._redis.scan(cursor or 0, match=PREFIX + "*", count=1000)
                if keys:
                    await self._redis.delete(*keys)
            self._stale = False
            logger.warning("home feed cache reachable again; cached feeds dropped, to be rebuilt")

    async def window(self, account_id: int, *, max_id: int | None, since_id: int | None, min_id: int | None,
                     limit: int) -> list[int] | None:
        try:
            await self._forget_all_if_stale()
            return await self._window(account_id, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        except (redis.RedisError, OSError) as error:
            self._unreachable(error)
            return None

    async def _window(self, account_id: int, *, max_id: int | None, since_id: int | None, min_id: int | None,
                      limit: int) -> list[int] | None:
        key = _key(account_id)
        upper = f"({_member(max_id)}" if max_id is not None else "+"
        async with self._redis.pipeline(transaction=False) as pipe:
            if min_id is not None:  # oldest first, from just above min_id
                pipe.zrangebylex(key, f"({_member(min_id)}", upper, start=0, num=limit)
            else:
                lower = f"({_member(since_id)}" if since_id is not None else "-"
                pipe.zrevrangebylex(key, upper, lower, start=0, num=limit)
            pipe.zrange(key, 0, 0)
            pipe.exists(key + ":whole")
            pipe.expire(key, TTL_SECONDS)
            pipe.expire(key + ":whole", TTL_SECONDS)
            found, oldest, whole, cached, _ = await pipe.execute()
        if not cached:
            return None
        ids = [int(member) for member in found if member]
        if len(ids) >= limit or whole:
            return ids
        # Short of a full page: complete only if the page's lower bound lies within what is cached.
        bound = min_id if min_id is not None else since_id
        if oldest and oldest[0] and bound is not None and bound >= int(oldest[0]):
            return ids
        return None

    async def fill(self, account_id: int, newest_ids: list[int], *, whole: bool) -> None:
        try:
            await self._forget_all_if_stale()
            await self._fill(account_id, newest_ids, whole=whole)
        except (redis.RedisError, OSError) as error:
            self._unreachable(error)

    async def _fill(self, account_id: int, newest_ids: list[int], *, whole: bool) -> None:
        key = _key(account_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key, key + ":whole")
            if newest_ids:
                pipe.zadd(key, {_member(i): 0 for i in newest_ids[: self._size]})
            else:
                pipe.zadd(key, {"": 0})  # an empty feed is still a cached feed ("" sorts before every id)
            if whole:
                pipe.set(key + ":whole", 1, ex=TTL_SECONDS)
            pipe.expire(key, TTL_SECONDS)
            await pipe.execute()

    async def apply(self, changes: list[FeedChange]) -> None:
        try:
            await self._forget_all_if_stale()
            await self._apply(changes)
        except (redis.RedisError, OSError) as error:
            self._unreachable(error)

    async def _apply(self, changes: list[FeedChange]) -> None:
        for change in changes:
            keys = [_key(a) for a in change.account_ids]
            for start in range(0, len(keys), KEYS_PER_CALL):
                chunk = keys[start: start + KEYS_PER_CALL]
                if change.added is not None:
                    await self._add(keys=chunk, args=[_member(change.added), self._size])
                elif change.dropped:
                    await self._redis.delete(*chunk, *(k + ":whole" for k in chunk))
                elif change.removed:
                    members = [_member(i) for i in change.removed]
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for key in chunk:
                            pipe.zrem(key, *members)
                        await pipe.execute()

    async def close(self) -> None:
        await self._redis.aclose()
