"""Home feeds: fan-out on write into `home_feed` rows, merged and unmerged on follow/unfollow.

Fan-out is one INSERT … SELECT: inside the posting transaction for ordinary audiences, and in a
background job (see posting.distribute) past `fanout_inline_max` followers, so that a post by a
popular account answers at once.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from spark.adapters.db import schema as t
from spark.domain.visibility import Visibility

MERGE_ON_FOLLOW = 40  # recent posts of a newly followed account pulled into the home feed


def _insert_ignore(conn, rows_select):
    """INSERT … SELECT into home_feed, skipping rows already there."""
    if conn.dialect.name == "postgresql":
        return pg_insert(t.home_feed).from_select(["account_id", "status_id"], rows_select).on_conflict_do_nothing()
    return insert(t.home_feed).from_select(["account_id", "status_id"], rows_select).prefix_with("OR IGNORE")


async def fan_out(conn, *, status_id: int, author_id: int, visibility: int, is_reblog: bool,
                  mentioned_ids: list[int]) -> list[int]:
    """Put a new post on its author's and its local audience's home feeds; returns whose."""
    if visibility != Visibility.DIRECT:
        audience = (
            select(t.follows.c.account_id)
            .join(t.accounts, t.accounts.c.id == t.follows.c.account_id)
            .where(t.follows.c.target_account_id == author_id, t.accounts.c.domain == "")
        )
        if is_reblog:
            audience = audience.where(t.follows.c.show_reblogs.is_(True))
    else:
        audience = select(t.accounts.c.id).where(t.accounts.c.id.in_(mentioned_ids), t.accounts.c.domain == "")
    await add_own(conn, account_id=author_id, status_id=status_id)
    rows = audience.with_only_columns(audience.selected_columns[0], literal(status_id))
    inserted = await conn.execute(_insert_ignore(conn, rows).returning(t.home_feed.c.account_id))
    return [author_id, *inserted.scalars()]


async def add_own(conn, *, account_id: int, status_id: int) -> None:
    """An author sees their own post on their home feed at once, whatever happens to the fan-out."""
    await conn.execute(_insert_ignore(conn, select(literal(account_id), literal(status_id))))


async def merge_account(conn, *, follower_id: int, target_id: int, limit: int = MERGE_ON_FOLLOW) -> None:
    """After a follow: pull the target's recent non-direct posts into the follower's feed."""
    recent = (
        select(literal(follower_id), t.statuses.c.id)
        .where(t.statuses.c.account_id == target_id, t.statuses.c.visibility < int(Visibility.DIRECT))
        .order_by(t.statuses.c.id.desc()).limit(limit)
    )
    await conn.execute(_insert_ignore(conn, recent))


async def unmerge_account(conn, *, follower_id: int, target_id: int) -> None:
    """After an unfollow, block or mute: drop the target's posts and reposts from the feed."""
    authored = select(t.statuses.c.id).where(t.statuses.c.account_id == target_id)
    await conn.execute(delete(t.home_feed).where(and_(
        t.home_feed.c.account_id == follower_id, t.home_feed.c.status_id.in_(authored))))


async def remove_status(conn, status_ids: list[int]) -> None:
    if status_ids:
        await conn.execute(delete(t.home_feed).where(t.home_feed.c.status_id.in_(status_ids)))
