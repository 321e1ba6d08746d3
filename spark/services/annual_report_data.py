"""What an annual report says about one account's year, counted from its posts and follows (each
section as Mastodon's AnnualReport sources compute it; every count is over an id range, ids being
time-ordered, so each reads an index range)."""

from __future__ import annotations

from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all

from spark.adapters.db import schema as t
from spark.domain import annual_reports as rules
from spark.domain.annual_reports import TopCandidate, TypeDistribution
from spark.domain.visibility import Visibility

TOP_HASHTAGS = 40
TOP_APPS = 10
TOP_REPLIED_TO = 40
TOP_REPOSTED = 10


def _of_year(account_id: int, year: int):
    """The account's posts made during the year."""
    low, high = rules.year_ids(year)
    s = t.statuses.c
    return and_(s.account_id == account_id, s.id >= low, s.id < high)


def _to_others(account_id: int):
    s = t.statuses.c
    return and_(s.in_reply_to_id.is_not(None),
                or_(s.in_reply_to_account_id.is_(None), s.in_reply_to_account_id != account_id))


async def eligible(conn, account_id: int, year: int) -> bool:
    """Whether there is anything to report: at least one post that year."""
    return bool(await conn.scalar(select(exists().where(_of_year(account_id, year)))))


async def type_distribution(conn, account_id: int, year: int) -> tuple[TypeDistribution, int]:
    """(posts by kind, posts with a poll)."""
    s = t.statuses.c
    reply = _to_others(account_id)
    counts = (await conn.execute(select(
        func.count(), func.count(s.reblog_of_id),
        func.coalesce(func.sum(case((and_(s.reblog_of_id.is_(None), reply), 1), else_=0)), 0),
        func.count(s.poll_id)).where(_of_year(account_id, year)))).one()
    total, reblogs, replies, polls = (int(n) for n in counts)
    return TypeDistribution(total, reblogs, replies, total - reblogs - replies), polls


async def top_statuses(conn, account_id: int, year: int) -> dict[str, str | None]:
    """Among the year's public posts (not reposts): the most reposted, favourited and replied to."""
    s = t.statuses.c
    mine = and_(_of_year(account_id, year), s.reblog_of_id.is_(None), s.visibility == int(Visibility.PUBLIC))
    # Three candidates per category: enough when the other two categories took the first ones.
    ranked = [select(s.id).where(mine, column > 0).order_by(column.desc(), s.id.desc()).limit(3).subquery().select()
              for column in (s.reblogs_count, s.favourites_count, s.replies_count)]
    rows = await conn.execute(select(s.id, s.reblogs_count, s.favourites_count, s.replies_count)
                              .where(s.id.in_(union_all(*ranked))))
    return rules.top_statuses([TopCandidate(*row) for row in rows])


async def most_used_apps(conn, account_id: int, year: int) -> list[dict]:
    query = (select(t.apps.c.name, func.count().label("n"))
             .join(t.apps, t.apps.c.id == t.statuses.c.application_id).where(_of_year(account_id, year))
             .group_by(t.apps.c.name).order_by(func.count().desc(), t.apps.c.name).limit(TOP_APPS))
    return [{"name": name, "count": n} for name, n in await conn.execute(query)]


async def commonly_interacted_with_accounts(conn, account_id: int, year: int) -> list[dict]:
    """The accounts replied to more than once."""
    s = t.statuses.c
    query = (select(s.in_reply_to_account_id, func.count())
             .where(_of_year(account_id, year), s.in_reply_to_account_id.is_not(None), _to_others(account_id))
             .group_by(s.in_reply_to_account_id).having(func.count() > 1)
             .order_by(func.count().desc(), s.in_reply_to_account_id).limit(TOP_REPLIED_TO))
    return [{"account_id": str(other), "count": n} for other, n in await conn.execute(query)]


async def most_reblogged_accounts(conn, account_id: int, year: int) -> list[dict]:
    """The accounts whose posts were reposted more than once."""
    original = t.statuses.alias("original")
    query = (select(original.c.account_id, func.count())
             .join(original, original.c.id == t.statuses.c.reblog_of_id).where(_of_year(account_id, year))
             .group_by(original.c.account_id).having(func.count() > 1)
             .order_by(func.count().desc(), original.c.account_id).limit(TOP_REPOSTED))
    return [{"account_id": str(author), "count": n} for author, n in await conn.execute(query)]


async def top_hashtags(conn, account_id: int, year: int) -> list[dict]:
    """The hashtags used more than once."""
    name = t.tags.c.display_name
    query = (select(name, func.count())
             .select_from(t.status_tags.join(t.statuses, t.statuses.c.id == t.status_tags.c.status_id)
                          .join(t.tags, t.tags.c.id == t.status_tags.c.tag_id))
             .where(_of_year(account_id, year)).group_by(t.tags.c.id, name).having(func.count() > 1)
             .order_by(func.count().desc(), name).limit(TOP_HASHTAGS))
    return [{"name": tag, "count": n} for tag, n in await conn.execute(query)]


async def time_series(conn, account_id: int, year: int) -> list[dict]:
    """Per month: posts written, accounts followed, followers gained (follows still in place)."""
    s, f = t.statuses.c, t.follows.c
    counts = []
    for low, high in rules.month_ids(year):
        counts += [select(func.count()).where(s.account_id == account_id, s.id >= low, s.id < high),
                   select(func.count()).where(f.account_id == account_id, f.id >= low, f.id < high),
                   select(func.count()).where(f.target_account_id == account_id, f.id >= low, f.id < high)]
    figures = (await conn.execute(select(*(c.scalar_subquery() for c in counts)))).one()
    return [{"month": month, "statuses": figures[3 * i], "following": figures[3 * i + 1],
             "followers": figures[3 * i + 2]} for i, month in enumerate(range(1, 13))]


async def percentiles(conn, account_id: int, year: int) -> dict[str, float]:
    """Where the account's new followers and posts of the year place it among local accounts."""
    low, high = rules.year_ids(year)
    f, s = t.follows.c, t.statuses.c
    found = {}
    for name, who, ids in (("followers", f.target_account_id, f.id), ("statuses", s.account_id, s.id)):
        per_account = (select(who.label("who"), func.count().label("n"))
                       .join(t.accounts, t.accounts.c.id == who)
                       .where(t.accounts.c.domain == "", ids >= low, ids < high).group_by(who).subquery())
        mine = await conn.scalar(select(func.count()).where(who == account_id, ids >= low, ids < high))
        fewer, with_any = (await conn.execute(select(
            func.count(case((per_account.c.n < mine, literal(1)))), func.count()).select_from(per_account))).one()
        found[name] = rules.percentile(fewer, with_any)
    return found


async def compute(conn, account_id: int, year: int) -> dict:
    """The report's `data`, schema version 1."""
    kinds, polls = await type_distribution(conn, account_id, year)
    return {
        "archetype": rules.archetype(kinds, polls),
        "type_distribution": {"total": kinds.total, "reblogs": kinds.reblogs, "replies": kinds.replies,
                              "standalone": kinds.standalone},
        "top_statuses": await top_statuses(conn, account_id, year),
        "most_used_apps": await most_used_apps(conn, account_id, year),
        "commonly_interacted_with_accounts": await commonly_interacted_with_accounts(conn, account_id, year),
        "time_series": await time_series(conn, account_id, year),
        "top_hashtags": await top_hashtags(conn, account_id, year),
        "most_reblogged_accounts": await most_reblogged_accounts(conn, account_id, year),
        "percentiles": await percentiles(conn, account_id, year),
    }
