"""A durable job queue in the database: jobs are rows written in the transaction that causes them
(so they exist exactly when the action does), claimed with a lease, deleted when done and retried
with backoff when they fail. Any number of workers can share it: PostgreSQL claims with
FOR UPDATE SKIP LOCKED, SQLite's single writer serializes claims.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update

from spark.adapters.db import schema as t
from spark.adapters.db.database import Database
from spark.domain.ids import new_id

LEASE = timedelta(minutes=5)  # a worker that dies mid-job lets it go after this
WAKE_CHANNEL = "system:jobs"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


async def enqueue(conn, kind: str, payload: dict[str, Any], *, run_at: datetime | None = None) -> None:
    """Add a job inside the caller's transaction; workers are woken once it commits."""
    now = datetime.now(UTC)
    await conn.execute(t.jobs.insert().values(id=new_id(), kind=kind, payload=payload, run_at=run_at or now,
                                              created_at=now))
    Database.after_commit(conn, (WAKE_CHANNEL, b"1"))


async def enqueue_many(conn, kind: str, payloads: list[dict[str, Any]]) -> None:
    """Add many jobs of one kind in one statement (a delivery to each of 10,000 inboxes)."""
    if not payloads:
        return
    now = datetime.now(UTC)
    await conn.execute(t.jobs.insert(), [{"id": new_id(), "kind": kind, "payload": p, "run_at": now,
                                          "created_at": now} for p in payloads])
    Database.after_commit(conn, (WAKE_CHANNEL, b"1"))


class GroupEnqueuer:
    """Jobs queued by many concurrent requests, committed together: each caller waits until its job is
    durably stored, but a burst of inbox deliveries costs one transaction, not one each (on SQLite a
    commit is the scarce resource)."""

    def __init__(self, db: Database, max_batch: int = 500):
        self._db = db
        self._max_batch = max_batch
        self._pending: list[tuple[str, dict[str, Any], asyncio.Future]] = []
        self._flushing = False

    async def enqueue(self, kind: str, payload: dict[str, Any]) -> None:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((kind, payload, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        try:
            await asyncio.sleep(0)  # let requests arriving in the same loop turn join this batch
            while self._pending:
                batch, self._pending = self._pending[:self._max_batch], self._pending[self._max_batch:]
                now = datetime.now(UTC)
                try:
                    async with self._db.write() as conn:
                        await conn.execute(t.jobs.insert(), [
                            {"id": new_id(), "kind": kind, "payload": payload, "run_at": now, "created_at": now}
                            for kind, payload, _ in batch])
                        Database.after_commit(conn, (WAKE_CHANNEL, b"1"))
                except Exception as error:  # noqa: BLE001 - every waiting caller gets the failure
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(error)
                else:
                    for *_, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self._flushing = False


async def claim(db: Database, limit: int = 10, *, kinds: frozenset[str] | None = None) -> list[Job]:
    """Lease up to `limit` due jobs (of `kinds` when given); an idle queue costs one read, not a write
    transaction."""
    now = datetime.now(UTC)
    due = (select(t.jobs.c.id).where(t.jobs.c.run_at <= now, or_(
        t.jobs.c.locked_until.is_(None), t.jobs.c.locked_until < now)).order_by(t.jobs.c.run_at).limit(limit))
    if kinds:
        due = due.where(t.jobs.c.kind.in_(kinds))
    async with db.read() as conn:
        if not (await conn.execute(due.limit(1))).first():
            return []
    async with db.write() as conn:
        if conn.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = (await conn.execute(due)).scalars().all()
        if not ids:
            return []
        await conn.execute(update(t.jobs).where(t.jobs.c.id.in_(ids)).values(
            locked_until=now + LEASE, attempts=t.jobs.c.attempts + 1))
        rows = (await conn.execute(select(t.jobs).where(t.jobs.c.id.in_(ids)).order_by(t.jobs.c.run_at))).all()
    return [Job(r.id, r.kind, r.payload, r.attempts) for r in rows]


_RETRY = update(t.jobs).where(t.jobs.c.id == bindparam("job")).values(  # built once: run per failed job
    run_at=bindparam("retry_at"), locked_until=None, last_error=bindparam("error"))


async def settle(db: Database, done: list[int], failed: list[tuple[int, str, datetime | None]]) -> None:
    """Write back how jobs ended, in one transaction: those done, and those given up (no retry time),
    deleted; the others to be retried at their time."""
    async with db.write() as conn:
        await remove_many(conn, done + [job for job, _, retry_at in failed if retry_at is None])
        retries = [{"job": job, "error": error[:2000], "retry_at": retry_at}
                   for job, error, retry_at in failed if retry_at is not None]
        if retries:
            await conn.execute(_RETRY, retries)


async def remove_many(conn, ids: list[int]) -> None:
    """Delete jobs inside the transaction that applied them."""
    if ids:
        await conn.execute(delete(t.jobs).where(t.jobs.c.id.in_(ids)))
