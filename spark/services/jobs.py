"""The worker: runs queued jobs (adapters/jobs_sql.py) as soon as the transaction that queued them
commits, retrying failures with backoff. `spark serve` runs one in each process; `spark worker` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from spark.adapters import jobs_sql
from spark.federation import delivery, inbox
from spark.runtime import Runtime
from spark.services.posting import fan_out_job

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
}
POLL_SECONDS = 1.0  # in case a wake-up was missed (another process without Redis, a restart)
BATCH = 32  # jobs claimed and run together: deliveries wait on the network, so they overlap


async def run_job(rt: Runtime, job: jobs_sql.Job) -> None:
    handler, retries = HANDLERS.get(job.kind, (None, []))
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        await handler(rt, job.payload)
    except delivery.GiveUp as error:
        logger.warning("job %s (%s) abandoned: %s", job.id, job.kind, error)
        await jobs_sql.failed(rt.db, job, str(error), None)
    except Exception as error:  # noqa: BLE001 - a failing job is retried, never fatal to the worker
        logger.warning("job %s (%s) failed, attempt %s: %r", job.id, job.kind, job.attempts, error,
                       exc_info=not isinstance(error, delivery.TryLater))
        retry = retries[job.attempts - 1] if job.attempts <= len(retries) else None
        await jobs_sql.failed(rt.db, job, repr(error), datetime.now(UTC) + retry if retry else None)
    else:
        await jobs_sql.done(rt.db, job)


async def work(rt: Runtime) -> None:
    """Claim and run jobs forever, woken by commits that queue them."""
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
    try:
        while True:
            wake.clear()
            try:
                claimed = await jobs_sql.claim(rt.db, BATCH)
            except Exception:  # noqa: BLE001 - database briefly unavailable: try again shortly
                logger.exception("claiming jobs failed")
                claimed = []
            await asyncio.gather(*(run_job(rt, job) for job in claimed))
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL_SECONDS)
    finally:
        listener.cancel()
        await subscription.close()
