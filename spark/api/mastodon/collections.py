"""Collections (Mastodon 4.6, API version 10): create, change, delete, show; an account's collections and
those it is featured in; add, remove and revoke items. Lists are paged by `offset`, as Mastodon does."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import offset_link_header, offset_params
from spark.api.presenters import account_json, iso_date, tag_url
from spark.api.responses import json_response
from spark.domain.errors import Invalid
from spark.services import collections
from spark.services.collections import Changes, Collection


def item_json(item) -> dict:
    return {"id": str(item.id), "account_id": str(item.account_id), "state": item.state,
            "created_at": iso_date(item.created_at)}


def collection_json(rt, found: Collection) -> dict:
    row = found.row
    return {
        "id": str(row.id), "account_id": str(row.account_id),
        "uri": rt.url(f"/users/{found.owner.username}/collections/{row.id}"), "url": None,
        "name": row.name, "description": row.description, "language": row.language, "local": True,
        "sensitive": bool(row.sensitive), "discoverable": bool(row.discoverable),
        "tag": {"name": found.tag_name, "url": tag_url(rt, found.tag_name.lower())} if found.tag_name else None,
        "item_count": len(found.items), "items": [item_json(item) for item in found.items],
        "created_at": iso_date(row.created_at), "updated_at": iso_date(row.updated_at),
    }


def _changes(p: params.Params) -> Changes:
    return Changes(name=p.str("name", max_length=1000), description=p.str("description", max_length=1000),
                   language=p.str("language", max_length=16), sensitive=p.bool("sensitive", None),
                   discoverable=p.bool("discoverable", None), tag_name=p.str("tag_name", max_length=200))


async def _listed(request, lister, viewer_id: int | None):
    p = await params.parse(request)
    offset, limit = offset_params(p, 40, 80)
    rt = runtime(request)
    found = await lister(rt, viewer_id, params.path_id(request), offset=offset, limit=limit)
    return json_response({"collections": [collection_json(rt, c) for c in found]},
                         headers=offset_link_header(request, offset, limit, len(found)))


@endpoint("read:collections", public=True)
async def of_account(request, grant):
    return await _listed(request, collections.of_account, grant.user_id if grant else None)


@endpoint("read:collections")
async def featuring(request, grant):
    return await _listed(request, collections.featuring, grant.user_id)


@endpoint("read:collections", public=True)
async def show(request, grant):
    rt = runtime(request)
    found = await collections.get(rt, grant.user_id if grant else None, params.path_id(request))
    return json_response({"collection": collection_json(rt, found),
                          "accounts": [account_json(rt, a) for a in found.accounts.values()]})


@endpoint("write:collections")
async def create(request, grant):
    p = await params.parse(request)
    rt = runtime(request)
    found = await collections.create(rt, grant.user_id, _changes(p),
                                     p.ids("account_ids", max_items=100))
    return json_response({"collection": collection_json(rt, found)})


@endpoint("write:collections")
async def change(request, grant):
    p = await params.parse(request)
    rt = runtime(request)
    found = await collections.change(rt, grant.user_id, params.path_id(request), _changes(p))
    return json_response({"collection": collection_json(rt, found)})


@endpoint("write:collections")
async def destroy(request, grant):
    await collections.remove(runtime(request), grant.user_id, params.path_id(request))
    return json_response({})


@endpoint("write:collections")
async def add_item(request, grant):
    account_id = (await params.parse(request)).id("account_id")
    if account_id is None:
        raise Invalid("`account_id` parameter is missing")
    item = await collections.add(runtime(request), grant.user_id, params.path_id(request, "collection_id"),
                                 account_id)
    return json_response({"collection_item": item_json(item)})


@endpoint("write:collections")
async def remove_item(request, grant):
    await collections.remove_item(runtime(request), grant.user_id, params.path_id(request, "collection_id"),
                                  params.path_id(request))
    return json_response({})


@endpoint("write:collections")
async def revoke(request, grant):
    await collections.revoke(runtime(request), grant.user_id, params.path_id(request, "collection_id"),
                             params.path_id(request))
    return json_response({})


routes = [
    Route("/api/v1/collections", create, methods=["POST"]),
    Route("/api/v1/collections/{id}", show),
    Route("/api/v1/collections/{id}", change, methods=["PATCH"]),
    Route("/api/v1/collections/{id}", destroy, methods=["DELETE"]),
    Route("/api/v1/collections/{collection_id}/items", add_item, methods=["POST"]),
    Route("/api/v1/collections/{collection_id}/items/{id}", remove_item, methods=["DELETE"]),
    Route("/api/v1/collections/{collection_id}/items/{id}/revoke", revoke, methods=["POST"]),
    Route("/api/v1/accounts/{id}/collections", of_account),
    Route("/api/v1/accounts/{id}/in_collections", featuring),
]
