"""Reading the social graph: relationships, followers/following, blocks, mutes, familiar followers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select

from spark.adapters.db import schema as t
from spark.domain.errors import NotFound
from spark.domain.moments import aware
from spark.runtime import Runtime


async def relationships(rt: Runtime, viewer_id: int, ids: list[int]) -> list[dict]:
    """Mastodon Relationship entities for each known id, in order."""
    ids = [i for i in dict.fromkeys(ids) if i >= 0][:100]
    if not ids:
        return []
    now = datetime.now(UTC)
    async with rt.db.read() as conn:
        known = dict((await conn.execute(select(t.accounts.c.id, t.accounts.c.domain).where(
            t.accounts.c.id.in_(ids)))).all())

        async def rows(table, mine: bool):
            if mine:
                query = select(table).where(table.c.account_id == viewer_id, table.c.target_account_id.in_(ids))
            else:
                query = select(table).where(table.c.target_account_id == viewer_id, table.c.account_id.in_(ids))
            key = "target_account_id" if mine else "account_id"
            return {getattr(r, key): r for r in (await conn.execute(query)).all()}

        following, followed_by = await rows(t.follows, True), await rows(t.follows, False)
        requested, requested_by = await rows(t.follow_requests, True), await rows(t.follow_requests, False)
        blocking, blocked_by = await rows(t.blocks, True), await rows(t.blocks, False)
        muting = {k: m for k, m in (await rows(t.mutes, True)).items()
                  if m.expires_at is None or aware(m.expires_at) > now}
        notes = {r.target_account_id: r.comment for r in (await conn.execute(select(t.account_notes).where(
            t.account_notes.c.account_id == viewer_id, t.account_notes.c.target_account_id.in_(ids)))).all()}
        endorsed = await rows(t.endorsements, True)
        blocked_domains = set((await conn.execute(select(t.account_domain_blocks.c.domain).where(
            t.account_domain_blocks.c.account_id == viewer_id,
            t.account_domain_blocks.c.domain.in_({d for d in known.values() if d})))).scalars())
    out = []
    for account_id in ids:
        if account_id not in known:
            continue
        follow = following.get(account_id) or requested.get(account_id)
        out.append({
            "id": str(account_id),
            "following": account_id in following,
            "showing_reblogs": bool(follow.show_reblogs) if follow else False,
            "notifying": bool(follow.notify) if follow else False,
            "languages": follow.languages if follow else None,
            "followed_by": account_id in followed_by,
            "blocking": account_id in blocking,
            "blocked_by": account_id in blocked_by,
            "muting": account_id in muting,
            "muting_notifications": bool(muting[account_id].hide_notifications) if account_id in muting else False,
            "muting_expires_at": muting[account_id].expires_at if account_id in muting else None,
            "requested": account_id in requested,
            "requested_by": account_id in requested_by,
            "domain_blocking": known[account_id] in blocked_domains,
            "endorsed": account_id in endorsed,
            "note": notes.get(account_id, ""),
        })
    return out


async def account_page(rt: Runtime, table, key_column, value_column, owner_id: int, *, max_id=None,
                       since_id=None, min_id=None, limit: int = 40):
    """Accounts joined through `table` rows, paginated by the row id; returns [(row id, account)]."""
    query = (select(table.c.id.label("row_id"), t.accounts)
             .join(t.accounts, t.accounts.c.id == value_column).where(key_column == owner_id))
    if max_id is not None:
        query = query.where(table.c.id < max_id)
    if since_id is not None:
        query = query.where(table.c.id > since_id)
    if min_id is not None:
        rows = (await _run(rt, query.where(table.c.id > min_id).order_by(table.c.id.asc()).limit(limit)))
        return list(reversed(rows))
    return await _run(rt, query.order_by(table.c.id.desc()).limit(limit))


async def _run(rt: Runtime, query):
    async with rt.db.read() as conn:
        return (await conn.execute(query)).all()


async def followers(rt: Runtime, viewer_id: int | None, account_id: int | None, **page):
    account = await _visible_collection_owner(rt, viewer_id, account_id)
    if account is None:
        return []
    return await account_page(rt, t.follows, t.follows.c.target_account_id, t.follows.c.account_id, account.id,
                               **page)


async def following(rt: Runtime, viewer_id: int | None, account_id: int | None, **page):
    account = await _visible_collection_owner(rt, viewer_id, account_id)
    if account is None:
        return []
    return await account_page(rt, t.follows, t.follows.c.account_id, t.follows.c.target_account_id, account.id,
                               **page)


async def _visible_collection_owner(rt: Runtime, viewer_id: int | None, account_id: int | None):
    async with rt.db.read() as conn:
        account = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
        if account is None:
            raise NotFound()
        if account.hide_collections and viewer_id != account.id:
            return None
        if viewer_id and viewer_id != account.id:
            blocked = await conn.scalar(select(t.blocks.c.id).where(
                t.blocks.c.account_id == account.id, t.blocks.c.target_account_id == viewer_id))
            if blocked:
                return None
    return account


async def blocked_accounts(rt: Runtime, viewer_id: int, **page):
    return await account_page(rt, t.blocks, t.blocks.c.account_id, t.blocks.c.target_account_id, viewer_id, **page)


async def muted_accounts(rt: Runtime, viewer_id: int, **page):
    return await account_page(rt, t.mutes, t.mutes.c.account_id, t.mutes.c.target_account_id, viewer_id, **page)


async def familiar_followers(rt: Runtime, viewer_id: int, ids: list[int]) -> list[tuple[int, list]]:
    """For each account: the accounts the viewer follows that also follow it."""
    out = []
    async with rt.db.read() as conn:
        mine = select(t.follows.c.target_account_id).where(t.follows.c.account_id == viewer_id)
        for account_id in dict.fromkeys(i for i in ids if i >= 0):
            rows = (await conn.execute(
                select(t.accounts).join(t.follows, t.follows.c.account_id == t.accounts.c.id).where(
                    t.follows.c.target_account_id == account_id, t.follows.c.account_id.in_(mine),
                    t.accounts.c.hide_collections.is_(False)).limit(40))).all()
            out.append((account_id, rows))
    return out


async def search_accounts(rt: Runtime, viewer_id: int | None, query: str, *, limit: int = 40, offset: int = 0,
                          following_only: bool = False):
    """Accounts by exact acct first, then by username or display-name prefix."""
    q = query.strip().lstrip("@")
    if not q:
        return []
    username, _, domain = q.partition("@")
    if domain.lower() == rt.settings.domain.lower():
        domain = ""
    pattern = username.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    async with rt.db.read() as conn:
        query_ = select(t.accounts).where(t.accounts.c.suspended_at.is_(None), or_(
            func.lower(t.accounts.c.username).like(pattern, escape="\\"),
            func.lower(t.accounts.c.display_name).like(pattern, escape="\\")))
        if domain:
            query_ = query_.where(t.accounts.c.domain == domain.lower())
        if following_only and viewer_id:
            query_ = query_.where(t.accounts.c.id.in_(
                select(t.follows.c.target_account_id).where(t.follows.c.account_id == viewer_id)))
        rows = (await conn.execute(query_.order_by(t.accounts.c.followers_count.desc(), t.accounts.c.id)
                                   .limit(limit + offset + 1))).all()
    exact = [r for r in rows if r.username.lower() == username.lower() and (not domain or r.domain == domain.lower())]
    rest = [r for r in rows if r not in exact]
    return (exact + rest)[offset: offset + limit]

