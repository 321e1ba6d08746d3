"""Hydration: load everything a page of statuses or accounts needs, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, literal, select, union_all

from spark.adapters.db import schema as t
from spark.domain.filters import FilterMatcher


@dataclass
class StatusView:
    row: Any
    account: Any
    media: list = field(default_factory=list)
    mentions: list = field(default_factory=list)  # account rows
    tags: list = field(default_factory=list)  # tag names (lower case)
    poll: Any = None
    poll_own_votes: list[int] | None = None
    reblog: StatusView | None = None
    quote: StatusView | None = None
    favourited: bool = False
    reblogged: bool = False
    bookmarked: bool = False
    pinned: bool | None = None  # only for the author's own posts
    filtered: list = field(default_factory=list)  # [(filter_row, keyword_matches, status_matches)]
    application: Any = None


async def accounts_by_id(conn, ids) -> dict[int, Any]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = (await conn.execute(select(t.accounts).where(t.accounts.c.id.in_(ids)))).all()
    return {row.id: row for row in rows}


async def _status_rows(conn, ids) -> dict[int, Any]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = (await conn.execute(select(t.statuses).where(t.statuses.c.id.in_(ids)))).all()
    return {row.id: row for row in rows}


async def load_statuses(conn, ids: list[int], viewer_id: int | None, *, context: str | None = None,
                        filters: FilterMatcher | None = None) -> list[StatusView]:
    """StatusViews for `ids`, in the same order; ids that no longer exist are skipped."""
    rows = await _status_rows(conn, ids)
    inner_ids = {r.reblog_of_id for r in rows.values()} | {r.quote_of_id for r in rows.values()}
    inner_rows = await _status_rows(conn, inner_ids - rows.keys())
    # One level deeper for quotes inside reposts.
    deeper = {r.quote_of_id for r in inner_rows.values()} - rows.keys() - inner_rows.keys()
    inner_rows.update(await _status_rows(conn, deeper))
    all_rows = {**inner_rows, **rows}
    all_ids = list(all_rows)

    media_by_status: dict[int, list] = defaultdict(list)
    mention_ids: dict[int, list[int]] = defaultdict(list)
    tags_by_status: dict[int, list[str]] = defaultdict(list)
    polls: dict[int, Any] = {}
    own_votes: dict[int, list[int]] = defaultdict(list)
    flags: dict[str, set[int]] = {"fav": set(), "reblog": set(), "bookmark": set(), "pin": set()}
    apps: dict[int, Any] = {}
    if all_ids:
        for m in (await conn.execute(
            select(t.media_attachments).where(t.media_attachments.c.status_id.in_(all_ids))
            .order_by(t.media_attachments.c.position, t.media_attachments.c.id)
        )).all():
            media_by_status[m.status_id].append(m)
        for m in (await conn.execute(select(t.mentions).where(t.mentions.c.status_id.in_(all_ids)))).all():
            mention_ids[m.status_id].append(m.account_id)
        for st in (await conn.execute(
            select(t.status_tags.c.status_id, t.tags.c.name)
            .join(t.tags, t.tags.c.id == t.status_tags.c.tag_id)
            .where(t.status_tags.c.status_id.in_(all_ids))
        )).all():
            tags_by_status[st.status_id].append(st.name)
        poll_ids = [r.poll_id for r in all_rows.values() if r.poll_id]
        if poll_ids:
            for p in (await conn.execute(select(t.polls).where(t.polls.c.id.in_(poll_ids)))).all():
                polls[p.id] = p
            if viewer_id:
                for v in (await conn.execute(select(t.poll_votes.c.poll_id, t.poll_votes.c.choice).where(
                    t.poll_votes.c.poll_id.in_(poll_ids), t.poll_votes.c.account_id == viewer_id
                ))).all():
                    own_votes[v.poll_id].append(v.choice)
        app_ids = {r.application_id for r in all_rows.values() if r.application_id}
        if app_ids and viewer_id:
            for a in (await conn.execute(select(t.apps.c.id, t.apps.c.name, t.apps.c.website)
                                         .where(t.apps.c.id.in_(app_ids)))).all():
                apps[a.id] = a
        if viewer_id:
            # The viewer's marks on these posts, in one round trip.
            target_ids = [r.reblog_of_id or r.id for r in all_rows.values()]
            marks = [select(literal(name).label("kind"), table.c.status_id).where(
                table.c.account_id == viewer_id, table.c.status_id.in_(target_ids))
                for name, table in (("fav", t.favourites), ("bookmark", t.bookmarks), ("pin", t.pins))]
            marks.append(select(literal("reblog").label("kind"), t.statuses.c.reblog_of_id).where(and_(
                t.statuses.c.account_id == viewer_id, t.statuses.c.reblog_of_id.in_(target_ids))))
            for kind, status_id in (await conn.execute(union_all(*marks))).all():
                flags[kind].add(status_id)

    account_ids = {r.account_id for r in all_rows.values()}
    for ids_ in mention_ids.values():
        account_ids.update(ids_)
    accounts = await accounts_by_id(conn, account_ids)

    def build(row, depth: int = 0) -> StatusView | None:
        account = accounts.get(row.account_id)
        if account is None:
            return None
        view = StatusView(
            row=row,
            account=account,
            media=media_by_status.get(row.id, []),
            mentions=[accounts[a] for a in mention_ids.get(row.id, []) if a in accounts],
            tags=tags_by_status.get(row.id, []),
            poll=polls.get(row.poll_id) if row.poll_id else None,
            poll_own_votes=own_votes.get(row.poll_id, []) if row.poll_id else None,
            favourited=row.id in flags["fav"],
            reblogged=row.id in flags["reblog"],
            bookmarked=row.id in flags["bookmark"],
            pinned=(row.id in flags["pin"]) if viewer_id == row.account_id else None,
            application=apps.get(row.application_id) if viewer_id else None,
        )
        if row.reblog_of_id and depth == 0:
            inner = all_rows.get(row.reblog_of_id)
            view.reblog = build(inner, depth + 1) if inner else None
            if view.reblog is None:
                return None
        if row.quote_of_id and depth < 2:
            inner = all_rows.get(row.quote_of_id)
            view.quote = build(inner, depth + 1) if inner else None
        if filters is not None and context:
            target = view.reblog or view
            view.filtered = filters.match(target.row, context)
        return view

    out = []
    for status_id in ids:
        row = rows.get(status_id)
        if row is not None:
            view = build(row)
            if view is not None:
                out.append(view)
    return out


async def load_filters(conn, viewer_id: int | None) -> FilterMatcher | None:
    """The viewer's active filters, compiled once per request."""
    if viewer_id is None:
        return None
    filter_rows = (await conn.execute(select(t.filters).where(t.filters.c.account_id == viewer_id))).all()
    if not filter_rows:
        return FilterMatcher([], {}, {})
    ids = [f.id for f in filter_rows]
    keywords: dict[int, list] = defaultdict(list)
    for k in (await conn.execute(select(t.filter_keywords).where(t.filter_keywords.c.filter_id.in_(ids)))).all():
        keywords[k.filter_id].append(k)
    statuses: dict[int, set[int]] = defaultdict(set)
    for s in (await conn.execute(select(t.filter_statuses).where(t.filter_statuses.c.filter_id.in_(ids)))).all():
        statuses[s.filter_id].add(s.status_id)
    return FilterMatcher(filter_rows, keywords, statuses)
