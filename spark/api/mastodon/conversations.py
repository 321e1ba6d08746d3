"""Conversations: GET /api/v1/conversations, DELETE /api/v1/conversations/:id, POST …/:id/read."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import link_header, page_params
from spark.api.presenters import account_json, status_json
from spark.api.responses import json_response
from spark.services import conversations
from spark.services.paging import Page


def conversation_json(rt, item: conversations.Conversation, viewer_id: int) -> dict:
    return {
        "id": str(item.row.id),
        "unread": bool(item.row.unread),
        "accounts": [account_json(rt, a) for a in item.accounts],
        "last_status": status_json(rt, item.last_status, viewer_id) if item.last_status else None,
    }


def _id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


@endpoint("read:statuses")
async def index(request, grant):
    rt = runtime(request)
    max_id, since_id, min_id, limit = page_params(await params.parse(request), 20, 40)
    items = await conversations.page(rt, grant.user_id, Page(max_id, since_id, min_id, limit))
    return json_response([conversation_json(rt, c, grant.user_id) for c in items],
                         headers=link_header(request, [c.row.last_status_id for c in items]))


@endpoint("write:conversations")
async def remove(request, grant):
    await conversations.remove(runtime(request), grant.user_id, _id(request))
    return json_response({})


@endpoint("write:conversations")
async def read(request, grant):
    rt = runtime(request)
    return json_response(conversation_json(rt, await conversations.mark_read(rt, grant.user_id, _id(request)),
                                           grant.user_id))


routes = [
    Route("/api/v1/conversations", index),
    Route("/api/v1/conversations/{id}", remove, methods=["DELETE"]),
    Route("/api/v1/conversations/{id}/read", read, methods=["POST"]),
]
