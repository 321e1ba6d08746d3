"""The inbox: the edge verifies and stores, a job handles (Takahē's and Mastodon's split).

`receive` checks size, shape, the HTTP signature (the key re-fetched once on failure: key rotation)
and that the signer is the activity's actor, then queues the activity and the route answers 202.
`process_many` (or `process_job`) runs the handler for the activity's type, once per activity id."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import timedelta

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore, per_dialect
from spark.federation import deref, handlers, urls
from spark.federation.convert import id_of, types_of
from spark.federation.signatures import SignatureError, signature_key_id, verify_request
from spark.runtime import Runtime

logger = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # bytes; Mastodon's own limit is about the same
MAX_NESTING = 24
# Signatures may be 12 hours old (Mastodon's window), but a request dated in the future is another matter:
# a clock that far ahead, or a signature made to outlive the replay window. Mastodon allows 1 hour of skew
# for `created`; we allow half of that.
FUTURE_SKEW = timedelta(minutes=30)


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def _depth(value, limit: int) -> int:
    """Nesting depth of a JSON value, stopping early past `limit`."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse(body: bytes) -> dict:
    if len(body) > MAX_BODY:
        raise Refused(413, "activity too large")
    try:
        activity = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refused(400, "body is not JSON") from None
    if not isinstance(activity, dict) or not types_of(activity) or id_of(activity.get("actor")) is None:
        raise Refused(400, "not an activity (type and actor are required)")
    if _depth(activity, MAX_NESTING) > MAX_NESTING:
        raise Refused(400, "activity nested too deeply")
    return activity


_severities: dict[str, tuple[str | None, float]] = {}  # host -> (severity, until when it is believed)
SEVERITY_TTL = 10.0  # seconds a domain block may take to reach the inbox of every process


async def domain_severity(rt: Runtime, host: str) -> str | None:
    known = _severities.get(host)
    if known is not None and known[1] > time.monotonic():
        return known[0]
    async with rt.db.read() as conn:
        severity = await conn.scalar(select(t.federation_domains.c.severity).where(
            t.federation_domains.c.domain == host))
    if len(_severities) > 10_000:
        _severities.clear()
    _severities[host] = (severity, time.monotonic() + SEVERITY_TTL)
    return severity


