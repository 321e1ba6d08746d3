"""Accounts of other servers: stored from their actor documents and refreshed when they change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update

from spark.adapters import jobs_sql
from spark.adapters.db import schema as t
from spark.domain.ids import new_id
from spark.domain.remote import RemoteActor
from spark.runtime import Runtime


def _values(actor: RemoteActor) -> dict:
    return dict(
        display_name=actor.display_name, note=actor.note, fields=actor.fields, locked=actor.locked,
        bot=actor.actor_type in ("Service", "Application"), discoverable=actor.discoverable,
        indexable=actor.indexable, avatar_remote_url=actor.avatar_url, header_remote_url=actor.header_url,
        url=actor.url, actor_type=actor.actor_type, inbox_url=actor.inbox_url,
        shared_inbox_url=actor.shared_inbox_url, outbox_url=actor.outbox_url, followers_url=actor.followers_url,
        featured_url=actor.featured_url, key_id=actor.key_id, public_key_pem=actor.public_key_pem,
        also_known_as=actor.also_known_as, fetched_at=datetime.now(UTC))


async def by_uri(conn, uri: str):
    return (await conn.execute(select(t.accounts).where(t.accounts.c.uri == uri))).first()


async def upsert(conn, actor: RemoteActor):
    """Store or refresh a remote account; returns its row. (username, domain) stays unique: an actor
    that took over a handle (a re-created account) gets it, the stale row keeps its uri."""
    row = await by_uri(conn, actor.uri)
    now = datetime.now(UTC)
    if row is None:
        taken = (await conn.execute(select(t.accounts).where(
            func.lower(t.accounts.c.username) == actor.username.lower(), t.accounts.c.domain == actor.domain))).first()
        if taken is not None:
            await conn.execute(update(t.accounts).where(t.accounts.c.id == taken.id).values(
                username=f"{taken.username}~{taken.id}"))
        account_id = new_id()
        await conn.execute(t.accounts.insert().values(
            id=account_id, username=actor.username, domain=actor.domain, uri=actor.uri,
            created_at=actor.created_at or now, updated_at=now, **_values(actor)))
        # Its recent public posts, so that its profile here is not empty (federation/backfill.py).
        await jobs_sql.enqueue(conn, "backfill", {"account_id": account_id})
    else:
        account_id = row.id
        await conn.execute(update(t.accounts).where(t.accounts.c.id == row.id).values(
            updated_at=now, **_values(actor)))
    return (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()


async def remove(rt: Runtime, account_id: int) -> None:
    """A remote actor deleted itself: its posts, follows and the account's visibility go."""
    from spark.services.follows import remove_follow
    from spark.services.posting import remove_rows

    async with rt.db.write() as conn:
        await conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(
            suspended_at=datetime.now(UTC), updated_at=datetime.now(UTC)))
        for follower_id, target_id in (await conn.execute(select(t.follows.c.account_id, t.follows.c.target_account_id)
                                                          .where(or_(t.follows.c.account_id == account_id,
                                                                     t.follows.c.target_account_id == account_id)))).all():
            await remove_follow(conn, follower_id, target_id)
    while True:  # in batches, so one huge account does not hold the writer for long
        async with rt.db.write() as conn:
            rows = (await conn.execute(select(t.statuses).where(t.statuses.c.account_id == account_id)
                                       .order_by(t.statuses.c.id).limit(200))).all()
            if not rows:
                return
            await remove_rows(conn, rows)
