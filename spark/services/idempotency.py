"""Idempotency-Key (as Mastodon): a post or scheduled post resent with the same key by the same account
returns the first one instead of making another. Apps resend when an answer is slow, so the resends can
overlap the first try: the key is locked for the transaction, and they wait for it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import lock_key


async def earlier(conn, account_id: int, key: str, *, scheduled: bool = False) -> int | None:
    """The id of the post (or scheduled post) made earlier with this key, if any."""
    await lock_key(conn, f"idempotency:{account_id}:{key}")
    column = t.idempotency_keys.c.scheduled_status_id if scheduled else t.idempotency_keys.c.status_id
    return await conn.scalar(select(column).where(
        t.idempotency_keys.c.account_id == account_id, t.idempotency_keys.c.key == key))


async def remember(conn, account_id: int, key: str, *, status_id: int | None = None,
                   scheduled_status_id: int | None = None) -> None:
    """Tie the key to what this request made (replacing what it named before, which is gone)."""
    keys = t.idempotency_keys
    await conn.execute(delete(keys).where(keys.c.account_id == account_id, keys.c.key == key))
    await conn.execute(keys.insert().values(account_id=account_id, key=key, status_id=status_id,
                                            scheduled_status_id=scheduled_status_id, created_at=datetime.now(UTC)))
