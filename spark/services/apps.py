"""OAuth client applications."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.domain import scopes as scope_rules
from spark.domain.errors import Invalid, Unauthorized
from spark.domain.ids import new_id
from spark.runtime import Runtime

OOB = "urn:ietf:wg:oauth:2.0:oob"


def _valid_redirect(uri: str) -> bool:
    if uri == OOB:
        return True
    scheme, sep, rest = uri.partition(":")
    return bool(sep and scheme and rest) and scheme.isascii() and " " not in uri and len(uri) <= 2000


async def create_app(rt: Runtime, *, name: str | None, redirect_uris: list[str], scopes: str | None,
                     website: str | None):
    if not name or not name.strip():
        raise Invalid("Validation failed: Application name can't be blank")
    if len(name) > 60:
        raise Invalid("Validation failed: Application name is too long (maximum is 60 characters)")
    if not redirect_uris or not all(_valid_redirect(u) for u in redirect_uris):
        raise Invalid("Validation failed: Redirect URI must be an absolute URI.")
    if website and len(website) > 2000:
        raise Invalid("Validation failed: Website is too long")
    parsed = scope_rules.parse(scopes)
    row = dict(id=new_id(), name=name.strip(), website=website or None, redirect_uris="\n".join(redirect_uris),
               scopes=" ".join(sorted(parsed)), client_id=secrets.token_urlsafe(32),
               client_secret=secrets.token_urlsafe(32), created_at=datetime.now(UTC))
    async with rt.db.write() as conn:
        await conn.execute(t.apps.insert().values(**row))
    return await get_app(rt, row["id"])


async def get_app(rt: Runtime, app_id: int):
    async with rt.db.read() as conn:
        return (await conn.execute(select(t.apps).where(t.apps.c.id == app_id))).first()


async def authenticate_client(rt: Runtime, client_id: str | None, client_secret: str | None, *,
                              secret_required: bool = True):
    """The app for a client id and secret; raises 401 invalid_client otherwise."""
    if not client_id:
        raise Unauthorized("invalid_client")
    async with rt.db.read() as conn:
        app = (await conn.execute(select(t.apps).where(t.apps.c.client_id == client_id))).first()
    if app is None or (secret_required and not secrets.compare_digest(app.client_secret, client_secret or "")):
        raise Unauthorized("invalid_client")
    return app
