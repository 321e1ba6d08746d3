"""Trends for Explore tabs: hashtags, posts and links, paged by offset as on Mastodon."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import offset_link_header, offset_params
from spark.api.presenters import statuses_json, tag_json
from spark.api.responses import json_response
from spark.services import trends


def trend_link_json(link: trends.TrendingLink) -> dict:
    """A PreviewCard with its history. Spark fetches no previews, so all a card says is the link itself:
    its address as title and its host as provider, with no description, image or author."""
    parts = urlsplit(link.url)
    title = (parts.netloc + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else ""))
    return {"url": link.url, "title": title, "description": "", "type": "link", "author_name": "", "author_url": "",
            "authors": [], "provider_name": parts.netloc, "provider_url": f"{parts.scheme}://{parts.netloc}",
            "html": "", "width": 0, "height": 0, "image": None, "image_description": "", "embed_url": "",
            "blurhash": None, "published_at": None, "language": None, "history": link.history}


async def _window(request, default: int, maximum: int) -> tuple[int, int]:
    return offset_params(await params.parse(request), default, maximum)


def _page(request, items: list, offset: int, limit: int):
    return json_response(items, headers=offset_link_header(request, offset, limit, len(items)))


@endpoint(public=True)
async def tags(request, grant):
    offset, limit = await _window(request, 10, 20)
    rt = runtime(request)
    found = await trends.trending_tags(rt, grant.user_id if grant else None, offset=offset, limit=limit)
    return _page(request, [tag_json(rt, view) for view in found], offset, limit)


@endpoint(public=True)
async def statuses(request, grant):
    offset, limit = await _window(request, 20, 40)
    rt = runtime(request)
    viewer = grant.user_id if grant else None
    found = await trends.trending_statuses(rt, viewer, offset=offset, limit=limit)
    return _page(request, statuses_json(rt, found, viewer), offset, limit)


@endpoint(public=True)
async def links(request, grant):
    offset, limit = await _window(request, 10, 20)
    found = await trends.trending_links(runtime(request), offset=offset, limit=limit)
    return _page(request, [trend_link_json(link) for link in found], offset, limit)


routes = [
    Route("/api/v1/trends", tags),  # the name before Mastodon 3.5, still served
    Route("/api/v1/trends/tags", tags),
    Route("/api/v1/trends/statuses", statuses),
    Route("/api/v1/trends/links", links),
]
