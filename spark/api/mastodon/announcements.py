"""Announcements: the list, dismissing one, and emoji reactions."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.presenters import iso, tag_url
from spark.api.responses import json_response
from spark.services import announcements


def reaction_json(rt, reaction: announcements.Reaction) -> dict:
    out = {"name": reaction.name, "count": reaction.count, "me": reaction.me}
    if reaction.emoji is not None:
        url = reaction.emoji.remote_url or rt.media.url(reaction.emoji.image_key)
        out.update(url=url, static_url=url)
    return out


def announcement_json(rt, item: announcements.Announcement) -> dict:
    row = item.row
    return {
        "id": str(row.id),
        "content": row.content,
        "starts_at": iso(row.starts_at) if row.starts_at else None,
        "ends_at": iso(row.ends_at) if row.ends_at else None,
        "all_day": row.all_day,
        "published_at": iso(row.published_at),
        "updated_at": iso(row.updated_at),
        "read": item.read,
        "mentions": [],  # announcements link no accounts or posts: Spark renders mentions in them as text
        "statuses": [],
        "tags": [{"name": name, "url": tag_url(rt, name)} for name in item.tags],
        "emojis": [],
        "reactions": [reaction_json(rt, r) for r in item.reactions],
    }


def _target(request) -> tuple[int | None, str]:
    return params.path_id(request), request.path_params.get("name", "")


@endpoint("read")
async def index(request, grant):
    rt = runtime(request)
    return json_response([announcement_json(rt, a) for a in await announcements.current(rt, grant.user_id)])


@endpoint("write:accounts")
async def dismiss(request, grant):
    await announcements.dismiss(runtime(request), grant.user_id, _target(request)[0])
    return json_response({})


@endpoint("write:favourites")
async def react(request, grant):
    await announcements.react(runtime(request), grant.user_id, *_target(request))
    return json_response({})


@endpoint("write:favourites")
async def unreact(request, grant):
    await announcements.unreact(runtime(request), grant.user_id, *_target(request))
    return json_response({})


routes = [
    Route("/api/v1/announcements", index),
    Route("/api/v1/announcements/{id}/dismiss", dismiss, methods=["POST"]),
    Route("/api/v1/announcements/{id}/reactions/{name}", react, methods=["PUT"]),
    Route("/api/v1/announcements/{id}/reactions/{name}", unreact, methods=["DELETE"]),
]
