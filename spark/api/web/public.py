"""Pages anyone can read: the landing page, profiles, posts with their threads, hashtags, and RSS.

ActivityPub clients ask for the same /@name and /@name/ID URLs with an Accept header: they get the
actor or the Note as JSON-LD (spark/api/activitypub.py), before any page work.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from spark.api import activitypub, params
from spark.api.auth import runtime
from spark.api.presenters import account_json, status_json, statuses_json
from spark.api.web.pages import CSP, TEMPLATES, page, render
from spark.domain.errors import NotFound
from spark.services import embeds, instance, timelines, web_pages
from spark.services.paging import Page

PAGE_SIZE = 20


def page_of(request, size: int = PAGE_SIZE) -> Page:
    max_id = params.Params(dict(request.query_params)).id("max_id")
    return Page(max_id=max_id, limit=size)


def older_link(request, ids: list[int], size: int = PAGE_SIZE) -> str | None:
    """The "older" link of a page that came back full (keyset paging on the last id shown)."""
    if len(ids) < size or not ids:
        return None
    query = {k: v for k, v in request.query_params.items() if k != "max_id"}
    query["max_id"] = str(ids[-1])
    return request.url.path + "?" + urlencode(query)


def _viewer_id(viewer) -> int | None:
    return viewer.user_id if viewer else None


@page()
async def landing(request, viewer):
    if viewer is not None:
        return RedirectResponse("/home", status_code=303)
    rt = runtime(request)
    figures = await instance.stats(rt)
    recent = await timelines.public(rt, None, Page(limit=10), local=True)
    return await render(request, "landing.html", description=rt.settings.instance_description,
                        users=figures.get("user_count", 0), posts=figures.get("status_count", 0),
                        domain=rt.settings.domain, statuses=statuses_json(rt, recent, None))


async def _profile(request, viewer, tab: str):
    rt = runtime(request)
    found = await web_pages.profile(rt, _viewer_id(viewer), request.path_params["acct"], page_of(request), tab=tab)
    statuses = statuses_json(rt, found.statuses, _viewer_id(viewer))
    people = [account_json(rt, row) for row in found.accounts]
    ids = [v.row.id for v in found.statuses] if tab == "posts" else [row.row_id for row in found.accounts]
    return await render(request, "profile.html", account=account_json(rt, found.account), tab=tab,
                        statuses=statuses, people=people, rel=found.relationship,
                        rels={str(k): v for k, v in found.relationships.items()},
                        older=older_link(request, ids, PAGE_SIZE))


async def profile(request):
    acct = request.path_params["acct"]
    if activitypub.wants_activity_json(request) and "@" not in acct:
        return await activitypub.actor_response(request, acct)
    return await _profile_page(request)


@page()
async def _profile_page(request, viewer):
    return await _profile(request, viewer, "posts")


@page()
async def followers(request, viewer):
    return await _profile(request, viewer, "followers")


@page()
async def following(request, viewer):
    return await _profile(request, viewer, "following")


async def thread(request):
    acct = request.path_params["acct"]
    if activitypub.wants_activity_json(request) and "@" not in acct:
        return await activitypub.note_response(request, acct, request.path_params["id"])
    return await _thread_page(request)


@page()
async def _thread_page(request, viewer):
    rt = runtime(request)
    viewer_id = _viewer_id(viewer)
    found = await web_pages.thread(rt, viewer_id, request.path_params["acct"], request.path_params["id"])
    accounts: dict = {}
    return await render(request, "thread.html", post=status_json(rt, found.status, viewer_id, accounts),
                        ancestors=[status_json(rt, v, viewer_id, accounts) for v in found.ancestors],
                        descendants=[status_json(rt, v, viewer_id, accounts) for v in found.descendants])


# The embed page is made to be framed by other sites (oEmbed's iframe): it shows one public post,
# reads no session and carries no forms.
EMBED_HEADERS = {"Content-Security-Policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors *"),
                 "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"}


async def embed(request):
    rt = runtime(request)
    try:
        view = await embeds.post(rt, request.path_params["acct"], request.path_params["id"])
    except NotFound:
        return Response("Not found", status_code=404, media_type="text/plain; charset=utf-8")
    return TEMPLATES.TemplateResponse(request, "embed.html", {"post": status_json(rt, view, None),
                                                              "instance_title": rt.settings.instance_title},
                                      headers=EMBED_HEADERS)


@page()
async def tag(request, viewer):
    rt = runtime(request)
    name = request.path_params["name"].lstrip("#")
    views = await timelines.tag(rt, _viewer_id(viewer), name, page_of(request))
    return await render(request, "tag.html", tag=name, statuses=statuses_json(rt, views, _viewer_id(viewer)),
                        older=older_link(request, [v.row.id for v in views]))


def _rss(request, **context) -> Response:
    rt = runtime(request)
    body = TEMPLATES.get_template("feed.rss.html").render(base_url=rt.settings.base_url,
                                                     instance_title=rt.settings.instance_title, **context)
    return Response(body, media_type="application/rss+xml; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


@page()
async def profile_rss(request, _viewer):
    rt = runtime(request)
    found = await web_pages.profile(rt, None, request.path_params["acct"], Page(limit=PAGE_SIZE))
    account = account_json(rt, found.account)
    items = [s for s in statuses_json(rt, found.statuses, None) if not s["reblog"]]
    return _rss(request, title=f"{account['display_name'] or account['username']} (@{account['acct']})",
                link=account["url"], description=account["note"], items=items, image=account["avatar"])


@page()
async def tag_rss(request, _viewer):
    rt = runtime(request)
    name = request.path_params["name"].lstrip("#")
    views = await timelines.tag(rt, None, name, Page(limit=PAGE_SIZE))
    return _rss(request, title=f"#{name}", link=rt.url(f"/tags/{name}"), description=f"Posts tagged #{name}",
                items=statuses_json(rt, views, None), image=None)


routes = [
    Route("/", landing),
    Route("/@{acct}.rss", profile_rss),
    Route("/@{acct}/followers", followers),
    Route("/@{acct}/following", following),
    Route("/@{acct}/{id:id}", thread),
    Route("/@{acct}/{id:id}/embed", embed),
    Route("/@{acct}", profile),
    Route("/tags/{name}.rss", tag_rss),
    Route("/tags/{name}", tag),
]
