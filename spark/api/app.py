"""create_app: the Starlette application with every route."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route
from starlette.staticfiles import StaticFiles

from spark.adapters.ratelimit_memory import MemoryRateLimiter
from spark.api import activitypub, oauth, streaming, wellknown
from spark.api.keepalive import KeepAliveLimit
from spark.api.mastodon import (
    accounts,
    announcements,
    annual_reports,
    apps,
    collections,
    conversations,
    directory,
    domain_blocks,
    emails,
    endorsements,
    featured_tags,
    filters,
    instance,
    interactions,
    lists,
    media,
    notification_requests,
    notifications,
    oembed,
    profile,
    push,
    relationships,
    reports,
    scheduled_statuses,
    search,
    statuses,
    suggestions,
    tags,
    timelines,
    trends,
)
from spark.api.responses import http_error_handler, json_response, server_error_handler, spark_error_handler
from spark.api.web import authorize, site
from spark.collector import Collector
from spark.config import Settings, load_settings
from spark.domain.errors import SparkError
from spark.runtime import Runtime
from spark.services import timelines as timelines_service
from spark.services.jobs import work
from spark.services.scheduler import run_periodically

STATIC = Path(__file__).parent / "web" / "static"
# Specific paths (/api/v1/accounts/relationships) come before /api/v1/accounts/{id}.
API_MODULES = [instance, apps, media, profile, relationships, timelines, accounts, statuses, interactions,
               notification_requests, notifications, scheduled_statuses, search, lists, filters, conversations,
               reports, push, tags, featured_tags, trends, suggestions, directory, endorsements, domain_blocks,
               oembed, announcements, annual_reports, emails, collections]


async def health(_request):
    return json_response("OK")


class ExactPaths(BaseRoute):
    """Put first in a route list: sends a request for a path without parameters straight to the route
    an in-order scan of the list would pick (Starlette tries each route's pattern in turn, which for
    ~150 routes costs more than the rest of a small request). Anything else falls through to the scan."""

    def __init__(self, routes: list[BaseRoute]):
        self.table: dict[tuple[str, str], Route] = {}
        for route in routes:
            if not isinstance(route, Route) or route.param_convertors or not route.methods:
                continue
            for method in route.methods:
                probe = {"type": "http", "path": route.path, "root_path": "", "method": method}
                first = next((r for r in routes if r.matches(probe)[0] is Match.FULL), None)
                if first is route:
                    self.table[(method, route.path)] = route

    def matches(self, scope):
        if scope["type"] == "http" and not scope.get("root_path"):
            route = self.table.get((scope["method"], scope["path"]))
            if route is not None:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    return Match.FULL, {**child_scope, "route": route}
        return Match.NONE, {}

    async def handle(self, scope, receive, send):
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params):
        raise NoMatchFound(name, path_params)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    runtime = Runtime.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app):
        # The embedded worker: `spark serve` runs queued jobs and timed work itself by default.
        await timelines_service.watch_rules(runtime)
        tasks = [asyncio.create_task(run_periodically(runtime)), asyncio.create_task(Collector().run())]
        if settings.embedded_worker:
            tasks.append(asyncio.create_task(work(runtime)))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runtime.close()

    routes = [Route("/health", health), *wellknown.routes, *activitypub.routes, *streaming.routes, *oauth.routes,
              *authorize.routes, *site.routes]
    for module in API_MODULES:
        routes.extend(module.routes)
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    routes.append(Mount("/media", StaticFiles(directory=settings.media_dir, check_dir=False), name="media"))
    settings.media_dir.mkdir(parents=True, exist_ok=True)

    app = Starlette(
        routes=[ExactPaths(routes), *routes],
        lifespan=lifespan,
        # Behind a trusted proxy the client address is the user's, not the connection's: the proxy's own
        # limit (nginx's keepalive_requests) spreads its connections instead.
        middleware=[Middleware(KeepAliveLimit, every=0 if settings.trusted_proxies else settings.keepalive_requests)],
        exception_handlers={SparkError: spark_error_handler, HTTPException: http_error_handler,
                            500: server_error_handler},
    )
    app.state.runtime = runtime
    app.state.rate_limiter = MemoryRateLimiter()
    return app
