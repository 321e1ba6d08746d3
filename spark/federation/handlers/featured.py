"""Add and Remove on an actor's `featured` collection: a remote account pins or unpins one of its posts."""

from __future__ import annotations

from sqlalchemy import delete, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.ids import new_id
from spark.federation import resolve
from spark.federation.convert import id_of
from spark.federation.handlers.common import object_id
from spark.runtime import Runtime


async def _own_post(rt: Runtime, actor, activity: dict):
    """The actor's own post named by an Add/Remove aimed at its featured collection, or None."""
    if not actor.featured_url or id_of(activity.get("target")) != actor.featured_url:
        return None
    uri = object_id(activity)
    row = await resolve.post(rt, uri) if uri else None
    return row if row is not None and row.account_id == actor.id and not row.reblog_of_id else None


async def add(rt: Runtime, actor, activity: dict) -> None:
    row = await _own_post(rt, actor, activity)
    if row is not None:
        async with rt.db.write() as conn:
            existing = await conn.scalar(select(t.pins.c.id).where(t.pins.c.account_id == actor.id,
                                                                   t.pins.c.status_id == row.id))
            if existing is None:
                await conn.execute(insert_ignore(conn, t.pins, id=new_id(), account_id=actor.id, status_id=row.id))


async def remove(rt: Runtime, actor, activity: dict) -> None:
    row = await _own_post(rt, actor, activity)
    if row is not None:
        async with rt.db.write() as conn:
            await conn.execute(delete(t.pins).where(t.pins.c.account_id == actor.id, t.pins.c.status_id == row.id))
