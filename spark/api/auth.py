"""Bearer-token authentication, scope checks and rate limits for API routes.

Routes are written as `@endpoint("write:statuses")` handlers taking (request, grant); the
decorator resolves the token, checks the scope, applies the per-token, per-account or per-IP
limit and adds
Mastodon's X-RateLimit-* headers.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from spark.domain import scopes as scope_rules
from spark.domain.errors import Forbidden, RateLimited, Unauthorized
from spark.runtime import Runtime
from spark.services.tokens import Grant, resolve

Handler = Callable[[Request, Grant | None], Awaitable[Response]]


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.query_params.get("access_token") or None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@functools.lru_cache(maxsize=1024)
def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


async def current_grant(request: Request) -> Grant | None:
    if "grant" not in request.state._state:
        token = bearer(request)
        request.state.grant = await resolve(runtime(request), token) if token else None
        if token and request.state.grant is None:
            raise Unauthorized("The access token is invalid")
    return request.state.grant


def rate_limit(request: Request, bucket: str, key: str | None = None) -> dict[str, str]:
    """Count one request against a named limit (keyed by `key`, else the client IP)."""
    return rate_limits(request, [(bucket, key)])


def rate_limits(request: Request, limits: list[tuple[str, str | None]]) -> dict[str, str]:
    """Count one request against several limits at once; raise 429 past any of them.

    Returns Mastodon's X-RateLimit-* headers for the limit closest to running out.
    """
    settings = runtime(request).settings
    ip = client_ip(request)
    if not settings.rate_limits_enabled or (settings.rate_limit_exempt_loopback and is_loopback(ip)):
        return {}
    tightest = None
    for bucket, key in limits:
        limit = getattr(settings, f"rate_limit_{bucket}")
        period = getattr(settings, f"rate_limit_{bucket}_period")
        window = request.app.state.rate_limiter.hit(bucket, key or f"ip:{ip}", limit, period)
        if tightest is None or window.remaining < tightest.remaining:
            tightest = window
    reset = datetime.fromtimestamp(tightest.reset_at, tz=UTC).isoformat().replace("+00:00", "Z")
    headers = {"X-RateLimit-Limit": str(tightest.limit), "X-RateLimit-Remaining": str(max(tightest.remaining, 0)),
               "X-RateLimit-Reset": reset}
    if tightest.exceeded:
        error = RateLimited(reset_in=int(tightest.reset_at - datetime.now(UTC).timestamp()) + 1)
        error.headers = headers
        raise error
    return headers


def endpoint(scope: str | None = None, *, user: bool = True, public: bool = False) -> Callable[[Handler], Callable]:
    """Wrap an API handler.

    scope: the OAuth scope the token must hold (checked only when a token is given for public routes).
    user: a token tied to a user is required (not an app-only token).
    public: the route also answers without a token (grant is None then).
    """

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            grant = await current_grant(request)
            if grant is None and not public:
                raise Unauthorized("The access token is invalid")
            if grant is not None:
                if scope and not scope_rules.allows(grant.scopes, scope):
                    raise Forbidden("This action is outside the authorized scopes")
                if user and not public and grant.user_id is None:
                    raise Unauthorized("This method requires an authenticated user")
            if grant is None:
                headers = rate_limit(request, "api")
            elif grant.user_id is None:
                headers = rate_limit(request, "api", f"token:{grant.token_id}")
            else:  # a new token does not reset the account's allowance
                headers = rate_limits(request, [("api", f"token:{grant.token_id}"),
                                                ("api_account", f"account:{grant.user_id}")])
            response = await handler(request, grant)
            if headers:
                response.headers.update(headers)
            return response

        return route

    return wrap
