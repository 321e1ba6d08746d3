"""Reports to moderators: filed by local users (and forwarded to the reported account's server when
asked), or received from other servers as Flag activities."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services.statuses import visible

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000


async def file(rt: Runtime, reporter_id: int, target_id: int | None, *, status_ids: list[int], comment: str,
               category: str, forward: bool) -> tuple:
    """Record a report by a local user; returns (report row, target account row)."""
    if category not in CATEGORIES:
        raise Invalid(f"Validation failed: category must be one of {', '.join(CATEGORIES)}")
    if len(comment) > MAX_COMMENT:
        raise Invalid(f"Validation failed: Comment is too long (maximum is {MAX_COMMENT} characters)")
    async with rt.db.write() as conn:
        target = (await conn.execute(select(t.accounts).where(t.accounts.c.id == target_id))).first()
        if target is None or target.id == reporter_id:
            raise NotFound()
        statuses = (await conn.execute(select(t.statuses).where(t.statuses.c.id.in_(status_ids[:20])))).all()
        for status in statuses:
            if status.account_id != target.id or not await visible(conn, status, reporter_id):
                raise Invalid("Validation failed: Statuses must be posts of the reported account")
        if len(statuses) != len(set(status_ids[:20])):
            raise Invalid("Validation failed: Statuses must be posts of the reported account")
        report_id = new_id()
        forwarded = bool(forward and target.domain)
        await conn.execute(t.reports.insert().values(
            id=report_id, account_id=reporter_id, target_account_id=target.id, status_ids=[s.id for s in statuses],
            comment=comment, category=category, forwarded=forwarded, created_at=datetime.now(UTC)))
        if forwarded:
            await outbox.flagged(rt, conn, report_id, target, statuses, comment)
        row = (await conn.execute(select(t.reports).where(t.reports.c.id == report_id))).first()
    return row, target


async def receive(rt: Runtime, reporter_id: int, target_id: int, status_ids: list[int], comment: str, uri: str) -> None:
    """A report from another server (Flag) about a local account; once per Flag id."""
    async with rt.db.write() as conn:
        if uri and await conn.scalar(select(t.reports.c.id).where(t.reports.c.uri == uri)):
            return
        await conn.execute(t.reports.insert().values(
            id=new_id(), account_id=reporter_id, target_account_id=target_id, status_ids=status_ids,
            comment=comment[:MAX_COMMENT], category="other", uri=uri, created_at=datetime.now(UTC)))


async def open_reports(rt: Runtime, limit: int = 100) -> list:
    """Unresolved reports, newest first, with reporter and target handles."""
    reporter, target = t.accounts.alias("reporter"), t.accounts.alias("target")
    async with rt.db.read() as conn:
        return (await conn.execute(
            select(t.reports, reporter.c.username.label("reporter_username"), reporter.c.domain.label("reporter_domain"),
                   target.c.username.label("target_username"), target.c.domain.label("target_domain"))
            .join(reporter, reporter.c.id == t.reports.c.account_id)
            .join(target, target.c.id == t.reports.c.target_account_id)
            .where(t.reports.c.action_taken_at.is_(None)).order_by(t.reports.c.id.desc()).limit(limit))).all()
