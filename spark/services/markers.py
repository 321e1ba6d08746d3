"""Read positions in the home timeline and notifications, synced across a user's apps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import upsert
from spark.runtime import Runtime

TIMELINES = ("home", "notifications")


async def get(rt: Runtime, account_id: int, timelines: list[str]) -> list:
    wanted = [name for name in timelines if name in TIMELINES] or list(TIMELINES)
    async with rt.db.read() as conn:
        return (await conn.execute(select(t.markers).where(
            t.markers.c.account_id == account_id, t.markers.c.timeline.in_(wanted)))).all()


async def save(rt: Runtime, account_id: int, positions: dict[str, int]) -> list:
    """Move markers; each save bumps the marker's version (clients use it to spot conflicts)."""
    now = datetime.now(UTC)
    async with rt.db.write() as conn:
        for timeline, last_read_id in positions.items():  # apps on several devices may save at once
            await conn.execute(upsert(
                conn, t.markers, ["account_id", "timeline"],
                dict(account_id=account_id, timeline=timeline, last_read_id=last_read_id, version=0, updated_at=now),
                dict(last_read_id=last_read_id, version=t.markers.c.version + 1, updated_at=now)))
        return (await conn.execute(select(t.markers).where(
            t.markers.c.account_id == account_id, t.markers.c.timeline.in_(list(positions))))).all()
