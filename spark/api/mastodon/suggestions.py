"""Follow suggestions (v1: accounts; v2: accounts with why) and dismissing one."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.presenters import account_json
from spark.api.responses import json_response
from spark.services import suggestions

# The deprecated single `source` of a v2 Suggestion, from its first source (as Mastodon maps them).
LEGACY_SOURCE = {"friends_of_friends": "past_interactions", "most_followed": "global"}


async def _found(request, grant) -> list[suggestions.Suggestion]:
    p = await params.parse(request)
    limit = max(1, min(p.int("limit", 40), 80))
    return await suggestions.suggestions(runtime(request), grant.user_id, limit)


@endpoint("read:accounts")
async def index_v1(request, grant):
    rt = runtime(request)
    return json_response([account_json(rt, s.account) for s in await _found(request, grant)])


@endpoint("read:accounts")
async def index_v2(request, grant):
    rt = runtime(request)
    return json_response([{"source": LEGACY_SOURCE[s.sources[0]], "sources": s.sources,
                           "account": account_json(rt, s.account)} for s in await _found(request, grant)])


@endpoint("read:accounts")  # Mastodon asks `read` here too
async def dismiss(request, grant):
    await suggestions.dismiss(runtime(request), grant.user_id, params.path_id(request, "account_id"))
    return json_response({})


routes = [
    Route("/api/v1/suggestions", index_v1),
    Route("/api/v2/suggestions", index_v2),
    Route("/api/v1/suggestions/{account_id}", dismiss, methods=["DELETE"]),
]
