"""PostgreSQL connections are replaced after PLAN_LIFETIME, and the plans each one made with them: a plan
made while a table was empty would otherwise scan it whole forever after (B9)."""

import asyncio
import os

import pytest
from sqlalchemy import text

from spark.adapters.db import database
from spark.adapters.db.database import Database
from spark.config import normalize_database_url


def test_a_postgres_connection_is_replaced_after_its_plan_lifetime(monkeypatch):
    url = os.environ.get("SPARK_TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL (set by .ci/run)")
    monkeypatch.setattr(database, "PLAN_LIFETIME", 1)
    db = Database(normalize_database_url(url), server_pool_size=1)

    async def session() -> int:
        async with db.read() as conn:
            return await conn.scalar(text("SELECT pg_backend_pid()"))

    async def scenario() -> tuple[int, int, int]:
        try:
            first, again = await session(), await session()
            await asyncio.sleep(1.5)
            return first, again, await session()
        finally:
            await db.dispose()

    first, again, later = asyncio.run(scenario())
    assert first == again  # within its lifetime the one pooled connection serves
    assert later != first  # past it, a new connection (a new server process, with no plans yet)
