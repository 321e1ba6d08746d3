"""Web Push subscription of the calling access token: /api/v1/push/subscription."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import bearer, endpoint, runtime
from spark.api.responses import json_response
from spark.domain.errors import BadRequest
from spark.services import web_push


def subscription_json(sub: web_push.Subscription, server_key: str) -> dict:
    return {"id": str(sub.id), "endpoint": sub.endpoint, "standard": sub.standard, "alerts": sub.alerts,
            "policy": sub.policy, "server_key": server_key}


def _data(p: params.Params) -> tuple[dict[str, bool], str | None]:
    """data[alerts][type] flags and the policy (data[policy], or top-level `policy` as Mastodon.py sends it)."""
    data = p.dict("data")
    alerts = data.dict("alerts")
    flags = {kind: bool(alerts.bool(kind)) for kind in web_push.ALERTS if kind in alerts}
    return flags, data.str("policy", max_length=16) or p.str("policy", max_length=16)


def _present(request, sub: web_push.Subscription):
    return json_response(subscription_json(sub, runtime(request).settings.vapid_keys[1]))


@endpoint("push")
async def create(request, grant):
    p = await params.parse(request)
    if "subscription" not in p:
        raise BadRequest("param is missing or the value is empty: subscription")
    given, keys = p.dict("subscription"), p.dict("subscription").dict("keys")
    new = web_push.NewSubscription(endpoint=given.str("endpoint", max_length=2048),
                                   p256dh=keys.str("p256dh", max_length=200), auth=keys.str("auth", max_length=100),
                                   standard=bool(given.bool("standard")))
    alerts, policy = _data(p)
    sub = await web_push.subscribe(runtime(request), user_id=grant.user_id, token_id=grant.token_id,
                                   bearer=bearer(request), new=new, alerts=alerts, policy=policy)
    return _present(request, sub)


@endpoint("push")
async def show(request, grant):
    return _present(request, await web_push.current(runtime(request), grant.token_id))


@endpoint("push")
async def update(request, grant):
    alerts, policy = _data(await params.parse(request))
    return _present(request, await web_push.change(runtime(request), grant.token_id, alerts, policy))


@endpoint("push")
async def destroy(request, grant):
    await web_push.unsubscribe(runtime(request), grant.token_id)
    return json_response({})


routes = [
    Route("/api/v1/push/subscription", create, methods=["POST"]),
    Route("/api/v1/push/subscription", show, methods=["GET"]),
    Route("/api/v1/push/subscription", update, methods=["PUT"]),
    Route("/api/v1/push/subscription", destroy, methods=["DELETE"]),
]
