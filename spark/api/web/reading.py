"""Signed-in reading pages: home (live), local and federated timelines, notifications, bookmarks,
likes, search, and the post fragment the home page's script fetches for each live update."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import runtime
from spark.api.presenters import account_json, iso, status_json, statuses_json
from spark.api.web.pages import STREAM_COOKIE, csrf_token, fragment, page, render, set_cookie
from spark.api.web.public import PAGE_SIZE, older_link, page_of
from spark.services import statuses as status_service
from spark.services import timelines, web_pages, web_sessions


@page(signed_in=True)
async def home(request, viewer):
    rt = runtime(request)
    page_ = page_of(request)
    views = await timelines.home(rt, viewer.user_id, page_)
    held = request.cookies.get(STREAM_COOKIE)
    token = await web_sessions.stream_token(rt, viewer, held) if page_.max_id is None else None
    quote_id = params.Params(dict(request.query_params)).id("quote")
    quoting = await status_service.get_view(rt, quote_id, viewer.user_id) if quote_id else None
    response = await render(request, "timeline.html", heading="Home", compose=True,
                            quoting=status_json(rt, quoting, viewer.user_id) if quoting else None,
                            statuses=statuses_json(rt, views, viewer.user_id), stream_token=token,
                            older=older_link(request, [v.row.id for v in views]),
                            empty="Your home timeline is empty. Follow people to see their posts here.")
    if token and token != held:
        set_cookie(response, request, STREAM_COOKIE, token)
    return response


async def _public(request, viewer, *, local: bool):
    rt = runtime(request)
    views = await timelines.public(rt, viewer.user_id, page_of(request), local=local)
    return await render(request, "timeline.html", heading="Local timeline" if local else "Federated timeline",
                        statuses=statuses_json(rt, views, viewer.user_id),
                        older=older_link(request, [v.row.id for v in views]),
                        intro=("Public posts by people on this server." if local else
                               "Public posts from this server and the other servers it knows."))


@page(signed_in=True)
async def local(request, viewer):
    return await _public(request, viewer, local=True)


@page(signed_in=True)
async def federated(request, viewer):
    return await _public(request, viewer, local=False)


async def _marked(request, viewer, kind: str, heading: str, empty: str):
    rt = runtime(request)
    views, last_mark = await web_pages.marked(rt, viewer.user_id, kind, page_of(request))
    older = older_link(request, [last_mark] * PAGE_SIZE) if len(views) >= PAGE_SIZE and last_mark else None
    return await render(request, "timeline.html", heading=heading, statuses=statuses_json(rt, views, viewer.user_id),
                        older=older, empty=empty)


@page(signed_in=True)
async def bookmarks(request, viewer):
    return await _marked(request, viewer, "bookmark", "Bookmarks", "Posts you bookmark appear here.")


@page(signed_in=True)
async def favourites(request, viewer):
    return await _marked(request, viewer, "favourite", "Likes", "Posts you like appear here.")


@page(signed_in=True)
async def notifications(request, viewer):
    rt = runtime(request)
    items = await web_pages.read_notifications(rt, viewer.user_id, page_of(request, 30))
    accounts: dict = {}
    shown = [{"id": n.row.id, "type": n.row.type, "created_at": iso(n.row.created_at),
              "account": account_json(rt, n.account),
              "status": status_json(rt, n.status, viewer.user_id, accounts) if n.status else None} for n in items]
    return await render(request, "notifications.html", items=shown, unread=0,
                        older=older_link(request, [n.row.id for n in items], 30))


@page(signed_in=True)
async def search(request, viewer):
    rt = runtime(request)
    query = (request.query_params.get("q") or "").strip()[:512]
    found = await web_pages.find(rt, viewer.user_id, query) if query else None
    return await render(request, "search.html", q=query, found=found and {
        "accounts": [account_json(rt, a) for a in found.results.accounts],
        "relationships": {str(k): v for k, v in found.relationships.items()},
        "hashtags": [tag.name for tag in found.results.hashtags],
        "statuses": statuses_json(rt, found.results.statuses, viewer.user_id)})


@page(signed_in=True)
async def card(request, viewer):
    """One post as the feed shows it, for the live banner to insert."""
    rt = runtime(request)
    status_id = params.Params(dict(request.path_params)).id("id")
    view = await status_service.get_view(rt, status_id, viewer.user_id)
    me = {"id": str(viewer.user_id)}
    return fragment("card.html", s=status_json(rt, view, viewer.user_id), me=me, csrf=csrf_token(request),
                    here=request.query_params.get("back") or "/home")


routes = [
    Route("/home", home),
    Route("/public/local", local),
    Route("/public", federated),
    Route("/bookmarks", bookmarks),
    Route("/favourites", favourites),
    Route("/notifications", notifications),
    Route("/search", search),
    Route("/web/statuses/{id:id}/card", card),
]
