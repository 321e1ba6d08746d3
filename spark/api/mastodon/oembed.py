"""oEmbed (oembed.com) for local public posts: what sites need to embed one (GET /api/oembed)."""

from __future__ import annotations

from html import escape

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.presenters import account_url, status_url
from spark.api.responses import json_response
from spark.services import embeds


@endpoint(public=True)
async def oembed(request, _grant):
    rt = runtime(request)
    p = await params.parse(request)
    view = await embeds.post_at(rt, p.str("url", "", max_length=2048) or "")
    width = p.int("maxwidth", 400, minimum=1, maximum=10_000)
    height = p.int("maxheight", None, minimum=1, maximum=10_000)
    author = view.account
    src = status_url(rt, view.row, author) + "/embed"
    size = f' width="{width}"' + (f' height="{height}"' if height else "")
    return json_response({
        "type": "rich",
        "version": "1.0",
        "title": f"New status by {author.username}",
        "author_name": author.display_name or author.username,
        "author_url": account_url(rt, author),
        "provider_name": rt.settings.domain,
        "provider_url": rt.url("/"),
        "cache_age": 86_400,
        "html": f'<iframe src="{escape(src)}" class="mastodon-embed" style="max-width: 100%; border: 0"{size}'
                f' allowfullscreen="allowfullscreen"></iframe>',
        "width": width,
        "height": height,
    })


routes = [Route("/api/oembed", oembed)]
