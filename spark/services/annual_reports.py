"""Annual reports of local users: generated on request, stored once, then listed until read
(Mastodon's GeneratedAnnualReport and Api::V1::AnnualReportsController)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from spark.adapters.db import schema as t
from spark.adapters.db.functions import lock_key
from spark.domain import annual_reports as rules
from spark.domain.errors import NotFound
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services import annual_report_data
from spark.services.views import StatusView, accounts_by_id, load_statuses

# A generation that started longer ago than this died with its process: the report may be generated again.
GENERATION_TIMEOUT = timedelta(minutes=10)


@dataclass
class Wrapped:
    """Reports with the accounts and posts their data names, as the API returns them together."""

    reports: list[Any]
    accounts: list[Any]
    statuses: list[StatusView]


def _generating(row, now: datetime) -> bool:
    started = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return row.data is None and now - started < GENERATION_TIMEOUT


async def _row(conn, account_id: int, year: int):
    return (await conn.execute(select(t.annual_reports).where(
        t.annual_reports.c.account_id == account_id, t.annual_reports.c.year == year))).first()


async def state(rt: Runtime, account_id: int, year: int) -> str:
    """available | generating | eligible | ineligible."""
    now = datetime.now(UTC)
    async with rt.db.read() as conn:
        row = await _row(conn, account_id, year)
        if row is not None and row.data is not None:
            return "available"
        if row is not None and _generating(row, now):
            return "generating"
        if rules.is_open(year, now.date(), rt.settings.annual_reports_open) and \
                await annual_report_data.eligible(conn, account_id, year):
            return "eligible"
    return "ineligible"


async def generate(rt: Runtime, account_id: int, year: int) -> None:
    """Compute and store the report, unless it exists, is being generated, or may not be (yet)."""
    now = datetime.now(UTC)
    if not rules.is_open(year, now.date(), rt.settings.annual_reports_open):
        return
    async with rt.db.write() as conn:
        await lock_key(conn, f"annual_report:{account_id}:{year}")
        row = await _row(conn, account_id, year)
        if row is not None and (row.data is not None or _generating(row, now)):
            return
        if not await annual_report_data.eligible(conn, account_id, year):
            return
        if row is None:
            row_id = new_id()
            await conn.execute(t.annual_reports.insert().values(
                id=row_id, account_id=account_id, year=year, schema_version=rules.SCHEMA_VERSION, created_at=now))
        else:  # an abandoned generation
            row_id = row.id
            await conn.execute(update(t.annual_reports).where(t.annual_reports.c.id == row_id).values(created_at=now))
    # Counted outside the write transaction, which would otherwise hold up every other writer meanwhile.
    try:
        async with rt.db.read() as conn:
            data = await annual_report_data.compute(conn, account_id, year)
    except Exception:
        async with rt.db.write() as conn:  # free the claim at once rather than after the timeout
            await conn.execute(delete(t.annual_reports).where(t.annual_reports.c.id == row_id))
        raise
    async with rt.db.write() as conn:
        await conn.execute(update(t.annual_reports).where(t.annual_reports.c.id == row_id).values(data=data))


async def _wrapped(conn, rows: list, viewer_id: int) -> Wrapped:
    account_ids = [int(entry["account_id"]) for row in rows for key in
                   ("most_reblogged_accounts", "commonly_interacted_with_accounts") for entry in row.data[key]]
    status_ids = [int(i) for row in rows for i in row.data["top_statuses"].values() if i is not None]
    accounts = await accounts_by_id(conn, account_ids)
    return Wrapped(rows, [accounts[i] for i in dict.fromkeys(account_ids) if i in accounts],
                   await load_statuses(conn, status_ids, viewer_id))


async def unread(rt: Runtime, account_id: int) -> Wrapped:
    """The generated reports not yet marked read, oldest year first."""
    async with rt.db.read() as conn:
        rows = (await conn.execute(select(t.annual_reports).where(
            t.annual_reports.c.account_id == account_id, t.annual_reports.c.data.is_not(None),
            t.annual_reports.c.viewed_at.is_(None)).order_by(t.annual_reports.c.year))).all()
        return await _wrapped(conn, rows, account_id)


async def get(rt: Runtime, account_id: int, year: int) -> Wrapped:
    async with rt.db.read() as conn:
        row = await _row(conn, account_id, year)
        if row is None or row.data is None:
            raise NotFound()
        return await _wrapped(conn, [row], account_id)


async def mark_read(rt: Runtime, account_id: int, year: int) -> None:
    async with rt.db.write() as conn:
        done = await conn.execute(update(t.annual_reports).where(
            t.annual_reports.c.account_id == account_id, t.annual_reports.c.year == year,
            t.annual_reports.c.data.is_not(None)).values(viewed_at=datetime.now(UTC)))
        if done.rowcount == 0:
            raise NotFound()
