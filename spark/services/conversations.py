"""Conversations: direct-message threads as each participant sees them (Mastodon's
AccountConversation), kept up to date as direct posts are written and deleted; and the direct
timeline, the flat list of those posts that came before them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from spark.adapters.db import schema as t
from spark.domain.errors import NotFound
from spark.domain.ids import new_id
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import events
from spark.services.paging import Page, ranged
from spark.services.timelines import read_page, sql_window
from spark.services.views import StatusView, accounts_by_id, load_statuses


@dataclass
class Conversation:
    row: Any
    accounts: list  # the other participants' account rows
    last_status: StatusView | None


async def direct_posted(conn, *, status_id: int, author_id: int, conversation_id: int,
                        mentioned_ids: list[int]) -> None:
    """A direct post: every local participant's conversation moves to it; unread for all but its author."""
    participants = {author_id, *mentioned_ids}
    local = set((await conn.execute(select(t.accounts.c.id).where(
        t.accounts.c.id.in_(participants), t.accounts.c.domain == ""))).scalars())
    for account_id in local:
        others = sorted(participants - {account_id})
        existing = (await conn.execute(select(t.account_conversations).where(
            t.account_conversations.c.account_id == account_id,
            t.account_conversations.c.conversation_id == conversation_id))).first()
        if existing is None:
            row_id = new_id()
            await conn.execute(t.account_conversations.insert().values(
                id=row_id, account_id=account_id, conversation_id=conversation_id, participant_ids=others,
                last_status_id=status_id, unread=account_id != author_id))
        else:
            row_id = existing.id
            merged = sorted(set(existing.participant_ids or []) | set(others))
            await conn.execute(update(t.account_conversations).where(t.account_conversations.c.id == row_id).values(
                last_status_id=status_id, participant_ids=merged, unread=account_id != author_id))
        events.conversation_changed(conn, account_id=account_id, conversation_row_id=row_id)


async def direct_deleted(conn, rows: list) -> None:
    """Conversations whose last post went now show the one before it, or go when none is left."""
    for row in rows:
        if row.visibility != Visibility.DIRECT or row.conversation_id is None:
            continue
        previous = await conn.scalar(select(func.max(t.statuses.c.id)).where(
            t.statuses.c.conversation_id == row.conversation_id, t.statuses.c.id != row.id,
            t.statuses.c.visibility == int(Visibility.DIRECT)))
        pointing = t.account_conversations.c.last_status_id == row.id
        if previous is None:
            await conn.execute(delete(t.account_conversations).where(pointing))
        else:
            await conn.execute(update(t.account_conversations).where(pointing).values(last_status_id=previous))


async def _hydrate(conn, rows, viewer_id: int) -> list[Conversation]:
    accounts = await accounts_by_id(conn, [a for r in rows for a in (r.participant_ids or [])])
    statuses = {v.row.id: v for v in await load_statuses(conn, [r.last_status_id for r in rows], viewer_id)}
    return [Conversation(r, [accounts[a] for a in (r.participant_ids or []) if a in accounts],
                         statuses.get(r.last_status_id)) for r in rows]


async def page(rt: Runtime, viewer_id: int, page_: Page) -> list[Conversation]:
    """The viewer's conversations, most recently active first, paged by their last post."""
    query = select(t.account_conversations).where(t.account_conversations.c.account_id == viewer_id)
    windowed, ascending = ranged(query, t.account_conversations.c.last_status_id, page_)
    async with rt.db.read() as conn:
        rows = (await conn.execute(windowed)).all()
        items = await _hydrate(conn, rows[::-1] if ascending else rows, viewer_id)
    return [c for c in items if c.last_status is not None]


async def get(rt: Runtime, viewer_id: int, row_id: int | None) -> Conversation:
    async with rt.db.read() as conn:
        row = await _own(conn, viewer_id, row_id)
        items = await _hydrate(conn, [row], viewer_id)
    return items[0]


async def mark_read(rt: Runtime, viewer_id: int, row_id: int | None) -> Conversation:
    async with rt.db.write() as conn:
        row = await _own(conn, viewer_id, row_id)
        await conn.execute(update(t.account_conversations).where(t.account_conversations.c.id == row.id)
                           .values(unread=False))
    return await get(rt, viewer_id, row_id)


async def remove(rt: Runtime, viewer_id: int, row_id: int | None) -> None:
    """Drop the conversation from the viewer's list (the posts stay; a new one brings it back)."""
    async with rt.db.write() as conn:
        row = await _own(conn, viewer_id, row_id)
        await conn.execute(delete(t.account_conversations).where(t.account_conversations.c.id == row.id))


async def _own(conn, viewer_id: int, row_id: int | None):
    row = (await conn.execute(select(t.account_conversations).where(
        t.account_conversations.c.id == (row_id or -1), t.account_conversations.c.account_id == viewer_id))).first()
    if row is None:
        raise NotFound()
    return row


_OWN_DIRECT = select(t.statuses.c.id).where(t.statuses.c.account_id == bindparam("viewer"),
                                            t.statuses.c.visibility == int(Visibility.DIRECT))
_MENTIONED_DIRECT = select(t.mentions.c.status_id).join(t.statuses, t.statuses.c.id == t.mentions.c.status_id).where(
    t.mentions.c.account_id == bindparam("viewer"), t.statuses.c.visibility == int(Visibility.DIRECT))


async def direct_timeline(rt: Runtime, viewer_id: int, page_: Page) -> list[StatusView]:
    """Direct posts the viewer wrote or is mentioned in, newest first (GET /api/v1/timelines/direct,
    which Mastodon 2.6 replaced with conversations): two index ranges, merged."""
    windows = [sql_window(_OWN_DIRECT, t.statuses.c.id, key="direct_own", params={"viewer": viewer_id}),
               sql_window(_MENTIONED_DIRECT, t.mentions.c.status_id, key="direct_mentioned",
                          params={"viewer": viewer_id})]
    async with rt.db.read() as conn:
        return await read_page(conn, windows, page_, viewer_id, "thread")
