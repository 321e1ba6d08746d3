"""Featured hashtags: the few tags an account shows on its profile, with how often it used them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from spark.adapters.db import schema as t
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import tags
from spark.services.follows import target_account
from spark.services.posting import tag_ids

MAX_FEATURED = 10  # instance.configuration.accounts.max_featured_tags
SUGGESTIONS = 10
RECENT_POSTS = 1000  # suggestions come from this many of the account's newest posts, as on Mastodon


@dataclass
class FeaturedTag:
    id: int
    tag_id: int
    name: str
    account: object  # the account row, for the tag's profile URL
    statuses_count: int
    last_status_at: datetime | None


async def _featured(conn, account) -> list[FeaturedTag]:
    """An account's featured tags with the count and date of its public and unlisted posts using each."""
    rows = (await conn.execute(select(t.featured_tags.c.id, t.featured_tags.c.tag_id, t.tags.c.display_name)
                               .join(t.tags, t.tags.c.id == t.featured_tags.c.tag_id)
                               .where(t.featured_tags.c.account_id == account.id)
                               .order_by(t.featured_tags.c.id))).all()
    usage = {} if not rows else {row.tag_id: row for row in (await conn.execute(
        select(t.status_tags.c.tag_id, func.count().label("n"), func.max(t.statuses.c.created_at).label("last"))
        .join(t.statuses, t.statuses.c.id == t.status_tags.c.status_id)
        .where(t.statuses.c.account_id == account.id, t.status_tags.c.tag_id.in_([r.tag_id for r in rows]),
               t.statuses.c.visibility <= int(Visibility.UNLISTED))
        .group_by(t.status_tags.c.tag_id))).all()}
    return [FeaturedTag(row.id, row.tag_id, row.display_name, account, usage[row.tag_id].n if row.tag_id in usage else 0,
                        usage[row.tag_id].last if row.tag_id in usage else None) for row in rows]


async def of_account(rt: Runtime, account_id: int | None) -> list[FeaturedTag]:
    """The tags an account features (none for a remote account: its server keeps them)."""
    async with rt.db.read() as conn:
        return await _featured(conn, await target_account(conn, account_id))


async def _feature(conn, account_id: int, name: str) -> int:
    """Feature a tag (again: no change, as Mastodon); returns its tag id."""
    (tag_id,) = await tag_ids(conn, [name])
    present = await conn.scalar(select(t.featured_tags.c.id).where(t.featured_tags.c.account_id == account_id,
                                                                   t.featured_tags.c.tag_id == tag_id))
    if present is None:
        count = await conn.scalar(select(func.count()).select_from(t.featured_tags)
                                  .where(t.featured_tags.c.account_id == account_id))
        if count >= MAX_FEATURED:
            raise Invalid("Validation failed: You have already featured the maximum number of hashtags")
        await conn.execute(t.featured_tags.insert().values(id=new_id(), account_id=account_id, tag_id=tag_id,
                                                           created_at=datetime.now(UTC)))
    return tag_id


def _valid(name: str | None) -> str:
    """POST /api/v1/featured_tags answers 422 for a name that cannot be a hashtag (the tags routes, 404)."""
    try:
        return tags.checked_name(name)
    except NotFound:
        raise Invalid("Validation failed: Tag is invalid") from None


async def create(rt: Runtime, account_id: int, name: str | None) -> FeaturedTag:
    name = _valid(name)
    async with rt.db.write() as conn:
        tag_id = await _feature(conn, account_id, name)
        featured = await _featured(conn, await target_account(conn, account_id))
    return next(f for f in featured if f.tag_id == tag_id)


async def remove(rt: Runtime, account_id: int, featured_id: int | None) -> None:
    async with rt.db.write() as conn:
        removed = await conn.execute(delete(t.featured_tags).where(t.featured_tags.c.id == (featured_id or -1),
                                                                   t.featured_tags.c.account_id == account_id))
        if not removed.rowcount:
            raise NotFound()


async def feature(rt: Runtime, account_id: int, name: str) -> tags.TagView:
    name = tags.checked_name(name)
    async with rt.db.write() as conn:
        await _feature(conn, account_id, name)
        return await tags.view_of(conn, name, account_id)


async def unfeature(rt: Runtime, account_id: int, name: str) -> tags.TagView:
    name = tags.checked_name(name)
    async with rt.db.write() as conn:
        row = await tags.find(conn, name)
        if row is not None:
            await conn.execute(delete(t.featured_tags).where(t.featured_tags.c.account_id == account_id,
                                                             t.featured_tags.c.tag_id == row.id))
        return await tags.view_of(conn, name, account_id)


async def suggestions(rt: Runtime, account_id: int) -> list[tags.TagView]:
    """The tags the account used most in its recent posts, less those it already features."""
    recent = (select(t.statuses.c.id).where(t.statuses.c.account_id == account_id)
              .order_by(t.statuses.c.id.desc()).limit(RECENT_POSTS).subquery())
    featured = select(t.featured_tags.c.tag_id).where(t.featured_tags.c.account_id == account_id)
    used = (select(t.status_tags.c.tag_id, func.count().label("n"))
            .join(recent, recent.c.id == t.status_tags.c.status_id)
            .where(t.status_tags.c.tag_id.not_in(featured))
            .group_by(t.status_tags.c.tag_id).order_by(func.count().desc(), t.status_tags.c.tag_id.desc())
            .limit(SUGGESTIONS).subquery())
    async with rt.db.read() as conn:
        rows = (await conn.execute(select(t.tags).join(used, used.c.tag_id == t.tags.c.id)
                                   .order_by(used.c.n.desc(), t.tags.c.id.desc()))).all()
        return await tags.views(conn, rows, account_id)
