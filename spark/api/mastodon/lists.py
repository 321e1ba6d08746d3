"""Lists: CRUD, members, and the lists an account is on."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.mastodon.relationships import accounts_page
from spark.api.pagination import page_params
from spark.api.responses import json_response
from spark.services import lists


def list_json(row) -> dict:
    return {"id": str(row.id), "title": row.title, "replies_policy": row.replies_policy,
            "exclusive": bool(row.exclusive)}


def _id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


@endpoint("read:lists")
async def index(request, grant):
    return json_response([list_json(r) for r in await lists.all_lists(runtime(request), grant.user_id)])


@endpoint("write:lists")
async def create(request, grant):
    p = await params.parse(request)
    row = await lists.create(runtime(request), grant.user_id, p.str("title", max_length=1000),
                             p.str("replies_policy", max_length=16), bool(p.bool("exclusive")))
    return json_response(list_json(row))


@endpoint("read:lists")
async def show(request, grant):
    return json_response(list_json(await lists.get(runtime(request), grant.user_id, _id(request))))


@endpoint("write:lists")
async def update(request, grant):
    p = await params.parse(request)
    row = await lists.update_list(runtime(request), grant.user_id, _id(request),
                                  title=p.str("title", max_length=1000),
                                  replies_policy=p.str("replies_policy", max_length=16),
                                  exclusive=p.bool("exclusive", None))
    return json_response(list_json(row))


@endpoint("write:lists")
async def destroy(request, grant):
    await lists.delete_list(runtime(request), grant.user_id, _id(request))
    return json_response({})


@endpoint("read:lists")
async def members(request, grant):
    p = await params.parse(request)
    max_id, since_id, _, limit = page_params(p, 40, 80)
    if p.int("limit") == 0:
        limit = 10_000  # Mastodon: limit=0 returns every member
    rows = await lists.members(runtime(request), grant.user_id, _id(request), max_id=max_id, since_id=since_id,
                               limit=limit)
    return accounts_page(request, rows)


@endpoint("write:lists")
async def add_members(request, grant):
    p = await params.parse(request)
    await lists.add_members(runtime(request), grant.user_id, _id(request), p.ids("account_ids", max_items=250))
    return json_response({})


@endpoint("write:lists")
async def remove_members(request, grant):
    p = await params.parse(request)
    await lists.remove_members(runtime(request), grant.user_id, _id(request), p.ids("account_ids", max_items=250))
    return json_response({})


@endpoint("read:lists")
async def account_lists(request, grant):
    rows = await lists.lists_containing(runtime(request), grant.user_id, _id(request))
    return json_response([list_json(r) for r in rows])


routes = [
    Route("/api/v1/lists", index),
    Route("/api/v1/lists", create, methods=["POST"]),
    Route("/api/v1/lists/{id}", show),
    Route("/api/v1/lists/{id}", update, methods=["PUT"]),
    Route("/api/v1/lists/{id}", destroy, methods=["DELETE"]),
    Route("/api/v1/lists/{id}/accounts", members),
    Route("/api/v1/lists/{id}/accounts", add_members, methods=["POST"]),
    Route("/api/v1/lists/{id}/accounts", remove_members, methods=["DELETE"]),
    Route("/api/v1/accounts/{id}/lists", account_lists),
]
