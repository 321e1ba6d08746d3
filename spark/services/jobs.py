"""The worker: runs queued jobs (adapters/jobs_sql.py) as soon as the transaction that queued them
commits, retrying failures with backoff. `spark serve` runs one in each process; `spark worker` too.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from spark.adapters import jobs_sql
from spark.federation import backfill, delivery, inbox
from spark.runtime import Runtime
from spark.services.posting import fan_out_job
from spark.services.web_push import push_job

logger = logging.getLogger(__name__)

RETRIES = [timedelta(seconds=s) for s in (5, 30, 120, 600, 3600, 6 * 3600)]
# Mastodon's delivery schedule (Sidekiq: retry_count**4 + 15 s, 16 times): about two days in all.
DELIVERY_RETRIES = [timedelta(seconds=n**4 + 15) for n in range(16)]
Handler = Callable[[Runtime, dict], Awaitable[None]]
HANDLERS: dict[str, tuple[Handler, list[timedelta]]] = {
    "fan_out": (fan_out_job, RETRIES),
    "federate": (delivery.federate_job, RETRIES),
    "deliver": (delivery.deliver_job, DELIVERY_RETRIES),
    "inbox": (inbox.process_job, RETRIES),
    "backfill": (backfill.backfill_job, RETRIES[:2]),
    "web_push": (push_job, RETRIES[:4]),  # a push days late is noise
}
POLL_SECONDS = 1.0  # in case a wake-up was missed (another process without Redis, a restart)
# Jobs running at once in one worker, per lane: deliveries mostly wait on other servers, so many overlap;
# they have their own lane so that dead or slow servers can never starve local work (inbox, fan-out).
DELIVERY_KINDS = frozenset({"deliver"})
DELIVERY_LANE = 64
LOCAL_LANE = 32
# A delivery still waiting on its server after DETACH_AFTER seconds stops holding a place in its lane, so
# servers that never answer (each costs a full timeout) or answer late cannot hold up deliveries to the
# healthy ones; at most MAX_DETACHED wait so at once (each holds a connection, within FederationHttp's
# max_connections).
DETACH_AFTER = 0.25
MAX_DETACHED = 1_000
# Kinds whose claimed jobs are applied many to a transaction (see run_batch), by these functions: each
# applies the payloads in the batch transaction and returns the indexes of those it undid.
Batch = Callable[[Runtime, AsyncConnection, list[dict]], Awaitable[list[int]]]
BATCHED: dict[str, Batch] = {"inbox": inbox.process_many}
BATCH_SIZE = 8  # jobs per transaction: requests waiting for the writer meanwhile are not held up long
FLUSH_SECONDS = 0.05  # how jobs ended is written back at most this late (see Outcomes)


@dataclass
class Outcomes:
    """How jobs ended, written back by the worker in one transaction at most FLUSH_SECONDS later (a dead
    server's deliveries fail by the thousand). A crash before that runs them again once their lease ends:
    every handler is idempotent."""

    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str, datetime | None]] = field(default_factory=list)  # (job, error, retry at)

    def __bool__(self) -> bool:
        return bool(self.done or self.failed)

    async def write(self, db) -> None:
        done, failed = self.done[:], self.failed[:]
        self.done.clear()
        self.failed.clear()
        await jobs_sql.settle(db, done, failed)


async def run_job(rt: Runtime, job: jobs_sql.Job, outcomes: Outcomes | None = None) -> None:
    """Run one job. How it ended is collected into `outcomes` for the worker, or written at once."""
    if outcomes is None:
        outcomes = Outcomes()
        await run_job(rt, job, outcomes)
        await outcomes.write(rt.db)
        return
    handler, retries = HANDLERS.get(job.kind, (None, []))
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        await handler(rt, job.payload)
    except delivery.GiveUp as error:
        logger.warning("job %s (%s) abandoned: %s", job.id, job.kind, error)
        outcomes.failed.append((job.id, str(error), None))
    except Exception as error:  # noqa: BLE001 - a failing job is retried, never fatal to the worker
        logger.warning("job %s (%s) failed, attempt %s: %r", job.id, job.kind, job.attempts, error,
                       exc_info=not isinstance(error, delivery.TryLater))
        retry = retries[job.attempts - 1] if job.attempts <= len(retries) else None
        if retry is not None and job.kind in DELIVERY_KINDS:
            # Jitter (under 5%, so the schedule still only grows): deliveries that failed together
            # (a server came back) do not all knock again in the same second.
            retry *= 1 + random.random() * 0.05
        asked = getattr(error, "retry_after", None)
        if retry is not None and asked:  # the server said when to come back (capped at a day)
            retry = max(retry, timedelta(seconds=min(asked, 86_400)))
        outcomes.failed.append((job.id, repr(error), datetime.now(UTC) + retry if retry else None))
    else:
        outcomes.done.append(job.id)


async def run_batch(rt: Runtime, jobs: list[jobs_sql.Job], outcomes: Outcomes) -> None:
    """Jobs of one BATCHED kind, BATCH_SIZE to a write transaction, those applied deleted in it: on
    SQLite a transaction (several) per inbound activity was the bottleneck. Those the batch undoes (they
    failed, or need another server) run again alone, where failures are retried."""
    alone: list[jobs_sql.Job] = []
    for start in range(0, len(jobs), BATCH_SIZE):
        chunk = jobs[start:start + BATCH_SIZE]
        try:
            async with rt.db.batch() as conn:
                undone = await BATCHED[chunk[0].kind](rt, conn, [job.payload for job in chunk])
                await jobs_sql.remove_many(conn, [job.id for index, job in enumerate(chunk) if index not in undone])
            alone += [chunk[index] for index in undone]
        except Exception:  # noqa: BLE001 - the commit failed: nothing was applied, so each runs alone
            logger.exception("a batch of %s jobs failed to commit", len(chunk))
            alone += chunk
    await asyncio.gather(*(run_job(rt, job, outcomes) for job in alone))  # side by side, as before batching


def _start(rt: Runtime, claimed: list[jobs_sql.Job], outcomes: Outcomes) -> dict[asyncio.Task, int]:
    """A task per job, or per kind for the jobs of BATCHED kinds; each with its number of jobs. Batches
    are for SQLite's single writer: PostgreSQL runs jobs side by side instead (there, batches would hold
    row locks across activities, and concurrent ones would deadlock one another on hot rows)."""
    batched = BATCHED if rt.db.is_sqlite else {}
    tasks = {asyncio.create_task(run_job(rt, job, outcomes)): 1 for job in claimed if job.kind not in batched}
    for kind in batched:
        batch = [job for job in claimed if job.kind == kind]
        if batch:
            tasks[asyncio.create_task(run_batch(rt, batch, outcomes))] = len(batch)
    return tasks


async def work(rt: Runtime) -> None:
    """Claim and run jobs forever, woken by commits that queue them. Up to CONCURRENCY jobs run at
    once (deliveries mostly wait on other servers); more are claimed as running ones finish."""
    wake = asyncio.Event()
    subscription = await rt.pubsub.subscription()
    try:
        await subscription.subscribe([jobs_sql.WAKE_CHANNEL])
    except Exception:  # noqa: BLE001 - pub/sub unreachable: polling alone still runs every job
        logger.exception("cannot listen for new jobs; polling every %s s", POLL_SECONDS)

    async def listen() -> None:
        async for _ in subscription:
            wake.set()

    listener = asyncio.create_task(listen())
    # Each lane names its kinds, so a claim is an index range even with 50,000 deliveries queued.
    local_kinds = frozenset(HANDLERS) - DELIVERY_KINDS
    lanes: list[tuple[frozenset[str], int, dict[asyncio.Task, int]]] = [
        (DELIVERY_KINDS, DELIVERY_LANE, {}), (local_kinds, LOCAL_LANE, {})]  # running: task -> its number of jobs
    detached: set[asyncio.Task] = set()

    def detach(task: asyncio.Task, running: dict[asyncio.Task, int]) -> None:
        if not task.done() and len(detached) < MAX_DETACHED and running.pop(task, None) is not None:
            detached.add(task)
            task.add_done_callback(detached.discard)
            wake.set()  # its place can be taken

    def ended(task: asyncio.Task, running: dict[asyncio.Task, int], size: int) -> None:
        # The loop is woken only once a lane is half empty, not by every job that ends (with 64
        # deliveries ending in turn, that was a claim check, a flush and a wait on 64 tasks each time).
        if running.pop(task, None) is not None and sum(running.values()) < size // 2:
            wake.set()

    outcomes = Outcomes()
    try:
        while True:
            wake.clear()
            hungry = False
            for kinds, size, running in lanes:
                if sum(running.values()) >= size // 2:
                    continue
                try:
                    claimed = await jobs_sql.claim(rt.db, size - sum(running.values()), kinds=kinds)
                except Exception:  # noqa: BLE001 - database briefly unavailable: try again shortly
                    logger.exception("claiming jobs failed")
                    claimed = []
                for task, count in _start(rt, claimed, outcomes).items():
                    running[task] = count
                    task.add_done_callback(lambda done, running=running, size=size: ended(done, running, size))
                    if kinds is DELIVERY_KINDS:
                        asyncio.get_running_loop().call_later(DETACH_AFTER, detach, task, running)
                hungry |= bool(claimed) and sum(running.values()) < size // 2
            if outcomes:
                try:
                    await outcomes.write(rt.db)
                except Exception:  # noqa: BLE001 - database briefly unavailable: the jobs run again after their lease
                    logger.exception("writing back how jobs ended failed")
            if hungry:
                continue
            busy = detached or outcomes or any(running for *_, running in lanes)
            try:  # outcomes are written FLUSH_SECONDS after at most
                await asyncio.wait_for(wake.wait(), FLUSH_SECONDS if busy else POLL_SECONDS)
            except TimeoutError:
                pass
    finally:
        listener.cancel()
        for task in [*detached, *(task for *_, running in lanes for task in running)]:
            task.cancel()
        await subscription.close()
