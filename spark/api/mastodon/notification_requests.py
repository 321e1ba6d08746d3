"""Notification filtering (Mastodon 4.3+): the policy, and the requests holding what it filtered."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import link_header, page_of
from spark.api.presenters import account_json, iso, status_json
from spark.api.responses import json_response
from spark.domain.notification_policy import FIELDS
from spark.services import notification_policy, notification_requests


def policy_json(policy: dict[str, str], summary: dict[str, int]) -> dict:
    return {**policy, "summary": summary}


def request_json(rt, request: notification_requests.Request, viewer_id: int) -> dict:
    return {
        "id": str(request.row.id),
        "created_at": iso(request.row.created_at),
        "updated_at": iso(request.row.updated_at),
        "account": account_json(rt, request.account),
        "notifications_count": str(request.notifications_count),  # a string, as Mastodon sends it
        "last_status": status_json(rt, request.last_status, viewer_id) if request.last_status else None,
    }


@endpoint("read:notifications")
async def policy_show(request, grant):
    return json_response(policy_json(*await notification_policy.get(runtime(request), grant.user_id)))


@endpoint("write:notifications")
async def policy_update(request, grant):
    p = await params.parse(request)
    changes = {field: p.str(field, max_length=16) for field in FIELDS if field in p}
    return json_response(policy_json(*await notification_policy.update(runtime(request), grant.user_id, changes)))


@endpoint("read:notifications")
async def index(request, grant):
    p = await params.parse(request)
    found = await notification_requests.pending(runtime(request), grant.user_id, page_of(p, 40, 80))
    return json_response([request_json(runtime(request), r, grant.user_id) for r in found],
                         headers=link_header(request, [r.row.id for r in found]))


@endpoint("read:notifications")
async def show(request, grant):
    found = await notification_requests.get(runtime(request), grant.user_id, params.path_id(request))
    return json_response(request_json(runtime(request), found, grant.user_id))


@endpoint("write:notifications")
async def accept(request, grant):
    await notification_requests.accept_one(runtime(request), grant.user_id, params.path_id(request))
    return json_response({})


@endpoint("write:notifications")
async def dismiss(request, grant):
    await notification_requests.dismiss_one(runtime(request), grant.user_id, params.path_id(request))
    return json_response({})


@endpoint("write:notifications")
async def accept_many(request, grant):
    p = await params.parse(request)
    await notification_requests.accept(runtime(request), grant.user_id, p.ids("id", max_items=100))
    return json_response({})


@endpoint("write:notifications")
async def dismiss_many(request, grant):
    p = await params.parse(request)
    await notification_requests.dismiss(runtime(request), grant.user_id, p.ids("id", max_items=100))
    return json_response({})


@endpoint("read:notifications")
async def merged(_request, _grant):
    """Accepting merges a request's notifications in its own transaction, so nothing is ever left to merge
    (Mastodon merges in a background job, which clients poll for here)."""
    return json_response({"merged": True})


# Before notifications' /api/v1/notifications/{id} and /api/v2/notifications/{group_key}.
routes = [
    Route("/api/v2/notifications/policy", policy_show),
    Route("/api/v2/notifications/policy", policy_update, methods=["PATCH"]),
    Route("/api/v1/notifications/requests", index),
    Route("/api/v1/notifications/requests/merged", merged),
    Route("/api/v1/notifications/requests/accept", accept_many, methods=["POST"]),
    Route("/api/v1/notifications/requests/dismiss", dismiss_many, methods=["POST"]),
    Route("/api/v1/notifications/requests/{id}", show),
    Route("/api/v1/notifications/requests/{id}/accept", accept, methods=["POST"]),
    Route("/api/v1/notifications/requests/{id}/dismiss", dismiss, methods=["POST"]),
]
