"""Async engines and transactions.

SQLite allows one writer at a time; a reader that later tries to write can fail at once
with SQLITE_BUSY instead of waiting. So on SQLite writes go through their own engine with
one connection that opens every transaction with BEGIN IMMEDIATE, and reads use a pool of
autocommit connections. PostgreSQL uses one pool for both; reads run in autocommit there too,
which spares each request a BEGIN and a ROLLBACK round trip.

SQLite statements run on the event loop's thread ("inline"): SQLite's own work for a statement is a few
microseconds, while a trip to the connection's thread (aiosqlite) and back cost ~170 µs of the loop's
time, more than the statement and SQLAlchemy together (B9: 4.3 → 3.0 CPU-ms per request when the trips
went). What could block the loop is kept off it: the writer's BEGIN IMMEDIATE never waits inside SQLite
(its busy timeout is 0; another process's write lock is waited for between tries, asleep), and WAL
checkpoints, the only part of a commit that writes the database file and syncs, are not run by commits
but by `_checkpoint`, on a thread, at most once a second. A statement that reads much (a search) does
hold the loop while it runs. Off the loop, a statement takes one trip (execute, fetch every row, close
the cursor) instead of aiosqlite's four.

`batch()` lets one task apply many small units of work in one transaction (on SQLite a commit is the
scarce resource): inside it every `write()` of that task is a savepoint, rolled back alone when its block
fails, and every `read()` uses the batch's connection, so that it sees what the batch has written. Tasks
started inside the batch inherit its context variable, but not the connection: they get their own, as a
connection must never be used by two tasks at once, nor after its batch ended (on SQLite a write of theirs
waits for the batch to commit).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

import aiosqlite
import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

logger = logging.getLogger(__name__)
MIN_SQLITE = (3, 35)
CHECKPOINT_EVERY = 1.0  # seconds between WAL checkpoints (see the module docstring)
LOCK_WAIT = 30.0  # seconds a write waits for another process's SQLite write lock
PLAN_LIFETIME = 60  # seconds a PostgreSQL connection (and so each plan it made) is used
INLINE = "spark_inline_sqlite"  # conn.info key: a SQLite connection's sqlite3 connection, while on the loop


def _run(conn: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> tuple:
    """On the connection's thread: a statement run to the end, its cursor closed."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        elif parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class _Cursor:
    """The part of aiosqlite's cursor SQLAlchemy uses, with all of a statement's rows read in one trip."""

    arraysize = 1

    def __init__(self, connection: _Connection):
        self._connection = connection
        self.description = None
        self.rowcount = -1
        self.lastrowid = None
        self._rows: list = []

    async def __aenter__(self) -> _Cursor:
        return self

    async def _run(self, sql: str, parameters: Any, many: bool) -> None:
        self.description, self.rowcount, self.lastrowid, self._rows = await self._connection._execute(
            _run, self._connection._conn, sql, parameters, many)

    async def execute(self, sql: str, parameters: Any = None) -> _Cursor:
        await self._run(sql, parameters, False)
        return self

    async def executemany(self, sql: str, parameters: Any) -> _Cursor:
        await self._run(sql, parameters, True)
        return self

    async def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list:
        size = size or self.arraysize
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchall(self) -> list:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


class _Connection(aiosqlite.Connection):
    inline = False  # run calls on the caller's thread, skipping the trip (see the module docstring)

    def cursor(self) -> _Cursor:  # type: ignore[override]
        return _Cursor(self)

    async def _execute(self, fn, *args, **kwargs):
        if self.inline:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)

    async def rollback(self) -> None:
        # sqlite3 ignores a rollback outside a transaction; skip the trip to the thread for it.
        if self._connection is not None and not self._connection.in_transaction:
            return
        await super().rollback()


def _connect(database, **kwargs) -> _Connection:
    """aiosqlite.connect, making a _Connection."""
    # Used from the event loop's thread too while inline (never at the same time as from its own).
    connection = _Connection(lambda: sqlite3.connect(str(database), **{**kwargs, "check_same_thread": False}), 64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own
    return connection


def _json_loads(text: str):
    """json.loads, by orjson for short documents (most JSON columns hold [] or {}). orjson reads the same
    values, except that it refuses some (NaN, lone surrogates: left to json.loads) and reads integers past
    64 bits as floats, which need 19 characters or more."""
    if len(text) < 19:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _json_dumps(value) -> str:
    """json.dumps by orjson for objects and arrays (B6: the stdlib's encoder was about 5% of accepting an
    inbound activity, for its stored payload); what orjson refuses (integers past 64 bits, say) and other
    values go to json.dumps."""
    try:
        if not isinstance(value, dict | list):
            return json.dumps(value)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value)


