"""Endorsements: the followed accounts a user features on their profile."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.errors import Invalid
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services.follows import is_following, target_account
from spark.services.relationships import account_page
from spark.services.statuses import blocked_between


async def endorse(rt: Runtime, account_id: int, target_id: int | None) -> None:
    """Feature an account; as Mastodon, only one the user follows (an unfollow ends the endorsement)."""
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        if not await is_following(conn, account_id, target.id):
            raise Invalid("Validation failed: You must be already following the person you want to endorse")
        await conn.execute(insert_ignore(conn, t.endorsements, id=new_id(), account_id=account_id,
                                         target_account_id=target.id, created_at=datetime.now(UTC)))


async def unendorse(rt: Runtime, account_id: int, target_id: int | None) -> None:
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        await conn.execute(delete(t.endorsements).where(t.endorsements.c.account_id == account_id,
                                                        t.endorsements.c.target_account_id == target.id))


async def endorsed(rt: Runtime, viewer_id: int | None, account_id: int | None, **page):
    """The accounts `account_id` features, newest first, as [(endorsement id, account)]; none for a viewer
    the account blocks."""
    async with rt.db.read() as conn:
        owner = await target_account(conn, account_id)
        if viewer_id is not None and viewer_id != owner.id and await blocked_between(conn, viewer_id, owner.id):
            return []
    return await account_page(rt, t.endorsements, t.endorsements.c.account_id,
                              t.endorsements.c.target_account_id, owner.id, **page)
