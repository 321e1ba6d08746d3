"""Acting on a post: favourite, reblog, bookmark, pin, mute its thread, who did so, one's own favourites and
bookmarks, quotes."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.mastodon.relationships import accounts_page
from spark.api.pagination import link_header, page_params
from spark.api.presenters import status_json
from spark.api.responses import json_response
from spark.domain.visibility import Visibility
from spark.services import conversation_mutes, interactions, quotes
from spark.services import statuses as status_service
from spark.services.paging import Page


def _id(request, name: str = "id") -> int | None:
    return params.Params(dict(request.path_params)).id(name)


async def _status(request, grant, status_id: int):
    rt = runtime(request)
    view = await status_service.get_view(rt, status_id, grant.user_id)
    return json_response(status_json(rt, view, grant.user_id))


@endpoint("write:favourites")
async def favourite(request, grant):
    return await _status(request, grant, await interactions.favourite(runtime(request), grant.user_id, _id(request)))


@endpoint("write:favourites")
async def unfavourite(request, grant):
    return await _status(request, grant, await interactions.unfavourite(runtime(request), grant.user_id, _id(request)))


@endpoint("write:statuses")
async def reblog(request, grant):
    p = await params.parse(request)
    visibility = Visibility.parse(p.str("visibility", max_length=16), Visibility.PUBLIC)
    reblog_id = await interactions.reblog(runtime(request), grant.user_id, _id(request), visibility)
    return await _status(request, grant, reblog_id)


@endpoint("write:statuses")
async def unreblog(request, grant):
    return await _status(request, grant, await interactions.unreblog(runtime(request), grant.user_id, _id(request)))


@endpoint("write:bookmarks")
async def bookmark(request, grant):
    return await _status(request, grant, await interactions.bookmark(runtime(request), grant.user_id, _id(request)))


@endpoint("write:bookmarks")
async def unbookmark(request, grant):
    status_id = await interactions.bookmark(runtime(request), grant.user_id, _id(request), on=False)
    return await _status(request, grant, status_id)


@endpoint("write:accounts")
async def pin(request, grant):
    return await _status(request, grant, await interactions.pin(runtime(request), grant.user_id, _id(request)))


@endpoint("write:accounts")
async def unpin(request, grant):
    return await _status(request, grant, await interactions.unpin(runtime(request), grant.user_id, _id(request)))


@endpoint("write:mutes")
async def mute(request, grant):
    status_id = await conversation_mutes.mute(runtime(request), grant.user_id, _id(request))
    return await _status(request, grant, status_id)


@endpoint("write:mutes")
async def unmute(request, grant):
    status_id = await conversation_mutes.unmute(runtime(request), grant.user_id, _id(request))
    return await _status(request, grant, status_id)


async def _who(request, grant, kind: str):
    p = await params.parse(request)
    max_id, since_id, _, limit = page_params(p, 40, 80)
    rows = await interactions.interacting_accounts(runtime(request), grant.user_id if grant else None, _id(request),
                                                   kind, max_id=max_id, since_id=since_id, limit=limit)
    return accounts_page(request, rows)


@endpoint("read:accounts", public=True)
async def favourited_by(request, grant):
    return await _who(request, grant, "favourite")


@endpoint("read:accounts", public=True)
async def reblogged_by(request, grant):
    return await _who(request, grant, "reblog")


async def _marked(request, grant, kind: str):
    rt = runtime(request)
    p = await params.parse(request)
    max_id, since_id, min_id, limit = page_params(p, 20, 40)
    marks = await interactions.marked_statuses(rt, grant.user_id, kind, Page(max_id, since_id, min_id, limit))
    views = {v.row.id: v for v in await status_service.get_views(rt, [s for _, s in marks], grant.user_id)}
    body = [status_json(rt, views[s], grant.user_id) for _, s in marks if s in views]
    return json_response(body, headers=link_header(request, [row_id for row_id, _ in marks]))


@endpoint("read:favourites")
async def favourites(request, grant):
    return await _marked(request, grant, "favourite")


@endpoint("read:bookmarks")
async def bookmarks(request, grant):
    return await _marked(request, grant, "bookmark")


@endpoint("read:statuses")
async def quotes_of(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    max_id, since_id, _, limit = page_params(p, 20, 40)
    ids = await quotes.quoting_ids(rt, grant.user_id, _id(request), max_id=max_id, since_id=since_id, limit=limit)
    views = await status_service.get_views(rt, ids, grant.user_id)
    return json_response([status_json(rt, v, grant.user_id) for v in views],
                         headers=link_header(request, [v.row.id for v in views]))


@endpoint("write:statuses")
async def revoke_quote(request, grant):
    quoting_id = await quotes.revoke(runtime(request), grant.user_id, _id(request), _id(request, "quoting_id"))
    return await _status(request, grant, quoting_id)


@endpoint("write:statuses")
async def interaction_policy(request, grant):
    p = await params.parse(request)
    status_id = await quotes.set_policy(runtime(request), grant.user_id, _id(request),
                                        p.str("quote_approval_policy", max_length=16))
    return await _status(request, grant, status_id)


routes = [
    Route("/api/v1/statuses/{id}/favourite", favourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unfavourite", unfavourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/reblog", reblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unreblog", unreblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/bookmark", bookmark, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unbookmark", unbookmark, methods=["POST"]),
    Route("/api/v1/statuses/{id}/pin", pin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unpin", unpin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/mute", mute, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unmute", unmute, methods=["POST"]),
    Route("/api/v1/statuses/{id}/favourited_by", favourited_by),
    Route("/api/v1/statuses/{id}/reblogged_by", reblogged_by),
    Route("/api/v1/statuses/{id}/quotes", quotes_of),
    Route("/api/v1/statuses/{id}/quotes/{quoting_id}/revoke", revoke_quote, methods=["POST"]),
    Route("/api/v1/statuses/{id}/interaction_policy", interaction_policy, methods=["PUT"]),
    Route("/api/v1/favourites", favourites),
    Route("/api/v1/bookmarks", bookmarks),
]
