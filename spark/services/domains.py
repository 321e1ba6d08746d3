"""Moderation and health of other servers, per domain: blocks (suspend or silence) and the delivery
failures recorded by the delivery job."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select, update

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.domains import normalize_domain
from spark.domain.errors import Invalid
from spark.runtime import Runtime
from spark.services.follows import remove_follow

SEVERITIES = ("none", "silence", "suspend")


async def set_severity(rt: Runtime, domain: str, severity: str) -> int:
    """Block (suspend: nothing in or out, its accounts hidden and unfollowed; silence: its accounts
    limited) or unblock a domain; returns how many of its accounts were affected."""
    if severity not in SEVERITIES:
        raise Invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    domain = normalize_domain(domain)  # as personal domain blocks, so `Bücher.example` matches its accounts
    if domain == rt.settings.domain.lower():
        raise Invalid("not a remote domain")
    now = datetime.now(UTC)
    async with rt.db.write() as conn:
        await conn.execute(insert_ignore(conn, t.federation_domains, domain=domain))
        await conn.execute(update(t.federation_domains).where(t.federation_domains.c.domain == domain)
                           .values(severity=severity))
        accounts = list((await conn.execute(select(t.accounts.c.id).where(t.accounts.c.domain == domain))).scalars())
        await conn.execute(update(t.accounts).where(t.accounts.c.domain == domain).values(
            suspended_at=now if severity == "suspend" else None,
            silenced_at=now if severity == "silence" else None, updated_at=now))
        if severity == "suspend" and accounts:
            pairs = (await conn.execute(select(t.follows.c.account_id, t.follows.c.target_account_id).where(
                or_(t.follows.c.account_id.in_(accounts), t.follows.c.target_account_id.in_(accounts))))).all()
            for follower_id, target_id in pairs:
                await remove_follow(conn, follower_id, target_id)
    return len(accounts)


async def listing(rt: Runtime) -> list:
    """Every domain with a block or a delivery failure on record."""
    async with rt.db.read() as conn:
        return (await conn.execute(select(t.federation_domains).where(or_(
            t.federation_domains.c.severity != "none", t.federation_domains.c.failures > 0))
            .order_by(t.federation_domains.c.domain))).all()
