"""Settings pages: profile, password, filters, muted and blocked accounts, data export."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from spark.api import params
from spark.api.auth import runtime
from spark.api.mastodon.media import read_upload
from spark.api.presenters import account_json
from spark.api.web.pages import checked_form, page, render
from spark.domain.errors import NotFound, SparkError
from spark.services import accounts, export, filters, passwords, profile, relationships
from spark.services.filters import FilterChanges, KeywordChange
from spark.services.profile import ProfileChanges

FILTER_CONTEXTS = [("home", "Home and lists"), ("notifications", "Notifications"), ("public", "Public timelines"),
                   ("thread", "Threads"), ("account", "Profiles")]


def _saved(path: str) -> Response:
    return RedirectResponse(path + "?saved=1", status_code=303)


async def _profile_form(request, viewer, status: int = 200, **context):
    rt = runtime(request)
    row = await accounts.get_account(rt, viewer.user_id)
    user = await accounts.get_user(rt, viewer.user_id)
    current = account_json(rt, row, source=True, user=user)
    if "typed" not in context:
        fields = current["source"]["fields"]
        context["typed"] = {"display_name": current["display_name"], "note": current["source"]["note"] or "",
                            "fields": [(f["name"], f["value"]) for f in fields], "locked": current["locked"],
                            "bot": current["bot"]}
    return await render(request, "settings_profile.html", status, current=current,
                        saved=request.query_params.get("saved"), **context)


@page(signed_in=True)
async def profile_form(request, viewer):
    return await _profile_form(request, viewer)


@page(signed_in=True)
async def profile_save(request, viewer):
    rt = runtime(request)
    form = await checked_form(request)
    fields = [(str(form.get(f"field_name_{i}") or "")[:1000].strip(), str(form.get(f"field_value_{i}") or "")[:1000].strip())
              for i in range(rt.settings.max_fields)]
    typed = {"display_name": str(form.get("display_name") or "")[:1000], "note": str(form.get("note") or "")[:10_000],
             "fields": fields, "locked": bool(form.get("locked")), "bot": bool(form.get("bot"))}
    try:
        images = {}
        for name in ("avatar", "header"):
            upload = form.get(name)
            if getattr(upload, "filename", "") and upload.size:
                images[name] = await read_upload(rt, upload)
        await profile.update_profile(rt, viewer.user_id, ProfileChanges(
            display_name=typed["display_name"], note=typed["note"], locked=typed["locked"], bot=typed["bot"],
            fields=[(n, v) for n, v in fields if n or v], avatar=images.get("avatar"), header=images.get("header")))
    except SparkError as error:
        return await _profile_form(request, viewer, 422, typed=typed,
                                   error=error.message.removeprefix("Validation failed: "))
    return _saved("/settings/profile")


@page(signed_in=True)
async def password_form(request, viewer):
    return await render(request, "settings_password.html", saved=request.query_params.get("saved"))


@page(signed_in=True)
async def password_save(request, viewer):
    form = await checked_form(request)
    new = str(form.get("new_password") or "")[:1000]
    try:
        if new != str(form.get("confirm_password") or "")[:1000]:
            raise SparkError("The new password and its confirmation do not match.")
        await passwords.change_password(runtime(request), viewer.user_id, current=str(form.get("current_password") or "")[:1000],
                                        new=new)
    except SparkError as error:
        return await render(request, "settings_password.html", 422, error=error.message.removeprefix("Validation failed: "))
    return _saved("/settings/password")


async def _filters(request, viewer, status: int = 200, **context):
    found = await filters.all_filters(runtime(request), viewer.user_id)
    shown = [{"id": f.row.id, "title": f.row.title, "context": list(f.row.context or []), "action": f.row.action,
              "keywords": [k.keyword for k in f.keywords]} for f in found]
    return await render(request, "settings_filters.html", status, filters=shown, contexts=FILTER_CONTEXTS,
                        typed=context.pop("typed", {}), **context)


@page(signed_in=True)
async def filters_page(request, viewer):
    return await _filters(request, viewer, saved=request.query_params.get("saved"))


@page(signed_in=True)
async def filter_create(request, viewer):
    form = await checked_form(request)
    typed = {"title": str(form.get("title") or "")[:200], "keyword": str(form.get("keyword") or "")[:200],
             "context": [str(c) for c in form.getlist("context")][:5], "action": str(form.get("action") or "warn")}
    try:
        keywords = [KeywordChange(keyword=k.strip(), whole_word=True) for k in typed["keyword"].split(",") if k.strip()]
        await filters.create(runtime(request), viewer.user_id, FilterChanges(
            title=typed["title"] or typed["keyword"], context=typed["context"], action=typed["action"],
            keywords=keywords))
    except SparkError as error:
        return await _filters(request, viewer, 422, typed=typed,
                                              error=error.message.removeprefix("Validation failed: "))
    return _saved("/settings/filters")


@page(signed_in=True)
async def filter_delete(request, viewer):
    await checked_form(request)
    await filters.remove(runtime(request), viewer.user_id, params.Params(dict(request.path_params)).id("id"))
    return _saved("/settings/filters")


@page(signed_in=True)
async def relationships_page(request, viewer):
    rt = runtime(request)
    muted = await relationships.muted_accounts(rt, viewer.user_id, limit=80)
    blocked = await relationships.blocked_accounts(rt, viewer.user_id, limit=80)
    return await render(request, "settings_relationships.html", muted=[account_json(rt, a) for a in muted],
                        blocked=[account_json(rt, a) for a in blocked])


@page(signed_in=True)
async def export_page(request, viewer):
    return await render(request, "settings_export.html", kinds=export.KINDS)


@page(signed_in=True)
async def export_file(request, viewer):
    kind = request.path_params["kind"]
    if kind not in export.KINDS:
        raise NotFound()
    body = await export.export_csv(runtime(request), viewer.user_id, kind)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"', "Cache-Control": "no-store"})


routes = [
    Route("/settings", lambda request: RedirectResponse("/settings/profile", status_code=303)),
    Route("/settings/profile", profile_form, methods=["GET"]),
    Route("/settings/profile", profile_save, methods=["POST"]),
    Route("/settings/password", password_form, methods=["GET"]),
    Route("/settings/password", password_save, methods=["POST"]),
    Route("/settings/filters", filters_page, methods=["GET"]),
    Route("/settings/filters", filter_create, methods=["POST"]),
    Route("/settings/filters/{id:id}/delete", filter_delete, methods=["POST"]),
    Route("/settings/relationships", relationships_page),
    Route("/settings/export", export_page),
    Route("/settings/export/{kind}.csv", export_file),
]
