"""What the activity handlers share: finding the local things an activity names, and tombstones for
activities that arrive before what they undo or delete."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.federation import urls
from spark.federation.convert import id_of
from spark.runtime import Runtime


def object_id(activity: dict) -> str | None:
    return id_of(activity.get("object"))


def embedded(activity: dict) -> dict | None:
    obj = activity.get("object")
    return obj if isinstance(obj, dict) else None


# Built once: on the inbox's hot path building a statement cost as much as running it (B6).
_LOCAL_ACCOUNT = select(t.accounts).where(func.lower(t.accounts.c.username) == bindparam("username"),
                                          t.accounts.c.domain == "", t.accounts.c.suspended_at.is_(None))
_LOCAL_STATUS = select(t.statuses.c.id).where(t.statuses.c.id == bindparam("id"), t.statuses.c.local.is_(True))
_TOMBSTONE = select(t.federation_tombstones.c.uri).where(t.federation_tombstones.c.uri == bindparam("uri"))
_A_FOLLOWER = select(t.follows.c.id).where(t.follows.c.target_account_id == bindparam("id")).limit(1)


async def local_account(rt: Runtime, uri: str | None):
    """The local account an actor id (or profile URL) names, or None."""
    username = urls.local_username(rt, uri) if uri else None
    if username is None:
        return None
    async with rt.db.read() as conn:
        return (await conn.execute(_LOCAL_ACCOUNT, {"username": username.lower()})).first()


async def local_status_id(rt: Runtime, uri: str | None) -> int | None:
    status_id = urls.local_status_id(rt, uri) if uri else None
    if status_id is None:
        return None
    async with rt.db.read() as conn:
        return await conn.scalar(_LOCAL_STATUS, {"id": status_id})


async def bury(rt: Runtime, uri: str) -> None:
    """Remember that a remote object was deleted or undone, in case it arrives later (out of order)."""
    async with rt.db.write() as conn:
        await conn.execute(insert_ignore(conn, t.federation_tombstones, uri=uri[:2048]))


async def buried(rt: Runtime, uri: str | None) -> bool:
    if not uri:
        return False
    async with rt.db.read() as conn:
        return bool(await conn.scalar(_TOMBSTONE, {"uri": uri[:2048]}))


async def has_local_followers(rt: Runtime, account_id: int) -> bool:
    async with rt.db.read() as conn:
        return bool(await conn.scalar(_A_FOLLOWER, {"id": account_id}))
