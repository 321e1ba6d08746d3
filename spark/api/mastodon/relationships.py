"""The social graph: follow, block, mute, notes, relationships, followers/following, follow requests."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import MAX_OFFSET, link_header, page_params
from spark.api.presenters import account_json
from spark.api.responses import json_response
from spark.services import blocks, follows, relationships


def _id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


async def relationship_response(request, viewer_id: int, target_id: int | None):
    found = await relationships.relationships(runtime(request), viewer_id, [target_id or -1])
    return json_response(found[0] if found else {})


def accounts_page(request, rows) -> object:
    """Accounts paginated by the id of the row that links them (follow, block, mute, …)."""
    rt = runtime(request)
    return json_response([account_json(rt, r) for r in rows], headers=link_header(request, [r.row_id for r in rows]))


async def page_query(request, default=40, maximum=80) -> dict:
    p = await params.parse(request)
    max_id, since_id, min_id, limit = page_params(p, default, maximum)
    return {"max_id": max_id, "since_id": since_id, "min_id": min_id, "limit": limit}


@endpoint("write:follows")
async def follow(request, grant):
    p = await params.parse(request)
    await follows.follow(runtime(request), grant.user_id, _id(request), reblogs=p.bool("reblogs", None),
                         notify=p.bool("notify", None),
                         languages=follows.validate_languages(p.list("languages", max_items=50)) if "languages" in p
                         or "languages[]" in p else None)
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:follows")
async def unfollow(request, grant):
    await follows.unfollow(runtime(request), grant.user_id, _id(request))
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:follows")
async def remove_from_followers(request, grant):
    await follows.remove_from_followers(runtime(request), grant.user_id, _id(request))
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:blocks")
async def block(request, grant):
    await blocks.block(runtime(request), grant.user_id, _id(request))
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:blocks")
async def unblock(request, grant):
    await blocks.unblock(runtime(request), grant.user_id, _id(request))
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:mutes")
async def mute(request, grant):
    p = await params.parse(request)
    await blocks.mute(runtime(request), grant.user_id, _id(request), notifications=bool(p.bool("notifications", True)),
                      duration=p.int("duration", 0) or 0)
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:mutes")
async def unmute(request, grant):
    await blocks.unmute(runtime(request), grant.user_id, _id(request))
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:accounts")
async def note(request, grant):
    p = await params.parse(request)
    await blocks.set_note(runtime(request), grant.user_id, _id(request), p.str("comment", "", max_length=10_000) or "")
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("read:follows")
async def relationships_index(request, grant):
    p = await params.parse(request)
    ids = [params.Params({"x": v}).id("x") for v in p.list("id", max_items=100)]
    return json_response(await relationships.relationships(runtime(request), grant.user_id, [i for i in ids if i]))


@endpoint("read:follows")
async def familiar_followers(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    ids = [params.Params({"x": v}).id("x") for v in p.list("id", max_items=40)]
    found = await relationships.familiar_followers(rt, grant.user_id, [i for i in ids if i])
    return json_response([{"id": str(i), "accounts": [account_json(rt, a) for a in rows]} for i, rows in found])


@endpoint("read:accounts", public=True)
async def followers(request, grant):
    rows = await relationships.followers(runtime(request), grant.user_id if grant else None, _id(request),
                                         **await page_query(request))
    return accounts_page(request, rows)


@endpoint("read:accounts", public=True)
async def following(request, grant):
    rows = await relationships.following(runtime(request), grant.user_id if grant else None, _id(request),
                                         **await page_query(request))
    return accounts_page(request, rows)


@endpoint("read:blocks")
async def blocks_index(request, grant):
    return accounts_page(request, await relationships.blocked_accounts(runtime(request), grant.user_id,
                                                                       **await page_query(request)))


@endpoint("read:mutes")
async def mutes_index(request, grant):
    return accounts_page(request, await relationships.muted_accounts(runtime(request), grant.user_id,
                                                                     **await page_query(request)))


@endpoint("read:follows")
async def follow_requests(request, grant):
    page = await page_query(request)
    rows = await follows.requests_for(runtime(request), grant.user_id, max_id=page["max_id"],
                                      since_id=page["since_id"], limit=page["limit"])
    rt = runtime(request)
    return json_response([account_json(rt, r) for r in rows],
                         headers=link_header(request, [r.request_id for r in rows]))


@endpoint("write:follows")
async def authorize(request, grant):
    await follows.answer_request(runtime(request), grant.user_id, _id(request), accept=True)
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("write:follows")
async def reject(request, grant):
    await follows.answer_request(runtime(request), grant.user_id, _id(request), accept=False)
    return await relationship_response(request, grant.user_id, _id(request))


@endpoint("read:accounts")
async def search(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    rows = await relationships.search_accounts(
        rt, grant.user_id, p.str("q", "", max_length=500) or "", limit=p.int("limit", 40, minimum=1, maximum=80),
        offset=p.int("offset", 0, minimum=0, maximum=MAX_OFFSET), following_only=bool(p.bool("following")))
    return json_response([account_json(rt, r) for r in rows])


routes = [
    Route("/api/v1/accounts/relationships", relationships_index),
    Route("/api/v1/accounts/familiar_followers", familiar_followers),
    Route("/api/v1/accounts/search", search),
    Route("/api/v1/accounts/{id}/follow", follow, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unfollow", unfollow, methods=["POST"]),
    Route("/api/v1/accounts/{id}/remove_from_followers", remove_from_followers, methods=["POST"]),
    Route("/api/v1/accounts/{id}/block", block, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unblock", unblock, methods=["POST"]),
    Route("/api/v1/accounts/{id}/mute", mute, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unmute", unmute, methods=["POST"]),
    Route("/api/v1/accounts/{id}/note", note, methods=["POST"]),
    Route("/api/v1/accounts/{id}/followers", followers),
    Route("/api/v1/accounts/{id}/following", following),
    Route("/api/v1/blocks", blocks_index),
    Route("/api/v1/mutes", mutes_index),
    Route("/api/v1/follow_requests", follow_requests),
    Route("/api/v1/follow_requests/{id}/authorize", authorize, methods=["POST"]),
    Route("/api/v1/follow_requests/{id}/reject", reject, methods=["POST"]),
]
