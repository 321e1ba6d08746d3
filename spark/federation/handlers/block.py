"""Block: a remote account blocks a local one (follows end both ways; its posts stop reaching them)."""

from __future__ import annotations

from spark.federation.handlers.common import local_account, object_id
from spark.runtime import Runtime
from spark.services import blocks


async def handle(rt: Runtime, actor, activity: dict) -> None:
    target = await local_account(rt, object_id(activity))
    if target is not None:
        await blocks.block(rt, actor.id, target.id)
