"""Migrating a real SQLite database made by an earlier version: the post search index, with its posts, and the
tables added since are created by the next `spark migrate`."""

import asyncio

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from spark.adapters.db import schema as t
from spark.adapters.db import search_index
from spark.adapters.db.migrate import upgrade
from spark.domain.search import parse_query


async def _found(url: str, query: str) -> list[int]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        found, key = search_index.matching(select(t.statuses.c.id), "sqlite", parse_query(query))
        ids = list((await conn.execute(found.order_by(key.desc()))).scalars())
    await engine.dispose()
    return ids


async def _run(url: str, *statements: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


def test_posts_written_before_the_index_existed_are_found_after_migrating_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'search.sqlite3'}"
    upgrade(url)
    asyncio.run(_run(url, "DROP TABLE status_search",
                     "INSERT INTO statuses (id, account_id, content, spoiler_text) VALUES "
                     "(1, 1, '<p>Old <a href=\"https://example.org\">harbour</a> photos</p>', 'boats'), "
                     "(2, 1, '<p>newer harbour news</p>', '')"))
    upgrade(url)
    assert asyncio.run(_found(url, "harbour")) == [2, 1]
    assert asyncio.run(_found(url, "boats photos")) == [1]
    assert asyncio.run(_found(url, "href")) == []


def test_tables_added_since_a_database_was_made_are_created_by_migrating_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'older.sqlite3'}"
    upgrade(url)
    asyncio.run(_run(url, "DROP TABLE annual_reports", "DROP TABLE account_profiles"))
    upgrade(url)
    asyncio.run(_run(url, "INSERT INTO account_profiles (account_id, attribution_domains) VALUES (1, '[]')",
                     "SELECT count(*) FROM annual_reports"))
