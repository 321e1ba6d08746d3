"""What every web page shares: templates, the signed-in session, CSRF checks, errors as pages.

Handlers are written as `@page()` (anyone) or `@page(signed_in=True)` functions taking
(request, viewer) where viewer is the session's Grant or None. Forms post with a double-submit
CSRF token; requests sent by the page script (header `X-Requested-With: fetch`) get HTML fragments
or short errors instead of redirects.
"""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from spark.api.auth import runtime
from spark.api.presenters import account_json
from spark.domain.errors import SparkError
from spark.services import web_pages, web_sessions

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
SESSION_COOKIE = "spark_session"
STREAM_COOKIE = "spark_stream"
CSRF_COOKIE = "spark_csrf"
# Pages load only their own stylesheet, module script and images; nothing may frame them.
CSP = ("default-src 'self'; img-src 'self' https: http: data: blob:; media-src 'self' https: http:; "
       "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'")
PAGE_HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": CSP, "Referrer-Policy": "same-origin",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


class CsrfError(SparkError):
    status = 403

    def __init__(self):
        super().__init__("The form expired or did not come from this site. Go back, reload the page and try again.")


def _ago(value: str | None) -> str:
    """A short relative time for an ISO timestamp: 5s, 3m, 2h, 4d, or the date."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    seconds = (datetime.now(UTC) - moment).total_seconds()
    if seconds < 60:
        return f"{max(int(seconds), 0)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d"
    return moment.strftime("%b %-d, %Y")


def _profile_path(account: dict) -> str:
    return "/@" + quote(account["acct"], safe="@.:")


def _status_path(status: dict) -> str:
    return f"{_profile_path(status['account'])}/{status['id']}"


def _http_url(value: str | None) -> str:
    """Remote URLs go into href and src only if they are http(s) or site-relative."""
    value = value or ""
    return value if value.startswith(("https://", "http://", "/")) and not value.startswith("//") else "#"


def _rfc822(value: str) -> str:
    return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))


TEMPLATES.env.filters.update(ago=_ago, rfc822=_rfc822, url=_http_url, profile_path=_profile_path, status_path=_status_path)


def is_fetch(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def csrf_token(request: Request) -> str:
    if "csrf" not in request.state._state:
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    return request.state.csrf


async def session(request: Request):
    """The signed-in session's Grant, or None."""
    if "viewer" not in request.state._state:
        request.state.viewer = await web_sessions.current(runtime(request), request.cookies.get(SESSION_COOKIE))
    return request.state.viewer


async def checked_form(request: Request, max_file_size: int = 1024 * 1024) -> FormData:
    """The posted form, if its CSRF token matches the cookie; raises CsrfError otherwise."""
    form = await request.form(max_part_size=max_file_size)
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf_token", ""))):
        raise CsrfError()
    return form


def back(form, default: str = "/home") -> str:
    """Where to return after a form: a same-site path the form names, else `default`."""
    target = str(form.get("back") or "")
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else default


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax", max_age=30 * 86400,
                        secure=runtime(request).settings.scheme == "https")


async def render(request: Request, template: str, status: int = 200, **context) -> Response:
    """A full page (or, for the page script, a fragment template) with the layout's shared context."""
    rt = runtime(request)
    viewer = await session(request)
    chrome = await web_pages.chrome(rt, viewer.user_id) if viewer is not None and "me" not in context else None
    csrf = csrf_token(request)
    values = {"instance_title": rt.settings.instance_title, "csrf": csrf, "path": request.url.path,
              "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
              "max_chars": rt.settings.max_status_chars, "base_url": rt.settings.base_url,
              "domain": rt.settings.domain}
    if chrome is not None:
        values.update(me=account_json(rt, chrome.account), unread=chrome.unread)
    values.update(context)
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status, headers=PAGE_HEADERS)
    if request.cookies.get(CSRF_COOKIE) != csrf:
        set_cookie(response, request, CSRF_COOKIE, csrf)
    return response


def fragment(template: str, **context) -> HTMLResponse:
    """A piece of a page for the page script to swap in (no layout)."""
    html = TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/auth/sign_in?next=" + quote(target, safe="/"), status_code=303)


def page(*, signed_in: bool = False):
    """Wrap a page handler: resolve the session, require it if asked, and show errors as pages."""

    def wrap(handler):
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            viewer = await session(request)
            if signed_in and viewer is None:
                if request.method != "GET":
                    return await error_page(request, SparkError("Your session has ended. Sign in again."), 401)
                return sign_in_redirect(request)
            try:
                return await handler(request, viewer)
            except SparkError as error:
                return await error_page(request, error, error.status)

        return route

    return wrap


async def error_page(request: Request, error: SparkError, status: int) -> Response:
    message = error.message.removeprefix("Validation failed: ")
    if status == 404:
        message = "There is nothing here. The post or account may have been deleted, or the address is mistyped."
    if is_fetch(request):
        return Response(message, status_code=status, media_type="text/plain; charset=utf-8")
    heading = {404: "Not found", 403: "Not allowed", 401: "Signed out", 429: "Slow down"}.get(status, "Something went wrong")
    return await render(request, "message.html", status, heading=heading, error=message)
