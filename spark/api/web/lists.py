"""Lists: make them, fill them with people one follows, read their timelines."""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Route

from spark.api import params
from spark.api.auth import runtime
from spark.api.presenters import account_json, statuses_json
from spark.api.web.pages import checked_form, page, render
from spark.api.web.public import older_link, page_of
from spark.domain.errors import SparkError
from spark.services import lists, web_pages


def _id(request, name: str = "id") -> int | None:
    return params.Params(dict(request.path_params)).id(name)


async def _index(request, viewer, status: int = 200, **context):
    found = await lists.all_lists(runtime(request), viewer.user_id)
    return await render(request, "lists.html", status, lists=[{"id": r.id, "title": r.title} for r in found], **context)


@page(signed_in=True)
async def index(request, viewer):
    return await _index(request, viewer)


@page(signed_in=True)
async def create(request, viewer):
    form = await checked_form(request)
    title = str(form.get("title") or "")[:200]
    try:
        row = await lists.create(runtime(request), viewer.user_id, title.strip())
    except SparkError as error:
        return await _index(request, viewer, 422, title=title, error=error.message.removeprefix("Validation failed: "))
    return RedirectResponse(f"/lists/{row.id}", status_code=303)


async def _show(request, viewer, status: int = 200, **context):
    rt = runtime(request)
    found = await web_pages.list_page(rt, viewer.user_id, _id(request), page_of(request))
    return await render(request, "list.html", status, list={"id": found.row.id, "title": found.row.title},
                        members=[account_json(rt, a) for a in found.members],
                        statuses=statuses_json(rt, found.statuses, viewer.user_id),
                        older=older_link(request, [v.row.id for v in found.statuses]), **context)


@page(signed_in=True)
async def show(request, viewer):
    return await _show(request, viewer)


@page(signed_in=True)
async def add_member(request, viewer):
    form = await checked_form(request)
    acct = str(form.get("acct") or "")[:400]
    try:
        await web_pages.add_to_list(runtime(request), viewer.user_id, _id(request), acct)
    except SparkError as error:
        message = "No account with that address is known here." if error.status == 404 else error.message
        return await _show(request, viewer, 422, acct=acct, error=message.removeprefix("Validation failed: "))
    return RedirectResponse(f"/lists/{_id(request)}", status_code=303)


@page(signed_in=True)
async def remove_member(request, viewer):
    await checked_form(request)
    await lists.remove_members(runtime(request), viewer.user_id, _id(request), [_id(request, "account_id") or -1])
    return RedirectResponse(f"/lists/{_id(request)}", status_code=303)


@page(signed_in=True)
async def delete(request, viewer):
    await checked_form(request)
    await lists.delete_list(runtime(request), viewer.user_id, _id(request))
    return RedirectResponse("/lists", status_code=303)


routes = [
    Route("/lists", index, methods=["GET"]),
    Route("/lists", create, methods=["POST"]),
    Route("/lists/{id:id}", show, methods=["GET"]),
    Route("/lists/{id:id}/members", add_member, methods=["POST"]),
    Route("/lists/{id:id}/members/{account_id:id}/remove", remove_member, methods=["POST"]),
    Route("/lists/{id:id}/delete", delete, methods=["POST"]),
]
