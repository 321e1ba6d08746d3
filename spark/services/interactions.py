"""Likes, reposts, bookmarks and pins: one row each, with counters and notifications."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, select, update

from spark.adapters.db import schema as t
from spark.adapters.db.functions import greatest, insert_ignore, lock_key, per_dialect
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.domain.visibility import Visibility
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services import notifications
from spark.services.paging import Page, ranged
from spark.services.posting import count_post, distribute, remove_rows
from spark.services.statuses import visible_row

MAX_PINS = 5


# Statements each like or repost (from this server or another) runs, built once: building one cost as much
# as running it (B6).
_COUNT_LIKE = update(t.statuses).where(t.statuses.c.id == bindparam("target")).values(
    favourites_count=t.statuses.c.favourites_count + 1)
_COUNT_REBLOG = update(t.statuses).where(t.statuses.c.id == bindparam("target")).values(
    reblogs_count=t.statuses.c.reblogs_count + 1)
_REPOST_OF = select(t.statuses.c.id).where(t.statuses.c.account_id == bindparam("account"),
                                           t.statuses.c.reblog_of_id == bindparam("target"))
_INSERT_STATUS = t.statuses.insert()
_like = per_dialect(lambda conn: insert_ignore(conn, t.favourites, id=bindparam("like"), account_id=bindparam(
    "account"), status_id=bindparam("target"), uri=bindparam("uri")))


async def _target(conn, status_id: int | None, viewer_id: int):
    """The visible status an interaction applies to (a repost stands for its original)."""
    row = await visible_row(conn, status_id, viewer_id)
    if row.reblog_of_id:
        row = await visible_row(conn, row.reblog_of_id, viewer_id)
    return row


async def _federate(rt: Runtime, conn, announce, account_id: int, row) -> None:
    """Tell the post's server of a like (or its undoing) by a local account on a remote post."""
    accounts = {r.id: r for r in (await conn.execute(select(t.accounts).where(
        t.accounts.c.id.in_([account_id, row.account_id])))).all()}
    if accounts[row.account_id].domain and not accounts[account_id].domain:
        await announce(rt, conn, accounts[account_id], row, accounts[row.account_id])


async def favourite(rt: Runtime, account_id: int, status_id: int | None, *, uri: str | None = None) -> int:
    """Like a post; `uri` is the id of a remote account's Like activity."""
    async with rt.db.write() as conn:
        row = await _target(conn, status_id, account_id)
        # Only the first like counts: a second (a double tap, a Like delivered again) changes nothing, even
        # when both are written at once.
        liked = await conn.execute(_like(conn), {"like": new_id(), "account": account_id, "target": row.id, "uri": uri})
        if liked.rowcount == 1:
            await conn.execute(_COUNT_LIKE, {"target": row.id})
            await notifications.notify(conn, recipient_id=row.account_id, from_account_id=account_id,
                                       type="favourite", status_id=row.id)
            if not row.local:  # a local post's author is told above
                await _federate(rt, conn, outbox.liked, account_id, row)
    return row.id


async def unfavourite(rt: Runtime, account_id: int, status_id: int | None) -> int:
    async with rt.db.write() as conn:
        row = await _target(conn, status_id, account_id)
        removed = await conn.execute(delete(t.favourites).where(
            t.favourites.c.account_id == account_id, t.favourites.c.status_id == row.id))
        if removed.rowcount:
            await conn.execute(update(t.statuses).where(t.statuses.c.id == row.id).values(
                favourites_count=greatest(conn)(t.statuses.c.favourites_count - 1, 0)))
            await notifications.retract(conn, recipient_id=row.account_id, from_account_id=account_id,
                                        type="favourite", status_id=row.id)
            await _federate(rt, conn, outbox.like_undone, account_id, row)
    return row.id


async def liked_status_id(rt: Runtime, account_id: int, uri: str) -> int | None:
    """The post a remote account's Like (by its activity id) was of."""
    async with rt.db.read() as conn:
        return await conn.scalar(select(t.favourites.c.status_id).where(
            t.favourites.c.account_id == account_id, t.favourites.c.uri == uri))


async def reblog(rt: Runtime, account_id: int, status_id: int | None, visibility: Visibility, *,
                 remote_uri: str | None = None, booster=None) -> int:
    """Repost; returns the id of the repost (an existing one if already reposted). A remote account's
    repost (an Announce) carries its own uri, and its account row (`booster`) as the inbox read it."""
    if visibility == Visibility.DIRECT:
        raise Invalid("Validation failed: Visibility of a repost cannot be direct")
    async with rt.db.write() as conn:
        row = await _target(conn, status_id, account_id)
        own_private = row.account_id == account_id and row.visibility == Visibility.PRIVATE
        if row.visibility > Visibility.UNLISTED and not own_private:
            raise NotFound() if row.visibility == Visibility.DIRECT else Invalid(
                "Validation failed: Reblog of private status is not allowed")
        # A double tap (or an Announce delivered twice) reposts once: on PostgreSQL two at once used to
        # both find none and insert two reposts.
        await lock_key(conn, f"reblog:{account_id}:{row.id}")
        existing = await conn.scalar(_REPOST_OF, {"account": account_id, "target": row.id})
        if existing:
            return existing
        if own_private:
            visibility = Visibility.PRIVATE
        reblog_id = new_id()
        if booster is None:
            booster = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
        now = datetime.now(UTC)
        await conn.execute(_INSERT_STATUS, {
            "id": reblog_id, "account_id": account_id, "reblog_of_id": row.id, "visibility": int(visibility),
            "local": remote_uri is None, "created_at": now,
            "uri": remote_uri or rt.url(f"/users/{booster.username}/statuses/{reblog_id}/activity")})
        await conn.execute(_COUNT_REBLOG, {"target": row.id})
        await count_post(conn, account_id, now)
        await notifications.notify(conn, recipient_id=row.account_id, from_account_id=account_id,
                                   type="reblog", status_id=row.id)
        await distribute(rt, conn, status_id=reblog_id, author=booster, visibility=int(visibility), is_reblog=True,
                         tags=[], mentioned_ids=[], local=remote_uri is None)
        if remote_uri is None:
            reblog_row = (await conn.execute(select(t.statuses).where(t.statuses.c.id == reblog_id))).first()
            await outbox.reblogged(rt, conn, reblog_row, booster, row)
    return reblog_id


