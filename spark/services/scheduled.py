"""Scheduled posts: stored as drafts, published by the worker loop when their time comes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from spark.adapters.db import schema as t
from spark.domain.errors import Invalid, NotFound, SparkError
from spark.domain.ids import new_id
from spark.domain.posts import Draft, PollDraft, validate
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import idempotency, posting

MIN_LEAD = timedelta(minutes=5)  # Mastodon refuses schedules sooner than this


def _draft_to_json(draft: Draft) -> dict:
    data = asdict(draft)
    data["visibility"] = draft.visibility.api_name
    data.pop("scheduled_at")
    return data


def _draft_from_json(data: dict) -> Draft:
    data = dict(data)
    poll = data.pop("poll", None)
    data["visibility"] = Visibility.parse(data.get("visibility"))
    return Draft(**data, poll=PollDraft(**poll) if poll else None)


async def schedule(rt: Runtime, author_id: int, draft: Draft, _raw: dict, *, application_id: int | None,
                   idempotency_key: str | None = None):
    validate(draft, posting.limits(rt))
    if draft.scheduled_at < datetime.now(UTC) + MIN_LEAD:
        raise Invalid("Validation failed: Scheduled at must be at least 5 minutes in the future")
    row = dict(id=new_id(), account_id=author_id, scheduled_at=draft.scheduled_at,
               params=_draft_to_json(draft), application_id=application_id)
    async with rt.db.write() as conn:
        if idempotency_key:
            made = await idempotency.earlier(conn, author_id, idempotency_key, scheduled=True)
            earlier = (await conn.execute(select(t.scheduled_statuses).where(
                t.scheduled_statuses.c.id == made))).first() if made is not None else None
            if earlier is not None:  # still scheduled: not yet published or cancelled
                return earlier
        await conn.execute(t.scheduled_statuses.insert().values(**row))
        if idempotency_key:
            await idempotency.remember(conn, author_id, idempotency_key, scheduled_status_id=row["id"])
    return await get(rt, author_id, row["id"])


async def get(rt: Runtime, account_id: int, item_id: int | None):
    async with rt.db.read() as conn:
        row = (await conn.execute(select(t.scheduled_statuses).where(
            t.scheduled_statuses.c.id == item_id, t.scheduled_statuses.c.account_id == account_id))).first()
    if row is None:
        raise NotFound()
    return row


async def list_for(rt: Runtime, account_id: int, limit: int = 20):
    async with rt.db.read() as conn:
        return (await conn.execute(select(t.scheduled_statuses).where(
            t.scheduled_statuses.c.account_id == account_id).order_by(t.scheduled_statuses.c.id.desc())
            .limit(limit))).all()


async def reschedule(rt: Runtime, item_id: int, moment: datetime) -> None:
    if moment < datetime.now(UTC) + MIN_LEAD:
        raise Invalid("Validation failed: Scheduled at must be at least 5 minutes in the future")
    async with rt.db.write() as conn:
        await conn.execute(update(t.scheduled_statuses).where(t.scheduled_statuses.c.id == item_id)
                           .values(scheduled_at=moment))


async def cancel(rt: Runtime, account_id: int, item_id: int | None) -> None:
    await get(rt, account_id, item_id)
    async with rt.db.write() as conn:
        await conn.execute(delete(t.scheduled_statuses).where(t.scheduled_statuses.c.id == item_id))


async def publish_due(rt: Runtime, now: datetime | None = None) -> int:
    """Publish every scheduled post whose time has come; a failing one is dropped, not retried forever."""
    now = now or datetime.now(UTC)
    async with rt.db.read() as conn:
        due = (await conn.execute(select(t.scheduled_statuses).where(
            t.scheduled_statuses.c.scheduled_at <= now).limit(100))).all()
    published = 0
    for item in due:
        async with rt.db.write() as conn:
            claimed = await conn.execute(delete(t.scheduled_statuses).where(t.scheduled_statuses.c.id == item.id))
        if claimed.rowcount != 1:
            continue  # another worker took it
        try:
            await posting.publish(rt, item.account_id, _draft_from_json(item.params),
                                  application_id=item.application_id)
            published += 1
        except SparkError:
            pass
    return published

