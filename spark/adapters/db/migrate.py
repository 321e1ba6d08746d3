"""Run Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from spark.adapters.db import schema, search_index

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")
    asyncio.run(_complete(database_url))


async def _complete(database_url: str) -> None:
    """Until the first release the initial migration is regenerated rather than added to, so a database
    made by an earlier version is at its head already: create the tables it lacks, and the search index."""
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all, checkfirst=True)
        await search_index.build(conn)
    await engine.dispose()


def autogenerate(database_url: str, message: str) -> None:
    """Developer helper: write a new revision from the difference to schema.py."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
