"""What this server publishes about its accounts to other servers: public posts, pins, and who
follows whom (the read side of ActivityPub's actor collections)."""

from __future__ import annotations

from sqlalchemy import func, select

from spark.adapters.db import schema as t
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services.views import StatusView, load_statuses


async def local_account(rt: Runtime, username: str):
    async with rt.db.read() as conn:
        return (await conn.execute(select(t.accounts).where(
            func.lower(t.accounts.c.username) == username.lower(), t.accounts.c.domain == "",
            t.accounts.c.suspended_at.is_(None)))).first()


async def public_post(rt: Runtime, account_id: int, status_id: int) -> StatusView | None:
    """A local post readable by anyone (public or unlisted), as a view; None otherwise."""
    async with rt.db.read() as conn:
        views = await load_statuses(conn, [status_id], None)
    view = views[0] if views else None
    if view is None or view.row.account_id != account_id or not view.row.local \
            or view.row.visibility > Visibility.UNLISTED:
        return None
    return view


async def reference_uris(rt: Runtime, status_ids: list[int | None]) -> dict[int, str]:
    """The ActivityPub ids of posts this server knows (reposted, replied to, quoted), in one query."""
    wanted = {i for i in status_ids if i is not None}
    if not wanted:
        return {}
    async with rt.db.read() as conn:
        rows = (await conn.execute(select(t.statuses.c.id, t.statuses.c.uri, t.accounts.c.username)
                                   .join(t.accounts, t.accounts.c.id == t.statuses.c.account_id)
                                   .where(t.statuses.c.id.in_(wanted)))).all()
    return {row.id: row.uri or rt.url(f"/users/{row.username}/statuses/{row.id}") for row in rows}


async def outbox_page(rt: Runtime, account_id: int, *, max_id: int | None, limit: int = 20) -> tuple[int, list]:
    """(count of public posts, newest public posts and reposts below max_id as views)."""
    public = (t.statuses.c.account_id == account_id, t.statuses.c.visibility <= Visibility.UNLISTED,
              t.statuses.c.local.is_(True))
    async with rt.db.read() as conn:
        total = await conn.scalar(select(func.count()).select_from(t.statuses).where(*public))
        query = select(t.statuses.c.id).where(*public)
        if max_id is not None:
            query = query.where(t.statuses.c.id < max_id)
        ids = list((await conn.execute(query.order_by(t.statuses.c.id.desc()).limit(limit))).scalars())
        views = await load_statuses(conn, ids, None)
    return total or 0, views


async def pinned(rt: Runtime, account_id: int) -> list[StatusView]:
    async with rt.db.read() as conn:
        ids = list((await conn.execute(select(t.pins.c.status_id).where(t.pins.c.account_id == account_id)
                                       .order_by(t.pins.c.id.desc()).limit(20))).scalars())
        views = await load_statuses(conn, ids, None)
    return [v for v in views if v.row.visibility <= Visibility.UNLISTED]


RELATION_PAGE = 40  # actors per page of a followers/following collection


async def relation_page(rt: Runtime, account_id: int, which: str, *, page: int,
                        limit: int = RELATION_PAGE) -> tuple[int, list]:
    """(total, actor ids on the page) of an account's followers or following."""
    mine, theirs = ((t.follows.c.target_account_id, t.follows.c.account_id) if which == "followers"
                    else (t.follows.c.account_id, t.follows.c.target_account_id))
    async with rt.db.read() as conn:
        total = await conn.scalar(select(func.count()).select_from(t.follows).where(mine == account_id))
        rows = (await conn.execute(select(t.accounts.c.username, t.accounts.c.domain, t.accounts.c.uri)
                                   .join(t.follows, theirs == t.accounts.c.id).where(mine == account_id)
                                   .order_by(t.follows.c.id.desc()).offset((page - 1) * limit).limit(limit))).all()
    return total or 0, [r.uri if r.domain else rt.url(f"/users/{r.username}") for r in rows]
