"""OAuth 2 authorization: the sign-in and consent pages behind /oauth/authorize.

A browser session is an ordinary token row with only the `profile` scope, kept in an HttpOnly
cookie; forms carry a double-submit CSRF token; pages refuse to be framed.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from spark.api.auth import rate_limits, runtime
from spark.domain.errors import SparkError
from spark.services import accounts as account_service
from spark.services import apps as app_service
from spark.services import oauth, tokens

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
SESSION_COOKIE = "spark_session"
CSRF_COOKIE = "spark_csrf"
SESSION_SCOPES = frozenset({"profile"})
OAUTH_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                "code_challenge_method")
OOB = "urn:ietf:wg:oauth:2.0:oob"
NO_FRAMES = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
             "Cache-Control": "no-store", "Referrer-Policy": "same-origin"}


class PageError(Exception):
    """A request that cannot be sent back to the client (unknown app, bad redirect URI)."""


def render(request: Request, template: str, status: int = 200, **context) -> Response:
    rt = runtime(request)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = TEMPLATES.TemplateResponse(request, template, {"instance_title": rt.settings.instance_title,
                                                              "csrf": csrf, **context}, status_code=status,
                                          headers=NO_FRAMES)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="lax", secure=rt.settings.scheme == "https")
    return response


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
    token = request.cookies.get(SESSION_COOKIE)
    grant = await tokens.resolve(runtime(request), token) if token else None
    if grant is None or grant.app_id is not None or grant.scopes != SESSION_SCOPES:
        return None
    return grant


def _redirect_error(request: Request, redirect_uri: str, error: oauth.OAuthError, state: str | None) -> Response:
    """Errors go back to the client (RFC 6749 4.1.2.1), except to the out-of-band URI: shown here."""
    code = error.code
    if redirect_uri == OOB:
        return render(request, "message.html", 400, heading="Authorization failed", error=error.message)
    return RedirectResponse(_with_query(redirect_uri, {"error": code, "error_description": error.message,
                                                       "state": state}), status_code=302, headers=NO_FRAMES)


async def _consent(request: Request, fields: dict, app, scopes, user_id: int) -> Response:
    account = await account_service.get_account(runtime(request), user_id)
    return render(request, "consent.html", oauth=fields, app_name=app.name, app_website=app.website,
                  scopes=sorted(scopes), username=account.username)


async def authorize(request: Request) -> Response:
    fields = {k: request.query_params[k] for k in OAUTH_FIELDS if request.query_params.get(k)}
    try:
        app, redirect_uri, scopes = await _checked(request, fields)
    except PageError as error:
        return render(request, "message.html", 400, heading="Authorization failed", error=str(error))
    except oauth.OAuthError as error:
        return _redirect_error(request, error.redirect_uri, error, fields.get("state"))
    grant = await _session(request)
    if grant is None or request.query_params.get("force_login") in ("true", "1"):
        return render(request, "login.html", oauth=fields, app_name=app.name)
    return await _consent(request, fields, app, scopes, grant.user_id)


async def submit(request: Request) -> Response:
    rt = runtime(request)
    form = await request.form()
    fields = {k: str(form[k]) for k in OAUTH_FIELDS if form.get(k)}
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf_token", ""))):
        return render(request, "message.html", 403, heading="Authorization failed",
                      error="The form expired or did not come from this site. Go back and try again.")
    try:
        app, redirect_uri, scopes = await _checked(request, fields)
    except PageError as error:
        return render(request, "message.html", 400, heading="Authorization failed", error=str(error))
    except oauth.OAuthError as error:
        return _redirect_error(request, error.redirect_uri, error, fields.get("state"))
    step = form.get("step")
    if step == "login":
        login = str(form.get("login", ""))[:320]
        try:
            rate_limits(request, [("logins", None), ("logins_identity", f"login:{login.strip().lower()}")])
            user_id = await account_service.authenticate(rt, login=login, password=str(form.get("password", ""))[:1024])
        except SparkError as error:
            return render(request, "login.html", 401 if error.status == 422 else error.status, oauth=fields,
                          app_name=app.name, login=login, error=error.message)
        session = await tokens.issue(rt, user_id=user_id, app_id=None, scopes=SESSION_SCOPES, with_refresh=False)
        response = await _consent(request, fields, app, scopes, user_id)
        response.set_cookie(SESSION_COOKIE, session.access_token, httponly=True, samesite="lax",
                            secure=rt.settings.scheme == "https", max_age=30 * 86400)
        return response
    grant = await _session(request)
    if grant is None:
        return render(request, "login.html", 401, oauth=fields, app_name=app.name,
                      error="Your session has ended. Sign in again.")
    if step != "approve":
        denied = oauth.OAuthError("access_denied", "The user denied the request.")
        return _redirect_error(request, redirect_uri, denied, fields.get("state"))
    code = await oauth.issue_code(rt, app=app, user_id=grant.user_id, redirect_uri=redirect_uri, scopes=scopes,
                                  code_challenge=fields.get("code_challenge"),
                                  code_challenge_method=fields.get("code_challenge_method"))
    if redirect_uri == OOB:
        return render(request, "message.html", heading="Authorization code", code=code)
    return RedirectResponse(_with_query(redirect_uri, {"code": code, "state": fields.get("state")}),
                            status_code=302, headers=NO_FRAMES)


async def sign_out(request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(CSRF_COOKIE, "")
    if expected and secrets.compare_digest(expected, str(form.get("csrf_token", ""))):
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await tokens.revoke(runtime(request), token=token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


routes = [
    Route("/oauth/authorize", authorize, methods=["GET"]),
    Route("/oauth/authorize", submit, methods=["POST"]),
    Route("/auth/sign_out", sign_out, methods=["POST"]),
]
