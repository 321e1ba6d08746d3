"""The profile directory: discoverable accounts, most recently active or newest first."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import exists, or_, select

from spark.adapters.db import schema as t
from spark.domain.errors import Invalid
from spark.runtime import Runtime

ORDERS = ("active", "new")


def listed() -> list:
    """Conditions on `accounts` for those shown to strangers: discoverable, not suspended, silenced or
    moved, and, if local, approved, confirmed and not disabled."""
    unusable = exists().where(t.users.c.id == t.accounts.c.id, or_(
        t.users.c.approved.is_(False), t.users.c.confirmed.is_(False), t.users.c.disabled.is_(True)))
    return [t.accounts.c.discoverable.is_(True), t.accounts.c.suspended_at.is_(None),
            t.accounts.c.silenced_at.is_(None), t.accounts.c.moved_to_account_id.is_(None), ~unusable]


def not_hidden_from(viewer_id: int) -> list:
    """Conditions on `accounts` leaving out those the viewer blocks or mutes, who block the viewer, or
    whose server the viewer blocks."""
    muted = select(t.mutes.c.target_account_id).where(
        t.mutes.c.account_id == viewer_id, or_(t.mutes.c.expires_at.is_(None), t.mutes.c.expires_at > datetime.now(UTC)))
    blocked = select(t.blocks.c.target_account_id).where(t.blocks.c.account_id == viewer_id)
    blocking = select(t.blocks.c.account_id).where(t.blocks.c.target_account_id == viewer_id)
    servers = select(t.account_domain_blocks.c.domain).where(t.account_domain_blocks.c.account_id == viewer_id)
    return [t.accounts.c.id.not_in(muted), t.accounts.c.id.not_in(blocked), t.accounts.c.id.not_in(blocking),
            t.accounts.c.domain.not_in(servers)]


async def directory(rt: Runtime, viewer_id: int | None, *, order: str, local: bool, offset: int, limit: int) -> list:
    """Account rows: `active` orders by latest post (accounts that never posted last), `new` by creation."""
    if order not in ORDERS:
        raise Invalid("Validation failed: order must be active or new")
    query = select(t.accounts).where(*listed(), *(not_hidden_from(viewer_id) if viewer_id is not None else ()))
    if local:
        query = query.where(t.accounts.c.domain == "")
    if order == "active":
        query = query.order_by(t.accounts.c.last_status_at.is_(None), t.accounts.c.last_status_at.desc())
    query = query.order_by(t.accounts.c.id.desc()).offset(offset).limit(limit)
    async with rt.db.read() as conn:
        return (await conn.execute(query)).all()
