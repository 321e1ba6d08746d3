"""Reading statuses: who may see which, threads, edit history and source."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, exists, or_, select

from spark.adapters.db import schema as t
from spark.domain.errors import NotFound
from spark.domain.visibility import Visibility, can_see
from spark.runtime import Runtime
from spark.services.views import StatusView, load_filters, load_statuses

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 4096


# Built once: every like and repost checks them (building one cost as much as running it, B6).
_BLOCKED = select(exists().where(or_(
    and_(t.blocks.c.account_id == bindparam("a"), t.blocks.c.target_account_id == bindparam("b")),
    and_(t.blocks.c.account_id == bindparam("b"), t.blocks.c.target_account_id == bindparam("a")))))
_SUSPENDED_AT = select(t.accounts.c.suspended_at).where(t.accounts.c.id == bindparam("id"))
# A row read by get_row carries its author's suspension, which spares visible() a query.
_ROW = (select(t.statuses, t.accounts.c.suspended_at.label("author_suspended_at"))
        .outerjoin(t.accounts, t.accounts.c.id == t.statuses.c.account_id).where(t.statuses.c.id == bindparam("id")))


async def blocked_between(conn, a: int, b: int) -> bool:
    return bool(await conn.scalar(_BLOCKED, {"a": a, "b": b}))


async def visible(conn, row, viewer_id: int | None) -> bool:
    """Whether `viewer_id` may see the status `row` (visibility, mentions, follows, blocks)."""
    if row is None:
        return False
    if "author_suspended_at" in row._fields:
        suspended = row.author_suspended_at
    else:
        suspended = await conn.scalar(_SUSPENDED_AT, {"id": row.account_id})
    if suspended is not None:
        return False
    if viewer_id is not None and viewer_id != row.account_id and await blocked_between(conn, viewer_id, row.account_id):
        return False
    visibility = Visibility(row.visibility)
    if visibility <= Visibility.UNLISTED or viewer_id == row.account_id:
        return True
    if viewer_id is None:
        return False
    follows = bool(await conn.scalar(select(exists().where(
        t.follows.c.account_id == viewer_id, t.follows.c.target_account_id == row.account_id))))
    mentioned = bool(await conn.scalar(select(exists().where(
        t.mentions.c.status_id == row.id, t.mentions.c.account_id == viewer_id))))
    return can_see(visibility, viewer_id=viewer_id, author_id=row.account_id,
                   viewer_follows_author=follows, viewer_is_mentioned=mentioned)


async def get_row(conn, status_id: int | None):
    if status_id is None or status_id < 0:
        return None
    return (await conn.execute(_ROW, {"id": status_id})).first()


async def visible_row(conn, status_id: int | None, viewer_id: int | None):
    """The status row if the viewer may see it; otherwise NotFound (never a hint that it exists)."""
    row = await get_row(conn, status_id)
    if not await visible(conn, row, viewer_id):
        raise NotFound()
    return row


async def get_view(rt: Runtime, status_id: int | None, viewer_id: int | None) -> StatusView:
    async with rt.db.read() as conn:
        await visible_row(conn, status_id, viewer_id)
        filters = await load_filters(conn, viewer_id)
        views = await load_statuses(conn, [status_id], viewer_id, context="thread", filters=filters)
    if not views:
        raise NotFound()
    return views[0]


async def get_views(rt: Runtime, ids: list[int], viewer_id: int | None) -> list[StatusView]:
    """Several statuses (GET /api/v1/statuses?id[]=); invisible ones are left out."""
    async with rt.db.read() as conn:
        allowed = []
        for status_id in ids:
            row = await get_row(conn, status_id)
            if await visible(conn, row, viewer_id):
                allowed.append(status_id)
        filters = await load_filters(conn, viewer_id)
        return await load_statuses(conn, allowed, viewer_id, context="thread", filters=filters)


async def context(rt: Runtime, status_id: int | None, viewer_id: int | None) -> tuple[list, list]:
    """Ancestors (oldest first) and descendants (depth-first, oldest first) visible to the viewer."""
    async with rt.db.read() as conn:
        row = await visible_row(conn, status_id, viewer_id)
        ancestors = []
        parent_id, seen = row.in_reply_to_id, {row.id}
        while parent_id and len(ancestors) < MAX_ANCESTORS and parent_id not in seen:
            seen.add(parent_id)
            parent = await get_row(conn, parent_id)
            if parent is None:
                break
            if await visible(conn, parent, viewer_id):
                ancestors.append(parent.id)
            parent_id = parent.in_reply_to_id
        ancestors.reverse()

        children: dict[int, list[int]] = {}
        frontier, total = [row.id], 0
        rows_by_id = {}
        while frontier and total < MAX_DESCENDANTS:
            found = (await conn.execute(select(t.statuses).where(t.statuses.c.in_reply_to_id.in_(frontier))
                                        .order_by(t.statuses.c.id))).all()
            frontier = []
            for child in found:
                if child.id in rows_by_id or child.id == row.id:
                    continue
                rows_by_id[child.id] = child
                children.setdefault(child.in_reply_to_id, []).append(child.id)
                frontier.append(child.id)
                total += 1
        descendants: list[int] = []

        async def walk(node: int) -> None:
            for child_id in children.get(node, []):
                if await visible(conn, rows_by_id[child_id], viewer_id):
                    descendants.append(child_id)
                    await walk(child_id)

        await walk(row.id)
        filters = await load_filters(conn, viewer_id)
        before = await load_statuses(conn, ancestors, viewer_id, context="thread", filters=filters)
        after = await load_statuses(conn, descendants, viewer_id, context="thread", filters=filters)
    return before, after


async def history(rt: Runtime, status_id: int | None, viewer_id: int | None) -> tuple[StatusView, list]:
    """The status and its stored versions, oldest first (one version if never edited)."""
    async with rt.db.read() as conn:
        await visible_row(conn, status_id, viewer_id)
        views = await load_statuses(conn, [status_id], viewer_id)
        edits = (await conn.execute(select(t.status_edits).where(t.status_edits.c.status_id == status_id)
                                    .order_by(t.status_edits.c.id))).all()
        media_ids = {m for e in edits for m in (e.media_ids or [])}
        media = {}
        if media_ids:
            media = {m.id: m for m in (await conn.execute(
                select(t.media_attachments).where(t.media_attachments.c.id.in_(media_ids)))).all()}
    return views[0], [(e, [media[m] for m in (e.media_ids or []) if m in media]) for e in edits]


async def source(rt: Runtime, status_id: int | None, viewer_id: int):
    async with rt.db.read() as conn:
        row = await visible_row(conn, status_id, viewer_id)
    if row.account_id != viewer_id:
        raise NotFound()
    return row
