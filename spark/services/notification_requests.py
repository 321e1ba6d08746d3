"""Notification requests: the notifications a recipient's policy filtered, one request per sender, until
the recipient accepts them (into the inbox, and the sender's next ones straight through) or dismisses them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.errors import NotFound
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services.paging import Page, ranged
from spark.services.views import StatusView, accounts_by_id, load_statuses

MAX_MEANINGFUL_COUNT = 100  # Mastodon caps pending_requests_count here


@dataclass
class Request:
    row: Any
    account: Any
    notifications_count: int
    last_status: StatusView | None


async def hold(conn, *, recipient_id: int, from_account_id: int, status_id: int | None, now: datetime) -> None:
    """File a just-filtered notification under its sender's request, inside notify's transaction."""
    await conn.execute(insert_ignore(conn, t.notification_requests, id=new_id(), account_id=recipient_id,
                                     from_account_id=from_account_id, created_at=now, updated_at=now))
    changes = {"updated_at": now} | ({"last_status_id": status_id} if status_id else {})
    await conn.execute(t.notification_requests.update().where(
        t.notification_requests.c.account_id == recipient_id,
        t.notification_requests.c.from_account_id == from_account_id).values(**changes))


def _filtered_of(request):
    """The filtered notifications a request stands for (ix_notifications_filtered)."""
    return (t.notifications.c.account_id == request.c.account_id,
            t.notifications.c.from_account_id == request.c.from_account_id, t.notifications.c.filtered == true())


def _pending(account_id: int):
    """The recipient's requests with filtered notifications left, from senders not suspended."""
    request = t.notification_requests
    count = select(func.count()).where(*_filtered_of(request)).scalar_subquery()
    return (select(request, count.label("notifications_count"))
            .join(t.accounts, t.accounts.c.id == request.c.from_account_id)
            .where(request.c.account_id == account_id, t.accounts.c.suspended_at.is_(None), count > 0))


async def _hydrate(conn, rows, account_id: int) -> list[Request]:
    accounts = await accounts_by_id(conn, [r.from_account_id for r in rows])
    statuses = {v.row.id: v for v in await load_statuses(
        conn, [r.last_status_id for r in rows if r.last_status_id], account_id, context="notifications")}
    return [Request(r, accounts[r.from_account_id], r.notifications_count, statuses.get(r.last_status_id))
            for r in rows if r.from_account_id in accounts]


async def pending(rt: Runtime, account_id: int, page: Page) -> list[Request]:
    windowed, ascending = ranged(_pending(account_id), t.notification_requests.c.id, page)
    async with rt.db.read() as conn:
        rows = (await conn.execute(windowed)).all()
        return await _hydrate(conn, rows[::-1] if ascending else rows, account_id)


async def get(rt: Runtime, account_id: int, request_id: int | None) -> Request:
    async with rt.db.read() as conn:
        rows = (await conn.execute(_pending(account_id).where(t.notification_requests.c.id == request_id))).all()
        found = await _hydrate(conn, rows, account_id)
    if not found:
        raise NotFound()
    return found[0]


async def summary(rt: Runtime, account_id: int) -> dict[str, int]:
    """NotificationPolicy's summary: senders waiting (capped as Mastodon does) and their notifications."""
    pending_rows = _pending(account_id).limit(MAX_MEANINGFUL_COUNT).subquery()
    async with rt.db.read() as conn:
        row = (await conn.execute(select(func.count(), func.coalesce(func.sum(pending_rows.c.notifications_count), 0))
                                  .select_from(pending_rows))).one()
    return {"pending_requests_count": row[0], "pending_notifications_count": int(row[1])}


async def _settle(rt: Runtime, account_id: int, request_ids: list[int], *, accept: bool) -> int:
    """Accept (merge the filtered notifications into the inbox and let the sender through from now on) or
    dismiss (delete them) the recipient's requests among `request_ids`; returns how many there were."""
    async with rt.db.write() as conn:
        rows = (await conn.execute(select(t.notification_requests).where(
            t.notification_requests.c.account_id == account_id,
            t.notification_requests.c.id.in_(request_ids)))).all()
        if not rows:
            return 0
        senders = [row.from_account_id for row in rows]
        held = (t.notifications.c.account_id == account_id, t.notifications.c.from_account_id.in_(senders),
                t.notifications.c.filtered == true())
        if accept:
            for sender in senders:
                await conn.execute(insert_ignore(conn, t.notification_permissions, account_id=account_id,
                                                 from_account_id=sender))
            await conn.execute(t.notifications.update().where(*held).values(filtered=False))
        else:
            await conn.execute(t.notifications.delete().where(*held))
        await conn.execute(t.notification_requests.delete().where(
            t.notification_requests.c.id.in_([row.id for row in rows])))
    return len(rows)


async def accept(rt: Runtime, account_id: int, request_ids: list[int]) -> int:
    return await _settle(rt, account_id, request_ids, accept=True)


async def dismiss(rt: Runtime, account_id: int, request_ids: list[int]) -> int:
    return await _settle(rt, account_id, request_ids, accept=False)


async def accept_one(rt: Runtime, account_id: int, request_id: int | None) -> None:
    if not await accept(rt, account_id, [request_id or -1]):
        raise NotFound()


async def dismiss_one(rt: Runtime, account_id: int, request_id: int | None) -> None:
    if not await dismiss(rt, account_id, [request_id or -1]):
        raise NotFound()
