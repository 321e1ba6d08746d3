"""Timelines: home, public (local/remote), hashtag, list and an account's posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, case, exists, literal, null, or_, select, true, union_all

from spark.adapters.db import schema as t
from spark.domain.errors import NotFound
from spark.domain.filters import FilterMatcher, hides
from spark.domain.moments import aware
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import events, feeds
from spark.services.caches import Kept
from spark.services.paging import Page, ranged
from spark.services.statuses import blocked_between
from spark.services.views import StatusView, authored, hydrate, load_filters, posts_by_id, with_authors


def _viewer_rules_query():
    """Rows of (kind, account or filter id, domain, until); only "domain" rows name a domain, and only
    mutes and filters may end by themselves (`until`)."""
    viewer = bindparam("viewer")
    hide = literal("hide").label("kind")
    never = literal(None, type_=t.mutes.c.expires_at.type).label("until")  # typed: the union's first row
    followed = t.follows.c.account_id == viewer
    return union_all(
        select(hide, t.blocks.c.target_account_id, null(), never).where(t.blocks.c.account_id == viewer),
        select(hide, t.blocks.c.account_id, null(), null()).where(t.blocks.c.target_account_id == viewer),
        select(hide, t.mutes.c.target_account_id, null(), t.mutes.c.expires_at).where(
            t.mutes.c.account_id == viewer, or_(
                t.mutes.c.expires_at.is_(None), t.mutes.c.expires_at > bindparam("now", type_=t.mutes.c.expires_at.type))),
        select(literal("domain"), null(), t.account_domain_blocks.c.domain, null())
        .where(t.account_domain_blocks.c.account_id == viewer),
        select(literal("list"), t.list_accounts.c.account_id, null(), null())
        .join(t.lists, t.lists.c.id == t.list_accounts.c.list_id)
        .where(t.lists.c.account_id == viewer, t.lists.c.exclusive.is_(True)),
        select(literal("filter"), t.filters.c.id, null(), t.filters.c.expires_at).where(t.filters.c.account_id == viewer),
        select(case((t.follows.c.show_reblogs.is_(True), "merge+reblogs"), else_="merge"), t.follows.c.target_account_id,
               null(), null())
        .where(followed, t.follows.c.target_account_id.in_(
            select(t.accounts.c.id).where(t.accounts.c.merge_at_read == true()))),
    )


_VIEWER_RULES = _viewer_rules_query()


@dataclass(frozen=True)
class ViewerRules:
    """What shapes a viewer's timelines besides the posts themselves."""

    hidden: set[int] = field(default_factory=set)  # blocked, blocking or muted: never shown
    listed: set[int] = field(default_factory=set)  # members of exclusive lists: not shown at home
    filters: FilterMatcher | None = None
    merged: dict[int, bool] = field(default_factory=dict)  # followed merge_at_read accounts → show their reposts?
    domains: set[str] = field(default_factory=set)  # blocked servers: none of their accounts is shown
    until: datetime | None = None  # when a mute or filter ends, changing them without any event

    def hides(self, view: StatusView, *, on_home: bool = False) -> bool:
        """Whether the post (or the post it reposts) is by someone the viewer never sees here."""
        for author in (view.account, (view.reblog or view).account):
            if author.id in self.hidden or author.domain in self.domains or (on_home and author.id in self.listed):
                return True
        return False


# Viewers' rules as read, kept a while (and never past the end of a mute or filter of theirs), so that most
# timeline reads skip that query. Forgotten as soon as they change: every change emits
# events.rules_changed, which each serving process watches (`watch_rules`), the one that made it before its
# response goes out. Where changes made by other processes cannot be heard (several processes without
# Redis, or Redis down as this one started), rules are kept only RULES_UNHEARD_TTL: a mute made through
# one process applies on the others within that.
RULES_TTL = 10.0
RULES_UNHEARD_TTL = 2.0
_rules = Kept(maxsize=20_000)  # viewer → (database, rules)
_rules_ttl = 0.0  # nothing is kept until changes are watched


