"""Follow suggestions: accounts followed by those one follows (friends of friends), then the most
followed local accounts that posted lately. Never oneself, nor accounts already followed or
requested, blocked either way, muted, dismissed, suspended, silenced, moved or not discoverable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.runtime import Runtime
from spark.services.directory import listed, not_hidden_from
from spark.services.follows import target_account

FIRST_DEGREE = 500  # friends of friends are read through one's newest follows only
ACTIVE = timedelta(days=30)  # a "most followed" account posted within this


@dataclass
class Suggestion:
    account: object
    sources: list[str] = field(default_factory=list)  # Mastodon's names: friends_of_friends, most_followed


def _suggestible(viewer_id: int) -> list:
    """Conditions on `accounts` leaving out what must never be suggested to the viewer."""
    def targets(table):
        return select(table.c.target_account_id).where(table.c.account_id == viewer_id)

    id_ = t.accounts.c.id
    return [id_ != viewer_id, id_.not_in(targets(t.follows)), id_.not_in(targets(t.follow_requests)),
            id_.not_in(targets(t.suggestion_dismissals)), *listed(), *not_hidden_from(viewer_id)]


def _friends_of_friends(viewer_id: int, limit: int):
    """Accounts followed by the most of those the viewer follows (who do not hide whom they follow)."""
    first = (select(t.follows.c.target_account_id).join(t.accounts, t.accounts.c.id == t.follows.c.target_account_id)
             .where(t.follows.c.account_id == viewer_id, t.accounts.c.hide_collections.is_(False))
             .order_by(t.follows.c.id.desc()).limit(FIRST_DEGREE).subquery())
    second = t.follows.alias("second_degree")
    ranked = (select(second.c.target_account_id.label("id"), func.count().label("n"))
              .where(second.c.account_id.in_(select(first.c.target_account_id)))
              .group_by(second.c.target_account_id).subquery())
    return (select(t.accounts).join(ranked, ranked.c.id == t.accounts.c.id).where(*_suggestible(viewer_id))
            .order_by(ranked.c.n.desc(), t.accounts.c.followers_count.desc(), t.accounts.c.id.desc())
            .limit(limit))


def _most_followed(viewer_id: int, limit: int):
    """Local accounts that posted lately, most followed first."""
    return (select(t.accounts).where(t.accounts.c.domain == "",
                                     t.accounts.c.last_status_at >= datetime.now(UTC) - ACTIVE,
                                     *_suggestible(viewer_id))
            .order_by(t.accounts.c.followers_count.desc(), t.accounts.c.last_status_at.desc()).limit(limit))


async def suggestions(rt: Runtime, viewer_id: int, limit: int) -> list[Suggestion]:
    found: dict[int, Suggestion] = {}
    async with rt.db.read() as conn:
        for source, query in (("friends_of_friends", _friends_of_friends(viewer_id, limit)),
                              ("most_followed", _most_followed(viewer_id, limit))):
            for row in (await conn.execute(query)).all():
                found.setdefault(row.id, Suggestion(row)).sources.append(source)
    return list(found.values())[:limit]


async def dismiss(rt: Runtime, viewer_id: int, account_id: int | None) -> None:
    """Never suggest this account to the viewer again."""
    async with rt.db.write() as conn:
        target = await target_account(conn, account_id)
        await conn.execute(insert_ignore(conn, t.suggestion_dismissals, account_id=viewer_id,
                                         target_account_id=target.id, created_at=datetime.now(UTC)))
