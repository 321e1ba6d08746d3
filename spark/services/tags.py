"""Hashtags: one tag with its week of use, and the tags an account follows (whose public posts
reach its home feed, see feeds.fan_out_to_tags)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.errors import NotFound
from spark.domain.ids import id_for_time, id_time, new_id
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import feeds
from spark.services.paging import Page, ranged
from spark.services.posting import tag_ids

TAG_NAME_RE = re.compile(r"^\w{1,128}$")
HISTORY_DAYS = 7


@dataclass
class TagView:
    id: int | None  # None: a valid name no post has used yet
    name: str  # as first written
    history: list[dict[str, str]]
    following: bool | None = None  # None without a signed-in viewer
    featuring: bool | None = None


def checked_name(name: str | None) -> str:
    """A hashtag name without its `#`; Mastodon answers 404 for a name that cannot be a hashtag."""
    name = (name or "").strip().removeprefix("#")
    if not TAG_NAME_RE.match(name):
        raise NotFound()
    return name


def history_days() -> list[datetime]:
    """Midnights (UTC) of the last HISTORY_DAYS days, today first."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - timedelta(days=d) for d in range(HISTORY_DAYS)]


def history_of(stamps: list[tuple[int, int]], days: list[datetime] | None = None) -> list[dict[str, str]]:
    """Mastodon's history entries (uses and distinct accounts per day, newest first, as strings) from
    (status id, account id) pairs."""
    days = days or history_days()
    uses: dict[int, int] = defaultdict(int)
    authors: dict[int, set[int]] = defaultdict(set)
    for status_id, account_id in stamps:
        day = (days[0].date() - id_time(status_id).date()).days
        if 0 <= day < len(days):
            uses[day] += 1
            authors[day].add(account_id)
    return [{"day": str(int(day.timestamp())), "uses": str(uses[i]), "accounts": str(len(authors[i]))}
            for i, day in enumerate(days)]


async def tag_history(conn, ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Each tag's history over the last week; as on Mastodon, only public posts count."""
    days = history_days()
    rows = (await conn.execute(
        select(t.status_tags.c.tag_id, t.statuses.c.id, t.statuses.c.account_id)
        .join(t.statuses, t.statuses.c.id == t.status_tags.c.status_id)
        .where(t.status_tags.c.tag_id.in_(ids), t.status_tags.c.status_id >= id_for_time(days[-1]),
               t.statuses.c.visibility == int(Visibility.PUBLIC))
    )).all() if ids else []
    stamps: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        stamps[row.tag_id].append((row.id, row.account_id))
    return {tag_id: history_of(stamps[tag_id], days) for tag_id in ids}


async def views(conn, rows: list, viewer_id: int | None) -> list[TagView]:
    """TagViews for tag rows, in order, with their history and whether the viewer follows and features them."""
    ids = [row.id for row in rows]
    history = await tag_history(conn, ids)
    following = featuring = set()
    if viewer_id is not None and ids:
        following = set((await conn.execute(select(t.tag_follows.c.tag_id).where(
            t.tag_follows.c.account_id == viewer_id, t.tag_follows.c.tag_id.in_(ids)))).scalars())
        featuring = set((await conn.execute(select(t.featured_tags.c.tag_id).where(
            t.featured_tags.c.account_id == viewer_id, t.featured_tags.c.tag_id.in_(ids)))).scalars())
    signed_in = viewer_id is not None
    return [TagView(row.id, row.display_name, history[row.id], row.id in following if signed_in else None,
                    row.id in featuring if signed_in else None) for row in rows]


async def find(conn, name: str):
    return (await conn.execute(select(t.tags).where(t.tags.c.name == name.lower()))).first()


async def view_of(conn, name: str, viewer_id: int | None) -> TagView:
    """The tag named `name` as the viewer sees it; a valid name no post has used yet has a history of zeros."""
    row = await find(conn, name)
    if row is None:
        unmarked = False if viewer_id is not None else None
        return TagView(None, name, history_of([]), unmarked, unmarked)
    return (await views(conn, [row], viewer_id))[0]


async def tag(rt: Runtime, viewer_id: int | None, name: str) -> TagView:
    name = checked_name(name)
    async with rt.db.read() as conn:
        return await view_of(conn, name, viewer_id)


async def follow(rt: Runtime, viewer_id: int, name: str) -> TagView:
    """Follow a hashtag (again: no change), creating it if no post has used it yet."""
    name = checked_name(name)
    async with rt.db.write() as conn:
        (tag_id,) = await tag_ids(conn, [name])
        await conn.execute(insert_ignore(conn, t.tag_follows, id=new_id(), account_id=viewer_id, tag_id=tag_id,
                                         created_at=datetime.now(UTC)))
        return await view_of(conn, name, viewer_id)


async def unfollow(rt: Runtime, viewer_id: int, name: str) -> TagView:
    """Stop following a hashtag; the posts it alone brought leave the home feed, as on Mastodon."""
    name = checked_name(name)
    async with rt.db.write() as conn:
        row = await find(conn, name)
        if row is not None:
            removed = await conn.execute(delete(t.tag_follows).where(t.tag_follows.c.account_id == viewer_id,
                                                                     t.tag_follows.c.tag_id == row.id))
            if removed.rowcount:
                await feeds.unmerge_tag(conn, follower_id=viewer_id, tag_id=row.id)
        return await view_of(conn, name, viewer_id)


async def followed(rt: Runtime, viewer_id: int, page: Page) -> list[tuple[int, TagView]]:
    """The viewer's followed hashtags, newest follow first, each with its follow's id (the page cursor)."""
    query = (select(t.tag_follows.c.id.label("row_id"), t.tags)
             .join(t.tags, t.tags.c.id == t.tag_follows.c.tag_id).where(t.tag_follows.c.account_id == viewer_id))
    query, ascending = ranged(query, t.tag_follows.c.id, page)
    async with rt.db.read() as conn:
        rows = (await conn.execute(query)).all()
        if ascending:
            rows.reverse()
        found = await views(conn, rows, viewer_id)
    return [(row.row_id, view) for row, view in zip(rows, found, strict=True)]
