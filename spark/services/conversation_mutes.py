"""Muted conversations: a thread the user takes part in sends them no more notifications
(replies, mentions, favourites, reposts: see notifications.notify) until they unmute it."""

from __future__ import annotations

from sqlalchemy import delete, exists, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.errors import Invalid
from spark.runtime import Runtime
from spark.services.statuses import get_row, visible_row


async def _thread(conn, status_id: int | None, account_id: int) -> int:
    """The conversation of a post the account may see (of the reposted post, for a repost)."""
    row = await visible_row(conn, status_id, account_id)
    if row.reblog_of_id:
        row = await get_row(conn, row.reblog_of_id) or row
    return row.conversation_id or row.id


async def mute(rt: Runtime, account_id: int, status_id: int | None) -> int:
    """Mute the thread of `status_id`; only one the account wrote in or was mentioned in (422 otherwise)."""
    async with rt.db.write() as conn:
        thread = await _thread(conn, status_id, account_id)
        posts = select(t.statuses.c.id).where(t.statuses.c.conversation_id == thread)
        taking_part = await conn.scalar(select(
            exists().where(t.statuses.c.conversation_id == thread, t.statuses.c.account_id == account_id)
            | exists().where(t.mentions.c.account_id == account_id, t.mentions.c.status_id.in_(posts))))
        if not taking_part:
            raise Invalid("Validation failed: You can only mute conversations you take part in")
        await conn.execute(insert_ignore(conn, t.conversation_mutes, account_id=account_id, conversation_id=thread))
    return status_id


async def unmute(rt: Runtime, account_id: int, status_id: int | None) -> int:
    async with rt.db.write() as conn:
        thread = await _thread(conn, status_id, account_id)
        await conn.execute(delete(t.conversation_mutes).where(t.conversation_mutes.c.account_id == account_id,
                                                              t.conversation_mutes.c.conversation_id == thread))
    return status_id
