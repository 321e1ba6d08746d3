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
from spark.runtime import Runtime
from spark.services.posting import fan_out_job

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Runtime, dict], Awaitable[None]]] = {"fan_out": fan_out_job}
RETRIES = [timedelta(seconds=s) for s in (5, 30, 120, 600, 3600, 6 * 3600)]
POLL_SECONDS = 1.0  # in case a wake-up was missed (another process without Redis, a restart)


async def run_job(rt: Runtime, job: jobs_sql.Job) -> None:
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        await handler(rt, job.payload)
    except Exception as error:  # noqa: BLE001 - a failing job is retried, never fatal to the worker
        logger.exception("job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts)
        retry = RETRIES[job.attempts - 1] if handler is not None and job.attempts <= len(RETRIES) else None
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
                claimed = await jobs_sql.claim(rt.db)
            except Exception:  # noqa: BLE001 - database briefly unavailable: try again shortly
                logger.exception("claiming jobs failed")
                claimed = []
            for job in claimed:
                await run_job(rt, job)
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL_SECONDS)
    finally:
        listener.cancel()
        await subscription.close()
