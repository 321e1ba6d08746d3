"""Inbox jobs applied many to a transaction (services/jobs.run_batch): each activity in its own savepoint,
so one that fails, or that needs another server, is undone alone and run again on its own; the others
stand, and an activity delivered twice is applied once."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from spark.adapters import jobs_sql
from spark.adapters.db import schema as t
from spark.adapters.db.migrate import upgrade
from spark.config import Settings
from spark.domain.ids import new_id
from spark.federation import handlers
from spark.runtime import Runtime
from spark.services import jobs

REMOTE = "https://remote.test/users/a"
INBOX = frozenset({"inbox"})


def _run_against_new_database(tmp_path, scenario) -> None:
    """`await scenario(rt)` on a Runtime over a freshly migrated SQLite database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'batches.sqlite3'}"
    upgrade(url)

    async def run():
        rt = Runtime.from_settings(Settings(database_url=url, data_dir=tmp_path))
        try:
            await scenario(rt)
        finally:
            await rt.close()

    asyncio.run(run())


async def _world(rt: Runtime, posts: int = 1) -> tuple[int, list[int]]:
    """A local account with posts, and a known remote account: (remote account id, post ids)."""
    now = datetime.now(UTC)
    local, remote, post_ids = new_id(), new_id(), [new_id() for _ in range(posts)]
    blank = {"display_name": "", "note": "", "note_source": "", "fields": [], "created_at": now}
    async with rt.db.write() as conn:
        await conn.execute(t.accounts.insert(), [
            {"id": local, "username": "target", "domain": "", "uri": None, "fetched_at": None, "inbox_url": None,
             **blank},  # every key of the remote row: an executemany takes its columns from the first
            {"id": remote, "username": "a", "domain": "remote.test", "uri": REMOTE, "fetched_at": now,
             "inbox_url": "https://remote.test/inbox", **blank}])
        await conn.execute(t.statuses.insert(), [{"id": post, "account_id": local, "local": True, "visibility": 0,
                                                   "text": "hi", "content": "<p>hi</p>", "created_at": now}
                                                  for post in post_ids])
    return remote, post_ids


def _like(rt: Runtime, n: int, post: int) -> dict:
    return {"id": f"{REMOTE}/likes/{n}", "type": "Like", "actor": REMOTE,
            "object": rt.url(f"/users/target/statuses/{post}")}


async def _run(rt: Runtime, signer: int, activities: list[dict]) -> None:
    """Queue the activities as inbox jobs, then claim them and run them as the worker does."""
    async with rt.db.write() as conn:
        await jobs_sql.enqueue_many(conn, "inbox", [{"activity": a, "signer_id": signer} for a in activities])
    outcomes = jobs.Outcomes()
    await jobs.run_batch(rt, await jobs_sql.claim(rt.db, 32, kinds=INBOX), outcomes)
    await outcomes.write(rt.db)


async def _count(rt: Runtime, table) -> int:
    async with rt.db.read() as conn:
        return await conn.scalar(select(func.count()).select_from(table))


async def _favourites(rt: Runtime, post: int) -> int:
    async with rt.db.read() as conn:
        return await conn.scalar(select(t.statuses.c.favourites_count).where(t.statuses.c.id == post))


def test_a_failing_activity_is_undone_alone_and_the_rest_of_its_batch_stands(tmp_path, monkeypatch):
    calls = []

    async def boom(rt, actor, activity):
        calls.append(activity["id"])
        if len(calls) == 1:  # in the batch: writes something, then fails; none of it may stay
            async with rt.db.write() as conn:
                await conn.execute(t.federation_tombstones.insert().values(uri="https://remote.test/half-done"))
        raise RuntimeError("boom")

    monkeypatch.setitem(handlers.DISPATCH, "Flag", boom)
    async def scenario(rt):
        signer, posts = await _world(rt, jobs.BATCH_SIZE + 3)
        likes = [_like(rt, n, post) for n, post in enumerate(posts)]  # more than one transaction
        flag = {"id": f"{REMOTE}/flags/1", "type": "Flag", "actor": REMOTE, "object": REMOTE}
        # Referenced by id only: the note would have to be fetched, which a batch never does.
        fetch = {"id": f"{REMOTE}/creates/1", "type": "Create", "actor": REMOTE, "object": f"{REMOTE}/notes/1"}
        await _run(rt, signer, [*likes[:2], flag, fetch, *likes[2:]])
        async with rt.db.read() as conn:
            left = (await conn.execute(select(t.jobs.c.payload, t.jobs.c.attempts, t.jobs.c.last_error))).all()
            favourites = (await conn.execute(select(t.statuses.c.favourites_count))).scalars().all()
        assert favourites == [1] * len(likes)
        assert len(calls) == 2 and await _count(rt, t.federation_tombstones) == 0
        # The Flag failed again alone and waits for its retry; the Create ran alone (its fetch failed).
        assert [(row.payload["activity"]["type"], row.attempts) for row in left] == [("Flag", 1)]
        assert "boom" in left[0].last_error
        assert await _count(rt, t.federation_seen) == len(likes) + 1

    _run_against_new_database(tmp_path, scenario)


def test_an_activity_delivered_twice_is_applied_once(tmp_path):
    async def scenario(rt):
        signer, (post,) = await _world(rt)
        like = _like(rt, 1, post)
        await _run(rt, signer, [like, like])  # twice in one batch
        await _run(rt, signer, [like])  # and once more later
        assert await _favourites(rt, post) == 1
        assert await _count(rt, t.favourites) == 1
        assert await _count(rt, t.notifications) == 1
        assert await _count(rt, t.jobs) == 0

    _run_against_new_database(tmp_path, scenario)


def test_an_actor_deleted_earlier_in_a_batch_is_gone_for_the_rest_of_it(tmp_path):
    async def scenario(rt):
        signer, (post,) = await _world(rt)
        delete = {"id": f"{REMOTE}#delete", "type": "Delete", "actor": REMOTE, "object": REMOTE}
        await _run(rt, signer, [delete, _like(rt, 1, post)])  # one batch, the Delete first
        async with rt.db.read() as conn:
            suspended = await conn.scalar(select(t.accounts.c.suspended_at).where(t.accounts.c.id == signer))
        assert suspended is not None
        assert await _favourites(rt, post) == 0 and await _count(rt, t.favourites) == 0
        assert await _count(rt, t.notifications) == 0
        assert await _count(rt, t.jobs) == 0

    _run_against_new_database(tmp_path, scenario)
