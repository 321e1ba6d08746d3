"""Scheduled statuses: list, get, reschedule, cancel."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import page_params
from spark.api.presenters import iso
from spark.api.responses import json_response
from spark.domain.errors import Invalid
from spark.services import scheduled


def scheduled_json(row) -> dict:
    data = dict(row.params)
    return {
        "id": str(row.id),
        "scheduled_at": iso(row.scheduled_at),
        "params": {
            "text": data.get("text"), "poll": data.get("poll"),
            "media_ids": [str(m) for m in data.get("media_ids", [])] or None,
            "sensitive": data.get("sensitive"), "spoiler_text": data.get("spoiler_text"),
            "visibility": data.get("visibility"),
            "in_reply_to_id": str(data["in_reply_to_id"]) if data.get("in_reply_to_id") else None,
            "language": data.get("language"),
            "application_id": str(row.application_id) if row.application_id else None,
            "scheduled_at": None, "idempotency": None, "with_rate_limit": False,
        },
        "media_attachments": [],
    }


def _id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


@endpoint("read:statuses")
async def index(request, grant):
    p = await params.parse(request)
    _, _, _, limit = page_params(p, 20, 40)
    rows = await scheduled.list_for(runtime(request), grant.user_id, limit)
    return json_response([scheduled_json(r) for r in rows])


@endpoint("read:statuses")
async def show(request, grant):
    return json_response(scheduled_json(await scheduled.get(runtime(request), grant.user_id, _id(request))))


@endpoint("write:statuses")
async def reschedule(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    row = await scheduled.get(rt, grant.user_id, _id(request))
    value = p.str("scheduled_at", max_length=64)
    try:
        moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("Validation failed: scheduled_at is not a valid time") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    await scheduled.reschedule(rt, row.id, moment)
    return json_response(scheduled_json(await scheduled.get(rt, grant.user_id, row.id)))


@endpoint("write:statuses")
async def cancel(request, grant):
    await scheduled.cancel(runtime(request), grant.user_id, _id(request))
    return json_response({})


routes = [
    Route("/api/v1/scheduled_statuses", index),
    Route("/api/v1/scheduled_statuses/{id}", show, methods=["GET"]),
    Route("/api/v1/scheduled_statuses/{id}", reschedule, methods=["PUT"]),
    Route("/api/v1/scheduled_statuses/{id}", cancel, methods=["DELETE"]),
]
