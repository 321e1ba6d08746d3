"""Hydration: load everything a page of statuses or accounts needs, in a fixed number of queries."""

from __future__ import annotations

import re
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, literal_column, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import in_ids
from spark.domain.filters import FilterMatcher
from spark.services.caches import Memo


@dataclass(slots=True)
class StatusView:
    row: Any
    account: Any
    media: list = field(default_factory=list)
    mentions: list = field(default_factory=list)  # account rows
    tags: list = field(default_factory=list)  # tag names (lower case)
    emojis: list = field(default_factory=list)  # custom emoji rows
    poll: Any = None
    poll_own_votes: list[int] | None = None
    reblog: StatusView | None = None
    quote: StatusView | None = None
    favourited: bool = False
    reblogged: bool = False
    bookmarked: bool = False
    muted: bool = False  # the viewer muted the post's conversation
    pinned: bool | None = None  # only for the author's own posts
    filtered: list = field(default_factory=list)  # [(filter_row, keyword_matches, status_matches)]
    application: Any = None


# Hot-path statements are built once: constructing SQLAlchemy expressions costs more than running them.
_VIEWER = bindparam("viewer")
_ACCOUNTS_BY_ID = select(t.accounts).where(in_ids(t.accounts.c.id))
_MEDIA_OF = (select(t.media_attachments).where(in_ids(t.media_attachments.c.status_id))
             .order_by(t.media_attachments.c.position, t.media_attachments.c.id))
_MENTIONS_OF = select(t.mentions.c.status_id, t.mentions.c.account_id).where(in_ids(t.mentions.c.status_id))
_TAGS_OF = (select(t.status_tags.c.status_id, t.tags.c.name).join(t.tags, t.tags.c.id == t.status_tags.c.tag_id)
            .where(in_ids(t.status_tags.c.status_id)))
_APPS_BY_ID = select(t.apps.c.id, t.apps.c.name, t.apps.c.website).where(in_ids(t.apps.c.id))


async def accounts_by_id(conn, ids) -> dict[int, Any]:
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    return {row.id: row for row in (await conn.execute(_ACCOUNTS_BY_ID, {"ids": ids})).all()}


_STATUS_WIDTH = len(t.statuses.c)
_AUTHORED_WIDTH = _STATUS_WIDTH + len(t.accounts.c)
_StatusRow = namedtuple("_StatusRow", [c.name for c in t.statuses.c])
_AccountRow = namedtuple("_AccountRow", [c.name for c in t.accounts.c])
MARKS = ("fav", "reblog", "bookmark", "pin", "mute")
_MARKS_END = _AUTHORED_WIDTH + len(MARKS)


class Authored(NamedTuple):
    """A post as read with its author, and the viewer's marks on it when they were asked for."""

    status: Any
    author: Any
    marks: tuple[bool, ...] | None = None  # in the order of MARKS


def _probe(*conditions):
    """Whether a row matches, as a scalar subquery probed once per post through an index. (An EXISTS
    may be planned as a hash of all the viewer's rows instead, which a generic plan picks for someone
    with very many favourites or posts: milliseconds where the probe takes microseconds.) Its constants are
    written into the SQL: as parameters, each page would bind ten more values."""
    one = literal_column("1")
    return select(one).where(*conditions).limit(one).scalar_subquery().is_not(None)


def _marks_columns():
    """Has the viewer (bind parameter `viewer`) favourited, reposted, bookmarked, pinned this post
    (or, for a repost, the post it reposts), or muted its conversation (a repost has none)?"""
    target = func.coalesce(t.statuses.c.reblog_of_id, t.statuses.c.id)
    reposts = t.statuses.alias("viewer_reposts")
    return [
        _probe(t.favourites.c.account_id == _VIEWER, t.favourites.c.status_id == target),
        _probe(reposts.c.account_id == _VIEWER, reposts.c.reblog_of_id == target),
        _probe(t.bookmarks.c.account_id == _VIEWER, t.bookmarks.c.status_id == target),
        _probe(t.pins.c.account_id == _VIEWER, t.pins.c.status_id == target),
        _probe(t.conversation_mutes.c.account_id == _VIEWER,
               t.conversation_mutes.c.conversation_id == t.statuses.c.conversation_id),
    ]


def with_authors(statement, *, marks: bool = False):
    """A select(t.statuses…) statement that also reads each post's author and, with `marks`, the
    viewer's marks on it, in the same round trip (see `authored`)."""
    statement = statement.add_columns(*t.accounts.c).join(t.accounts, t.accounts.c.id == t.statuses.c.account_id)
    return statement.add_columns(*_marks_columns()) if marks else statement


_new = tuple.__new__  # builds a named tuple from a tuple of the right length without a Python-level call


