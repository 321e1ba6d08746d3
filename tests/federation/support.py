"""What the forged-input tests share: a Spark server wired to a fake origin, reading its database, and
waiting until the inbox jobs it queued have run."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from spark.config import normalize_database_url
from tests.federation.fake_origin import FakeOrigin
from tests.harness import running_server

SETTINGS = {"federation_allow_private": "1", "rate_limits_enabled": "0"}


@contextmanager
def spark_with_origin(tmp, backend: str = "sqlite", names=("evil.test", "victim.test", "other.test"), **settings):
    """A fake origin serving `names`, and a real Spark server that reaches those names there."""
    with FakeOrigin(names) as origin, running_server(tmp, backend=backend, **SETTINGS,
                                                     federation_hosts=origin.hosts_setting(), **settings) as spark:
        yield spark, origin


def _in_own_loop(make_coroutine):
    """Run a coroutine to completion on a thread of its own: the calling thread may already have an event
    loop running (Playwright's sync API leaves one in the browser tests' worker)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def query(server, sql: str, **params) -> list[tuple]:
    """Rows of a read-only SQL query on the server's own database (SQLite or PostgreSQL)."""

    async def run():
        engine = create_async_engine(normalize_database_url(server.env["SPARK_DATABASE_URL"]))
        try:
            async with engine.connect() as conn:
                return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]
        finally:
            await engine.dispose()

    return _in_own_loop(run)


def execute(server, sql: str, **params) -> None:
    """A write to the server's database: how tests move its clock on (job run_at / lease times)."""

    async def run():
        engine = create_async_engine(normalize_database_url(server.env["SPARK_DATABASE_URL"]))
        try:
            async with engine.begin() as conn:
                await conn.execute(text(sql), params)
        finally:
            await engine.dispose()

    _in_own_loop(run)


def moment(value) -> datetime:
    """A timestamp read back from SQLite (text) or PostgreSQL (datetime), as an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def scalar(server, sql: str, **params):
    rows = query(server, sql, **params)
    return rows[0][0] if rows else None


def settle(server, timeout: float = 20.0) -> None:
    """Wait until every queued inbox job has run once; a job that failed (a crash in a handler) fails the test."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        waiting = query(server, "SELECT attempts, last_error FROM jobs WHERE kind = 'inbox'")
        failed = [error for attempts, error in waiting if attempts and error]
        assert not failed, f"an inbox job failed: {failed[0][:500]}"
        if not waiting:
            return
        time.sleep(0.1)
    raise AssertionError(f"inbox jobs still queued after {timeout} s")


def statuses_with_uri(server, uri: str) -> int:
    return scalar(server, "SELECT count(*) FROM statuses WHERE uri = :uri", uri=uri)


def statuses_containing(server, needle: str) -> int:
    return scalar(server, "SELECT count(*) FROM statuses WHERE content LIKE :n", n=f"%{needle}%")


def inbox_jobs(server) -> int:
    return scalar(server, "SELECT count(*) FROM jobs WHERE kind = 'inbox'")


def remote_account(server, uri: str):
    rows = query(server, "SELECT id, username, domain, display_name, public_key_pem, key_id, suspended_at "
                         "FROM accounts WHERE uri = :uri", uri=uri)
    return rows[0] if rows else None


def local_follower(spark, origin, target, *, username: str | None = None):
    """A local user who follows `target` (a fake actor), so its posts are kept; returns the Mastodon.py client.
    The fake origin answers the Follow by posting an Accept back."""
    client = spark.new_user(username)
    found = client.search_v2(target.acct, resolve=True, result_type="accounts")["accounts"]
    assert found, f"{target.acct} not resolved"
    client.account_follow(found[0]["id"])
    me = client.me()
    deadline = time.time() + 15
    follow = None
    while follow is None and time.time() < deadline:
        follow = next((h.json for h in origin.received(target.host) if h.json and h.json.get("type") == "Follow"
                       and h.json.get("actor", "").endswith("/users/" + me["username"])), None)
        time.sleep(0.1)
    assert follow is not None, "the Follow never reached the fake origin"
    accept = target.activity("Accept", follow)
    response = origin.post(spark.url + "/inbox", accept, target)
    assert response.status_code == 202, response.text
    settle(spark)
    assert client.account_relationships(found[0]["id"])[0]["following"]
    return client, found[0]
