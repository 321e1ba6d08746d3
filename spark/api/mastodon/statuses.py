"""Statuses: create, get, edit, delete, context, history, source, translate."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, rate_limit, runtime
from spark.api.mastodon.scheduled_statuses import scheduled_json
from spark.api.presenters import account_json, iso, media_json, status_json
from spark.api.responses import json_response
from spark.domain.errors import Invalid, NotFound
from spark.domain.posts import Draft, PollDraft
from spark.domain.visibility import Visibility
from spark.services import accounts as account_service
from spark.services import posting, scheduled
from spark.services import statuses as status_service


def _path_id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("Validation failed: scheduled_at is not a valid time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_draft(p: params.Params, prefs: dict) -> Draft:
    """A Draft from Mastodon's status parameters (form, multipart or JSON)."""
    poll = None
    poll_params = p.dict("poll")
    if poll_params.data:
        options = [str(o) for o in poll_params.list("options", max_items=1000)]
        poll = PollDraft(options=options, expires_in=poll_params.int("expires_in", 86400),
                         multiple=bool(poll_params.bool("multiple")), hide_totals=bool(poll_params.bool("hide_totals")))
    default_visibility = Visibility.parse(prefs.get("posting:default:visibility"), Visibility.PUBLIC)
    return Draft(
        text=p.str("status", "", max_length=100_000) or "",
        spoiler_text=p.str("spoiler_text", "", max_length=100_000) or "",
        sensitive=bool(p.bool("sensitive", default=bool(prefs.get("posting:default:sensitive")))),
        visibility=Visibility.parse(p.str("visibility"), default_visibility),
        language=p.str("language", max_length=16) or prefs.get("posting:default:language") or None,
        in_reply_to_id=p.id("in_reply_to_id"),
        media_ids=p.ids("media_ids", max_items=1000),
        poll=poll,
        quoted_status_id=p.id("quoted_status_id") or p.id("quote_id"),
        quote_approval_policy=p.str("quote_approval_policy", max_length=16)
        or prefs.get("posting:default:quote_policy", "public"),
        scheduled_at=_parse_time(p.str("scheduled_at", max_length=64)),
    )


@endpoint("write:statuses")
async def create(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    user = await account_service.get_user(rt, grant.user_id)
    draft = parse_draft(p, user.preferences or {})
    if draft.scheduled_at is not None:
        item = await scheduled.schedule(rt, grant.user_id, draft, p.data, application_id=grant.app_id,
                                        idempotency_key=request.headers.get("idempotency-key"))
        return json_response(scheduled_json(item))
    status_id = await posting.publish(rt, grant.user_id, draft, application_id=grant.app_id,
                                      idempotency_key=request.headers.get("idempotency-key"))
    view = await status_service.get_view(rt, status_id, grant.user_id)
    return json_response(status_json(rt, view, grant.user_id))


@endpoint("read:statuses", public=True)
async def show(request, grant):
    rt = runtime(request)
    viewer = grant.user_id if grant else None
    view = await status_service.get_view(rt, _path_id(request), viewer)
    return json_response(status_json(rt, view, viewer))


@endpoint("read:statuses", public=True)
async def show_many(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    viewer = grant.user_id if grant else None
    ids = [i for i in (params.Params({"x": v}).id("x") for v in p.list("id", max_items=100)) if i and i > 0]
    views = await status_service.get_views(rt, ids, viewer)
    return json_response([status_json(rt, v, viewer) for v in views])


@endpoint("write:statuses")
async def update(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    row = await status_service.source(rt, _path_id(request), grant.user_id)
    user = await account_service.get_user(rt, grant.user_id)
    draft = parse_draft(p, {**(user.preferences or {}), "posting:default:visibility": Visibility(row.visibility).api_name})
    draft.visibility = Visibility(row.visibility)
    attributes = [a.data if isinstance(a, params.Params) else a for a in p.list("media_attributes", max_items=20)]
    await posting.edit(rt, grant.user_id, row.id, draft,
                       media_attributes=[a for a in attributes if isinstance(a, dict)])
    view = await status_service.get_view(rt, row.id, grant.user_id)
    return json_response(status_json(rt, view, grant.user_id))


@endpoint("write:statuses")
async def destroy(request, grant):
    rt = runtime(request)
    headers = rate_limit(request, "deletes", f"account:{grant.user_id}")
    p = await params.parse(request)
    view = await status_service.get_view(rt, _path_id(request), grant.user_id)
    row = await posting.delete_status(rt, grant.user_id, view.row.id, delete_media=bool(p.bool("delete_media")))
    body = status_json(rt, view, grant.user_id)
    body["text"] = row.text
    return json_response(body, headers=headers)


@endpoint("read:statuses", public=True)
async def context(request, grant):
    rt = runtime(request)
    viewer = grant.user_id if grant else None
    ancestors, descendants = await status_service.context(rt, _path_id(request), viewer)
    return json_response({"ancestors": [status_json(rt, v, viewer) for v in ancestors],
                          "descendants": [status_json(rt, v, viewer) for v in descendants]})


@endpoint("read")
async def async_refresh(request, grant):
    """Mastodon 4.4 names a background refresh (of a thread's replies) in a `Mastodon-Async-Refresh` header
    of the context, for clients to poll here. Spark answers a context from what it holds and starts none,
    so no id names one: 404, as Mastodon answers for an unknown or expired refresh."""
    raise NotFound()


@endpoint("read:statuses", public=True)
async def history(request, grant):
    rt = runtime(request)
    viewer = grant.user_id if grant else None
    view, edits = await status_service.history(rt, _path_id(request), viewer)
    account = account_json(rt, view.account)
    if not edits:
        row = view.row
        return json_response([{"content": row.content, "spoiler_text": row.spoiler_text,
                               "sensitive": bool(row.sensitive), "created_at": iso(row.created_at),
                               "account": account, "poll": None,
                               "media_attachments": [media_json(rt, m) for m in view.media], "emojis": []}])
    return json_response([{
        "content": edit.content, "spoiler_text": edit.spoiler_text, "sensitive": bool(edit.sensitive),
        "created_at": iso(edit.created_at), "account": account,
        "poll": {"options": [{"title": o} for o in edit.poll_options]} if edit.poll_options else None,
        "media_attachments": [media_json(rt, m) for m in media], "emojis": [],
    } for edit, media in edits])


@endpoint("read:statuses")
async def source(request, grant):
    rt = runtime(request)
    row = await status_service.source(rt, _path_id(request), grant.user_id)
    return json_response({"id": str(row.id), "text": row.text, "spoiler_text": row.spoiler_text})


@endpoint("read:statuses")
async def translate(request, grant):
    """No translation service is configured (instance configuration.translation.enabled is false), and
    Mastodon then answers 404 (TranslationService::NotConfiguredError), as for a post one may not see."""
    await status_service.get_view(runtime(request), _path_id(request), grant.user_id)
    raise NotFound()


routes = [
    Route("/api/v1_alpha/async_refreshes/{id}", async_refresh),
    Route("/api/v1/statuses", create, methods=["POST"]),
    Route("/api/v1/statuses", show_many, methods=["GET"]),
    Route("/api/v1/statuses/{id}", show, methods=["GET"]),
    Route("/api/v1/statuses/{id}", update, methods=["PUT"]),
    Route("/api/v1/statuses/{id}", destroy, methods=["DELETE"]),
    Route("/api/v1/statuses/{id}/context", context),
    Route("/api/v1/statuses/{id}/history", history),
    Route("/api/v1/statuses/{id}/source", source),
    Route("/api/v1/statuses/{id}/translate", translate, methods=["POST"]),
]
