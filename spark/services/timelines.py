"""Timelines: home, public (local/remote), hashtag, list and an account's posts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, literal, or_, select, union_all

from spark.adapters.db import schema as t
from spark.domain.errors import NotFound
from spark.domain.filters import FilterMatcher, hides
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services.paging import Page, ranged
from spark.services.statuses import blocked_between
from spark.services.views import StatusView, authored, hydrate, load_filters, with_authors


def _viewer_rules_query():
    viewer = bindparam("viewer")
    hide = literal("hide").label("kind")
    return union_all(
        select(hide, t.blocks.c.target_account_id).where(t.blocks.c.account_id == viewer),
        select(hide, t.blocks.c.account_id).where(t.blocks.c.target_account_id == viewer),
        select(hide, t.mutes.c.target_account_id).where(t.mutes.c.account_id == viewer, or_(
            t.mutes.c.expires_at.is_(None), t.mutes.c.expires_at > bindparam("now", type_=t.mutes.c.expires_at.type))),
        select(literal("list"), t.list_accounts.c.account_id).join(t.lists, t.lists.c.id == t.list_accounts.c.list_id)
        .where(t.lists.c.account_id == viewer, t.lists.c.exclusive.is_(True)),
        select(literal("filter"), t.filters.c.id).where(t.filters.c.account_id == viewer),
    )


_VIEWER_RULES = _viewer_rules_query()


async def hiding_rules(conn, viewer_id: int | None) -> tuple[set[int], set[int], FilterMatcher | None]:
    """In one round trip: the accounts whose posts the viewer never sees in timelines (blocked, blocking,
    muted until the mute expires), the members of their exclusive lists (hidden on home only), and their
    filters."""
    if viewer_id is None:
        return set(), set(), None
    rows = (await conn.execute(_VIEWER_RULES, {"viewer": viewer_id, "now": datetime.now(UTC)})).all()
    hidden = {value for kind, value in rows if kind == "hide"}
    listed = {value for kind, value in rows if kind == "list"}
    has_filters = any(kind == "filter" for kind, _ in rows)
    return hidden, listed, await load_filters(conn, viewer_id, any_exist=has_filters)


_CURSORS = ("max_id", "since_id", "min_id")
_windows: dict[tuple, tuple] = {}


def _window(query, column, cursor: Page, fetch: int, key: str | None, marks: bool) -> tuple[Any, bool, dict]:
    """(statement reading a window of `query` with its posts, ascending?, parameters).

    A constant `query` (with bind parameters, named by `key`) is built once per page shape.
    """
    if key is None:
        windowed, ascending = ranged(query, column, cursor, fetch)
        return _with_posts(windowed, marks), ascending, {}
    given = {name: getattr(cursor, name) for name in _CURSORS if getattr(cursor, name) is not None}
    shape = (key, marks, *given, fetch)
    if shape not in _windows:
        slots = Page(**{name: bindparam(name) for name in given}, limit=cursor.limit)
        windowed, ascending = ranged(query, column, slots, fetch)
        _windows[shape] = (_with_posts(windowed, marks), ascending)
    statement, ascending = _windows[shape]
    return statement, ascending, given


def _with_posts(windowed, marks: bool):
    window = windowed.subquery()
    return with_authors(select(t.statuses).join(window, t.statuses.c.id == window.c[0]), marks=marks)


async def _page(conn, query, column, page: Page, viewer_id: int | None, context: str, *,
                exclusive_lists: bool = False, key: str | None = None, params: dict | None = None
                ) -> list[StatusView]:
    """Run a timeline query, hydrate, and drop hidden authors and `hide` filters (over-fetching a little).

    `query` selects status ids from the column paged on; its window and the posts are read in one query.
    """
    hidden, listed, filters = await hiding_rules(conn, viewer_id)
    if exclusive_lists:
        hidden |= listed
    out: list[StatusView] = []
    fetch = page.limit + 10 if (hidden or filters) else page.limit
    cursor = page
    for _ in range(4):
        statement, ascending, cursor_params = _window(query, column, cursor, fetch, key, viewer_id is not None)
        values = {**(params or {}), **cursor_params, **({"viewer": viewer_id} if viewer_id is not None else {})}
        rows = sorted(authored((await conn.execute(statement, values)).all()),
                      key=lambda found: found.status.id, reverse=not ascending)
        if not rows:
            break
        views = await hydrate(conn, rows, viewer_id, context=context, filters=filters)
        for view in views:
            inner = view.reblog or view
            if view.account.id in hidden or inner.account.id in hidden:
                continue
            if view.filtered and hides(view.filtered):
                continue
            out.append(view)
        if len(out) >= page.limit or len(rows) < fetch:
            break
        edge = rows[-1].status.id
        cursor = Page(max_id=None if ascending else edge, since_id=page.since_id,
                      min_id=edge if ascending else None, limit=page.limit)
    out = out[: page.limit]
    if page.min_id is not None:
        out.reverse()
    return out


_HOME = select(t.home_feed.c.status_id).where(t.home_feed.c.account_id == bindparam("viewer"))


async def home(rt: Runtime, viewer_id: int, page: Page) -> list[StatusView]:
    async with rt.db.read() as conn:
        return await _page(conn, _HOME, t.home_feed.c.status_id, page, viewer_id, "home", exclusive_lists=True,
                           key="home", params={"viewer": viewer_id})


def _public_query(*, local: bool, remote: bool, only_media: bool):
    """Public posts, but none by accounts of silenced servers (`spark domains block --severity silence`):
    their followers still see them at home."""
    query = select(t.statuses.c.id).where(
        t.statuses.c.visibility == int(Visibility.PUBLIC), t.statuses.c.reblog_of_id.is_(None),
        ~exists().where(t.accounts.c.id == t.statuses.c.account_id, t.accounts.c.silenced_at.is_not(None)))
    if local:
        query = query.where(t.statuses.c.local.is_(True))
    elif remote:
        query = query.where(t.statuses.c.local.is_(False))
    if only_media:
        query = query.where(exists().where(t.media_attachments.c.status_id == t.statuses.c.id))
    return query


async def public(rt: Runtime, viewer_id: int | None, page: Page, *, local: bool = False, remote: bool = False,
                 only_media: bool = False) -> list[StatusView]:
    query = _public_query(local=local, remote=remote, only_media=only_media)
    async with rt.db.read() as conn:
        return await _page(conn, query, t.statuses.c.id, page, viewer_id, "public")


async def tag(rt: Runtime, viewer_id: int | None, name: str, page: Page, *, local: bool = False,
              remote: bool = False, only_media: bool = False, any_tags: list[str] = (),
              all_tags: list[str] = (), none_tags: list[str] = ()) -> list[StatusView]:
    names = [name.lower(), *[n.lower() for n in any_tags]]
    query = _public_query(local=local, remote=remote, only_media=only_media).where(exists().where(
        t.status_tags.c.status_id == t.statuses.c.id,
        t.status_tags.c.tag_id.in_(select(t.tags.c.id).where(t.tags.c.name.in_(names)))))
    for required in all_tags:
        query = query.where(exists().where(
            t.status_tags.c.status_id == t.statuses.c.id,
            t.status_tags.c.tag_id.in_(select(t.tags.c.id).where(t.tags.c.name == required.lower()))))
    if none_tags:
        query = query.where(~exists().where(
            t.status_tags.c.status_id == t.statuses.c.id,
            t.status_tags.c.tag_id.in_(select(t.tags.c.id).where(t.tags.c.name.in_([n.lower() for n in none_tags])))))
    async with rt.db.read() as conn:
        return await _page(conn, query, t.statuses.c.id, page, viewer_id, "public")


async def list_timeline(rt: Runtime, viewer_id: int, list_id: int | None, page: Page) -> list[StatusView]:
    async with rt.db.read() as conn:
        owned = (await conn.execute(select(t.lists).where(t.lists.c.id == list_id,
                                                           t.lists.c.account_id == viewer_id))).first()
        if owned is None:
            raise NotFound()
        members = select(t.list_accounts.c.account_id).where(t.list_accounts.c.list_id == owned.id)
        query = select(t.home_feed.c.status_id).join(t.statuses, t.statuses.c.id == t.home_feed.c.status_id).where(
            t.home_feed.c.account_id == viewer_id, t.statuses.c.account_id.in_(members))
        if owned.replies_policy == "none":
            query = query.where(t.statuses.c.in_reply_to_id.is_(None))
        elif owned.replies_policy == "list":
            query = query.where(or_(t.statuses.c.in_reply_to_account_id.is_(None),
                                    t.statuses.c.in_reply_to_account_id.in_(members),
                                    t.statuses.c.in_reply_to_account_id == t.statuses.c.account_id))
        return await _page(conn, query, t.home_feed.c.status_id, page, viewer_id, "home")


async def account_statuses(rt: Runtime, viewer_id: int | None, account_id: int | None, page: Page, *,
                           only_media: bool = False, exclude_replies: bool = False, exclude_reblogs: bool = False,
                           pinned: bool = False, tagged: str | None = None) -> list[StatusView]:
    async with rt.db.read() as conn:
        account = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
        if account is None:
            raise NotFound()
        if account.suspended_at is not None or (
                viewer_id and viewer_id != account.id and await blocked_between(conn, viewer_id, account.id)):
            return []
        allowed = [int(Visibility.PUBLIC), int(Visibility.UNLISTED)]
        if viewer_id == account.id:
            allowed += [int(Visibility.PRIVATE), int(Visibility.DIRECT)]
        elif viewer_id and await conn.scalar(select(exists().where(
                t.follows.c.account_id == viewer_id, t.follows.c.target_account_id == account.id))):
            allowed.append(int(Visibility.PRIVATE))
        visible = t.statuses.c.visibility.in_(allowed)
        if viewer_id and viewer_id != account.id:
            visible = or_(visible, and_(t.statuses.c.visibility >= int(Visibility.PRIVATE), exists().where(
                t.mentions.c.status_id == t.statuses.c.id, t.mentions.c.account_id == viewer_id)))
        query = select(t.statuses.c.id).where(t.statuses.c.account_id == account.id, visible)
        if pinned:
            query = query.where(exists().where(t.pins.c.status_id == t.statuses.c.id,
                                               t.pins.c.account_id == account.id))
        if only_media:
            query = query.where(exists().where(t.media_attachments.c.status_id == t.statuses.c.id))
        if exclude_replies:
            query = query.where(or_(t.statuses.c.in_reply_to_id.is_(None),
                                    t.statuses.c.in_reply_to_account_id == account.id))
        if exclude_reblogs:
            query = query.where(t.statuses.c.reblog_of_id.is_(None))
        if tagged:
            query = query.where(exists().where(
                t.status_tags.c.status_id == t.statuses.c.id,
                t.status_tags.c.tag_id.in_(select(t.tags.c.id).where(t.tags.c.name == tagged.lower()))))
        return await _page(conn, query, t.statuses.c.id, page, viewer_id, "account")
