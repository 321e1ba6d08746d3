"""Trends (the Explore tabs): the hashtags, posts and links most shared in recent public posts,
local and remote.

Computed when asked, over bounded windows: status ids are time-sortable, so each query is an index
range over the last days' posts, capped in rows. Spark fetches no link previews, so a trending link
carries only what the posts themselves say of it: its URL and its history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import distinct, func, select

from spark.adapters.db import schema as t
from spark.domain.errors import NotFound
from spark.domain.filters import hides
from spark.domain.ids import id_for_time, id_time
from spark.domain.trends import normal_link, shared_links, status_score
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import tags as tag_service
from spark.services.paging import Page
from spark.services.timelines import hiding_rules, read_page, sql_window
from spark.services.views import StatusView, load_statuses

WEEK = timedelta(days=7)  # tags and links: "used more within the past week" (Mastodon's Explore)
STATUS_WINDOW = timedelta(days=2)  # posts: older ones have decayed to nothing anyway (domain.trends)
MIN_ACCOUNTS = 2  # a tag or link trends once more than one account shares it
STATUS_CANDIDATES = 400  # the most interacted-with recent posts, ranked with their age
LINK_SCAN = 5000  # newest public posts with a link read for links


@dataclass
class TrendingLink:
    url: str
    history: list[dict[str, str]]


def _recent_public(window: timedelta):
    """Public original posts of the window by accounts neither suspended nor silenced. Naming both values
    of `local` lets the window be two id ranges of ix_statuses_public (visibility, local, id) rather
    than a scan of every public post."""
    return (select().select_from(t.statuses).join(t.accounts, t.accounts.c.id == t.statuses.c.account_id)
            .where(t.statuses.c.visibility == int(Visibility.PUBLIC), t.statuses.c.local.in_((True, False)),
                   t.statuses.c.id >= id_for_time(datetime.now(UTC) - window), t.statuses.c.reblog_of_id.is_(None),
                   t.accounts.c.suspended_at.is_(None), t.accounts.c.silenced_at.is_(None)))


async def trending_tags(rt: Runtime, viewer_id: int | None, *, offset: int, limit: int) -> list[tag_service.TagView]:
    """Hashtags used by the most distinct accounts in the past week's public posts."""
    accounts = func.count(distinct(t.statuses.c.account_id))
    query = (_recent_public(WEEK).add_columns(t.status_tags.c.tag_id)
             .join(t.status_tags, t.status_tags.c.status_id == t.statuses.c.id)
             .group_by(t.status_tags.c.tag_id).having(accounts >= MIN_ACCOUNTS)
             .order_by(accounts.desc(), func.count().desc(), func.max(t.statuses.c.id).desc())
             .offset(offset).limit(limit))
    async with rt.db.read() as conn:
        ranked = list((await conn.execute(query)).scalars())
        rows = {row.id: row for row in (await conn.execute(select(t.tags).where(t.tags.c.id.in_(ranked))))}
        return await tag_service.views(conn, [rows[i] for i in ranked if i in rows], viewer_id)


async def trending_statuses(rt: Runtime, viewer_id: int | None, *, offset: int, limit: int) -> list[StatusView]:
    """Recent public posts ranked by favourites, reposts and replies fading with age; as on Mastodon, no
    replies, no posts marked sensitive, and only by discoverable accounts; none the viewer hides."""
    interactions = t.statuses.c.favourites_count + t.statuses.c.reblogs_count + t.statuses.c.replies_count
    query = (_recent_public(STATUS_WINDOW).add_columns(t.statuses.c.id, t.statuses.c.account_id, t.accounts.c.domain,
                                                       interactions.label("n"))
             .where(t.statuses.c.in_reply_to_id.is_(None), t.statuses.c.in_reply_to_uri.is_(None),
                    t.statuses.c.sensitive.is_(False), t.accounts.c.discoverable.is_(True), interactions > 0)
             .order_by(interactions.desc()).limit(STATUS_CANDIDATES))
    now = datetime.now(UTC)
    async with rt.db.read() as conn:
        rules = await hiding_rules(conn, viewer_id)
        rows = [row for row in (await conn.execute(query)).all()
                if row.account_id not in rules.hidden and row.domain not in rules.domains]
        rows.sort(key=lambda row: (status_score(row.n, (now - id_time(row.id)).total_seconds()), row.id),
                  reverse=True)
        ids = [row.id for row in rows[offset:offset + limit]]
        views = await load_statuses(conn, ids, viewer_id, context="public", filters=rules.filters)
    return [view for view in views if not (view.filtered and hides(view.filtered))]


async def _link_uses(conn) -> dict[str, list[tuple[int, int]]]:
    """Each link shared in the window's public posts (the newest LINK_SCAN with a link): (post, author)s."""
    query = (_recent_public(WEEK).add_columns(t.statuses.c.id, t.statuses.c.account_id, t.statuses.c.content)
             .where(t.statuses.c.content.like("%<a %")).order_by(t.statuses.c.id.desc()).limit(LINK_SCAN))
    stamps: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in (await conn.execute(query)).all():
        for url in shared_links(row.content):
            stamps[url].append((row.id, row.account_id))
    return stamps


def _trends(uses: list[tuple[int, int]]) -> bool:
    return len({account for _, account in uses}) >= MIN_ACCOUNTS


async def trending_links(rt: Runtime, *, offset: int, limit: int) -> list[TrendingLink]:
    """Pages linked to by the most distinct accounts in the past week's public posts."""
    async with rt.db.read() as conn:
        stamps = await _link_uses(conn)
    ranked = [(len({account for _, account in uses}), len(uses), max(uses)[0], url)
              for url, uses in stamps.items() if _trends(uses)]
    ranked.sort(reverse=True)
    days = tag_service.history_days()
    return [TrendingLink(url, tag_service.history_of(stamps[url], days)) for *_, url in ranked[offset:offset + limit]]


async def link_timeline(rt: Runtime, viewer_id: int | None, url: str, page: Page, *,
                        local: bool = False) -> list[StatusView]:
    """The public posts sharing a trending link, newest first (GET /api/v1/timelines/link). As on Mastodon,
    a link that is not trending has no timeline (404)."""
    wanted = normal_link(url)
    async with rt.db.read() as conn:
        uses = (await _link_uses(conn)).get(wanted) if wanted else None
        if not uses or not _trends(uses):
            raise NotFound()
        query = select(t.statuses.c.id).where(t.statuses.c.id.in_([status_id for status_id, _ in uses]))
        if local:
            query = query.where(t.statuses.c.local.is_(True))
        return await read_page(conn, sql_window(query, t.statuses.c.id), page, viewer_id, "public")
