"""POST /api/v1/apps and GET /api/v1/apps/verify_credentials."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, rate_limit, runtime
from spark.api.responses import json_response
from spark.services import apps as app_service


def app_json(rt, app, *, secret: bool) -> dict:
    uris = app.redirect_uris.split("\n")
    out = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": uris[0] if len(uris) == 1 else "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": rt.settings.vapid_keys[1],
    }
    if secret:
        out.update(client_id=app.client_id, client_secret=app.client_secret, client_secret_expires_at=0)
    return out


async def create_app(request):
    headers = rate_limit(request, "api")
    p = await params.parse(request)
    redirect = p.raw("redirect_uris")
    if isinstance(redirect, str):
        redirect_uris = [u for u in redirect.split() if u]
    else:
        redirect_uris = [str(u) for u in p.list("redirect_uris", max_items=20)]
    app = await app_service.create_app(
        runtime(request), name=p.str("client_name"), redirect_uris=redirect_uris,
        scopes=p.str("scopes", max_length=1000), website=p.str("website", max_length=2000))
    return json_response(app_json(runtime(request), app, secret=True), headers=headers)


@endpoint(user=False)
async def verify_app(request, grant):
    app = await app_service.get_app(runtime(request), grant.app_id) if grant.app_id else None
    if app is None:
        return json_response({"name": "Spark", "website": None, "scopes": sorted(grant.scopes)})
    return json_response(app_json(runtime(request), app, secret=False))


routes = [
    Route("/api/v1/apps", create_app, methods=["POST"]),
    Route("/api/v1/apps/verify_credentials", verify_app),
]
