"""Delivery, declared as two jobs: `federate` (one activity → the inboxes it must reach, one
`deliver` job per shared inbox, written in one transaction) and `deliver` (a signed POST, retried
on Mastodon's schedule over about two days; 4xx answers other than 408/429 are final).

Both are queued in the transaction of the action that causes them (services call outbox.py), so a
crash loses nothing; a delivery is deleted as soon as its server acknowledged it."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, case, func, select, true, update

from spark.adapters import jobs_sql
from spark.adapters.db import schema as t
from spark.adapters.db.functions import per_dialect, upsert
from spark.adapters.http import FetchError
from spark.federation import keys, urls
from spark.federation.convert import encode
from spark.runtime import Runtime

logger = logging.getLogger(__name__)
UNAVAILABLE_AFTER = 8  # consecutive failed deliveries before a domain is reported unavailable


class GiveUp(Exception):
    """The remote server refused for good (4xx): retrying would not help."""


class TryLater(Exception):
    """The remote server is down, slow or overloaded: retry on the schedule, or after `retry_after`
    seconds when the server said so (429/503 with Retry-After), whichever is later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


async def inboxes_for(conn, *, actor_id: int, followers: bool, account_ids: list[int]) -> list[str]:
    """Distinct inboxes (shared where offered) of the remote followers and the named remote accounts."""
    inbox = func.coalesce(t.accounts.c.shared_inbox_url, t.accounts.c.inbox_url)
    found: set[str] = set()
    if followers:
        query = (select(inbox).distinct().select_from(t.follows)
                 .join(t.accounts, t.accounts.c.id == t.follows.c.account_id)
                 .where(t.follows.c.target_account_id == actor_id, t.follows.c.remote_follower == true(),
                        t.accounts.c.domain != "",
                        t.accounts.c.suspended_at.is_(None)))
        found.update(x for x in (await conn.execute(query)).scalars() if x)
    if account_ids:
        query = select(inbox).where(t.accounts.c.id.in_(account_ids), t.accounts.c.domain != "")
        found.update(x for x in (await conn.execute(query)).scalars() if x)
    suspended = set((await conn.execute(select(t.federation_domains.c.domain).where(
        t.federation_domains.c.severity == "suspend"))).scalars())
    return sorted(i for i in found if urls.host_of(i) not in suspended)


async def federate_job(rt: Runtime, payload: dict) -> None:
    async with rt.db.write() as conn:
        inboxes = await inboxes_for(conn, actor_id=payload["actor_id"], followers=payload.get("followers", False),
                                    account_ids=payload.get("account_ids", []))
        inboxes = sorted(set(inboxes) | set(payload.get("inboxes", [])))
        await jobs_sql.enqueue_many(conn, "deliver", [
            {"inbox": inbox, "actor_id": payload["actor_id"], "activity": payload["activity"]} for inbox in inboxes])


_usernames: dict[int, str] = {}  # local accounts never change username
_healthy: dict[str, float] = {}  # domain -> until when it is known to have no recorded failures
HEALTHY_FOR = 60.0


async def _signing_key(rt: Runtime, actor_id: int):
    if actor_id == urls.INSTANCE_ACTOR_ID:
        return await keys.instance_signing_key(rt)
    if actor_id not in _usernames:
        async with rt.db.read() as conn:
            username = await conn.scalar(select(t.accounts.c.username).where(t.accounts.c.id == actor_id))
        if username is None:
            raise GiveUp("the sending account no longer exists")
        _usernames[actor_id] = username
    return await keys.signing_key(rt, actor_id, _usernames[actor_id])


@dataclass
class _Traffic:
    """Requests to one host now: those sending (with when each was sent) and those waiting for a place."""

    places: asyncio.Semaphore
    users: int = 0  # requests sending or waiting
    sent_at: dict[object, float] = field(default_factory=dict)


