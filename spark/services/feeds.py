"""Home feeds: fan-out on write into `home_feed` rows, merged and unmerged on follow/unfollow.

Fan-out is one INSERT … SELECT: inside the posting transaction for ordinary audiences, and in a
background job (see posting.distribute) past `fanout_inline_max` followers, so that a post by a
popular account answers at once. Past `celebrity_followers` nothing is written at all: the account
is marked `merge_at_read` and its followers' home timelines merge its posts in when read (the hybrid
Twitter used). Feeds keep their newest `home_feed_size` entries (`trim`).

With Redis, each change is also queued for the feed cache (ports.FeedChange), applied once the
transaction has committed.

Public posts also reach the feeds of local accounts following one of their hashtags (`fan_out_to_tags`).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from sqlalchemy import BigInteger, and_, bindparam, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from spark.adapters.db import schema as t
from spark.adapters.db.database import Database
from spark.domain.visibility import Visibility
from spark.ports import FeedChange

MERGE_ON_FOLLOW = 40  # recent posts of a newly followed account pulled into the home feed
CELEBRITY_EXIT = 0.8  # a marked account fans out again once below this share of the threshold


def _insert_ignore(dialect: str, rows_select):
    """INSERT … SELECT into home_feed, skipping rows already there (spelled per dialect)."""
    if dialect == "postgresql":
        return pg_insert(t.home_feed).from_select(["account_id", "status_id"], rows_select).on_conflict_do_nothing()
    return insert(t.home_feed).from_select(["account_id", "status_id"], rows_select).prefix_with("OR IGNORE")


def _changed(conn, change: FeedChange) -> None:
    Database.after_commit(conn, change)


def local_followers(author_id: int, *, reblogs_only: bool = False):
    """The local accounts that follow `author_id` (only those who show its reposts, if asked)."""
    query = (select(t.follows.c.account_id).join(t.accounts, t.accounts.c.id == t.follows.c.account_id)
             .where(t.follows.c.target_account_id == author_id, t.accounts.c.domain == ""))
    return query.where(t.follows.c.show_reblogs.is_(True)) if reblogs_only else query


async def fan_out(conn, *, status_id: int, author_id: int, local: bool, visibility: int, is_reblog: bool,
                  mentioned_ids: list[int]) -> list[int]:
    """Put a new post on its author's (if `local`) and its local audience's home feeds; returns whose."""
    own = await add_own(conn, account_id=author_id, status_id=status_id, local=local)
    if visibility != Visibility.DIRECT:
        insert_rows = _followers_fan_out(conn.dialect.name, is_reblog)
    else:
        audience = select(t.accounts.c.id, literal(status_id)).where(
            t.accounts.c.id.in_(mentioned_ids), t.accounts.c.domain == "")
        insert_rows = _insert_ignore(conn.dialect.name, audience).returning(t.home_feed.c.account_id)
    inserted = list((await conn.execute(insert_rows, {"author": author_id, "status": status_id})).scalars())
    _changed(conn, FeedChange(added=status_id, account_ids=inserted))
    return [*own, *inserted]


async def fan_out_to_tags(conn, *, status_id: int, author_id: int) -> list[int]:
    """Put a public post on the home feeds of the local accounts following one of its hashtags, as
    Mastodon does, except those blocking or muting its author; returns whose. One INSERT … SELECT from
    the post's few status_tags rows through ix_tag_follows_tag_id: an untagged post costs one index
    probe, and since only local accounts follow tags it stays inline even when the followers' fan-out
    is deferred or merged at read time."""
    inserted = list((await conn.execute(_tag_followers_fan_out(conn.dialect.name), {
        "author": author_id, "status": status_id, "now": datetime.now(UTC)})).scalars())
    _changed(conn, FeedChange(added=status_id, account_ids=inserted))
    return inserted


# The two fan-outs every post runs, built once per dialect: building one cost as much as posting's other
# statements together (B9).
@functools.cache
def _followers_fan_out(dialect: str, reblogs_only: bool):
    audience = local_followers(bindparam("author"), reblogs_only=reblogs_only)
    rows = audience.with_only_columns(audience.selected_columns[0], bindparam("status", type_=BigInteger))
    return _insert_ignore(dialect, rows).returning(t.home_feed.c.account_id)


@functools.cache
def _tag_followers_fan_out(dialect: str):
    follower, author = t.tag_follows.c.account_id, bindparam("author", type_=BigInteger)
    rows = (select(follower, bindparam("status", type_=BigInteger)).distinct()
            .join(t.status_tags, t.status_tags.c.tag_id == t.tag_follows.c.tag_id)
            .where(t.status_tags.c.status_id == bindparam("status"),
                   ~exists().where(t.blocks.c.account_id == follower, t.blocks.c.target_account_id == author),
                   ~exists().where(t.blocks.c.account_id == author, t.blocks.c.target_account_id == follower),
                   ~exists().where(t.mutes.c.account_id == follower, t.mutes.c.target_account_id == author,
                                   or_(t.mutes.c.expires_at.is_(None), t.mutes.c.expires_at > bindparam("now")))))
    return _insert_ignore(dialect, rows).returning(t.home_feed.c.account_id)


async def unmerge_tag(conn, *, follower_id: int, tag_id: int) -> None:
    """After unfollowing a hashtag: drop from the feed the posts it brought, keeping the follower's own, those
    of accounts they follow and those carrying another hashtag they follow (Mastodon's unmerge_tag_from_home).
    Driven by the feed's own rows, so a popular tag costs no more than a quiet one."""
    feed = t.home_feed
    other = t.status_tags.alias("other_tags")
    followed_tags = select(t.tag_follows.c.tag_id).where(t.tag_follows.c.account_id == follower_id)
    followed_accounts = select(t.follows.c.target_account_id).where(t.follows.c.account_id == follower_id)
    await conn.execute(delete(feed).where(
        feed.c.account_id == follower_id,
        exists().where(t.status_tags.c.status_id == feed.c.status_id, t.status_tags.c.tag_id == tag_id),
        ~exists().where(other.c.status_id == feed.c.status_id, other.c.tag_id.in_(followed_tags)),
        ~exists().where(t.statuses.c.id == feed.c.status_id, or_(
            t.statuses.c.account_id == follower_id, t.statuses.c.account_id.in_(followed_accounts)))))
    _changed(conn, FeedChange(dropped=True, account_ids=[follower_id]))


async def add_own(conn, *, account_id: int, status_id: int, local: bool) -> list[int]:
    """A local author sees their own post on their home feed at once, whatever happens to the fan-out.
    A remote author has no home feed here (merged posts are read from `statuses`); returns whose feed."""
    if not local:
        return []
    await conn.execute(_insert_ignore(conn.dialect.name, select(literal(account_id), literal(status_id))))
    _changed(conn, FeedChange(added=status_id, account_ids=[account_id]))
    return [account_id]


async def merge_account(conn, *, follower_id: int, target_id: int, limit: int = MERGE_ON_FOLLOW) -> None:
    """After a follow: pull the target's recent non-direct posts into the follower's feed."""
    recent = (
        select(literal(follower_id), t.statuses.c.id)
        .where(t.statuses.c.account_id == target_id, t.statuses.c.visibility < int(Visibility.DIRECT))
        .order_by(t.statuses.c.id.desc()).limit(limit)
    )
    await conn.execute(_insert_ignore(conn.dialect.name, recent))
    _changed(conn, FeedChange(dropped=True, account_ids=[follower_id]))


async def unmerge_account(conn, *, follower_id: int, target_id: int) -> None:
    """After an unfollow, block or mute: drop the target's posts and reposts from the feed."""
    authored = select(t.statuses.c.id).where(t.statuses.c.account_id == target_id)
    await conn.execute(delete(t.home_feed).where(and_(
        t.home_feed.c.account_id == follower_id, t.home_feed.c.status_id.in_(authored))))
    _changed(conn, FeedChange(dropped=True, account_ids=[follower_id]))


async def remove_status(conn, status_ids: list[int]) -> None:
    if status_ids:
        holders = await conn.execute(delete(t.home_feed).where(t.home_feed.c.status_id.in_(status_ids))
                                     .returning(t.home_feed.c.account_id))
        _changed(conn, FeedChange(removed=list(status_ids), account_ids=sorted(set(holders.scalars()))))


def merges_at_read(author, celebrity_followers: int) -> bool:
    """Whether a new post by `author` skips fan-out: marked accounts stay marked until they have clearly
    fewer followers than the threshold, so that their posts do not flicker in and out of feeds."""
    if author.merge_at_read:
        return author.followers_count >= celebrity_followers * CELEBRITY_EXIT
    return author.followers_count > celebrity_followers


async def mark_merge_at_read(conn, author_id: int, marked: bool) -> list[int]:
    """Switch an account between fan-out and read-time merge; returns its local followers, whose open
    streams must learn of it. Switching back to fan-out refills their feeds with its recent posts,
    which until now were only merged in when read."""
    await conn.execute(update(t.accounts).where(t.accounts.c.id == author_id).values(merge_at_read=marked))
    followers = list((await conn.execute(local_followers(author_id))).scalars())
    if not marked:
        recent = (select(t.statuses.c.id).where(t.statuses.c.account_id == author_id,
                                                 t.statuses.c.visibility < int(Visibility.DIRECT))
                  .order_by(t.statuses.c.id.desc()).limit(MERGE_ON_FOLLOW).subquery())
        audience = local_followers(author_id).subquery()
        await conn.execute(_insert_ignore(conn.dialect.name, select(audience.c.account_id, recent.c.id)))
        _changed(conn, FeedChange(dropped=True, account_ids=followers))
    return followers


async def newest(conn, account_id: int, size: int) -> list[int]:
    """The newest `size` status ids of a feed, newest first (to rebuild its cached copy)."""
    rows = await conn.execute(select(t.home_feed.c.status_id).where(t.home_feed.c.account_id == account_id)
                              .order_by(t.home_feed.c.status_id.desc()).limit(size))
    return list(rows.scalars())


async def trim(conn, size: int) -> int:
    """Drop entries past the newest `size` of every feed that has grown a quarter past it; returns how many.
    (A quarter of slack makes this a rare batch job rather than a delete per post.)"""
    grown = (await conn.execute(select(t.home_feed.c.account_id).group_by(t.home_feed.c.account_id)
                                .having(func.count() > size + size // 4))).scalars().all()
    removed = 0
    for account_id in grown:
        edge = (select(t.home_feed.c.status_id).where(t.home_feed.c.account_id == account_id)
                .order_by(t.home_feed.c.status_id.desc()).offset(size - 1).limit(1).scalar_subquery())
        result = await conn.execute(delete(t.home_feed).where(
            t.home_feed.c.account_id == account_id, t.home_feed.c.status_id < edge))
        removed += result.rowcount or 0
    return removed
