"""Async engines and transactions.

SQLite allows one writer at a time; a reader that later tries to write can fail at once
with SQLITE_BUSY instead of waiting. So on SQLite writes go through their own engine with
one connection that opens every transaction with BEGIN IMMEDIATE, and reads use a pool of
autocommit connections. PostgreSQL uses one pool for both; reads run in autocommit there too,
which spares each request a BEGIN and a ROLLBACK round trip.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

MIN_SQLITE = (3, 35)


def _sqlite_engine(url: str, *, begin: str | None, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=0, pool_timeout=60, connect_args={"timeout": 30}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA cache_size=-32000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # pragma: no cover - driver callback
        if begin:
            conn.exec_driver_sql(begin)

    return engine


class Database:
    """The two doors into storage: `read()` for queries, `write()` for one transaction.

    pool_size: SQLite read connections; server_pool_size: connections per process to a database server.
    """

    def __init__(self, url: str, *, pool_size: int = 2, server_pool_size: int = 10):
        self.url = url
        self.on_commit: Callable[[list], Awaitable[None]] | None = None
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            if sqlite3.sqlite_version_info < MIN_SQLITE:
                raise RuntimeError(f"Spark needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer (INSERT … RETURNING);"
                                   f" this Python has {sqlite3.sqlite_version}")
            self._writer = _sqlite_engine(url, begin="BEGIN IMMEDIATE", pool_size=1)
            self._reader = _sqlite_engine(url, begin=None, pool_size=pool_size)
        else:
            # A fixed pool: under load, requests wait for a connection rather than open and close
            # overflow connections (each a new server process) thousands of times a minute.
            self._writer = create_async_engine(url, pool_size=server_pool_size, max_overflow=0, pool_timeout=30)
            self._reader = self._writer.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self._reader.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction. Messages queued on it with `after_commit` go out once it has committed."""
        async with self._writer.begin() as conn:
            conn.info.pop("after_commit", None)  # what a failed transaction on this connection left
            yield conn
            pending = conn.info.pop("after_commit", None)
        if pending and self.on_commit is not None:
            await self.on_commit(pending)

    @staticmethod
    def after_commit(conn: AsyncConnection, item) -> None:
        """Queue `item` for `on_commit`, to be handed over only if this transaction commits."""
        conn.info.setdefault("after_commit", []).append(item)

    async def dispose(self) -> None:
        await self._writer.dispose()
        if self.is_sqlite:
            await self._reader.dispose()