async def receive(rt: Runtime, *, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
    """Verify an inbox POST and queue it; raises Refused with the status to answer."""
    activity = parse(body)
    key_id = signature_key_id(headers)
    if key_id is None:
        raise Refused(401, "request is not signed")
    actor_uri = id_of(activity.get("actor"))
    if urls.is_local(rt, key_id) or urls.is_local(rt, actor_uri):
        raise Refused(401, "signed with a key of this server")
    if await domain_severity(rt, urls.host_of(key_id)) == "suspend":
        raise Refused(403, "domain is suspended here")
    try:
        signer = await deref.actor_by_key_id(rt, key_id)
    except deref.NotFound as error:
        if types_of(activity) == {"Delete"} and id_of(activity.get("object")) == actor_uri:
            return  # a deleted actor's last words: its key is gone and so is anything to do
        raise Refused(401, f"signing key unavailable: {error}") from None
    try:
        verify_request(method, url, headers, body, signer.public_key_pem or "", max_future=FUTURE_SKEW)
    except SignatureError:
        try:  # the actor may have rotated its key: fetch it once more
            signer = await deref.actor_by_key_id(rt, key_id, refresh=True)
            verify_request(method, url, headers, body, signer.public_key_pem or "", max_future=FUTURE_SKEW)
        except (deref.NotFound, SignatureError) as error:
            raise Refused(401, f"signature does not verify: {error}") from None
    if signer.uri != actor_uri:
        raise Refused(401, "the signer is not the activity's actor")
    activity_id = id_of(activity.get("id"))
    if activity_id is not None and urls.host_of(activity_id) != urls.host_of(actor_uri):
        raise Refused(400, "the activity's id is not on its actor's host")
    await rt.enqueuer.enqueue("inbox", {"activity": activity, "signer_id": signer.id})


async def process_job(rt: Runtime, payload: dict) -> None:
    """One activity on its own (see process_many for the usual way): its handler's writes commit as
    they go, and the activity is marked seen once they are done."""
    activity = payload["activity"]
    async with rt.db.read() as conn:
        signer = await _signer(conn, payload["signer_id"])
        activity_id = _id(activity)
        if activity_id and await conn.scalar(select(t.federation_seen.c.activity_id).where(
                t.federation_seen.c.activity_id == activity_id)):
            return  # delivered before: a replay or a retry changes nothing
    if not _usable(signer):
        return
    await _handle(rt, signer, activity)
    if activity_id:
        async with rt.db.write() as conn:
            await _seen(conn, activity_id)


async def process_many(rt: Runtime, conn: AsyncConnection, payloads: list[dict]) -> list[int]:
    """Activities applied in the batch transaction `conn` (Database.batch), each in a savepoint. Returns
    the indexes of those undone, to be run on their own: they failed, or need another server, which is not
    asked while the batch holds the database writer."""
    undone = []
    signers = {row.id: row for row in await conn.execute(_SIGNERS, {"ids": list({p["signer_id"] for p in payloads})})}
    with deref.offline():
        for index, payload in enumerate(payloads):
            try:
                async with rt.db.savepoint(conn):
                    await _apply(rt, conn, payload, signers)
            except Exception as error:  # noqa: BLE001 - run again alone, where failures are logged and retried
                logger.debug("inbox activity deferred from its batch: %r", error)
                undone.append(index)
            _forget_signers(signers, payload)
    return undone


async def _apply(rt: Runtime, conn: AsyncConnection, payload: dict, signers: dict) -> None:
    """One activity of a batch, its signer as read for the batch (or again, see _forget_signers). It is
    marked seen first, which also tells whether it was (one statement instead of two); if its handler fails,
    the savepoint undoes the mark."""
    signer_id = payload["signer_id"]
    signer = signers[signer_id] if signer_id in signers else await _signer(conn, signer_id)
    if _usable(signer) and await _first_time(conn, payload["activity"]):
        await _handle(rt, signer, payload["activity"])


def _forget_signers(signers: dict, payload: dict) -> None:
    """After an activity, the signer rows it may have changed are read again when next needed: its own (it
    may have deleted or updated itself, or changed its counts), and every one after a Move (the new account
    gains followers)."""
    if "Move" in types_of(payload["activity"]):
        signers.clear()
    signers.pop(payload["signer_id"], None)


# Statements run for every activity, built once: building one cost as much as running it (B6).
_SIGNER = select(t.accounts).where(t.accounts.c.id == bindparam("id"))
_SIGNERS = select(t.accounts).where(t.accounts.c.id.in_(bindparam("ids", expanding=True)))
_mark_seen = per_dialect(lambda conn: insert_ignore(conn, t.federation_seen, activity_id=bindparam("activity_id")))


def _seen(conn: AsyncConnection, activity_id: str):
    """Mark an activity seen (unless it was): the statement's result tells which."""
    return conn.execute(_mark_seen(conn), {"activity_id": activity_id})


async def _signer(conn: AsyncConnection, signer_id: int):
    return (await conn.execute(_SIGNER, {"id": signer_id})).first()


def _id(activity: dict) -> str | None:
    activity_id = id_of(activity.get("id"))
    return activity_id[:2048] if activity_id else None


async def _first_time(conn: AsyncConnection, activity: dict) -> bool:
    """Mark the activity seen; False if it was already (a replay or a retry changes nothing)."""
    activity_id = _id(activity)
    if activity_id is None:
        return True
    return (await _seen(conn, activity_id)).rowcount == 1


def _usable(signer) -> bool:
    """Whether the signer's account is still here and not suspended (else its activities are dropped)."""
    return signer is not None and signer.suspended_at is None


async def _handle(rt: Runtime, signer, activity: dict) -> None:
    """Run the handler for the activity's type."""
    for kind in sorted(types_of(activity)):
        handler = handlers.DISPATCH.get(kind)
        if handler is not None:
            await handler(rt, signer, activity)
            return
    logger.info("ignored %s activity %s", sorted(types_of(activity)), _id(activity))
