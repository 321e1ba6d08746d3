"""Annual report sections counted from rows of a past year, on a real migrated database (SQLite, and
PostgreSQL when SPARK_TEST_DATABASE_URL is set)."""

import asyncio
from datetime import UTC, datetime

import pytest

from spark.adapters.db import schema as t
from spark.adapters.db.migrate import upgrade
from spark.config import Settings, normalize_database_url
from spark.domain.ids import new_id
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import annual_report_data as data
from spark.services import annual_reports
from tests.harness import backends, database_url

YEAR = 2024


def _at(month: int, day: int = 15, year: int = YEAR) -> int:
    """A fresh id made at that date."""
    return new_id(int(datetime(year, month, day, 12, tzinfo=UTC).timestamp() * 1000))


class World:
    """Accounts and posts written straight into the tables."""

    def __init__(self, conn):
        self.conn = conn

    async def account(self, name: str, domain: str = "") -> int:
        account_id = new_id()
        await self.conn.execute(t.accounts.insert().values(id=account_id, username=name, domain=domain, fields=[]))
        return account_id

    async def post(self, author: int, month: int, *, year: int = YEAR, reply_to: tuple[int, int] | None = None,
                   reblog_of: int | None = None, app: int | None = None, poll: bool = False, counts=(0, 0, 0),
                   visibility: Visibility = Visibility.PUBLIC, tags: list[int] = ()) -> int:
        status_id = _at(month, year=year)
        reblogs, favourites, replies = counts
        await self.conn.execute(t.statuses.insert().values(
            id=status_id, account_id=author, in_reply_to_id=reply_to[0] if reply_to else None,
            in_reply_to_account_id=reply_to[1] if reply_to else None, reblog_of_id=reblog_of,
            application_id=app, poll_id=new_id() if poll else None, visibility=int(visibility),
            reblogs_count=reblogs, favourites_count=favourites, replies_count=replies))
        for tag_id in tags:
            await self.conn.execute(t.status_tags.insert().values(status_id=status_id, tag_id=tag_id))
        return status_id

    async def follow(self, follower: int, target: int, month: int) -> None:
        await self.conn.execute(t.follows.insert().values(id=_at(month), account_id=follower, target_account_id=target))

    async def tag(self, name: str) -> int:
        tag_id = new_id()
        await self.conn.execute(t.tags.insert().values(id=tag_id, name=name.lower(), display_name=name))
        return tag_id

    async def app(self, name: str) -> int:
        app_id = new_id()
        await self.conn.execute(t.apps.insert().values(id=app_id, name=name, redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                                                       client_id=f"c{app_id}", client_secret="s"))
        return app_id


@pytest.fixture(params=backends())
def runtime(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        upgrade(normalize_database_url(url))
        yield Settings(database_url=url, data_dir=tmp_path)


def _run(settings, scenario):
    async def main():
        rt = Runtime.from_settings(settings)
        try:
            await scenario(rt)
        finally:
            await rt.close()

    asyncio.run(main())


def test_sections_count_the_years_posts_and_follows_only(runtime):
    async def scenario(rt):
        async with rt.db.write() as conn:
            w = World(conn)
            me, bob, carol, dave = [await w.account(n) for n in ("me", "bob", "carol", "dave")]
            remote = await w.account("far", "remote.example")
            garden, cats = await w.tag("Gardening"), await w.tag("cats")
            phone = await w.app("Phone app")
            bobs, bobs_other = await w.post(bob, 1), await w.post(bob, 1)
            carols = await w.post(carol, 1)
            top = await w.post(me, 2, app=phone, counts=(4, 1, 0), tags=[garden])
            liked = await w.post(me, 2, app=phone, counts=(1, 7, 2), tags=[garden, cats])
            await w.post(me, 3, counts=(9, 9, 9), visibility=Visibility.UNLISTED)  # not public: never top
            await w.post(me, 3, poll=True, tags=[garden])
            await w.post(me, 4, reply_to=(top, me))  # a thread: standalone
            for month in (4, 5):
                await w.post(me, month, reply_to=(bobs, bob))
            await w.post(me, 6, reply_to=(carols, carol))
            for month, post in ((6, bobs), (7, bobs_other)):  # one repost per post, as the database allows
                await w.post(me, month, reblog_of=post)
            await w.post(me, 7, reblog_of=carols)
            await w.post(me, 5, year=YEAR - 1, tags=[cats])  # another year
            await w.post(bob, 8)
            await w.follow(bob, me, 3)
            await w.follow(carol, me, 3)
            await w.follow(remote, me, 9)
            await w.follow(me, dave, 11)
            await w.follow(dave, bob, 11)
        async with rt.db.read() as conn:
            report = await data.compute(conn, me, YEAR)
            assert await data.eligible(conn, me, YEAR) and not await data.eligible(conn, me, YEAR + 1)
        assert report["type_distribution"] == {"total": 11, "reblogs": 3, "replies": 3, "standalone": 5}
        assert report["archetype"] == "lurker"
        assert report["top_statuses"] == {"by_reblogs": str(top), "by_favourites": str(liked),
                                          "by_replies": None}
        assert report["most_used_apps"] == [{"name": "Phone app", "count": 2}]
        assert report["commonly_interacted_with_accounts"] == [{"account_id": str(bob), "count": 2}]
        assert report["most_reblogged_accounts"] == [{"account_id": str(bob), "count": 2}]
        assert report["top_hashtags"] == [{"name": "Gardening", "count": 3}]
        series = {entry["month"]: entry for entry in report["time_series"]}
        assert [series[m]["statuses"] for m in range(1, 13)] == [0, 2, 2, 2, 1, 2, 2, 0, 0, 0, 0, 0]
        assert series[3]["followers"] == 2 and series[9]["followers"] == 1 and series[11]["following"] == 1
        # New followers: me 3, bob 1, dave 1; posts: me 11, bob 2, carol 1: both times 2 of 3 have fewer.
        assert report["percentiles"] == {"followers": 50.0, "statuses": 50.0}

    _run(runtime, scenario)


def test_a_report_is_generated_once_then_listed_until_read(runtime):
    async def scenario(rt):
        async with rt.db.write() as conn:
            w = World(conn)
            me, quiet = await w.account("me"), await w.account("quiet")
            await w.post(me, 6)
        assert await annual_reports.state(rt, quiet, YEAR) == "ineligible"
        await annual_reports.generate(rt, quiet, YEAR)
        assert await annual_reports.state(rt, quiet, YEAR) == "ineligible"
        assert await annual_reports.state(rt, me, YEAR) == "eligible"
        await annual_reports.generate(rt, me, YEAR)
        assert await annual_reports.state(rt, me, YEAR) == "available"
        first = (await annual_reports.get(rt, me, YEAR)).reports[0]
        async with rt.db.write() as conn:
            await World(conn).post(me, 7)
        await annual_reports.generate(rt, me, YEAR)  # stored once: not recounted
        assert (await annual_reports.get(rt, me, YEAR)).reports[0].data == first.data
        assert [r.year for r in (await annual_reports.unread(rt, me)).reports] == [YEAR]
        await annual_reports.mark_read(rt, me, YEAR)
        assert (await annual_reports.unread(rt, me)).reports == []

    _run(runtime, scenario)
