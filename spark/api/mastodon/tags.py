"""Hashtags: show one, follow and unfollow, the followed list, and featuring one on one's profile."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import link_header, page_of
from spark.api.presenters import tag_json
from spark.api.responses import json_response
from spark.services import featured_tags, tags


def _tag(request, view):
    return json_response(tag_json(runtime(request), view))


@endpoint(public=True)  # Mastodon asks no scope of a token here
async def show(request, grant):
    return _tag(request, await tags.tag(runtime(request), grant.user_id if grant else None,
                                        request.path_params["name"]))


@endpoint("write:follows")
async def follow(request, grant):
    return _tag(request, await tags.follow(runtime(request), grant.user_id, request.path_params["name"]))


@endpoint("write:follows")
async def unfollow(request, grant):
    return _tag(request, await tags.unfollow(runtime(request), grant.user_id, request.path_params["name"]))


@endpoint("read:follows")
async def followed(request, grant):
    rt = runtime(request)
    found = await tags.followed(rt, grant.user_id, page_of(await params.parse(request), 100, 200))
    return json_response([tag_json(rt, view) for _, view in found],
                         headers=link_header(request, [row_id for row_id, _ in found]))


@endpoint("write:accounts")
async def feature(request, grant):
    return _tag(request, await featured_tags.feature(runtime(request), grant.user_id, request.path_params["name"]))


@endpoint("write:accounts")
async def unfeature(request, grant):
    return _tag(request, await featured_tags.unfeature(runtime(request), grant.user_id, request.path_params["name"]))


routes = [
    Route("/api/v1/followed_tags", followed),
    Route("/api/v1/tags/{name}", show),
    Route("/api/v1/tags/{name}/follow", follow, methods=["POST"]),
    Route("/api/v1/tags/{name}/unfollow", unfollow, methods=["POST"]),
    # Mastodon 4.4 names the tag `:id` here, but it is the tag's name, as in the routes above.
    Route("/api/v1/tags/{name}/feature", feature, methods=["POST"]),
    Route("/api/v1/tags/{name}/unfeature", unfeature, methods=["POST"]),
]
