"""Reject: a remote account refused (or stopped accepting) a local account's Follow, or (FEP-044f)
refused to let a local post quote theirs."""

from __future__ import annotations

from spark.federation.handlers.accept import follower_of, quoting_post_of
from spark.runtime import Runtime
from spark.services import follows, quotes


async def handle(rt: Runtime, actor, activity: dict) -> None:
    quoting_id = quoting_post_of(rt, activity)
    if quoting_id is not None:
        await quotes.remote_request_answered(rt, quoting_id=quoting_id, answerer_id=actor.id, stamp=None)
        return
    follower = await follower_of(rt, actor, activity)
    if follower is not None:
        await follows.follow_rejected(rt, follower.id, actor.id)