def _sqlite_engine(url: str, *, writer: bool, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=0, pool_timeout=60, connect_args={"timeout": 30},
        json_serializer=_json_dumps, json_deserializer=_json_loads,
    )

    @event.listens_for(engine.sync_engine, "do_connect")
    def _do_connect(dialect, _record, cargs, cparams):  # pragma: no cover - driver callback
        return dialect.dbapi.connect(*cargs, async_creator_fn=_connect, **cparams)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The writer's lock waits happen in _begin_immediate, asleep; a reader waits only in rare recoveries.
        cursor.execute("PRAGMA busy_timeout=0" if writer else "PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA cache_size=-32000" if writer else "PRAGMA cache_size=-16000")  # KiB
        if writer:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # Database._checkpoint does it, off the loop
        cursor.close()

    return engine


async def _driver(conn: AsyncConnection) -> _Connection:
    return (await conn.get_raw_connection()).driver_connection


@asynccontextmanager
async def _on_loop(conn: AsyncConnection) -> AsyncIterator[sqlite3.Connection]:
    """Run this SQLite connection's statements on the event loop's thread for the block."""
    driver = await _driver(conn)
    driver.inline = True
    conn.info[INLINE] = driver._conn
    try:
        yield driver._conn
    finally:
        driver.inline = False
        conn.info.pop(INLINE, None)


async def _begin_immediate(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for another process's write lock asleep rather than inside SQLite."""
    deadline = time.monotonic() + LOCK_WAIT
    pause = 0.001
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)