def authored(rows) -> list[Authored]:
    """Rows of a `with_authors` statement."""
    return [_new(Authored, (_new(_StatusRow, row[:_STATUS_WIDTH]),
                            _new(_AccountRow, row[_STATUS_WIDTH:_AUTHORED_WIDTH]),
                            tuple(map(bool, row[_AUTHORED_WIDTH:_MARKS_END])) or None)) for row in rows]


# Posts by id with their authors, and (True) with a viewer's marks too.
_STATUSES_BY_ID = {marks: with_authors(select(t.statuses).where(in_ids(t.statuses.c.id)), marks=marks)
                   for marks in (False, True)}


async def _status_rows(conn, ids, viewer_id: int | None) -> dict[int, Authored]:
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    rows = await conn.execute(_STATUSES_BY_ID[viewer_id is not None], {"ids": ids, "viewer": viewer_id})
    return {found.status.id: found for found in authored(rows.all())}


async def posts_by_id(conn, ids: list[int], viewer_id: int | None) -> list[Authored]:
    """The posts that still exist among `ids`, in that order, with authors (and the viewer's marks)."""
    found = await _status_rows(conn, ids, viewer_id)
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class _Parts:
    """What only an edit changes on a post: attachments, mentioned accounts, hashtags."""

    media: list
    mentions: list
    tags: list
    emojis: list  # custom emoji rows used in a remote post's text


# Keyed by (id, edited_at), so an edit made by any process is seen at once and a deleted post is
# never asked for; the rows are read-only. Apps never change once registered.
_parts_cache = Memo(maxsize=50_000)
_apps_cache = Memo(maxsize=2_000)


async def _parts(conn, rows) -> dict[int, _Parts]:
    out: dict[int, _Parts] = {}
    missing = []
    for row in rows:
        cached = _parts_cache.get((row.id, row.edited_at))
        if cached is None:
            missing.append(row)
        else:
            out[row.id] = cached
    if not missing:
        return out
    ids = [row.id for row in missing]
    media: dict[int, list] = defaultdict(list)
    for m in (await conn.execute(_MEDIA_OF, {"ids": ids})).all():
        media[m.status_id].append(m)
    mention_ids: dict[int, list[int]] = defaultdict(list)
    for m in (await conn.execute(_MENTIONS_OF, {"ids": ids})).all():
        mention_ids[m.status_id].append(m.account_id)
    tags: dict[int, list[str]] = defaultdict(list)
    for st in (await conn.execute(_TAGS_OF, {"ids": ids})).all():
        tags[st.status_id].append(st.name)
    mentioned = await accounts_by_id(conn, [a for group in mention_ids.values() for a in group])
    emojis = await _emojis_of(conn, missing)
    for row in missing:
        parts = _Parts(media=media.get(row.id, []), tags=tags.get(row.id, []),
                       mentions=[mentioned[a] for a in mention_ids.get(row.id, []) if a in mentioned],
                       emojis=emojis.get(row.id, []))
        _parts_cache[(row.id, row.edited_at)] = out[row.id] = parts
    return out


_SHORTCODE = re.compile(r":([A-Za-z0-9_-]{1,64}):")


async def _emojis_of(conn, rows) -> dict[int, list]:
    """Custom emoji of remote posts: the :shortcodes: in their text, from their author's server."""
    codes = {row.id: set(_SHORTCODE.findall((row.content or "") + " " + (row.spoiler_text or "")))
             for row in rows if not row.local}
    codes = {k: v for k, v in codes.items() if v}
    if not codes:
        return {}
    by_row = {row.id: row for row in rows}
    domains = dict((await conn.execute(select(t.accounts.c.id, t.accounts.c.domain).where(
        t.accounts.c.id.in_({by_row[i].account_id for i in codes})))).all())
    found = (await conn.execute(select(t.custom_emojis).where(
        t.custom_emojis.c.shortcode.in_(set().union(*codes.values())),
        t.custom_emojis.c.domain.in_(set(domains.values()))))).all()
    index = {(e.shortcode, e.domain): e for e in found}
    return {i: [index[(c, domains.get(by_row[i].account_id))] for c in sorted(wanted)
                if (c, domains.get(by_row[i].account_id)) in index] for i, wanted in codes.items()}


async def _apps(conn, ids: set[int]) -> dict[int, Any]:
    out = {i: _apps_cache[i] for i in ids if i in _apps_cache}
    missing = list(ids - out.keys())
    if missing:
        for a in (await conn.execute(_APPS_BY_ID, {"ids": missing})).all():
            _apps_cache[a.id] = out[a.id] = a
    return out


