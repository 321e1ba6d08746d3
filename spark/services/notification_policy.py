"""A user's notification policy (GET/PATCH /api/v2/notifications/policy) and its use by notify()."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, literal, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.errors import Invalid
from spark.domain.moments import aware
from spark.domain.notification_policy import CHOICES, DEFAULTS, FIELDS, Sender, verdict
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import notification_requests

ANCESTORS_SEARCHED = 100  # as Mastodon: how far up a thread an answered private mention is looked for


def _stored(row) -> dict[str, str]:
    return {field: (getattr(row, field, None) if row is not None else None) or DEFAULTS[field] for field in FIELDS}


async def get(rt: Runtime, account_id: int) -> tuple[dict[str, str], dict[str, int]]:
    """The policy (Mastodon's defaults until changed) and the summary of pending requests."""
    async with rt.db.read() as conn:
        row = (await conn.execute(select(t.notification_policies).where(
            t.notification_policies.c.account_id == account_id))).first()
    return _stored(row), await notification_requests.summary(rt, account_id)


async def update(rt: Runtime, account_id: int, changes: dict[str, str]) -> tuple[dict[str, str], dict[str, int]]:
    for field, value in changes.items():
        if value not in CHOICES:
            raise Invalid(f"Validation failed: {field} must be one of {', '.join(CHOICES)}")
    async with rt.db.write() as conn:
        await conn.execute(insert_ignore(conn, t.notification_policies, account_id=account_id))
        if changes:
            await conn.execute(t.notification_policies.update().where(
                t.notification_policies.c.account_id == account_id).values(**changes))
    return await get(rt, account_id)


async def _answers_recipient(conn, *, status_id: int, recipient_id: int, sender_id: int) -> bool:
    """Whether the thread above `status_id` holds a direct post of the recipient mentioning the sender: a
    private conversation the recipient started is never held back."""
    parent = select(t.statuses.c.in_reply_to_id).where(t.statuses.c.id == status_id).scalar_subquery()
    walk = select(t.statuses.c.id, t.statuses.c.in_reply_to_id, literal(1).label("depth")).where(
        t.statuses.c.id == parent).cte("ancestors", recursive=True)
    walk = walk.union_all(
        select(t.statuses.c.id, t.statuses.c.in_reply_to_id, (walk.c.depth + 1).label("depth"))
        .join(walk, t.statuses.c.id == walk.c.in_reply_to_id).where(walk.c.depth < ANCESTORS_SEARCHED))
    return bool(await conn.scalar(select(exists().where(
        t.statuses.c.id == walk.c.id, t.statuses.c.account_id == recipient_id,
        t.statuses.c.visibility == int(Visibility.DIRECT),
        exists().where(t.mentions.c.status_id == t.statuses.c.id, t.mentions.c.account_id == sender_id,
                       t.mentions.c.silent.is_(False))))))


async def screen(conn, facts, *, recipient_id: int, sender_id: int, type: str, status_id: int | None,
                 now: datetime) -> str:
    """"accept", "filter" or "drop" for a filterable notification from a sender without permission.
    `facts` is the row notify() read: the policy columns (None without a row), `following`, `followed_at`,
    `sender_created_at`, `sender_silenced_at` and the status' `visibility`."""
    policy = _stored(facts)
    private = (type == "mention" and facts.visibility == int(Visibility.DIRECT) and not facts.following
               and policy["for_private_mentions"] != "accept")
    if private:
        private = not await _answers_recipient(conn, status_id=status_id, recipient_id=recipient_id,
                                               sender_id=sender_id)
    sender = Sender(followed=bool(facts.following), follows_since=aware(facts.followed_at),
                    created_at=aware(facts.sender_created_at), limited=facts.sender_silenced_at is not None,
                    private_mention=private)
    return verdict(policy, sender, now)

