"""Undo of a Follow, Like, Announce or Block. The undone activity is usually embedded; when only its
id is given it is looked up; when it has not arrived yet it is buried so that it never takes effect."""

from __future__ import annotations

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.domain.errors import SparkError
from spark.federation import urls
from spark.federation.convert import id_of, types_of
from spark.federation.handlers.common import bury, embedded, local_account, local_status_id, object_id
from spark.runtime import Runtime
from spark.services import blocks, follows, interactions, remote_posts


async def _undo_follow(rt: Runtime, actor, follow_id: str, target_uri: str | None) -> bool:
    target = await local_account(rt, target_uri) if target_uri else None
    if target is None:
        async with rt.db.read() as conn:
            target_id = None
            for table in (t.follows, t.follow_requests):
                target_id = target_id or await conn.scalar(select(table.c.target_account_id).where(
                    table.c.uri == follow_id, table.c.account_id == actor.id))
        if target_id is None:
            return False
    else:
        target_id = target.id
    async with rt.db.write() as conn:
        await follows.remove_follow(conn, actor.id, target_id)
    return True


async def handle(rt: Runtime, actor, activity: dict) -> None:
    undone = embedded(activity) or {}
    undone_id = object_id(activity)
    if undone_id is None:
        return
    if undone and id_of(undone.get("actor")) not in (None, actor.uri):
        return  # one cannot undo what someone else did
    if urls.host_of(undone_id) != urls.host_of(actor.uri):
        # nor what another server did (or will do): remembering a foreign id here would let anyone
        # silence someone else's next post, like or follow in advance
        return
    kinds = types_of(undone) if undone else set()
    target_uri = id_of(undone.get("object")) if undone else None
    await bury(rt, undone_id)  # whatever it was, it must not take effect if it arrives after this
    if "Follow" in kinds or not kinds:
        if await _undo_follow(rt, actor, undone_id, target_uri) or kinds:
            return
    if "Like" in kinds or "EmojiReact" in kinds or not kinds:
        status_id = await local_status_id(rt, target_uri) if target_uri else \
            await interactions.liked_status_id(rt, actor.id, undone_id)
        if status_id is not None:
            try:
                await interactions.unfavourite(rt, actor.id, status_id)
            except SparkError:
                pass
        if kinds or status_id is not None:
            return
    if "Announce" in kinds or not kinds:
        await remote_posts.delete_by_uri(rt, actor.id, undone_id)
        return
    if "Block" in kinds:
        target = await local_account(rt, target_uri)
        if target is not None:
            await blocks.unblock(rt, actor.id, target.id)


