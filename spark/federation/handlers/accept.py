"""Accept: a remote account accepted a local account's Follow, or (FEP-044f) let a local post quote
theirs, with the QuoteAuthorization stamp as `result`."""

from __future__ import annotations

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.federation import urls
from spark.federation.convert import id_of, types_of
from spark.federation.handlers.common import embedded, local_account, object_id
from spark.runtime import Runtime
from spark.services import follows, quotes


def quoting_post_of(rt: Runtime, activity: dict) -> int | None:
    """The local post whose QuoteRequest this Accept/Reject answers, by the request's id (what an
    embedded copy says beyond its id is not believed), or None."""
    request = embedded(activity)
    request_id = object_id(activity)
    if request_id is None or (request is not None and "QuoteRequest" not in types_of(request)):
        return None
    return urls.local_quote_request_status_id(rt, request_id)


async def follower_of(rt: Runtime, actor, activity: dict):
    """The local account whose Follow of `actor` this Accept/Reject answers, or None."""
    follow = embedded(activity)
    if follow is not None:
        if follow.get("type") != "Follow" or id_of(follow.get("object")) != actor.uri:
            return None
        return await local_account(rt, id_of(follow.get("actor")))
    follow_id = object_id(activity)
    async with rt.db.read() as conn:
        for table in (t.follow_requests, t.follows):
            follower_id = await conn.scalar(select(table.c.account_id).where(
                table.c.uri == follow_id, table.c.target_account_id == actor.id))
            if follower_id is not None:
                return (await conn.execute(select(t.accounts).where(t.accounts.c.id == follower_id))).first()
    return None


async def handle(rt: Runtime, actor, activity: dict) -> None:
    quoting_id = quoting_post_of(rt, activity)
    if quoting_id is not None:
        stamp = id_of(activity.get("result"))
        if stamp is not None and urls.host_of(stamp) == urls.host_of(actor.uri):  # their stamp, on their server
            await quotes.remote_request_answered(rt, quoting_id=quoting_id, answerer_id=actor.id, stamp=stamp)
        return
    follower = await follower_of(rt, actor, activity)
    if follower is not None:
        await follows.follow_accepted(rt, follower.id, actor.id)