class Breaker:
    """Per-host circuit breaker (in this process): after BREAK_AFTER failures in a row a host gets one
    probe delivery every PROBE_SECONDS and the others wait for their next retry without a connection,
    so a dead server costs at most one request in flight instead of a worker lane full of timeouts. A host
    that has kept a request waiting for SLOW_AFTER seconds gets no other until it answers: the rest wait
    for their next retry too (a server that never answers would otherwise get a request per post, each
    held for the whole timeout, before its failures are counted). And no host has more than PER_HOST
    requests in flight at once: the others queue here (a burst to one server without a shared inbox)."""

    BREAK_AFTER = 5
    PROBE_SECONDS = 30.0
    SLOW_AFTER = 1.0
    PER_HOST = 16

    def __init__(self):
        self._failures: dict[str, int] = {}
        self._probe_at: dict[str, float] = {}
        self._traffic: dict[str, _Traffic] = {}  # only hosts with requests sending or waiting

    def admit(self, host: str) -> bool:
        now = time.monotonic()
        traffic = self._traffic.get(host)
        if traffic and traffic.sent_at and now - min(traffic.sent_at.values()) > self.SLOW_AFTER:
            return False
        if self._failures.get(host, 0) < self.BREAK_AFTER:
            return True
        if now < self._probe_at.get(host, 0):
            return False
        self._probe_at[host] = now + self.PROBE_SECONDS  # this one is the probe; the rest wait
        return True

    @asynccontextmanager
    async def sending(self, host: str):
        """Around a request to `host`: waits for one of its PER_HOST places, and lets one kept waiting be
        seen (see SLOW_AFTER)."""
        traffic = self._traffic.setdefault(host, _Traffic(asyncio.Semaphore(self.PER_HOST)))
        traffic.users += 1
        try:
            async with traffic.places:
                request = object()
                traffic.sent_at[request] = time.monotonic()
                try:
                    yield
                finally:
                    del traffic.sent_at[request]
        finally:
            traffic.users -= 1
            if not traffic.users:
                del self._traffic[host]

    def record(self, host: str, ok: bool) -> None:
        if ok:
            self._failures.pop(host, None)
            self._probe_at.pop(host, None)
        else:
            self._failures[host] = self._failures.get(host, 0) + 1


breaker = Breaker()


async def deliver_job(rt: Runtime, payload: dict) -> None:
    inbox = payload["inbox"]
    host = urls.host_of(inbox)
    if not breaker.admit(host):
        raise TryLater(f"{host} is failing or slow; waiting for its next probe")
    key = await _signing_key(rt, payload["actor_id"])
    try:
        async with breaker.sending(host):
            status, retry_after = await rt.http.deliver(inbox, encode(payload["activity"]), key=key)
    except FetchError as error:
        breaker.record(host, ok=False)
        await _record(rt, inbox, ok=False)
        raise TryLater(f"{inbox}: {error}") from None
    if status in (408, 429) or status >= 500:
        breaker.record(host, ok=False)
        await _record(rt, inbox, ok=False)
        raise TryLater(f"{inbox} answered {status}", retry_after)
    breaker.record(host, ok=True)
    if 200 <= status < 300:
        await _record(rt, inbox, ok=True)
        return
    raise GiveUp(f"{inbox} answered {status}")


_FAILURES = select(t.federation_domains.c.failures).where(  # built once: asked after most deliveries
    t.federation_domains.c.domain == bindparam("domain"))


# One more failure for a domain, and from the UNAVAILABLE_AFTER-th in a row on it is unavailable: one
# statement (it runs for every failed delivery, and B5's dead servers fail thousands).
_count_failure = per_dialect(lambda conn: upsert(
    conn, t.federation_domains, ["domain"], {"domain": bindparam("domain"), "failures": 1},
    {"failures": t.federation_domains.c.failures + 1,
     "unavailable_since": case((t.federation_domains.c.unavailable_since.is_(None)
                                & (t.federation_domains.c.failures + 1 >= UNAVAILABLE_AFTER), bindparam("now")),
                               else_=t.federation_domains.c.unavailable_since)}))


async def _record(rt: Runtime, inbox: str, *, ok: bool) -> None:
    """Per-domain health: consecutive failures, and since when the domain has been unavailable."""
    domain = urls.host_of(inbox)
    domains = t.federation_domains
    if ok:
        # Most deliveries succeed to healthy domains: a read (and a minute's memory) instead of a write.
        if _healthy.get(domain, 0) > time.monotonic():
            return
        async with rt.db.read() as conn:
            failures = await conn.scalar(_FAILURES, {"domain": domain})
        if failures:
            async with rt.db.write() as conn:
                await conn.execute(update(domains).where(domains.c.domain == domain)
                                   .values(failures=0, unavailable_since=None))
        _healthy[domain] = time.monotonic() + HEALTHY_FOR
        return
    _healthy.pop(domain, None)
    async with rt.db.write() as conn:
        await conn.execute(_count_failure(conn), {"domain": domain, "now": datetime.now(UTC)})
