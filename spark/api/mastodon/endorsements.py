"""Featured accounts: endorse (and the older pin) / unendorse, one's own list and an account's."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.mastodon.relationships import accounts_page, page_query, relationship_response
from spark.services import endorsements


@endpoint("write:accounts")
async def endorse(request, grant):
    target = params.path_id(request)
    await endorsements.endorse(runtime(request), grant.user_id, target)
    return await relationship_response(request, grant.user_id, target)


@endpoint("write:accounts")
async def unendorse(request, grant):
    target = params.path_id(request)
    await endorsements.unendorse(runtime(request), grant.user_id, target)
    return await relationship_response(request, grant.user_id, target)


@endpoint("read:accounts")
async def mine(request, grant):
    return accounts_page(request, await endorsements.endorsed(runtime(request), grant.user_id, grant.user_id,
                                                              **await page_query(request)))


@endpoint("read:accounts", public=True)
async def of_account(request, grant):
    rows = await endorsements.endorsed(runtime(request), grant.user_id if grant else None, params.path_id(request),
                                       **await page_query(request))
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