def _checkpoint_file(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


@contextmanager
def _sqlite_savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    """A savepoint said straight to SQLite, on the loop: SQLAlchemy's nested transaction
    cost as much as two queries (B6), and SQLAlchemy need not know, as its own transaction goes on either
    way. Nested ones share the name: SQLite releases or rolls back to the innermost."""
    conn.execute("SAVEPOINT spark")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO spark")
        conn.execute("RELEASE spark")
        raise
    conn.execute("RELEASE spark")


class Database:
    """The two doors into storage: `read()` for queries, `write()` for one transaction.

    pool_size: SQLite read connections (idle threads, as statements run on the loop: with 2, requests queued
    for one, B1's p99 at 16 clients 0.69 s → 0.05 s with 8); server_pool_size: connections per process to a
    database server.
    """

    def __init__(self, url: str, *, pool_size: int = 8, server_pool_size: int = 10):
        self.url = url
        # The open batch: the task that opened it, and its connection.
        self._batch: ContextVar[tuple[asyncio.Task | None, AsyncConnection] | None] = ContextVar(
            f"spark_batch_{id(self)}", default=None)
        self.on_commit: Callable[[list], Awaitable[None]] | None = None
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            if sqlite3.sqlite_version_info < MIN_SQLITE:
                raise RuntimeError(f"Spark needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer (INSERT … RETURNING);"
                                   f" this Python has {sqlite3.sqlite_version}")
            self._writer = _sqlite_engine(url, writer=True, pool_size=1)
            self._reader = _sqlite_engine(url, writer=False, pool_size=pool_size)
            self._path = url.split("///", 1)[1].split("?", 1)[0]
            self._checkpointer: sqlite3.Connection | None = None  # used by one thread at a time
            self._checkpointing: asyncio.Task | None = None
            self._checkpointed_at = 0.0
        else:
            # A fixed pool: under load, requests wait for a connection rather than open and close
            # overflow connections (each a new server process) thousands of times a minute.
            # Generic plans: PostgreSQL otherwise plans most statements again on every execution, which
            # cost as much CPU as Spark itself on the home timeline (B1). Queries are written so that a
            # generic plan is a good one (e.g. views._probe). A connection's plans are made once, for the
            # tables as they were then: one planned while favourites was empty scanned it whole on every
            # probe ever after (B9 slowed 438 → 234 req/s in 5 minutes, without autovacuum to invalidate it).
            # Connections are replaced after PLAN_LIFETIME, and with them their plans.
            self._writer = create_async_engine(
                url, pool_size=server_pool_size, max_overflow=0, pool_timeout=30, json_serializer=_json_dumps,
                json_deserializer=_json_loads, pool_recycle=PLAN_LIFETIME, connect_args={"server_settings": {"plan_cache_mode": "force_generic_plan"}})
            self._reader = self._writer.execution_options(isolation_level="AUTOCOMMIT")

    def _joined(self) -> AsyncConnection | None:
        """The connection of the batch this task opened, if it is in one (see the module docstring)."""
        batch = self._batch.get()
        return batch[1] if batch is not None and batch[0] is asyncio.current_task() else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        if (batch := self._joined()) is not None:
            yield batch
            return
        async with self._reader.connect() as conn:
            if self.is_sqlite:
                async with _on_loop(conn):
                    yield conn
            else:
                yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction. Messages queued on it with `after_commit` go out once it has committed."""
        if (batch := self._joined()) is not None:
            async with self.savepoint(batch):
                yield batch
            return
        if self.is_sqlite:
            async with self._writer.connect() as conn, _on_loop(conn) as raw:
                await _begin_immediate(raw)
                async with conn.begin():  # SQLAlchemy's side of it; it commits or rolls back at the end
                    conn.info.pop("after_commit", None)  # what a failed transaction on this connection left
                    yield conn
                    pending = conn.info.pop("after_commit", None)
            self._checkpoint_soon()
        else:
            async with self._writer.begin() as conn:
                conn.info.pop("after_commit", None)
                yield conn
                pending = conn.info.pop("after_commit", None)
        if pending and self.on_commit is not None:
            await self.on_commit(pending)

    def _checkpoint_soon(self) -> None:
        """After a commit: copy the WAL into the database file, on a thread, unless done within the second."""
        if self._checkpointing is None and time.monotonic() - self._checkpointed_at >= CHECKPOINT_EVERY:
            self._checkpointing = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(self._path, check_same_thread=False)
            await asyncio.to_thread(_checkpoint_file, self._checkpointer)
        except Exception:  # noqa: BLE001 - the next commit tries again; the WAL only grows meanwhile
            logger.warning("WAL checkpoint failed", exc_info=True)
        finally:
            self._checkpointed_at = time.monotonic()
            self._checkpointing = None

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction that this task's `read()` and `write()` join until it ends."""
        async with self.write() as conn:
            token = self._batch.set((asyncio.current_task(), conn))
            try:
                yield conn
            finally:
                self._batch.reset(token)

    @staticmethod
    @asynccontextmanager
    async def off_loop(conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
        """The block's SQLite statements run on the connection's own thread: for one long enough (a fan-out
        to thousands of feeds) that the loop should go on serving meanwhile, as sqlite3 lets go of the GIL
        while SQLite works. Elsewhere (PostgreSQL, or already off the loop) it changes nothing."""
        if conn.info.get(INLINE) is None:
            yield conn
            return
        driver = await _driver(conn)
        driver.inline = False
        try:
            yield conn
        finally:
            driver.inline = True

    @staticmethod
    @asynccontextmanager
    async def savepoint(conn: AsyncConnection) -> AsyncIterator[AsyncConnection]:
        """A nested transaction: if its block fails, it is undone with what it queued for after commit."""
        queued = len(conn.info.get("after_commit", ()))
        try:
            if (inline := conn.info.get(INLINE)) is not None:
                with _sqlite_savepoint(inline):
                    yield conn
            else:
                async with conn.begin_nested():
                    yield conn
        except BaseException:
            del conn.info.get("after_commit", [])[queued:]
            raise

    @staticmethod
    def after_commit(conn: AsyncConnection, item) -> None:
        """Queue `item` for `on_commit`, to be handed over only if this transaction commits."""
        conn.info.setdefault("after_commit", []).append(item)

    @staticmethod
    def after_commit_all(conn: AsyncConnection, items: list) -> None:
        """`after_commit` for many items at once (a post's events for hundreds of home streams)."""
        conn.info.setdefault("after_commit", []).extend(items)

    async def dispose(self) -> None:
        await self._writer.dispose()
        if self.is_sqlite:
            await self._reader.dispose()
            if self._checkpointing is not None:
                await self._checkpointing
            if self._checkpointer is not None:
                self._checkpointer.close()
