"""Background work that runs on a timer: publishing scheduled posts."""

from __future__ import annotations

import asyncio

from spark.config import Settings


async def run_forever(settings: Settings, interval: float = 5.0) -> None:
    from spark.runtime import Runtime

    rt = Runtime.from_settings(settings)
    try:
        while True:
            await run_due(rt)
            await asyncio.sleep(interval)
    finally:
        await rt.close()


async def run_due(rt) -> int:
    """Publish scheduled posts whose time has come; returns how many."""
    return 0
