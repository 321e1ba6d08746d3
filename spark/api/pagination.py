"""Mastodon's Link-header pagination: max_id, since_id, min_id and limit."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from spark.api.params import Params
from spark.services.paging import Page

MAX_OFFSET = 10_000  # `offset` paging past this is refused (422), not passed to the database


def page_params(p: Params, default: int = 20, maximum: int = 40) -> tuple[int | None, int | None, int | None, int]:
    """(max_id, since_id, min_id, limit); an out-of-range limit is clamped as Mastodon does."""
    limit = p.int("limit", default)
    limit = max(1, min(limit, maximum))
    return p.id("max_id"), p.id("since_id"), p.id("min_id"), limit


def page_of(p: Params, default: int = 20, maximum: int = 40) -> Page:
    """`page_params` as the Page the services take."""
    return Page(*page_params(p, default, maximum))


def offset_params(p: Params, default: int, maximum: int) -> tuple[int, int]:
    """(offset, limit) for lists paged by `offset`: the limit is clamped as Mastodon does, an offset out
    of range refused."""
    return p.int("offset", 0, minimum=0, maximum=MAX_OFFSET), max(1, min(p.int("limit", default), maximum))


def _base_and_kept(request: Request, paging: tuple[str, ...]) -> tuple[str, list[tuple[str, str]]]:
    """The page's absolute URL without its query, and the query parameters other than `paging`."""
    path = request.scope["path"]
    if "?" in path or "#" in path or "\\" in path:
        path = request.url.path  # escapes those; building it costs more than the rest of this
    keep = [(k, v) for k, v in request.query_params.multi_items() if k not in paging]
    return request.app.state.runtime.url(path), keep


def link_header(request: Request, ids: list[int]) -> dict[str, str]:
    """`Link: <…max_id=LAST>; rel="next", <…min_id=FIRST>; rel="prev"` for a page of ids (newest first)."""
    if not ids:
        return {}
    base, keep = _base_and_kept(request, ("max_id", "since_id", "min_id"))
    next_url = f"{base}?{urlencode(keep + [('max_id', str(ids[-1]))])}"
    prev_url = f"{base}?{urlencode(keep + [('min_id', str(ids[0]))])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}


def offset_link_header(request: Request, offset: int, limit: int, count: int) -> dict[str, str]:
    """Links for lists paged by `offset` (trends): `next` after a full page, `prev` past the first."""
    base, keep = _base_and_kept(request, ("offset",))
    links = []
    if count >= limit:
        links.append(f'<{base}?{urlencode(keep + [("offset", str(offset + limit))])}>; rel="next"')
    if offset > 0:
        links.append(f'<{base}?{urlencode(keep + [("offset", str(max(offset - limit, 0)))])}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}
