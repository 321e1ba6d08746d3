"""The durable job queue and the worker's retry rules, on a real migrated SQLite database."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from spark.adapters import jobs_sql
from spark.adapters.db import schema as t
from spark.adapters.db.migrate import upgrade
from spark.config import Settings
from spark.runtime import Runtime
from spark.services import jobs


def _migrated(tmp_path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.sqlite3'}"
    upgrade(url)
    return url


def _runtime(url: str, tmp_path) -> Runtime:
    return Runtime.from_settings(Settings(database_url=url, data_dir=tmp_path))


async def _only_the_failed_job_is_left_for_retry(rt) -> None:
    """Job {"n": 2} failed ("boom") once: it is the only one left, unleased, due at the first retry (5 s)."""
    async with rt.db.read() as conn:
        left = (await conn.execute(select(t.jobs))).all()
    assert [(r.payload, r.attempts, r.locked_until) for r in left] == [({"n": 2}, 1, None)]
    retry_at = left[0].run_at if left[0].run_at.tzinfo else left[0].run_at.replace(tzinfo=UTC)
    assert 3 < (retry_at - datetime.now(UTC)).total_seconds() <= 5
    assert "boom" in left[0].last_error


def test_jobs_are_claimed_once_retried_with_backoff_and_dropped_when_unknown(tmp_path, monkeypatch):
    calls = []

    async def flaky(rt, payload):
        calls.append(payload["n"])
        if payload["n"] == 2:
            raise RuntimeError("boom")

    monkeypatch.setitem(jobs.HANDLERS, "test", (flaky, jobs.RETRIES))

    url = _migrated(tmp_path)

    async def scenario():
        rt = _runtime(url, tmp_path)
        try:
            async with rt.db.write() as conn:
                for n in (1, 2):
                    await jobs_sql.enqueue(conn, "test", {"n": n})
                await jobs_sql.enqueue(conn, "nobody-handles-this", {})
            claimed = await jobs_sql.claim(rt.db)
            assert sorted(j.kind for j in claimed) == ["nobody-handles-this", "test", "test"]
            assert await jobs_sql.claim(rt.db) == []  # leased: nobody else gets them
            for job in claimed:
                await jobs.run_job(rt, job)
            assert sorted(calls) == [1, 2]
            await _only_the_failed_job_is_left_for_retry(rt)
        finally:
            await rt.close()

    asyncio.run(scenario())


def test_a_rolled_back_transaction_leaves_no_job(tmp_path):
    url = _migrated(tmp_path)

    async def scenario():
        rt = _runtime(url, tmp_path)
        try:
            try:
                async with rt.db.write() as conn:
                    await jobs_sql.enqueue(conn, "test", {"n": 1})
                    raise ValueError("the action failed")
            except ValueError:
                pass
            assert await jobs_sql.claim(rt.db) == []
        finally:
            await rt.close()

    asyncio.run(scenario())


def test_the_worker_writes_back_how_its_jobs_ended_together(tmp_path, monkeypatch):
    """Outcomes collected by the worker: done and given-up jobs deleted, failed ones due at their retry
    time with their error, all in one write — the same end as writing each at once."""

    async def handler(rt, payload):
        if payload["n"] == 2:
            raise RuntimeError("boom")
        if payload["n"] == 3:
            raise jobs.delivery.GiveUp("gone")

    monkeypatch.setitem(jobs.HANDLERS, "test", (handler, jobs.RETRIES))
    url = _migrated(tmp_path)

    async def scenario():
        rt = _runtime(url, tmp_path)
        try:
            async with rt.db.write() as conn:
                for n in (1, 2, 3):
                    await jobs_sql.enqueue(conn, "test", {"n": n})
            outcomes = jobs.Outcomes()
            for job in await jobs_sql.claim(rt.db):
                await jobs.run_job(rt, job, outcomes)
            async with rt.db.read() as conn:
                assert len((await conn.execute(select(t.jobs))).all()) == 3  # nothing written yet
            assert outcomes
            await outcomes.write(rt.db)
            assert not outcomes
            await _only_the_failed_job_is_left_for_retry(rt)
        finally:
            await rt.close()

    asyncio.run(scenario())
