"""Featured hashtags on profiles: one's own (list, add, remove, suggestions) and any account's."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.presenters import account_url, iso_date, tag_json
from spark.api.responses import json_response
from spark.services import featured_tags


def featured_tag_json(rt, featured: featured_tags.FeaturedTag) -> dict:
    return {"id": str(featured.id), "name": featured.name,
            "url": f"{account_url(rt, featured.account)}/tagged/{featured.name.lower()}",
            "statuses_count": str(featured.statuses_count), "last_status_at": iso_date(featured.last_status_at)}


def _featured(request, found: list) -> object:
    rt = runtime(request)
    return json_response([featured_tag_json(rt, f) for f in found])


@endpoint("read:accounts")
async def index(request, grant):
    return _featured(request, await featured_tags.of_account(runtime(request), grant.user_id))


@endpoint("write:accounts")
async def create(request, grant):
    p = await params.parse(request)
    created = await featured_tags.create(runtime(request), grant.user_id, p.str("name", max_length=200))
    return json_response(featured_tag_json(runtime(request), created))


@endpoint("write:accounts")
async def destroy(request, grant):
    await featured_tags.remove(runtime(request), grant.user_id, params.path_id(request))
    return json_response({})


@endpoint("read:accounts")
async def suggestions(request, grant):
    rt = runtime(request)
    return json_response([tag_json(rt, v) for v in await featured_tags.suggestions(rt, grant.user_id)])


@endpoint("read:accounts", public=True)
async def of_account(request, grant):
    return _featured(request, await featured_tags.of_account(runtime(request), params.path_id(request)))


routes = [
    Route("/api/v1/featured_tags", index),
    Route("/api/v1/featured_tags", create, methods=["POST"]),
    Route("/api/v1/featured_tags/suggestions", suggestions),
    Route("/api/v1/featured_tags/{id}", destroy, methods=["DELETE"]),
    Route("/api/v1/accounts/{id}/featured_tags", of_account),
]
