"""OAuth 2 grants (RFC 6749) with PKCE (RFC 7636): codes are single-use and bound to
client, redirect URI and verifier."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from spark.adapters.db import schema as t
from spark.domain import scopes as scope_rules
from spark.domain.errors import SparkError
from spark.runtime import Runtime
from spark.services import accounts, tokens
from spark.services.tokens import IssuedToken, digest

CODE_LIFETIME = timedelta(minutes=10)


class OAuthError(SparkError):
    """An RFC 6749 error: `{"error": code, "error_description": ...}`."""

    def __init__(self, code: str, description: str, status: int = 400):
        super().__init__(description)
        self.code = code
        self.status = status


def requested_scopes(app, scope: str | None) -> frozenset[str]:
    try:
        wanted = scope_rules.parse(scope, default=app.scopes.split()[0] if not scope else "read")
    except SparkError:
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.") from None
    if not scope:
        wanted = frozenset(app.scopes.split())
    if not scope_rules.subset(wanted, frozenset(app.scopes.split())):
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
    return wanted


def check_redirect_uri(app, redirect_uri: str | None) -> str:
    uris = app.redirect_uris.split("\n")
    if redirect_uri is None and len(uris) == 1:
        return uris[0]
    if redirect_uri not in uris:  # exact match only
        raise OAuthError("invalid_grant", "The redirect uri included is not valid.")
    return redirect_uri


async def issue_code(rt: Runtime, *, app, user_id: int, redirect_uri: str, scopes: frozenset[str],
                     code_challenge: str | None, code_challenge_method: str | None) -> str:
    if code_challenge and (code_challenge_method or "plain") not in ("S256", "plain"):
        raise OAuthError("invalid_request", "Unsupported code_challenge_method")
    code = secrets.token_urlsafe(32)
    async with rt.db.write() as conn:
        await conn.execute(t.oauth_codes.insert().values(
            code_hash=digest(code), app_id=app.id, user_id=user_id, redirect_uri=redirect_uri,
            scopes=" ".join(sorted(scopes)), code_challenge=code_challenge,
            code_challenge_method=(code_challenge_method or "plain") if code_challenge else None,
            expires_at=datetime.now(UTC) + CODE_LIFETIME))
    return code


def _pkce_ok(challenge: str, method: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    if method == "S256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        return secrets.compare_digest(computed, challenge)
    return secrets.compare_digest(verifier, challenge)


async def exchange_code(rt: Runtime, *, app, code: str | None, redirect_uri: str | None,
                        code_verifier: str | None) -> IssuedToken:
    invalid = OAuthError("invalid_grant", "The provided authorization grant is invalid, expired, revoked, "
                         "does not match the redirection URI used in the authorization request, or was "
                         "issued to another client.")
    if not code:
        raise invalid
    async with rt.db.write() as conn:
        row = (await conn.execute(select(t.oauth_codes).where(t.oauth_codes.c.code_hash == digest(code)))).first()
        if row is None or row.used_at is not None or row.app_id != app.id:
            raise invalid
        # Spend the code before anything else can fail, so it is never usable twice.
        spent = await conn.execute(update(t.oauth_codes).where(
            t.oauth_codes.c.code_hash == row.code_hash, t.oauth_codes.c.used_at.is_(None)
        ).values(used_at=datetime.now(UTC)))
        if spent.rowcount != 1:
            raise invalid
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < datetime.now(UTC) or redirect_uri != row.redirect_uri:
        raise invalid
    if row.code_challenge and not _pkce_ok(row.code_challenge, row.code_challenge_method, code_verifier):
        raise invalid
    return await tokens.issue(rt, user_id=row.user_id, app_id=app.id, scopes=frozenset(row.scopes.split()))


async def password_grant(rt: Runtime, *, app, username: str | None, password: str | None,
                         scope: str | None) -> IssuedToken:
    scopes = requested_scopes(app, scope)
    try:
        user_id = await accounts.authenticate(rt, login=username or "", password=password or "")
    except SparkError:
        raise OAuthError("invalid_grant", "The provided authorization grant is invalid, expired, revoked, "
                         "does not match the redirection URI used in the authorization request, or was "
                         "issued to another client.") from None
    return await tokens.issue(rt, user_id=user_id, app_id=app.id, scopes=scopes)


async def client_credentials_grant(rt: Runtime, *, app, scope: str | None) -> IssuedToken:
    return await tokens.issue(rt, user_id=None, app_id=app.id, scopes=requested_scopes(app, scope),
                              with_refresh=False)


async def refresh_grant(rt: Runtime, *, app, refresh_token: str | None) -> IssuedToken:
    invalid = OAuthError("invalid_grant", "The refresh token is invalid.")
    if not refresh_token:
        raise invalid
    async with tokens.revoking(rt) as revocation:
        row = (await revocation.conn.execute(select(t.tokens).where(
            t.tokens.c.refresh_hash == digest(refresh_token), t.tokens.c.app_id == app.id,
            t.tokens.c.revoked_at.is_(None)))).first()
        if row is None or not await revocation.revoke([row.id]):  # spent by another request meanwhile
            raise invalid
        return await tokens.issue(rt, user_id=row.user_id, app_id=app.id,
                                  scopes=frozenset(row.scopes.split()), conn=revocation.conn)
