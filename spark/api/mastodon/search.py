"""Search v2."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import offset_params
from spark.api.presenters import account_json, status_json, tag_json
from spark.api.responses import json_response
from spark.domain.errors import Unauthorized
from spark.services import search as search_service


@endpoint("read:search", public=True)
async def search(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    viewer = grant.user_id if grant else None
    if viewer is None and (p.bool("resolve") or p.int("offset", 0)):
        raise Unauthorized("Search queries that resolve remote resources or use offset require a signed-in user")
    offset, limit = offset_params(p, 20, 40)
    query = search_service.Query(
        text=p.str("q", "", max_length=512) or "", type=p.str("type", max_length=16) or None, limit=limit, offset=offset,
        account_id=p.id("account_id"), following=bool(p.bool("following")), max_id=p.id("max_id"),
        min_id=p.id("min_id"), resolve=bool(p.bool("resolve")))
    found = await search_service.search(rt, viewer, query)
    return json_response({
        "accounts": [account_json(rt, a) for a in found.accounts],
        "statuses": [status_json(rt, v, viewer) for v in found.statuses],
        "hashtags": [tag_json(rt, view) for view in found.hashtags],
    })


routes = [
    Route("/api/v2/search", search),
]
