"""Database.batch: one task's units of work in one transaction, which tasks it starts do not join."""

import asyncio

from sqlalchemy import func, select

from spark.adapters.db import schema as t
from spark.adapters.db.database import Database
from spark.adapters.db.migrate import upgrade


def _database(tmp_path) -> Database:
    url = f"sqlite+aiosqlite:///{tmp_path / 'batch.sqlite3'}"
    upgrade(url)
    return Database(url)


async def _tombstones(db: Database) -> int:
    async with db.read() as conn:
        return await conn.scalar(select(func.count()).select_from(t.federation_tombstones))


def test_a_task_started_inside_a_batch_uses_its_own_connections(tmp_path):
    db = _database(tmp_path)

    async def scenario():
        batch_over = asyncio.Event()

        async def child() -> tuple[int, int]:
            seen_inside = await _tombstones(db)  # the batch has written, but not committed
            await batch_over.wait()
            async with db.write() as conn:  # its own transaction, after the batch's connection went back
                await conn.execute(t.federation_tombstones.insert().values(uri="https://remote.test/child"))
            return seen_inside, await _tombstones(db)

        try:
            async with db.batch() as conn:
                await conn.execute(t.federation_tombstones.insert().values(uri="https://remote.test/batch"))
                assert await _tombstones(db) == 1  # the batch's own task reads what it wrote
                task = asyncio.create_task(child())
                await asyncio.sleep(0.05)
            batch_over.set()
            assert await task == (0, 2)
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_a_failing_write_in_a_batch_is_undone_alone(tmp_path):
    db = _database(tmp_path)

    async def scenario():
        try:
            async with db.batch():
                async with db.write() as conn:
                    await conn.execute(t.federation_tombstones.insert().values(uri="https://remote.test/kept"))
                try:
                    async with db.write() as conn:
                        await conn.execute(t.federation_tombstones.insert().values(uri="https://remote.test/undone"))
                        async with db.write() as inner:
                            await inner.execute(t.federation_tombstones.insert().values(uri="https://remote.test/x"))
                        raise RuntimeError("boom")
                except RuntimeError:
                    pass
            async with db.read() as conn:
                uris = (await conn.execute(select(t.federation_tombstones.c.uri))).scalars().all()
            assert uris == ["https://remote.test/kept"]
        finally:
            await db.dispose()

    asyncio.run(scenario())
