"""RSA key pairs of local actors, made on first use and kept in the database (all processes share them)."""

from __future__ import annotations

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.federation import urls
from spark.federation.signatures import SigningKey, generate_key_pair
from spark.runtime import Runtime

_cache: dict[tuple[str, int], tuple[str, str]] = {}


async def _stored(conn, account_id: int) -> tuple[str, str]:
    query = select(t.account_keys).where(t.account_keys.c.account_id == account_id)
    row = (await conn.execute(query)).first()
    if row is None:
        private_pem, public_pem = generate_key_pair()
        # Two processes may race to make the first key: the first one stored wins.
        await conn.execute(insert_ignore(conn, t.account_keys, account_id=account_id, private_pem=private_pem,
                                         public_pem=public_pem))
        row = (await conn.execute(query)).first()
    return row.private_pem, row.public_pem


async def key_pair(rt: Runtime, account_id: int, conn=None) -> tuple[str, str]:
    """(private_pem, public_pem) of a local account (or of the instance actor, id 0). Inside a write
    transaction pass its `conn`: a second writer would wait for the first forever on SQLite."""
    cache_key = (rt.settings.base_url, account_id)
    if cache_key not in _cache:
        if conn is not None:
            _cache[cache_key] = await _stored(conn, account_id)
        else:
            async with rt.db.write() as own:
                _cache[cache_key] = await _stored(own, account_id)
    return _cache[cache_key]


async def signing_key(rt: Runtime, account_id: int, username: str) -> SigningKey:
    private_pem, _ = await key_pair(rt, account_id)
    return SigningKey(key_id=urls.key_id(rt, username), private_pem=private_pem)


async def instance_signing_key(rt: Runtime) -> SigningKey:
    private_pem, _ = await key_pair(rt, urls.INSTANCE_ACTOR_ID)
    return SigningKey(key_id=urls.instance_key_id(rt), private_pem=private_pem)
