"""Featured accounts: endorse (and the older pin) / unendorse, one's own list and an account's."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.mastodon.relationships import accounts_page
from spark.api.pagination import page_params
from spark.api.responses import json_response
from spark.services import endorsements, relationships


def _id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


async def _page(request) -> dict:
    max_id, since_id, min_id, limit = page_params(await params.parse(request), 40, 80)
    return {"max_id": max_id, "since_id": since_id, "min_id": min_id, "limit": limit}


async def _relationship(request, viewer_id: int, target_id: int):
    return json_response((await relationships.relationships(runtime(request), viewer_id, [target_id]))[0])


@endpoint("write:accounts")
async def endorse(request, grant):
    await endorsements.endorse(runtime(request), grant.user_id, _id(request))
    return await _relationship(request, grant.user_id, _id(request))


@endpoint("write:accounts")
async def unendorse(request, grant):
    await endorsements.unendorse(runtime(request), grant.user_id, _id(request))
    return await _relationship(request, grant.user_id, _id(request))


@endpoint("read:accounts")
async def mine(request, grant):
    return accounts_page(request, await endorsements.endorsed(runtime(request), grant.user_id, grant.user_id,
                                                              **await _page(request)))


@endpoint("read:accounts", public=True)
async def of_account(request, grant):
    rows = await endorsements.endorsed(runtime(request), grant.user_id if grant else None, _id(request),
                                       **await _page(request))
    return accounts_page(request, rows)


routes = [
    Route("/api/v1/endorsements", mine),
    Route("/api/v1/accounts/{id}/endorsements", of_account),
    Route("/api/v1/accounts/{id}/endorse", endorse, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unendorse", unendorse, methods=["POST"]),
    # Mastodon before 4.4 (still answered by it, and used by clients written for it).
    Route("/api/v1/accounts/{id}/pin", endorse, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unpin", unendorse, methods=["POST"]),
]
