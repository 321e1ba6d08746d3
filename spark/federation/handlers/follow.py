"""Follow: a remote account follows a local one (accepted at once unless the account is locked)."""

from __future__ import annotations

from spark.federation.convert import id_of
from spark.federation.handlers.common import buried, local_account, object_id
from spark.runtime import Runtime
from spark.services import follows


async def handle(rt: Runtime, actor, activity: dict) -> None:
    target = await local_account(rt, object_id(activity))
    follow_id = id_of(activity.get("id"))
    if target is None or follow_id is None or await buried(rt, follow_id):
        return  # not ours, or already undone (the Undo overtook it)
    await follows.receive_follow(rt, actor, target, follow_id)
