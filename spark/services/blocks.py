"""Blocks and mutes between accounts, and personal notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import upsert
from spark.domain.errors import Forbidden, Invalid
from spark.domain.ids import new_id
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services import events, feeds
from spark.services.follows import remove_follow, target_account

MAX_NOTE = 2000


async def block(rt: Runtime, account_id: int, target_id: int | None) -> None:
    """Block: follows and requests in both directions end, and each disappears from the other's feed."""
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        events.rules_changed(conn, [account_id, target.id])  # who hides whom, for open streams
        if target.id == account_id:
            raise Forbidden("You cannot block yourself")
        await remove_follow(conn, account_id, target.id)
        await remove_follow(conn, target.id, account_id)
        await feeds.unmerge_account(conn, follower_id=account_id, target_id=target.id)
        await feeds.unmerge_account(conn, follower_id=target.id, target_id=account_id)
        exists_ = await conn.scalar(select(t.blocks.c.id).where(
            t.blocks.c.account_id == account_id, t.blocks.c.target_account_id == target.id))
        if not exists_:
            await conn.execute(t.blocks.insert().values(id=new_id(), account_id=account_id,
                                                        target_account_id=target.id, created_at=datetime.now(UTC)))
            if target.domain:
                account = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
                if not account.domain:
                    await outbox.blocked(rt, conn, account, target)


async def unblock(rt: Runtime, account_id: int, target_id: int | None) -> None:
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        events.rules_changed(conn, [account_id, target.id])  # who hides whom, for open streams
        removed = await conn.execute(delete(t.blocks).where(t.blocks.c.account_id == account_id,
                                                            t.blocks.c.target_account_id == target.id))
        if removed.rowcount and target.domain:
            account = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
            if not account.domain:
                await outbox.block_undone(rt, conn, account, target)


async def mute(rt: Runtime, account_id: int, target_id: int | None, *, notifications: bool = True,
               duration: int = 0) -> None:
    """Mute (optionally for `duration` seconds); muted posts leave the home feed."""
    if duration < 0 or duration > 10 * 365 * 86400:
        raise Invalid("Validation failed: duration is out of range")
    expires_at = datetime.now(UTC) + timedelta(seconds=duration) if duration else None
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        events.rules_changed(conn, [account_id])  # whom they hide, for their open streams
        if target.id == account_id:
            raise Forbidden("You cannot mute yourself")
        changes = dict(hide_notifications=notifications, expires_at=expires_at)  # muting again changes these
        await conn.execute(upsert(conn, t.mutes, ["account_id", "target_account_id"], dict(
            id=new_id(), account_id=account_id, target_account_id=target.id, created_at=datetime.now(UTC), **changes),
            changes))
        await feeds.unmerge_account(conn, follower_id=account_id, target_id=target.id)


async def unmute(rt: Runtime, account_id: int, target_id: int | None) -> None:
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        events.rules_changed(conn, [account_id])  # whom they hide, for their open streams
        removed = await conn.execute(delete(t.mutes).where(t.mutes.c.account_id == account_id,
                                                           t.mutes.c.target_account_id == target.id))
        following = await conn.scalar(select(t.follows.c.id).where(
            t.follows.c.account_id == account_id, t.follows.c.target_account_id == target.id))
        if removed.rowcount and following:
            await feeds.merge_account(conn, follower_id=account_id, target_id=target.id)


async def set_note(rt: Runtime, account_id: int, target_id: int | None, comment: str) -> None:
    if len(comment) > MAX_NOTE:
        raise Invalid(f"Validation failed: Comment is too long (maximum is {MAX_NOTE} characters)")
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        if comment:
            await conn.execute(upsert(conn, t.account_notes, ["account_id", "target_account_id"], dict(
                account_id=account_id, target_account_id=target.id, comment=comment), {"comment": comment}))
        else:
            await conn.execute(delete(t.account_notes).where(t.account_notes.c.account_id == account_id,
                                                             t.account_notes.c.target_account_id == target.id))
