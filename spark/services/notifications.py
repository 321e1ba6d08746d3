"""Creating notifications (the API to list them lives in api/mastodon/notifications.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, exists, or_, select

from spark.adapters.db import schema as t
from spark.domain.ids import new_id

TYPES = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
         "quote", "quoted_update", "admin.sign_up", "admin.report")


async def notify(conn, *, recipient_id: int, from_account_id: int, type: str, status_id: int | None = None) -> bool:
    """Record one notification inside the caller's transaction, unless the recipient blocks or
    mutes the sender, or is not a local account. Returns whether one was written."""
    assert type in TYPES, type
    if recipient_id == from_account_id:
        return False
    now = datetime.now(UTC)
    barred = await conn.scalar(select(
        exists().where(t.blocks.c.account_id == recipient_id, t.blocks.c.target_account_id == from_account_id)
        | exists().where(t.mutes.c.account_id == recipient_id, t.mutes.c.target_account_id == from_account_id,
                         t.mutes.c.hide_notifications.is_(True),
                         or_(t.mutes.c.expires_at.is_(None), t.mutes.c.expires_at > now))
    ))
    if barred:
        return False
    local = await conn.scalar(select(t.accounts.c.domain).where(t.accounts.c.id == recipient_id))
    if local != "":
        return False
    await conn.execute(t.notifications.insert().values(
        id=new_id(), account_id=recipient_id, from_account_id=from_account_id, type=type,
        status_id=status_id, group_key=f"{type}-{status_id or from_account_id}", created_at=now))
    return True


async def retract(conn, *, recipient_id: int, from_account_id: int, type: str, status_id: int | None = None) -> None:
    """Remove a notification whose cause was undone (unfavourite, unfollow, …)."""
    query = t.notifications.delete().where(and_(
        t.notifications.c.account_id == recipient_id, t.notifications.c.from_account_id == from_account_id,
        t.notifications.c.type == type))
    if status_id is not None:
        query = query.where(t.notifications.c.status_id == status_id)
    await conn.execute(query)
