"""OAuth 2 authorization: the sign-in and consent pages behind /oauth/authorize.

A browser session is an ordinary token row with only the `profile` scope, kept in an HttpOnly
cookie; forms carry a double-submit CSRF token; pages refuse to be framed.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from spark.api.auth import rate_limits, runtime
from spark.api.web.pages import CSRF_COOKIE, PAGE_HEADERS, SESSION_COOKIE, STREAM_COOKIE, render, set_cookie
from spark.domain.errors import SparkError
from spark.services import accounts as account_service
from spark.services import apps as app_service
from spark.services import oauth, web_sessions

OAUTH_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                "code_challenge_method")
OOB = "urn:ietf:wg:oauth:2.0:oob"
NO_FRAMES = PAGE_HEADERS


class PageError(Exception):
    """A request that cannot be sent back to the client (unknown app, bad redirect URI)."""


def _with_query(uri: str, values: dict) -> str:
    values = {k: v for k, v in values.items() if v is not None}
    return uri + ("&" if "?" in uri else "?") + urlencode(values)


async def _checked(request: Request, fields: dict):
    """(app, redirect_uri, scopes) for a request, or PageError / OAuthError."""
    rt = runtime(request)
    try:
        app = await app_service.authenticate_client(rt, fields.get("client_id"), None, secret_required=False)
        redirect_uri = oauth.check_redirect_uri(app, fields.get("redirect_uri"))
    except SparkError:
        raise PageError("The application or its redirect URI is not registered on this server.") from None
    try:
        if fields.get("response_type") != "code":
            raise oauth.OAuthError("unsupported_response_type", "Only the code response type is supported.")
        scopes = oauth.requested_scopes(app, fields.get("scope"))
        method = fields.get("code_challenge_method")
        if fields.get("code_challenge") and (method or "plain") not in ("S256", "plain"):
            raise oauth.OAuthError("invalid_request", "Unsupported code_challenge_method")
    except oauth.OAuthError as error:
        error.redirect_uri = redirect_uri
        raise
    return app, redirect_uri, scopes


async def _session(request: Request):
    return await web_sessions.current(runtime(request), request.cookies.get(SESSION_COOKIE))


async def _redirect_error(request: Request, redirect_uri: str, error: oauth.OAuthError, state: str | None) -> Response:
    """Errors go back to the client (RFC 6749 4.1.2.1), except to the out-of-band URI: shown here."""
    code = error.code
    if redirect_uri == OOB:
        return await render(request, "message.html", 400, heading="Authorization failed", error=error.message)
    return RedirectResponse(_with_query(redirect_uri, {"error": code, "error_description": error.message,
                                                       "state": state}), status_code=302, headers=NO_FRAMES)


async def _consent(request: Request, fields: dict, app, scopes, user_id: int) -> Response:
    account = await account_service.get_account(runtime(request), user_id)
    return await render(request, "consent.html", oauth=fields, app_name=app.name, app_website=app.website,
                  scopes=sorted(scopes), username=account.username)


async def authorize(request: Request) -> Response:
    fields = {k: request.query_params[k] for k in OAUTH_FIELDS if request.query_params.get(k)}
    try:
        app, redirect_uri, scopes = await _checked(request, fields)
    except PageError as error:
        return await render(request, "message.html", 400, heading="Authorization failed", error=str(error))
    except oauth.OAuthError as error:
        return await _redirect_error(request, error.redirect_uri, error, fields.get("state"))
    grant = await _session(request)
    if grant is None or request.query_params.get("force_login") in ("true", "1"):
        return await render(request, "login.html", oauth=fields, app_name=app.name)
    return await _consent(request, fields, app, scopes, grant.user_id)


async def submit(request: Request) -> Response:
    rt = runtime(request)
    form = await request.form()
    fields = {k: str(form[k]) for k in OAUTH_FIELDS if form.get(k)}
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf_token", ""))):
        return await render(request, "message.html", 403, heading="Authorization failed",
                      error="The form expired or did not come from this site. Go back and try again.")
    try:
        app, redirect_uri, scopes = await _checked(request, fields)
    except PageError as error:
        return await render(request, "message.html", 400, heading="Authorization failed", error=str(error))
    except oauth.OAuthError as error:
        return await _redirect_error(request, error.redirect_uri, error, fields.get("state"))
    step = form.get("step")
    if step == "login":
        login = str(form.get("login", ""))[:320]
        try:
            rate_limits(request, [("logins", None), ("logins_identity", f"login:{login.strip().lower()}")])
            opened = await web_sessions.sign_in(rt, login=login, password=str(form.get("password", ""))[:1024])
        except SparkError as error:
            return await render(request, "login.html", 401 if error.status == 422 else error.status, oauth=fields,
                          app_name=app.name, login=login, error=error.message)
        response = await _consent(request, fields, app, scopes, opened.user_id)
        set_cookie(response, request, SESSION_COOKIE, opened.session_token)
        set_cookie(response, request, STREAM_COOKIE, opened.stream_token)
        return response
    grant = await _session(request)
    if grant is None:
        return await render(request, "login.html", 401, oauth=fields, app_name=app.name,
                      error="Your session has ended. Sign in again.")
    if step != "approve":
        denied = oauth.OAuthError("access_denied", "The user denied the request.")
        return await _redirect_error(request, redirect_uri, denied, fields.get("state"))
    code = await oauth.issue_code(rt, app=app, user_id=grant.user_id, redirect_uri=redirect_uri, scopes=scopes,
                                  code_challenge=fields.get("code_challenge"),
                                  code_challenge_method=fields.get("code_challenge_method"))
    if redirect_uri == OOB:
        return await render(request, "message.html", heading="Authorization code", code=code)
    return RedirectResponse(_with_query(redirect_uri, {"code": code, "state": fields.get("state")}),
                            status_code=302, headers=NO_FRAMES)


routes = [
    Route("/oauth/authorize", authorize, methods=["GET"]),
    Route("/oauth/authorize", submit, methods=["POST"]),
]
