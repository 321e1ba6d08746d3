"""create_app: the Starlette application with every route."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from spark.adapters.ratelimit_memory import MemoryRateLimiter
from spark.api import activitypub, oauth, streaming, wellknown
from spark.api.mastodon import (
    accounts,
    apps,
    conversations,
    filters,
    instance,
    interactions,
    lists,
    media,
    notifications,
    profile,
    relationships,
    reports,
    scheduled_statuses,
    search,
    statuses,
    timelines,
)
from spark.api.responses import http_error_handler, json_response, server_error_handler, spark_error_handler
from spark.api.web import authorize, site
from spark.config import Settings, load_settings
from spark.domain.errors import SparkError
from spark.runtime import Runtime
from spark.services.jobs import work
from spark.services.scheduler import run_periodically

STATIC = Path(__file__).parent / "web" / "static"
# Specific paths (/api/v1/accounts/relationships) come before /api/v1/accounts/{id}.
API_MODULES = [instance, apps, media, profile, relationships, timelines, accounts, statuses, interactions,
               notifications, scheduled_statuses, search, lists, filters, conversations, reports]


async def health(_request):
    return json_response("OK")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    runtime = Runtime.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app):
        # The embedded worker: `spark serve` runs queued jobs and timed work itself by default.
        tasks = [asyncio.create_task(run_periodically(runtime))]
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
        routes=routes,
        lifespan=lifespan,
        exception_handlers={SparkError: spark_error_handler, HTTPException: http_error_handler,
                            500: server_error_handler},
    )
    app.state.runtime = runtime
    app.state.rate_limiter = MemoryRateLimiter()
    return app
