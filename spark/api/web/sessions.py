"""Sign up, sign in and sign out of the web app (see services/web_sessions.py for the tokens)."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from spark.api.auth import rate_limit, rate_limits, runtime
from spark.api.web.pages import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    STREAM_COOKIE,
    back,
    checked_form,
    page,
    render,
    session,
    set_cookie,
)
from spark.domain.errors import SparkError
from spark.services import web_sessions


def _next(value) -> str:
    return back({"back": value}, "/home")


def _signed_in(request: Request, opened: web_sessions.WebSession, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, opened.session_token)
    set_cookie(response, request, STREAM_COOKIE, opened.stream_token)
    return response


@page()
async def sign_in_form(request, viewer):
    target = _next(request.query_params.get("next"))
    if viewer is not None:
        return RedirectResponse(target, status_code=303)
    return await render(request, "login.html", action="/auth/sign_in", next=target)


@page()
async def sign_in(request, _viewer):
    form = await checked_form(request)
    login = str(form.get("login", ""))[:320]
    target = _next(form.get("next"))
    try:
        rate_limits(request, [("logins", None), ("logins_identity", f"login:{login.strip().lower()}")])
        opened = await web_sessions.sign_in(runtime(request), login=login,
                                            password=str(form.get("password", ""))[:1024])
    except SparkError as error:
        status = 401 if error.status == 422 else error.status
        return await render(request, "login.html", status, action="/auth/sign_in", next=target, login=login,
                            error=error.message)
    return _signed_in(request, opened, target)


def _signup_context(request) -> dict:
    settings = runtime(request).settings
    return {"closed": settings.registrations == "closed", "approval": settings.registrations == "approval",
            "domain": settings.domain}


@page()
async def sign_up_form(request, viewer):
    if viewer is not None:
        return RedirectResponse("/home", status_code=303)
    return await render(request, "signup.html", form={}, **_signup_context(request))


@page()
async def sign_up(request, _viewer):
    form = await checked_form(request)
    typed = {k: str(form.get(k, ""))[:1000] for k in ("username", "email", "reason", "agreement")}
    try:
        rate_limit(request, "signups")
        if not typed["agreement"]:
            raise SparkError("Please accept the server rules and terms to sign up.")
        opened = await web_sessions.sign_up(runtime(request), username=typed["username"][:30].strip(),
                                            email=typed["email"][:320].strip(),
                                            password=str(form.get("password", ""))[:1000],
                                            reason=typed["reason"] or None)
    except SparkError as error:
        return await render(request, "signup.html", 422 if error.status < 500 else error.status, form=typed,
                            error=error.message.removeprefix("Validation failed: "), **_signup_context(request))
    if opened is None:
        return await render(request, "message.html", heading="Thanks for signing up",
                            text="A moderator will review your request. You can sign in once it is approved.")
    return _signed_in(request, opened, "/home")


async def sign_out(request):
    form = await request.form()
    expected = request.cookies.get(CSRF_COOKIE, "")
    response = RedirectResponse("/", status_code=303)
    if expected and secrets.compare_digest(expected, str(form.get("csrf_token", ""))) and await session(request) is not None:
        await web_sessions.sign_out(runtime(request), session_token=request.cookies.get(SESSION_COOKIE),
                                    stream_token=request.cookies.get(STREAM_COOKIE))
        response.delete_cookie(SESSION_COOKIE)
        response.delete_cookie(STREAM_COOKIE)
    return response


routes = [
    Route("/auth/sign_in", sign_in_form, methods=["GET"]),
    Route("/auth/sign_in", sign_in, methods=["POST"]),
    Route("/auth/sign_up", sign_up_form, methods=["GET"]),
    Route("/auth/sign_up", sign_up, methods=["POST"]),
    Route("/auth/sign_out", sign_out, methods=["POST"]),
]
