"""Access tokens: stored only as SHA-256 hashes, looked up on every request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update

from spark.adapters.db import schema as t
from spark.domain.ids import new_id
from spark.domain.moments import aware
from spark.runtime import Runtime
from spark.services import events, web_push
from spark.services.caches import Kept


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Grant:
    """Who a bearer token speaks for."""

    token_id: int
    user_id: int | None  # None for an app-only (client_credentials) token
    app_id: int | None
    scopes: frozenset[str]
    admin: bool = False


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    refresh_token: str | None
    scopes: frozenset[str]
    created_at: datetime


async def issue(rt: Runtime, *, user_id: int | None, app_id: int | None, scopes: frozenset[str],
                with_refresh: bool = True, conn=None) -> IssuedToken:
    access = secrets.token_urlsafe(32)
    refresh = secrets.token_urlsafe(32) if with_refresh else None
    now = datetime.now(UTC)
    values = dict(id=new_id(), token_hash=digest(access), refresh_hash=digest(refresh) if refresh else None,
                  app_id=app_id, user_id=user_id, scopes=" ".join(sorted(scopes)), created_at=now)
    if conn is not None:
        await conn.execute(t.tokens.insert().values(**values))
    else:
        async with rt.db.write() as c:
            await c.execute(t.tokens.insert().values(**values))
    return IssuedToken(access, refresh, scopes, now)




_LOOKUP = (
    select(t.tokens.c.id, t.tokens.c.user_id, t.tokens.c.app_id, t.tokens.c.scopes, t.tokens.c.expires_at,
           t.users.c.disabled, t.users.c.approved, t.users.c.admin, t.accounts.c.suspended_at)
    .select_from(t.tokens.outerjoin(t.users, t.users.c.id == t.tokens.c.user_id)
                 .outerjoin(t.accounts, t.accounts.c.id == t.tokens.c.user_id))
    .where(t.tokens.c.token_hash == bindparam("token_hash"), t.tokens.c.revoked_at.is_(None))
)


# Good grants by (database, token hash) for GRANT_TTL seconds (never past the token's expiry), so that most requests skip the lookup.
# A revocation made by this process takes effect at once (`revoking` forgets the grant after its commit);
# one made by another process, like a user's suspension, within GRANT_TTL. Unknown and refused tokens are
# never kept.
GRANT_TTL = 10.0
_grants = Kept(maxsize=20_000)  # (database, token hash) → Grant


async def resolve(rt: Runtime, bearer: str) -> Grant | None:
    """The grant behind a bearer token, or None if unknown, revoked, expired or its user is barred."""
    key = (rt.db.url, digest(bearer))
    grant = _grants.get(key)
    if grant is not None:
        return grant
    changes = _grants.changes
    async with rt.db.read() as conn:
        row = (await conn.execute(_LOOKUP, {"token_hash": key[1]})).first()
    if row is None:
        return None
    now = datetime.now(UTC)
    expires_at = aware(row.expires_at) if row.expires_at is not None else None
    if expires_at is not None and expires_at < now:
        return None
    if row.user_id is not None and (row.disabled or not row.approved or row.suspended_at is not None):
        return None
    grant = Grant(row.id, row.user_id, row.app_id, frozenset(row.scopes.split()), bool(row.admin))
    ttl = GRANT_TTL if expires_at is None else min(GRANT_TTL, (expires_at - now).total_seconds())
    _grants.keep(key, grant, ttl, changes)
    return grant


def _forget(token_ids) -> None:
    """Drop cached grants of tokens just revoked (once the revocation has committed)."""
    gone = set(token_ids)
    _grants.forget([key for key, (_, grant) in _grants.entries.items() if grant.token_id in gone])


class Revocation:
    """Tokens revoked in one transaction (see `revoking`)."""

    def __init__(self, conn):
        self.conn = conn
        self.token_ids: list[int] = []

    async def revoke(self, token_ids: list[int]) -> list[int]:
        """Mark the tokens revoked, close their open streams and drop their push subscriptions, all
        with the commit. Returns those this call revoked: a token being revoked at the same time by
        another transaction is that one's (so a refresh token is spent once, however many try at once)."""
        if not token_ids:
            return []
        revoked = list((await self.conn.execute(
            update(t.tokens).where(t.tokens.c.id.in_(token_ids), t.tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC)).returning(t.tokens.c.id))).scalars())
        if revoked:
            events.tokens_revoked(self.conn, revoked)
            await web_push.forget_tokens(self.conn, revoked)
            self.token_ids += revoked
        return revoked


@asynccontextmanager
async def revoking(rt: Runtime) -> AsyncIterator[Revocation]:
    """A write transaction to revoke tokens in; once it commits, this process forgets their cached grants,
    so that every way of revoking takes every step and the tokens are refused at once."""
    async with rt.db.write() as conn:
        revocation = Revocation(conn)
        yield revocation
    _forget(revocation.token_ids)


async def revoke(rt: Runtime, *, token: str, app_id: int | None = None) -> None:
    """Revoke by access or refresh token; unknown tokens are ignored (RFC 7009)."""
    hashed = digest(token)
    async with revoking(rt) as revocation:
        for column in (t.tokens.c.token_hash, t.tokens.c.refresh_hash):
            query = select(t.tokens.c.id).where(column == hashed, t.tokens.c.revoked_at.is_(None))
            if app_id is not None:
                query = query.where(t.tokens.c.app_id == app_id)
            await revocation.revoke(list((await revocation.conn.execute(query)).scalars().all()))