async def load_statuses(conn, ids: list[int], viewer_id: int | None, *, context: str | None = None,
                        filters: FilterMatcher | None = None) -> list[StatusView]:
    """StatusViews for `ids`, in the same order; ids that no longer exist are skipped."""
    found = await _status_rows(conn, ids, viewer_id)
    return await hydrate(conn, [found[i] for i in ids if i in found], viewer_id, context=context, filters=filters)


async def hydrate(conn, found: list[Authored], viewer_id: int | None, *, context: str | None = None,
                  filters: FilterMatcher | None = None) -> list[StatusView]:
    """StatusViews for posts already read with their authors (and, with a viewer, their marks: see
    `with_authors`), in the same order."""
    rows = [f.status for f in found]
    by_id = {row.id: row for row in rows}
    inner = await _status_rows(conn, ({r.reblog_of_id for r in rows} | {r.quote_of_id for r in rows}) - by_id.keys(),
                               viewer_id)
    # One level deeper for quotes inside reposts.
    inner.update(await _status_rows(
        conn, {f.status.quote_of_id for f in inner.values()} - by_id.keys() - inner.keys(), viewer_id))
    everything = [*found, *inner.values()]
    accounts = {f.author.id: f.author for f in everything}
    all_rows = {**{i: f.status for i, f in inner.items()}, **by_id}

    parts = await _parts(conn, all_rows.values())
    polls: dict[int, Any] = {}
    own_votes: dict[int, list[int]] = defaultdict(list)
    flags: dict[str, set[int]] = {kind: set() for kind in MARKS}
    apps: dict[int, Any] = {}
    poll_ids = [r.poll_id for r in all_rows.values() if r.poll_id]
    if poll_ids:
        for p in (await conn.execute(select(t.polls).where(t.polls.c.id.in_(poll_ids)))).all():
            polls[p.id] = p
        if viewer_id:
            for v in (await conn.execute(select(t.poll_votes.c.poll_id, t.poll_votes.c.choice).where(
                t.poll_votes.c.poll_id.in_(poll_ids), t.poll_votes.c.account_id == viewer_id
            ))).all():
                own_votes[v.poll_id].append(v.choice)
    if viewer_id and all_rows:
        apps = await _apps(conn, {r.application_id for r in all_rows.values() if r.application_id})
        for f in everything:
            if f.marks and any(f.marks):
                for kind, marked in zip(MARKS, f.marks, strict=True):
                    if marked:
                        flags[kind].add(f.status.reblog_of_id or f.status.id)

    page = _Page(viewer_id, context, filters, accounts, all_rows, parts, polls, own_votes, flags, apps)
    return [view for view in map(page.build, rows) if view is not None]


@dataclass(slots=True)
class _Page:
    """What `hydrate` loaded, to build the views from (a class, not a closure that calls itself: that
    would be a reference cycle, keeping the whole page alive until the cyclic GC ran)."""

    viewer_id: int | None
    context: str | None
    filters: FilterMatcher | None
    accounts: dict[int, Any]
    all_rows: dict[int, Any]
    parts: dict[int, _Parts]
    polls: dict[int, Any]
    own_votes: dict[int, list[int]]
    flags: dict[str, set[int]]
    apps: dict[int, Any]

    def build(self, row, depth: int = 0) -> StatusView | None:
        account = self.accounts.get(row.account_id)
        if account is None:
            return None
        part = self.parts[row.id]
        status_id, poll_id, flags, viewer_id = row.id, row.poll_id, self.flags, self.viewer_id
        view = StatusView(
            row=row,
            account=account,
            media=part.media,
            mentions=part.mentions,
            tags=part.tags,
            emojis=part.emojis,
            poll=self.polls.get(poll_id) if poll_id else None,
            poll_own_votes=self.own_votes.get(poll_id, []) if poll_id else None,
            favourited=status_id in flags["fav"],
            reblogged=status_id in flags["reblog"],
            bookmarked=status_id in flags["bookmark"],
            muted=status_id in flags["mute"],
            pinned=(status_id in flags["pin"]) if viewer_id == row.account_id else None,
            application=self.apps.get(row.application_id) if viewer_id and row.application_id else None,
        )
        if row.reblog_of_id and depth == 0:
            inner = self.all_rows.get(row.reblog_of_id)
            view.reblog = self.build(inner, depth + 1) if inner else None
            if view.reblog is None:
                return None
        if row.quote_of_id and depth < 2:
            inner = self.all_rows.get(row.quote_of_id)
            view.quote = self.build(inner, depth + 1) if inner else None
        if self.filters and self.context:
            target = view.reblog or view
            view.filtered = self.filters.match(target.row, self.context)
        return view


async def load_filters(conn, viewer_id: int | None, *, any_exist: bool = True) -> FilterMatcher | None:
    """The viewer's active filters, compiled once per request (`any_exist=False`: already known to be none)."""
    if viewer_id is None:
        return None
    filter_rows = []
    if any_exist:
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
