"""Annual reports ("Wrapstodon"): list, show, state, generate, mark read."""

from __future__ import annotations

from starlette.routing import Route

from spark.api.auth import endpoint, runtime
from spark.api.presenters import account_json, status_json
from spark.api.responses import json_response
from spark.domain.annual_reports import parse_year
from spark.services import annual_reports


def _year(request) -> int:
    return parse_year(request.path_params["year"])


def wrapped_json(rt, wrapped: annual_reports.Wrapped, viewer_id: int) -> dict:
    """Mastodon's WrappedAnnualReports. No public page shows a report here, so `share_url` is null."""
    return {
        "annual_reports": [{"year": row.year, "account_id": str(row.account_id), "data": row.data,
                            "schema_version": row.schema_version, "share_url": None} for row in wrapped.reports],
        "accounts": [account_json(rt, row) for row in wrapped.accounts],
        "statuses": [status_json(rt, view, viewer_id) for view in wrapped.statuses],
    }


@endpoint("read:accounts")
async def index(request, grant):
    """The reports generated and not yet marked read, as Mastodon lists them."""
    rt = runtime(request)
    return json_response(wrapped_json(rt, await annual_reports.unread(rt, grant.user_id), grant.user_id))


@endpoint("read:accounts")
async def show(request, grant):
    rt = runtime(request)
    return json_response(wrapped_json(rt, await annual_reports.get(rt, grant.user_id, _year(request)), grant.user_id))


@endpoint("read:accounts")
async def state(request, grant):
    return json_response({"state": await annual_reports.state(runtime(request), grant.user_id, _year(request))})


@endpoint("write:accounts")
async def generate(request, grant):
    """Generates within the request (a few indexed counts), so the report is `available` when this
    answers; a year not open or without posts is left alone, as Mastodon does."""
    await annual_reports.generate(runtime(request), grant.user_id, _year(request))
    return json_response({})


@endpoint("write:accounts")
async def read(request, grant):
    await annual_reports.mark_read(runtime(request), grant.user_id, _year(request))
    return json_response({})


routes = [
    Route("/api/v1/annual_reports", index),
    Route("/api/v1/annual_reports/{year}", show),
    Route("/api/v1/annual_reports/{year}/state", state),
    Route("/api/v1/annual_reports/{year}/generate", generate, methods=["POST"]),
    Route("/api/v1/annual_reports/{year}/read", read, methods=["POST"]),
]
