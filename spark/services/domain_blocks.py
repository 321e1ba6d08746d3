"""Servers a user blocks for themselves: nothing from accounts there reaches their timelines, streams
or notifications (timelines.hiding_rules, notifications.notify), and no follow links them to it.

As Mastodon (AfterBlockDomainFromAccountService): blocking ends follows and follow requests both
ways with accounts there (their servers hear of it) and clears notifications from them; while the
block lasts nobody there can be followed, and their follows are rejected (follows.blocks_domain).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, delete, or_, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.domains import normalize_domain
from spark.domain.errors import Invalid
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services import events
from spark.services.follows import remove_follow
from spark.services.paging import Page, ranged


def _remote(rt: Runtime, domain: str) -> str:
    domain = normalize_domain(domain)
    if domain == normalize_domain(rt.settings.domain):
        raise Invalid("Validation failed: Domain cannot be this server's own")
    return domain


async def block(rt: Runtime, account_id: int, domain: str) -> None:
    domain = _remote(rt, domain)
    async with rt.db.write() as conn:
        await conn.execute(insert_ignore(conn, t.account_domain_blocks, id=new_id(), account_id=account_id,
                                         domain=domain, created_at=datetime.now(UTC)))
        there = select(t.accounts.c.id).where(t.accounts.c.domain == domain)
        links = set()
        for table in (t.follows, t.follow_requests):
            links.update((await conn.execute(select(table.c.account_id, table.c.target_account_id).where(or_(
                and_(table.c.account_id == account_id, table.c.target_account_id.in_(there)),
                and_(table.c.target_account_id == account_id, table.c.account_id.in_(there)))))).all())
        for follower_id, target_id in sorted(links):
            await remove_follow(conn, follower_id, target_id, rt=rt)
        await conn.execute(delete(t.notifications).where(t.notifications.c.account_id == account_id,
                                                         t.notifications.c.from_account_id.in_(there)))
        events.rules_changed(conn, [account_id])  # open streams start hiding the server


async def unblock(rt: Runtime, account_id: int, domain: str) -> None:
    domain = _remote(rt, domain)
    async with rt.db.write() as conn:
        await conn.execute(delete(t.account_domain_blocks).where(t.account_domain_blocks.c.account_id == account_id,
                                                                 t.account_domain_blocks.c.domain == domain))
        events.rules_changed(conn, [account_id])


async def blocked_domains(rt: Runtime, account_id: int, page: Page) -> list:
    """The user's blocked domains as rows of (id, domain), newest block first."""
    blocks = t.account_domain_blocks
    query, ascending = ranged(select(blocks.c.id, blocks.c.domain).where(blocks.c.account_id == account_id),
                              blocks.c.id, page)
    async with rt.db.read() as conn:
        rows = (await conn.execute(query)).all()
    return rows[::-1] if ascending else rows
