"""Filters v2 (filters, keywords, filtered posts) and the v1 keyword-per-filter view older apps use."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.presenters import filter_json, iso
from spark.api.responses import json_response
from spark.services import filters
from spark.services.filters import FilterChanges, KeywordChange


def _id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


def _view_json(view: filters.FilterView) -> dict:
    return filter_json(view.row, view.keywords, view.statuses)


def keyword_json(row) -> dict:
    return {"id": str(row.id), "keyword": row.keyword, "whole_word": bool(row.whole_word)}


def filtered_status_json(row) -> dict:
    return {"id": str(row.id), "status_id": str(row.status_id)}


def _changes(p: params.Params) -> FilterChanges:
    keywords = []
    for item in p.list("keywords_attributes", max_items=100):
        if not isinstance(item, dict):
            continue
        attrs = params.Params(item)
        keywords.append(KeywordChange(keyword=attrs.str("keyword", max_length=10_000),
                                      whole_word=attrs.bool("whole_word", None), id=attrs.id("id"),
                                      destroy=bool(attrs.bool("_destroy"))))
    context = p.list("context", max_items=10)
    return FilterChanges(
        title=p.str("title", max_length=10_000), context=[str(c) for c in context] if context else None,
        action=p.str("filter_action", max_length=16), expires_in=p.int("expires_in", 0, minimum=0),
        set_expiry="expires_in" in p, keywords=keywords)


@endpoint("read:filters")
async def index(request, grant):
    return json_response([_view_json(v) for v in await filters.all_filters(runtime(request), grant.user_id)])


@endpoint("write:filters")
async def create(request, grant):
    return json_response(_view_json(await filters.create(runtime(request), grant.user_id,
                                                         _changes(await params.parse(request)))))


@endpoint("read:filters")
async def show(request, grant):
    return json_response(_view_json(await filters.get(runtime(request), grant.user_id, _id(request))))


@endpoint("write:filters")
async def update(request, grant):
    changes = _changes(await params.parse(request))
    return json_response(_view_json(await filters.change(runtime(request), grant.user_id, _id(request), changes)))


@endpoint("write:filters")
async def destroy(request, grant):
    await filters.remove(runtime(request), grant.user_id, _id(request))
    return json_response({})


@endpoint("read:filters")
async def keywords(request, grant):
    view = await filters.get(runtime(request), grant.user_id, _id(request))
    return json_response([keyword_json(k) for k in view.keywords])


@endpoint("write:filters")
async def add_keyword(request, grant):
    p = await params.parse(request)
    row = await filters.add_keyword(runtime(request), grant.user_id, _id(request),
                                    p.str("keyword", max_length=10_000), p.bool("whole_word", None))
    return json_response(keyword_json(row))


@endpoint("read:filters")
async def show_keyword(request, grant):
    return json_response(keyword_json(await filters.keyword(runtime(request), grant.user_id, _id(request))))


@endpoint("write:filters")
async def update_keyword(request, grant):
    p = await params.parse(request)
    row = await filters.change_keyword(runtime(request), grant.user_id, _id(request),
                                       p.str("keyword", max_length=10_000), p.bool("whole_word", None))
    return json_response(keyword_json(row))


@endpoint("write:filters")
async def destroy_keyword(request, grant):
    await filters.remove_keyword(runtime(request), grant.user_id, _id(request))
    return json_response({})


@endpoint("read:filters")
async def statuses(request, grant):
    view = await filters.get(runtime(request), grant.user_id, _id(request))
    return json_response([filtered_status_json(s) for s in view.statuses])


@endpoint("write:filters")
async def add_status(request, grant):
    p = await params.parse(request)
    row = await filters.add_status(runtime(request), grant.user_id, _id(request), p.id("status_id"))
    return json_response(filtered_status_json(row))


@endpoint("read:filters")
async def show_status(request, grant):
    return json_response(filtered_status_json(await filters.filtered_status(runtime(request), grant.user_id,
                                                                            _id(request))))


@endpoint("write:filters")
async def destroy_status(request, grant):
    await filters.remove_status(runtime(request), grant.user_id, _id(request))
    return json_response({})


# v1: one "filter" per keyword; its id is the keyword's id.

def v1_json(view: filters.FilterView, keyword) -> dict:
    return {"id": str(keyword.id), "phrase": keyword.keyword, "context": list(view.row.context),
            "whole_word": bool(keyword.whole_word), "expires_at": iso(view.row.expires_at),
            "irreversible": view.row.action == "hide"}


async def _v1_find(request, grant):
    row = await filters.keyword(runtime(request), grant.user_id, _id(request))
    return await filters.get(runtime(request), grant.user_id, row.filter_id), row


def _v1_changes(p: params.Params, *, creating: bool) -> FilterChanges:
    context = p.list("context", max_items=10)
    irreversible = p.bool("irreversible", None)
    return FilterChanges(
        title=p.str("phrase", max_length=10_000) if creating else None,
        context=[str(c) for c in context] if context else ([] if creating else None),
        action=("hide" if irreversible else "warn") if irreversible is not None or creating else None,
        expires_in=p.int("expires_in", 0, minimum=0), set_expiry="expires_in" in p)


@endpoint("read:filters")
async def v1_index(request, grant):
    views = await filters.all_filters(runtime(request), grant.user_id)
    return json_response([v1_json(v, k) for v in views for k in v.keywords])


@endpoint("write:filters")
async def v1_create(request, grant):
    p = await params.parse(request)
    changes = _v1_changes(p, creating=True)
    changes.keywords = [KeywordChange(keyword=p.str("phrase", max_length=10_000),
                                      whole_word=p.bool("whole_word", None))]
    view = await filters.create(runtime(request), grant.user_id, changes)
    return json_response(v1_json(view, view.keywords[0]))


@endpoint("read:filters")
async def v1_show(request, grant):
    view, keyword = await _v1_find(request, grant)
    return json_response(v1_json(view, keyword))


@endpoint("write:filters")
async def v1_update(request, grant):
    p = await params.parse(request)
    view, keyword = await _v1_find(request, grant)
    changes = _v1_changes(p, creating=False)
    changes.keywords = [KeywordChange(keyword=p.str("phrase", max_length=10_000),
                                      whole_word=p.bool("whole_word", None), id=keyword.id)]
    view = await filters.change(runtime(request), grant.user_id, view.row.id, changes)
    return json_response(v1_json(view, next(k for k in view.keywords if k.id == keyword.id)))


@endpoint("write:filters")
async def v1_destroy(request, grant):
    view, keyword = await _v1_find(request, grant)
    if len(view.keywords) == 1 and not view.statuses:
        await filters.remove(runtime(request), grant.user_id, view.row.id)
    else:
        await filters.remove_keyword(runtime(request), grant.user_id, keyword.id)
    return json_response({})


routes = [
    Route("/api/v2/filters", index),
    Route("/api/v2/filters", create, methods=["POST"]),
    Route("/api/v2/filters/keywords/{id}", show_keyword),
    Route("/api/v2/filters/keywords/{id}", update_keyword, methods=["PUT"]),
    Route("/api/v2/filters/keywords/{id}", destroy_keyword, methods=["DELETE"]),
    Route("/api/v2/filters/statuses/{id}", show_status),
    Route("/api/v2/filters/statuses/{id}", destroy_status, methods=["DELETE"]),
    Route("/api/v2/filters/{id}", show),
    Route("/api/v2/filters/{id}", update, methods=["PUT"]),
    Route("/api/v2/filters/{id}", destroy, methods=["DELETE"]),
    Route("/api/v2/filters/{id}/keywords", keywords),
    Route("/api/v2/filters/{id}/keywords", add_keyword, methods=["POST"]),
    Route("/api/v2/filters/{id}/statuses", statuses),
    Route("/api/v2/filters/{id}/statuses", add_status, methods=["POST"]),
    Route("/api/v1/filters", v1_index),
    Route("/api/v1/filters", v1_create, methods=["POST"]),
    Route("/api/v1/filters/{id}", v1_show),
    Route("/api/v1/filters/{id}", v1_update, methods=["PUT"]),
    Route("/api/v1/filters/{id}", v1_destroy, methods=["DELETE"]),
]
