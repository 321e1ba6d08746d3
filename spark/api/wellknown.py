"""Discovery: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.0/2.1."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from spark import __version__
from spark.api.auth import runtime
from spark.api.responses import JSONResponse, error_response
from spark.federation import urls
from spark.services import instance, published

NODEINFO_SCHEMAS = ("2.0", "2.1")


class JRDResponse(JSONResponse):
    media_type = "application/jrd+json; charset=utf-8"


def _username_for(rt, resource: str) -> str | None:
    """The local username a WebFinger resource names: acct:user@ourdomain, or our actor/profile URL."""
    if resource.startswith("acct:"):
        user, _, domain = resource[5:].lstrip("@").rpartition("@")
        return user if user and domain.lower() == rt.settings.domain.lower() else None
    return urls.local_username(rt, resource)


async def webfinger(request: Request) -> Response:
    rt = runtime(request)
    resource = request.query_params.get("resource", "").strip()
    if not resource:
        return error_response(400, "resource is required")
    if resource in (f"acct:{rt.settings.domain}@{rt.settings.domain}", urls.instance_actor(rt)):
        actor, username, page = urls.instance_actor(rt), rt.settings.domain, rt.url("/about")
    else:
        name = _username_for(rt, resource)
        account = await published.local_account(rt, name) if name else None
        if account is None:
            return error_response(404, "Record not found")
        username, actor, page = account.username, urls.actor(rt, account.username), rt.url(f"/@{account.username}")
    return JRDResponse({
        "subject": f"acct:{username}@{rt.settings.domain}",
        "aliases": [page, actor],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page},
            {"rel": "self", "type": "application/activity+json", "href": actor},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": rt.url("/authorize_interaction?uri={uri}")},
        ]}, headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=300, public"})


async def host_meta(request: Request) -> Response:
    template = escape(runtime(request).url("/.well-known/webfinger?resource={uri}"))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" template="{template}"/>\n</XRD>\n')
    return Response(body, media_type="application/xrd+xml; charset=utf-8")


async def nodeinfo_links(request: Request) -> Response:
    rt = runtime(request)
    return JSONResponse({"links": [{"rel": f"http://nodeinfo.diaspora.software/ns/schema/{v}",
                                    "href": rt.url(f"/nodeinfo/{v}")} for v in NODEINFO_SCHEMAS]})


async def nodeinfo(request: Request) -> Response:
    rt = runtime(request)
    version = request.path_params["version"]
    if version not in NODEINFO_SCHEMAS:
        return error_response(404, "Record not found")
    figures = await instance.stats(rt)
    software = {"name": "spark", "version": __version__}
    if version == "2.1":
        software["repository"] = "https://github.com/spark-social/spark"
    return JSONResponse({
        "version": version, "software": software, "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {"users": {"total": figures["user_count"], "activeMonth": figures["active_month"],
                            "activeHalfyear": figures["active_month"]},
                  "localPosts": figures["status_count"]},
        "openRegistrations": rt.settings.registrations == "open",
        "metadata": {"nodeName": rt.settings.instance_title, "nodeDescription": rt.settings.instance_description},
    }, headers={"Content-Type": f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'})


routes = [
    Route("/.well-known/webfinger", webfinger),
    Route("/.well-known/host-meta", host_meta),
    Route("/.well-known/nodeinfo", nodeinfo_links),
    Route("/nodeinfo/{version}", nodeinfo),
]
