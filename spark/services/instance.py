"""Figures and texts about this server for instance information: counts, weekly activity, the
admin-written pages, and the servers it moderates."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from spark.adapters.db import schema as t
from spark.domain.html import sanitize
from spark.domain.ids import id_for_time
from spark.runtime import Runtime

PAGES = ("extended_description", "privacy_policy", "terms_of_service")
ACTIVITY_WEEKS = 12
ACTIVITY_MAX_AGE = 3600.0  # seconds: the figures are read by anyone, and counting weeks of posts is not free
_activity: dict[str, tuple[float, list[dict]]] = {}


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


async def weekly_activity(rt: Runtime) -> list[dict]:
    """Per week (from Monday 00:00 UTC), newest first: local posts, users who signed in (were issued a
    token, by OAuth or the web app) and sign-ups; counted over id ranges (ids are time-ordered) in one
    query, and kept for an hour as Mastodon keeps them for a day."""
    key = rt.settings.effective_database_url
    cached = _activity.get(key)
    if cached and time.monotonic() - cached[0] < ACTIVITY_MAX_AGE:
        return cached[1]
    now = datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = [monday - timedelta(weeks=i) for i in range(ACTIVITY_WEEKS)]
    counts = []
    for start in weeks:
        low, high = id_for_time(start), id_for_time(start + timedelta(weeks=1))
        counts += [
            select(func.count()).where(t.statuses.c.id >= low, t.statuses.c.id < high, t.statuses.c.local.is_(True)),
            select(func.count(func.distinct(t.tokens.c.user_id))).where(t.tokens.c.id >= low, t.tokens.c.id < high),
            select(func.count()).where(t.users.c.id >= low, t.users.c.id < high),
        ]
    async with rt.db.read() as conn:
        figures = (await conn.execute(select(*(c.scalar_subquery() for c in counts)))).one()
    found = [{"week": str(int(start.timestamp())), "statuses": str(figures[3 * i]),
              "logins": str(figures[3 * i + 1]), "registrations": str(figures[3 * i + 2])}
             for i, start in enumerate(weeks)]
    _activity[key] = (time.monotonic(), found)
    return found


@dataclass(frozen=True)
class InstancePage:
    content: str  # HTML
    updated_at: datetime


def page(rt: Runtime, name: str) -> InstancePage | None:
    """An admin-written page, `SPARK_DATA_DIR/instance/<name>.html` (one of PAGES), dated by the file;
    None when there is none."""
    assert name in PAGES, name
    path = rt.settings.data_dir / "instance" / f"{name}.html"
    try:
        return _read_page(path, path.stat().st_mtime)
    except FileNotFoundError:
        return None


@functools.lru_cache(maxsize=16)
def _read_page(path, modified: float) -> InstancePage:
    """Read and sanitized once per version of the file (these pages are public: any visitor asks)."""
    return InstancePage(sanitize(path.read_text(encoding="utf-8")), datetime.fromtimestamp(modified, UTC))


async def moderated_domains(rt: Runtime) -> list:
    """Servers this one limits or suspends (`spark domains block`), as rows of (domain, severity)."""
    domains = t.federation_domains
    async with rt.db.read() as conn:
        return (await conn.execute(select(domains.c.domain, domains.c.severity).where(
            domains.c.severity != "none").order_by(domains.c.domain))).all()
