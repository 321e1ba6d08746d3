"""Browser sessions of the web app: sign-up, sign-in and sign-out.

A session is an ordinary token row with only the `profile` scope, held in an HttpOnly cookie and
never shown to page scripts. Live updates need a token the page's script can put in the streaming
URL (EventSource cannot send headers or, cross-process, our cookie), so each session is paired with
a second, read-only token (`read:statuses read:notifications`): if it leaks it reads a home feed,
it cannot act. Both are revoked together at sign-out.
"""

from __future__ import annotations

from dataclasses import dataclass

from spark.domain.errors import Forbidden
from spark.runtime import Runtime
from spark.services import accounts, tokens

SESSION_SCOPES = frozenset({"profile"})
STREAM_SCOPES = frozenset({"read:statuses", "read:notifications"})


@dataclass(frozen=True)
class WebSession:
    user_id: int
    session_token: str
    stream_token: str


async def _open(rt: Runtime, user_id: int) -> WebSession:
    session = await tokens.issue(rt, user_id=user_id, app_id=None, scopes=SESSION_SCOPES, with_refresh=False)
    stream = await tokens.issue(rt, user_id=user_id, app_id=None, scopes=STREAM_SCOPES, with_refresh=False)
    return WebSession(user_id, session.access_token, stream.access_token)


async def sign_in(rt: Runtime, *, login: str, password: str) -> WebSession:
    """Check the credentials and open a session; raises Invalid or Forbidden."""
    user_id = await accounts.authenticate(rt, login=login, password=password)
    return await _open(rt, user_id)


async def sign_up(rt: Runtime, *, username: str, email: str, password: str, reason: str | None = None,
                  locale: str = "en") -> WebSession | None:
    """Create an account; returns a session, or None when the account waits for approval."""
    mode = rt.settings.registrations
    if mode == "closed":
        raise Forbidden("Registrations are closed on this server")
    user_id = await accounts.create_local_account(rt, username=username, email=email, password=password,
                                                  locale=locale, reason=reason, approved=mode != "approval")
    return None if mode == "approval" else await _open(rt, user_id)


async def current(rt: Runtime, session_token: str | None) -> tokens.Grant | None:
    """The session behind a cookie, or None (unknown, revoked, or not a session token)."""
    grant = await tokens.resolve(rt, session_token) if session_token else None
    if grant is None or grant.app_id is not None or grant.scopes != SESSION_SCOPES:
        return None
    return grant


async def stream_token(rt: Runtime, grant: tokens.Grant, held: str | None) -> str:
    """The session's live-update token: the one held if still good, else a new one (sessions opened by
    the OAuth sign-in page have none yet)."""
    if held:
        found = await tokens.resolve(rt, held)
        if found is not None and found.user_id == grant.user_id and found.scopes == STREAM_SCOPES:
            return held
    issued = await tokens.issue(rt, user_id=grant.user_id, app_id=None, scopes=STREAM_SCOPES, with_refresh=False)
    return issued.access_token


async def sign_out(rt: Runtime, *, session_token: str | None, stream_token: str | None) -> None:
    for token in (session_token, stream_token):
        if token:
            await tokens.revoke(rt, token=token)
