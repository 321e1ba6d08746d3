"""Reject: a remote account refused (or stopped accepting) a local account's Follow."""

from __future__ import annotations

from spark.federation.handlers.accept import follower_of
from spark.runtime import Runtime
from spark.services import follows


async def handle(rt: Runtime, actor, activity: dict) -> None:
    follower = await follower_of(rt, actor, activity)
    if follower is not None:
        await follows.follow_rejected(rt, follower.id, actor.id)