async def watch_rules(rt: Runtime) -> None:
    """Keep viewers' rules in this process, forgetting them as they change."""
    global _rules_ttl
    _rules_ttl = RULES_TTL if await rt.pubsub.watch(events.RULES_CHANNEL, _forget_rules) else RULES_UNHEARD_TTL


def _forget_rules(payload: bytes) -> None:
    _rules.forget(orjson.loads(payload).get("accounts"))


async def hiding_rules(conn, viewer_id: int | None) -> ViewerRules:
    """`load_hiding_rules`, as kept for a while when this process hears of their changes."""
    if viewer_id is None or not _rules_ttl:
        return await load_hiding_rules(conn, viewer_id)
    database = conn.engine.url
    kept = _rules.get(viewer_id)
    if kept is not None and kept[0] == database:
        return kept[1]
    changes = _rules.changes
    rules = await load_hiding_rules(conn, viewer_id)
    ttl = _rules_ttl if rules.until is None else min(_rules_ttl, (rules.until - datetime.now(UTC)).total_seconds())
    _rules.keep(viewer_id, (database, rules), ttl, changes)
    return rules


async def load_hiding_rules(conn, viewer_id: int | None) -> ViewerRules:
    """In one round trip: the accounts whose posts the viewer never sees in timelines (blocked, blocking,
    muted until the mute expires), the servers they block, the members of their exclusive lists (hidden
    on home only), their filters, and the accounts they follow whose posts are merged into their home
    feed at read time."""
    if viewer_id is None:
        return ViewerRules()
    now = datetime.now(UTC)
    rows = (await conn.execute(_VIEWER_RULES, {"viewer": viewer_id, "now": now})).all()
    hidden = {value for kind, value, _, _ in rows if kind == "hide"}
    listed = {value for kind, value, _, _ in rows if kind == "list"}
    merged = {value: kind == "merge+reblogs" for kind, value, _, _ in rows if kind.startswith("merge")}
    domains = {domain for kind, _, domain, _ in rows if kind == "domain"}
    has_filters = any(kind == "filter" for kind, _, _, _ in rows)
    ends = [aware(until) for _, _, _, until in rows if until is not None and aware(until) > now]
    return ViewerRules(hidden, listed, await load_filters(conn, viewer_id, any_exist=has_filters), merged, domains,
                       min(ends, default=None))


_CURSORS = ("max_id", "since_id", "min_id")
_windows: dict[tuple, tuple] = {}

# A window: (conn, cursor, rows to fetch, with the viewer's marks?, viewer) → (rows of `authored`, ascending?).
Window = Callable[..., Awaitable[tuple[list, bool]]]


def _statement(query, column, cursor: Page, fetch: int, key: str | None, marks: bool) -> tuple[Any, bool, dict]:
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


def sql_window(query, column, *, key: str | None = None, params: dict | None = None) -> Window:
    """A window over `query`, which selects status ids from the column paged on; the window and its
    posts are read in one query."""

    async def read(conn, cursor: Page, fetch: int, marks: bool, viewer_id: int | None = None):
        statement, ascending, cursor_params = _statement(query, column, cursor, fetch, key, marks)
        values = {**(params or {}), **cursor_params, **({"viewer": viewer_id} if marks else {})}
        return authored((await conn.execute(statement, values)).all()), ascending

    return read


def _merge(windows: list[Window]) -> Window:
    """Several windows read as one: each gives its best `fetch` rows, the best of all are kept."""
    if len(windows) == 1:
        return windows[0]

    async def read(conn, cursor: Page, fetch: int, marks: bool, viewer_id: int | None = None):
        found: dict[int, Any] = {}
        ascending = False
        for window in windows:
            rows, ascending = await window(conn, cursor, fetch, marks, viewer_id)
            for row in rows:
                found.setdefault(row.status.id, row)
        ordered = sorted(found.values(), key=lambda row: row.status.id, reverse=not ascending)
        return ordered[:fetch], ascending

    return read


