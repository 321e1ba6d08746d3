"""Mastodon's Link-header pagination: max_id, since_id, min_id and limit."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from spark.api.params import Params

MAX_OFFSET = 10_000  # `offset` paging past this is refused (422), not passed to the database


def page_params(p: Params, default: int = 20, maximum: int = 40) -> tuple[int | None, int | None, int | None, int]:
    """(max_id, since_id, min_id, limit); an out-of-range limit is clamped as Mastodon does."""
    limit = p.int("limit", default)
    limit = max(1, min(limit, maximum))
    return p.id("max_id"), p.id("since_id"), p.id("min_id"), limit


def link_header(request: Request, ids: list[int]) -> dict[str, str]:
    """`Link: <…max_id=LAST>; rel="next", <…min_id=FIRST>; rel="prev"` for a page of ids (newest first)."""
    if not ids:
        return {}
    rt = request.app.state.runtime
    path = request.scope["path"]
    if "?" in path or "#" in path or "\\" in path:
        path = request.url.path  # escapes those; building it costs more than the rest of this
    base = rt.url(path)
    keep = [(k, v) for k, v in request.query_params.multi_items()
            if k not in ("max_id", "since_id", "min_id")]
    next_url = f"{base}?{urlencode(keep + [('max_id', str(ids[-1]))])}"
    prev_url = f"{base}?{urlencode(keep + [('min_id', str(ids[0]))])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}



def offset_link_header(request: Request, offset: int, limit: int, count: int) -> dict[str, str]:
    """Links for lists paged by `offset` (trends): `next` after a full page, `prev` past the first."""
    rt = request.app.state.runtime
    base = rt.url(request.url.path)
    keep = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    links = []
    if count >= limit:
        links.append(f'<{base}?{urlencode(keep + [("offset", str(offset + limit))])}>; rel="next"')
    if offset > 0:
        links.append(f'<{base}?{urlencode(keep + [("offset", str(max(offset - limit, 0)))])}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}
