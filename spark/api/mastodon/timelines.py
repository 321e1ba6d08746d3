"""Timelines: home, public, tag, list, link, direct, and GET /api/v1/accounts/:id/statuses."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import link_header, page_of
from spark.api.presenters import statuses_fragment
from spark.api.responses import json_response
from spark.services import conversations, timelines, trends
from spark.services.paging import Page


async def _page(request) -> tuple[params.Params, Page]:
    p = await params.parse(request)
    return p, page_of(p, 20, 40)


def _present(request, views, viewer):
    rt = runtime(request)
    return json_response(statuses_fragment(rt, views, viewer),
                         headers=link_header(request, [v.row.id for v in views]))


@endpoint("read:statuses")
async def home(request, grant):
    _, page = await _page(request)
    return _present(request, await timelines.home(runtime(request), grant.user_id, page), grant.user_id)


@endpoint("read:statuses", public=True)
async def public(request, grant):
    p, page = await _page(request)
    viewer = grant.user_id if grant else None
    views = await timelines.public(runtime(request), viewer, page, local=bool(p.bool("local")),
                                   remote=bool(p.bool("remote")), only_media=bool(p.bool("only_media")))
    return _present(request, views, viewer)


@endpoint("read:statuses", public=True)
async def tag(request, grant):
    p, page = await _page(request)
    viewer = grant.user_id if grant else None
    views = await timelines.tag(
        runtime(request), viewer, request.path_params["hashtag"], page, local=bool(p.bool("local")),
        remote=bool(p.bool("remote")), only_media=bool(p.bool("only_media")),
        any_tags=[str(x) for x in p.list("any", max_items=10)], all_tags=[str(x) for x in p.list("all", max_items=10)],
        none_tags=[str(x) for x in p.list("none", max_items=10)])
    return _present(request, views, viewer)


@endpoint("read:statuses", public=True)
async def link(request, grant):
    p, page = await _page(request)
    viewer = grant.user_id if grant else None
    views = await trends.link_timeline(runtime(request), viewer, p.str("url", "", max_length=2048), page,
                                       local=bool(p.bool("local")))
    return _present(request, views, viewer)


@endpoint("read:lists")
async def list_timeline(request, grant):
    _, page = await _page(request)
    list_id = params.Params(dict(request.path_params)).id("id")
    return _present(request, await timelines.list_timeline(runtime(request), grant.user_id, list_id, page),
                    grant.user_id)


@endpoint("read:statuses")
async def direct(request, grant):
    _, page = await _page(request)
    return _present(request, await conversations.direct_timeline(runtime(request), grant.user_id, page),
                    grant.user_id)


@endpoint("read:statuses", public=True)
async def account_statuses(request, grant):
    p, page = await _page(request)
    viewer = grant.user_id if grant else None
    views = await timelines.account_statuses(
        runtime(request), viewer, params.Params(dict(request.path_params)).id("id"), page,
        only_media=bool(p.bool("only_media")), exclude_replies=bool(p.bool("exclude_replies")),
        exclude_reblogs=bool(p.bool("exclude_reblogs")), pinned=bool(p.bool("pinned")),
        tagged=p.str("tagged", max_length=128))
    return _present(request, views, viewer)


routes = [
    Route("/api/v1/timelines/home", home),
    Route("/api/v1/timelines/public", public),
    Route("/api/v1/timelines/tag/{hashtag}", tag),
    Route("/api/v1/timelines/list/{id}", list_timeline),
    Route("/api/v1/timelines/link", link),
    Route("/api/v1/timelines/direct", direct),
    Route("/api/v1/accounts/{id}/statuses", account_statuses),
]
