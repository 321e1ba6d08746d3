"""JSON columns are written by orjson and read back as written, including what orjson cannot write itself
(integers past 64 bits, which fall back to the stdlib) and text outside ASCII."""

import asyncio

from sqlalchemy import select

from spark.adapters import jobs_sql
from spark.adapters.db import schema as t
from spark.adapters.db.database import Database
from spark.adapters.db.migrate import upgrade

PAYLOADS = [
    {"activity": {"type": "Note", "content": "<p>héllo 😀 \u2028</p>", "tag": [], "nested": [[{"a": None}]]}},
    {"big": 2**70, "small": -(2**63), "float": 0.1, "flag": True},
    {"1": "numeric-looking key", "list": [1, "two", 3.0]},
]


def test_payloads_round_trip(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'json.sqlite3'}"
    upgrade(url)

    async def scenario():
        db = Database(url)
        try:
            async with db.write() as conn:
                for payload in PAYLOADS:
                    await jobs_sql.enqueue(conn, "json-test", payload)
            async with db.read() as conn:
                stored = (await conn.execute(select(t.jobs.c.payload).where(t.jobs.c.kind == "json-test")
                                             .order_by(t.jobs.c.id))).scalars().all()
        finally:
            await db.dispose()
        return stored

    assert asyncio.run(scenario()) == PAYLOADS
