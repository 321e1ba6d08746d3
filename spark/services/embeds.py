"""Posts shown on other sites (oEmbed and the embed page): local originals anyone may read."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from spark.domain.errors import NotFound
from spark.runtime import Runtime
from spark.services import statuses
from spark.services.views import StatusView

# A post's web address and its ActivityPub id, the two forms of a local post URL Mastodon recognises.
_POST_PATHS = (re.compile(r"/@(?P<name>[A-Za-z0-9_]+)/(?P<id>\d{1,19})/?"),
               re.compile(r"/users/(?P<name>[A-Za-z0-9_]+)/statuses/(?P<id>\d{1,19})/?"))


async def post(rt: Runtime, name: str, status_id: int) -> StatusView:
    """The public or unlisted local original by `name` with that id; anything else is NotFound."""
    view = await statuses.get_view(rt, status_id, None)
    if view.reblog is not None or not view.row.local or view.account.username.lower() != name.lower():
        raise NotFound()
    return view


async def post_at(rt: Runtime, url: str) -> StatusView:
    """The post at a URL of this server (see `post`)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != rt.settings.domain.lower():
        raise NotFound()
    for pattern in _POST_PATHS:
        found = pattern.fullmatch(parts.path)
        if found:
            return await post(rt, found["name"], int(found["id"]))
    raise NotFound()
