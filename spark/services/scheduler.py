"""Background work that runs on a timer: publishing scheduled posts, closing polls, trimming home feeds."""

from __future__ import annotations

import asyncio
import logging
import time

from spark.config import Settings

logger = logging.getLogger(__name__)


async def run_forever(settings: Settings, interval: float = 5.0) -> None:
    """`spark worker`: queued jobs and timed work, until stopped."""
    from spark.collector import Collector
    from spark.runtime import Runtime
    from spark.services.jobs import work

    rt = Runtime.from_settings(settings)
    try:
        await asyncio.gather(work(rt), run_periodically(rt, interval), Collector().run())
    finally:
        await rt.close()


TRIM_EVERY_SECONDS = 600.0  # home feeds are trimmed at start-up, then this often


async def run_periodically(rt, interval: float = 5.0) -> None:
    """Run due work forever; one failing round is logged and the next one still runs."""
    trimmed_at = float("-inf")
    while True:
        try:
            await run_due(rt)
            if time.monotonic() - trimmed_at >= TRIM_EVERY_SECONDS:
                trimmed_at = time.monotonic()
                await trim_feeds(rt)
        except Exception:  # noqa: BLE001 - keep the loop alive, report the error
            logger.exception("scheduled work failed")
        await asyncio.sleep(interval)


async def run_due(rt) -> int:
    """Publish scheduled posts and close polls whose time has come; returns how many items."""
    from spark.services.polls import notify_ended
    from spark.services.scheduled import publish_due

    return await publish_due(rt) + await notify_ended(rt)


async def trim_feeds(rt) -> int:
    """Keep each home feed to its newest `home_feed_size` entries."""
    from spark.services import feeds

    async with rt.db.write() as conn:
        return await feeds.trim(conn, rt.settings.home_feed_size)