async def read_page(conn, window: Window | list[Window], page: Page, viewer_id: int | None, context: str, *,
                exclusive_lists: bool = False, rules: ViewerRules | None = None) -> list[StatusView]:
    """Read a timeline window, hydrate, and drop hidden authors and `hide` filters (over-fetching a little)."""
    rules = rules or await hiding_rules(conn, viewer_id)
    filters = rules.filters
    read = _merge(window) if isinstance(window, list) else window
    out: list[StatusView] = []
    fetch = page.limit + 10 if (rules.hidden or rules.domains or filters or exclusive_lists and rules.listed) \
        else page.limit
    cursor = page
    for _ in range(4):
        rows, ascending = await read(conn, cursor, fetch, viewer_id is not None, viewer_id)
        rows = sorted(rows, key=lambda found: found.status.id, reverse=not ascending)
        if not rows:
            break
        views = await hydrate(conn, rows, viewer_id, context=context, filters=filters)
        for view in views:
            if rules.hides(view, on_home=exclusive_lists):
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
_MERGED = select(t.statuses.c.id).where(
    t.statuses.c.account_id.in_(bindparam("merged", expanding=True)),
    t.statuses.c.visibility < int(Visibility.DIRECT),
    or_(t.statuses.c.reblog_of_id.is_(None), t.statuses.c.account_id.in_(bindparam("reposts", expanding=True))))


def merged_window(merged: dict[int, bool], members=None) -> Window:
    """Posts of followed `merge_at_read` accounts (too many followers to fan out to), as if on the feed."""
    if members is not None:
        merged = {account: reposts for account, reposts in merged.items() if account in members}
    return sql_window(_MERGED, t.statuses.c.id, key="merged", params={
        "merged": sorted(merged), "reposts": sorted(a for a, reposts in merged.items() if reposts)})


def _cached_window(rt: Runtime, viewer_id: int) -> Window:
    """The home feed read through the feed cache: ids from the cache, posts from the database. A page
    the cache cannot answer in full (missing feed, older than what it keeps) is read from the database,
    and a missing feed is cached for the next read."""
    from_database = sql_window(_HOME, t.home_feed.c.status_id, key="home", params={"viewer": viewer_id})

    async def read(conn, cursor: Page, fetch: int, marks: bool, viewer: int | None = None):
        cache = rt.feed_cache
        ids = await cache.window(viewer_id, max_id=cursor.max_id, since_id=cursor.since_id, min_id=cursor.min_id,
                                 limit=fetch)
        if ids is None:
            if cursor == Page(limit=cursor.limit):
                newest = await feeds.newest(conn, viewer_id, rt.settings.home_feed_size)
                await cache.fill(viewer_id, newest, whole=len(newest) < rt.settings.home_feed_size)
            return await from_database(conn, cursor, fetch, marks, viewer)
        rows = await posts_by_id(conn, ids, viewer if marks else None)
        return rows, cursor.min_id is not None

    return read


async def home(rt: Runtime, viewer_id: int, page: Page) -> list[StatusView]:
    async with rt.db.read() as conn:
        rules = await hiding_rules(conn, viewer_id)
        feed = (_cached_window(rt, viewer_id) if rt.feed_cache is not None
                else sql_window(_HOME, t.home_feed.c.status_id, key="home", params={"viewer": viewer_id}))
        windows = [feed, merged_window(rules.merged)] if rules.merged else feed
        return await read_page(conn, windows, page, viewer_id, "home", exclusive_lists=True, rules=rules)


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
        return await read_page(conn, sql_window(query, t.statuses.c.id), page, viewer_id, "public")


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
        return await read_page(conn, sql_window(query, t.statuses.c.id), page, viewer_id, "public")


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
        rules = await hiding_rules(conn, viewer_id)
        windows = [sql_window(query, t.home_feed.c.status_id)]
        if rules.merged:
            listed = set((await conn.execute(members)).scalars())
            windows.append(merged_window(rules.merged, listed))
        return await read_page(conn, windows, page, viewer_id, "home", rules=rules)


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
        return await read_page(conn, sql_window(query, t.statuses.c.id), page, viewer_id, "account")
