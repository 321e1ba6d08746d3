"""Figures about this server for instance information."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from spark.adapters.db import schema as t
from spark.runtime import Runtime


async def stats(rt: Runtime) -> dict[str, int]:
    """Local users, local posts, known remote domains, and users active in the last 30 days."""
    month_ago = datetime.now(UTC) - timedelta(days=30)
    async with rt.db.read() as conn:
        users = await conn.scalar(select(func.count()).select_from(t.users))
        statuses = await conn.scalar(select(func.count()).select_from(t.statuses).where(t.statuses.c.local.is_(True)))
        domains = await conn.scalar(select(func.count(func.distinct(t.accounts.c.domain))).where(t.accounts.c.domain != ""))
        active = await conn.scalar(select(func.count()).select_from(t.accounts).where(
            t.accounts.c.domain == "", t.accounts.c.last_status_at >= month_ago))
    return {"user_count": users or 0, "status_count": statuses or 0, "domain_count": domains or 0,
            "active_month": active or 0}
