"""SQLite commits on the event loop do not copy the WAL into the database file (that writes and syncs);
Database does it on a thread, at most once a second, after a commit. What reached the database file is
read from a copy of that file alone, without its WAL."""

import asyncio
import shutil
import sqlite3

from spark.adapters.db import schema as t
from spark.adapters.db.database import CHECKPOINT_EVERY, Database
from spark.adapters.db.migrate import upgrade


def _in_database_file(tmp_path, path) -> set[str]:
    copy = tmp_path / "file-only.sqlite3"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as conn:
        return {row[0] for row in conn.execute("SELECT uri FROM federation_tombstones")}


def test_commits_reach_the_database_file_through_checkpoints_at_most_once_a_second(tmp_path):
    path = tmp_path / "wal.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    db = Database(url)

    async def write(uri: str) -> None:
        async with db.write() as conn:
            await conn.execute(t.federation_tombstones.insert().values(uri=uri))
        if db._checkpointing is not None:
            await db._checkpointing

    async def scenario() -> None:
        try:
            await write("https://remote.test/a")  # the first commit is checkpointed
            assert _in_database_file(tmp_path, path) == {"https://remote.test/a"}
            await write("https://remote.test/b")  # within the second: left in the WAL
            assert _in_database_file(tmp_path, path) == {"https://remote.test/a"}
            async with db.read() as conn:  # readers see it all the same
                assert len((await conn.execute(t.federation_tombstones.select())).all()) == 2
            await asyncio.sleep(CHECKPOINT_EVERY)
            await write("https://remote.test/c")
            assert _in_database_file(tmp_path, path) == {f"https://remote.test/{x}" for x in "abc"}
        finally:
            await db.dispose()

    asyncio.run(scenario())
