"""Notifications (v1 list, and v2 grouped as Mastodon 4.3+ clients expect), markers and polls."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import link_header, page_params
from spark.api.presenters import account_json, iso, poll_json, status_json
from spark.api.responses import json_response
from spark.domain.errors import Invalid
from spark.services import markers, notifications, polls
from spark.services.paging import Page

KNOWN_TYPES = set(notifications.TYPES)


def _id(request, name: str = "id") -> int | None:
    return params.Params(dict(request.path_params)).id(name)


def notification_json(rt, item: notifications.Notification, viewer_id: int) -> dict:
    return {
        "id": str(item.row.id),
        "type": item.row.type,
        "group_key": item.group_key,
        "created_at": iso(item.row.created_at),
        "account": account_json(rt, item.account),
        "status": status_json(rt, item.status, viewer_id) if item.status else None,
    }


async def _inbox(request, grant, default: int, maximum: int):
    p = await params.parse(request)
    max_id, since_id, min_id, limit = page_params(p, default, maximum)
    types = [str(x) for x in p.list("types", max_items=20)]
    excluded = [str(x) for x in p.list("exclude_types", max_items=20)]
    items = await notifications.inbox(
        runtime(request), grant.user_id, Page(max_id, since_id, min_id, limit),
        types=[x for x in types if x in KNOWN_TYPES] if types else [], exclude_types=excluded,
        from_account_id=p.id("account_id"), include_filtered=bool(p.bool("include_filtered")))
    if types and not any(x in KNOWN_TYPES for x in types):
        items = []
    return p, items


@endpoint("read:notifications")
async def index(request, grant):
    rt = runtime(request)
    _, items = await _inbox(request, grant, 40, 80)
    return json_response([notification_json(rt, n, grant.user_id) for n in items],
                         headers=link_header(request, [n.row.id for n in items]))


@endpoint("read:notifications")
async def show(request, grant):
    item = await notifications.get(runtime(request), grant.user_id, _id(request))
    return json_response(notification_json(runtime(request), item, grant.user_id))


@endpoint("write:notifications")
async def dismiss(request, grant):
    await notifications.dismiss(runtime(request), grant.user_id, _id(request))
    return json_response({})


@endpoint("write:notifications")
async def clear(request, grant):
    await notifications.clear(runtime(request), grant.user_id)
    return json_response({})


@endpoint("read:notifications")
async def unread_count(request, grant):
    p = await params.parse(request)
    limit = max(1, min(p.int("limit", 100), 1000))
    return json_response({"count": await notifications.unread_count(runtime(request), grant.user_id, limit)})


def _groups(rt, items: list[notifications.Notification], viewer_id: int) -> dict:
    """Mastodon's v2 shape: notification groups plus the accounts and statuses they refer to, once each."""
    groups: dict[str, dict] = {}
    accounts: dict[int, dict] = {}
    statuses: dict[int, dict] = {}
    for item in items:
        accounts.setdefault(item.account.id, account_json(rt, item.account))
        if item.status is not None:
            statuses.setdefault(item.status.row.id, status_json(rt, item.status, viewer_id))
        group = groups.get(item.group_key)
        if group is None:
            groups[item.group_key] = {
                "group_key": item.group_key, "notifications_count": 0, "type": item.row.type,
                "most_recent_notification_id": str(item.row.id), "page_min_id": str(item.row.id),
                "page_max_id": str(item.row.id), "latest_page_notification_at": iso(item.row.created_at),
                "sample_account_ids": [], "status_id": str(item.row.status_id) if item.row.status_id else None,
            }
            group = groups[item.group_key]
        group["notifications_count"] += 1
        group["page_min_id"] = str(min(int(group["page_min_id"]), item.row.id))
        if len(group["sample_account_ids"]) < 8 and str(item.account.id) not in group["sample_account_ids"]:
            group["sample_account_ids"].append(str(item.account.id))
    return {"accounts": list(accounts.values()), "statuses": list(statuses.values()),
            "notification_groups": list(groups.values())}


@endpoint("read:notifications")
async def grouped(request, grant):
    _, items = await _inbox(request, grant, 40, 80)
    return json_response(_groups(runtime(request), items, grant.user_id),
                         headers=link_header(request, [n.row.id for n in items]))


@endpoint("read:notifications")
async def group_show(request, grant):
    key = request.path_params["group_key"]
    items = await notifications.group(runtime(request), grant.user_id, key)
    return json_response(_groups(runtime(request), items, grant.user_id))


@endpoint("read:notifications")
async def group_accounts(request, grant):
    items = await notifications.group(runtime(request), grant.user_id, request.path_params["group_key"])
    return json_response([account_json(runtime(request), n.account) for n in items])


@endpoint("write:notifications")
async def group_dismiss(request, grant):
    await notifications.dismiss_group(runtime(request), grant.user_id, request.path_params["group_key"])
    return json_response({})


def _markers_json(rows) -> dict:
    return {r.timeline: {"last_read_id": str(r.last_read_id), "version": r.version, "updated_at": iso(r.updated_at)}
            for r in rows}


@endpoint("read:statuses")
async def markers_get(request, grant):
    p = await params.parse(request)
    rows = await markers.get(runtime(request), grant.user_id, [str(x) for x in p.list("timeline", max_items=5)])
    return json_response(_markers_json(rows))


@endpoint("write:statuses")
async def markers_save(request, grant):
    p = await params.parse(request)
    positions = {}
    for timeline in markers.TIMELINES:
        last_read = p.dict(timeline).id("last_read_id") if timeline in p else None
        if last_read is not None:
            positions[timeline] = last_read
    if not positions:
        raise Invalid("Validation failed: give home[last_read_id] or notifications[last_read_id]")
    return json_response(_markers_json(await markers.save(runtime(request), grant.user_id, positions)))


@endpoint("read:statuses", public=True)
async def poll_show(request, grant):
    viewer = grant.user_id if grant else None
    poll, own = await polls.get(runtime(request), viewer, _id(request))
    return json_response(poll_json(poll, own, viewer))


@endpoint("write:statuses")
async def poll_vote(request, grant):
    p = await params.parse(request)
    choices = [params.Params({"choice": c}).int("choice", minimum=0) for c in p.list("choices", max_items=100)]
    if None in choices:
        raise Invalid("Validation failed: choices must be option indexes")
    poll, own = await polls.vote(runtime(request), grant.user_id, _id(request), choices)
    return json_response(poll_json(poll, own, grant.user_id))


routes = [
    Route("/api/v1/notifications", index),
    Route("/api/v1/notifications/clear", clear, methods=["POST"]),
    Route("/api/v1/notifications/unread_count", unread_count),
    Route("/api/v1/notifications/{id}", show),
    Route("/api/v1/notifications/{id}/dismiss", dismiss, methods=["POST"]),
    Route("/api/v2/notifications", grouped),
    Route("/api/v2/notifications/unread_count", unread_count),
    Route("/api/v2/notifications/{group_key}", group_show),
    Route("/api/v2/notifications/{group_key}/accounts", group_accounts),
    Route("/api/v2/notifications/{group_key}/dismiss", group_dismiss, methods=["POST"]),
    Route("/api/v1/markers", markers_get),
    Route("/api/v1/markers", markers_save, methods=["POST"]),
    Route("/api/v1/polls/{id}", poll_show),
    Route("/api/v1/polls/{id}/votes", poll_vote, methods=["POST"]),
]