async def unreblog(rt: Runtime, account_id: int, status_id: int | None) -> int:
    async with rt.db.write() as conn:
        row = await _target(conn, status_id, account_id)
        reblogs = (await conn.execute(select(t.statuses).where(
            t.statuses.c.account_id == account_id, t.statuses.c.reblog_of_id == row.id))).all()
        if reblogs:
            booster = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
            for reblog_row in reblogs:
                await outbox.post_deleted(rt, conn, reblog_row, booster)
            await remove_rows(conn, reblogs)
            await notifications.retract(conn, recipient_id=row.account_id, from_account_id=account_id,
                                        type="reblog", status_id=row.id)
    return row.id


async def _toggle(rt: Runtime, table, account_id: int, status_id: int | None, on: bool) -> int:
    async with rt.db.write() as conn:
        row = await _target(conn, status_id, account_id)
        if on:  # twice at once is still once
            await conn.execute(insert_ignore(conn, table, id=new_id(), account_id=account_id, status_id=row.id))
        else:
            await conn.execute(delete(table).where(table.c.account_id == account_id, table.c.status_id == row.id))
    return row.id


async def bookmark(rt: Runtime, account_id: int, status_id: int | None, on: bool = True) -> int:
    return await _toggle(rt, t.bookmarks, account_id, status_id, on)


async def pin(rt: Runtime, account_id: int, status_id: int | None) -> int:
    """Pin one of one's own public or unlisted posts (at most five)."""
    async with rt.db.write() as conn:
        row = await visible_row(conn, status_id, account_id)
        if row.account_id != account_id or row.reblog_of_id:
            raise Invalid("Validation failed: You can only pin your own posts")
        if row.visibility > Visibility.PRIVATE:
            raise Invalid("Validation failed: Direct posts cannot be pinned")
        # The same pin twice at once pins once, and the limit holds (both used to pass the checks below).
        await lock_key(conn, f"pins:{account_id}")
        count = await conn.scalar(select(func.count()).select_from(t.pins).where(t.pins.c.account_id == account_id))
        existing = await conn.scalar(select(t.pins.c.id).where(t.pins.c.account_id == account_id,
                                                               t.pins.c.status_id == row.id))
        if existing is None:
            if count >= MAX_PINS:
                raise Invalid(f"Validation failed: You cannot pin more than {MAX_PINS} posts")
            await conn.execute(t.pins.insert().values(id=new_id(), account_id=account_id, status_id=row.id))
    return row.id


async def unpin(rt: Runtime, account_id: int, status_id: int | None) -> int:
    async with rt.db.write() as conn:
        row = await visible_row(conn, status_id, account_id)
        if row.account_id != account_id:
            raise NotFound()
        await conn.execute(delete(t.pins).where(t.pins.c.account_id == account_id, t.pins.c.status_id == row.id))
    return row.id


async def interacting_accounts(rt: Runtime, viewer_id: int | None, status_id: int | None, kind: str, *,
                               max_id=None, since_id=None, limit: int = 40):
    """Who liked (kind="favourite") or reposted (kind="reblog") a post: [(row id, account)]."""
    async with rt.db.read() as conn:
        row = await _target(conn, status_id, viewer_id)
        if kind == "favourite":
            query = (select(t.favourites.c.id.label("row_id"), t.accounts)
                     .join(t.accounts, t.accounts.c.id == t.favourites.c.account_id)
                     .where(t.favourites.c.status_id == row.id))
            key = t.favourites.c.id
        else:
            query = (select(t.statuses.c.id.label("row_id"), t.accounts)
                     .join(t.accounts, t.accounts.c.id == t.statuses.c.account_id)
                     .where(t.statuses.c.reblog_of_id == row.id))
            key = t.statuses.c.id
        if max_id is not None:
            query = query.where(key < max_id)
        if since_id is not None:
            query = query.where(key > since_id)
        return (await conn.execute(query.order_by(key.desc()).limit(limit))).all()


async def marked_statuses(rt: Runtime, account_id: int, kind: str, page: Page) -> list[tuple[int, int]]:
    """The viewer's favourites or bookmarks, newest first: [(row id, status id)]."""
    table = t.favourites if kind == "favourite" else t.bookmarks
    query, ascending = ranged(select(table.c.id, table.c.status_id).where(table.c.account_id == account_id),
                              table.c.id, page)
    async with rt.db.read() as conn:
        rows = [(r.id, r.status_id) for r in (await conn.execute(query)).all()]
    return rows[::-1] if ascending else rows
