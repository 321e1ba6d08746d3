"""Notifications: written inside the transaction of the action that causes them, read as a paged inbox."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select

from spark.adapters.db import schema as t
from spark.domain.errors import NotFound
from spark.domain.filters import hides
from spark.domain.ids import new_id
from spark.domain.notification_policy import FIELDS, FILTERABLE_TYPES
from spark.runtime import Runtime
from spark.services import events, notification_policy, notification_requests, web_push
from spark.services.paging import Page, ranged
from spark.services.views import StatusView, accounts_by_id, load_filters, load_statuses

TYPES = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
         "quote", "quoted_update", "admin.sign_up", "admin.report")


GROUPED_TYPES = ("favourite", "reblog", "follow")


def group_key(type: str, status_id: int | None) -> str | None:
    """Likes and reposts of one post group together, as do follows; other types stand alone."""
    if type not in GROUPED_TYPES:
        return None
    return f"{type}-{status_id}" if status_id else type


@functools.cache
def _facts():
    """One row with all notify() needs: whether the recipient is local and bars the sender (blocks, mutes,
    the sender's server, the muted thread), the recipient's policy with what it asks of the sender, and
    whether the recipient has push subscriptions. Built once, with parameters: building it cost more than
    running it (each inbound like and repost notifies, B6)."""
    recipient_id, from_account_id = bindparam("recipient_id"), bindparam("from_account_id")
    status_id, now = bindparam("status_id"), bindparam("now")
    recipient, sender = t.accounts.alias("recipient"), t.accounts.alias("sender")
    policy = t.notification_policies
    thread = select(t.statuses.c.conversation_id).where(t.statuses.c.id == status_id).scalar_subquery()
    barred = (
        exists().where(t.blocks.c.account_id == recipient_id, t.blocks.c.target_account_id == from_account_id)
        | exists().where(t.mutes.c.account_id == recipient_id, t.mutes.c.target_account_id == from_account_id,
                         t.mutes.c.hide_notifications.is_(True),
                         or_(t.mutes.c.expires_at.is_(None), t.mutes.c.expires_at > now))
        | exists().where(t.account_domain_blocks.c.account_id == recipient_id,
                         t.account_domain_blocks.c.domain == sender.c.domain)
        | exists().where(t.conversation_mutes.c.account_id == recipient_id,
                         t.conversation_mutes.c.conversation_id == thread))
    return (select(
        recipient.c.domain.label("recipient_domain"), barred.label("barred"),
        *(policy.c[field] for field in FIELDS),
        exists().where(t.notification_permissions.c.account_id == recipient_id,
                       t.notification_permissions.c.from_account_id == from_account_id).label("permitted"),
        exists().where(t.follows.c.account_id == recipient_id,
                       t.follows.c.target_account_id == from_account_id).label("following"),
        select(t.follows.c.created_at).where(t.follows.c.account_id == from_account_id,
                                             t.follows.c.target_account_id == recipient_id)
        .scalar_subquery().label("followed_at"),
        sender.c.created_at.label("sender_created_at"), sender.c.silenced_at.label("sender_silenced_at"),
        exists().where(t.web_push_subscriptions.c.user_id == recipient_id).label("pushes"),
        select(t.statuses.c.visibility).where(t.statuses.c.id == status_id).scalar_subquery().label("visibility"))
        .select_from(recipient.join(sender, sender.c.id == from_account_id)
                     .outerjoin(policy, policy.c.account_id == recipient.c.id))
        .where(recipient.c.id == recipient_id))


_INSERT = t.notifications.insert()


async def notify(conn, *, recipient_id: int, from_account_id: int, type: str, status_id: int | None = None) -> bool:
    """Record one notification inside the caller's transaction, unless the recipient blocks or mutes
    the sender or the sender's server, has muted the thread of `status_id`, is not a local account, or has
    a notification policy that drops it. One the policy filters is kept out of the inbox, under the
    sender's notification request. Returns whether one was written."""
    assert type in TYPES, type
    if recipient_id == from_account_id and type != "poll":
        return False
    now = datetime.now(UTC)
    facts = (await conn.execute(_facts(), {"recipient_id": recipient_id, "from_account_id": from_account_id,
                                           "status_id": status_id, "now": now})).first()
    if facts is None or facts.barred or facts.recipient_domain != "":
        return False
    decided = "accept"
    if type in FILTERABLE_TYPES and not facts.permitted:
        decided = await notification_policy.screen(conn, facts, recipient_id=recipient_id, sender_id=from_account_id,
                                                   type=type, status_id=status_id, now=now)
    if decided == "drop":
        return False
    notification_id = new_id()
    await conn.execute(_INSERT, {  # built once: building it cost as much as running it (B6)
        "id": notification_id, "account_id": recipient_id, "from_account_id": from_account_id, "type": type,
        "status_id": status_id, "group_key": group_key(type, status_id), "filtered": decided == "filter",
        "created_at": now})
    if decided == "filter":
        await notification_requests.hold(conn, recipient_id=recipient_id, from_account_id=from_account_id,
                                         status_id=status_id, now=now)
        return True
    events.notified(conn, recipient_id=recipient_id, notification_id=notification_id)
    if facts.pushes:
        await web_push.queue(conn, recipient_id=recipient_id, notification_id=notification_id, type=type)
    return True


async def retract(conn, *, recipient_id: int, from_account_id: int, type: str, status_id: int | None = None) -> None:
    """Remove a notification whose cause was undone (unfavourite, unfollow, …)."""
    query = t.notifications.delete().where(and_(
        t.notifications.c.account_id == recipient_id, t.notifications.c.from_account_id == from_account_id,
        t.notifications.c.type == type))
    if status_id is not None:
        query = query.where(t.notifications.c.status_id == status_id)
    await conn.execute(query)


@dataclass
class Notification:
    row: Any
    account: Any
    status: StatusView | None = None

    @property
    def group_key(self) -> str:
        return self.row.group_key or f"ungrouped-{self.row.id}"


def _inbox(account_id: int, now: datetime, *, include_filtered: bool = False):
    """The recipient's notifications, minus those from accounts they block or mute for notifications, and
    unless asked for, those their notification policy filtered."""
    blocked = select(t.blocks.c.target_account_id).where(t.blocks.c.account_id == account_id)
    muted = select(t.mutes.c.target_account_id).where(
        t.mutes.c.account_id == account_id, t.mutes.c.hide_notifications.is_(True),
        or_(t.mutes.c.expires_at.is_(None), t.mutes.c.expires_at > now))
    query = select(t.notifications).where(
        t.notifications.c.account_id == account_id,
        t.notifications.c.from_account_id.not_in(blocked), t.notifications.c.from_account_id.not_in(muted))
    return query if include_filtered else query.where(t.notifications.c.filtered.is_(False))


async def _hydrate(conn, rows, account_id: int) -> list[Notification]:
    accounts = await accounts_by_id(conn, [r.from_account_id for r in rows])
    status_ids = [r.status_id for r in rows if r.status_id]
    filters = await load_filters(conn, account_id)
    views = {v.row.id: v for v in await load_statuses(conn, status_ids, account_id, context="notifications",
                                                       filters=filters)}
    out = []
    for row in rows:
        account = accounts.get(row.from_account_id)
        status = views.get(row.status_id) if row.status_id else None
        if account is None or account.suspended_at is not None or (row.status_id and status is None):
            continue
        if status is not None and status.filtered and hides(status.filtered):
            continue
        out.append(Notification(row, account, status))
    return out


async def inbox(rt: Runtime, account_id: int, page: Page, *, types: list[str] = (), exclude_types: list[str] = (),
                from_account_id: int | None = None, include_filtered: bool = False) -> list[Notification]:
    """A page of the inbox. As on Mastodon, asking for one sender's notifications includes filtered ones:
    that is how a notification request is read."""
    query = _inbox(account_id, datetime.now(UTC), include_filtered=include_filtered or from_account_id is not None)
    if types:
        query = query.where(t.notifications.c.type.in_(types))
    if exclude_types:
        query = query.where(t.notifications.c.type.not_in(exclude_types))
    if from_account_id is not None:
        query = query.where(t.notifications.c.from_account_id == from_account_id)
    windowed, ascending = ranged(query, t.notifications.c.id, page)
    async with rt.db.read() as conn:
        rows = (await conn.execute(windowed)).all()
        items = await _hydrate(conn, rows[::-1] if ascending else rows, account_id)
    return items


async def get(rt: Runtime, account_id: int, notification_id: int | None) -> Notification:
    async with rt.db.read() as conn:
        row = (await conn.execute(_inbox(account_id, datetime.now(UTC), include_filtered=True).where(
            t.notifications.c.id == (notification_id or -1)))).first()
        items = await _hydrate(conn, [row], account_id) if row else []
    if not items:
        raise NotFound()
    return items[0]


async def dismiss(rt: Runtime, account_id: int, notification_id: int | None) -> None:
    async with rt.db.write() as conn:
        removed = await conn.execute(t.notifications.delete().where(
            t.notifications.c.account_id == account_id, t.notifications.c.id == (notification_id or -1)))
    if not removed.rowcount:
        raise NotFound()


def _in_group(query, key: str):
    if key.startswith("ungrouped-"):
        ungrouped_id = key.removeprefix("ungrouped-")
        return query.where(t.notifications.c.id == (int(ungrouped_id) if ungrouped_id.isdigit() else -1))
    return query.where(t.notifications.c.group_key == key)


async def dismiss_group(rt: Runtime, account_id: int, key: str) -> None:
    query = _in_group(t.notifications.delete().where(t.notifications.c.account_id == account_id), key)
    async with rt.db.write() as conn:
        removed = await conn.execute(query)
    if not removed.rowcount:
        raise NotFound()


async def clear(rt: Runtime, account_id: int) -> None:
    async with rt.db.write() as conn:
        await conn.execute(t.notifications.delete().where(t.notifications.c.account_id == account_id))


async def unread_count(rt: Runtime, account_id: int, limit: int = 100) -> int:
    """Notifications newer than the `notifications` read marker, counted up to `limit`."""
    async with rt.db.read() as conn:
        last_read = await conn.scalar(select(t.markers.c.last_read_id).where(
            t.markers.c.account_id == account_id, t.markers.c.timeline == "notifications")) or 0
        newer = _inbox(account_id, datetime.now(UTC)).where(t.notifications.c.id > last_read).limit(limit)
        return await conn.scalar(select(func.count()).select_from(newer.subquery()))


async def group(rt: Runtime, account_id: int, key: str, limit: int = 80) -> list[Notification]:
    """The notifications of one v2 group, newest first."""
    query = _in_group(_inbox(account_id, datetime.now(UTC)), key)
    async with rt.db.read() as conn:
        rows = (await conn.execute(query.order_by(t.notifications.c.id.desc()).limit(limit))).all()
        items = await _hydrate(conn, rows, account_id)
    if not items:
        raise NotFound()
    return items
