"""Editing one's profile: GET/PATCH /api/v1/profile, update_credentials, avatar/header removal, preferences."""

from __future__ import annotations

from dataclasses import replace

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.mastodon.featured_tags import featured_tag_json
from spark.api.mastodon.media import read_upload
from spark.api.presenters import account_json
from spark.api.responses import json_response
from spark.domain.errors import Invalid
from spark.services import accounts as account_service
from spark.services import profile
from spark.services.profile import ProfileChanges


def _fields(p: params.Params) -> list[tuple[str, str]] | None:
    raw = p.raw("fields_attributes")
    if raw is None:
        return None
    if isinstance(raw, dict):
        raw = [raw[k] for k in sorted(raw, key=lambda k: (len(k), k))]
    if not isinstance(raw, list):
        raise Invalid("Validation failed: fields_attributes must be a list")
    out = []
    for item in raw[:50]:
        if not isinstance(item, dict):
            raise Invalid("Validation failed: fields_attributes must be a list of name/value pairs")
        entry = params.Params(item)
        out.append((entry.str("name", "", max_length=10_000) or "", entry.str("value", "", max_length=10_000) or ""))
    return out


def _attribution_domains(p: params.Params) -> list[str] | None:
    if "attribution_domains" not in p:
        return None
    domains = p.list("attribution_domains")
    if not all(isinstance(d, str) for d in domains):
        raise Invalid("Validation failed: attribution_domains must be a list of domains")
    return domains


async def _changes(request) -> tuple[params.Params, ProfileChanges]:
    """(the parameters, what update_credentials and PATCH /api/v1/profile both accept among them)."""
    rt = runtime(request)
    p = await params.parse(request, max_file_size=rt.settings.max_image_bytes + 1)
    avatar, header = p.file("avatar"), p.file("header")
    return p, ProfileChanges(
        display_name=p.str("display_name", max_length=10_000), note=p.str("note", max_length=100_000),
        locked=p.bool("locked", None), bot=p.bool("bot", None), discoverable=p.bool("discoverable", None),
        indexable=p.bool("indexable", None), hide_collections=p.bool("hide_collections", None), fields=_fields(p),
        avatar=await read_upload(rt, avatar) if avatar else None,
        header=await read_upload(rt, header) if header else None,
        avatar_description=p.str("avatar_description", max_length=10_000),
        header_description=p.str("header_description", max_length=10_000),
        attribution_domains=_attribution_domains(p))


def profile_json(rt, own: profile.OwnProfile) -> dict:
    """Mastodon's Profile entity: source texts (and, as Mastodon 4.6 adds, their HTML as `formatted_*`),
    and null images when none is set."""
    account = own.account
    avatar, header = rt.media.url(account.avatar_key), rt.media.url(account.header_key)
    fields = account.fields or []
    return {
        "id": str(account.id), "display_name": account.display_name, "note": account.note_source,
        "fields": [{"name": f.get("name", ""), "value": f.get("source", f.get("value", "")),
                    "verified_at": f.get("verified_at")} for f in fields],
        "formatted_note": account.note,
        "formatted_fields": [{"name": f.get("name", ""), "value": f.get("value", ""),
                              "verified_at": f.get("verified_at")} for f in fields],
        "avatar": avatar, "avatar_static": avatar, "avatar_description": own.extras["avatar_description"],
        "header": header, "header_static": header, "header_description": own.extras["header_description"],
        "locked": bool(account.locked), "bot": bool(account.bot), "hide_collections": bool(account.hide_collections),
        "discoverable": bool(account.discoverable), "indexable": bool(account.indexable),
        "show_media": bool(own.extras["show_media"]), "show_media_replies": bool(own.extras["show_media_replies"]),
        "show_featured": bool(own.extras["show_featured"]),
        "attribution_domains": list(own.extras["attribution_domains"] or []),
        "featured_tags": [featured_tag_json(rt, f) for f in own.featured_tags],
    }


async def _credential_account(request, account_id: int):
    rt = runtime(request)
    row = await account_service.get_account(rt, account_id)
    user = await account_service.get_user(rt, account_id)
    return json_response(account_json(rt, row, source=True, user=user))


@endpoint("write:accounts")
async def update_credentials(request, grant):
    p, changes = await _changes(request)
    source = p.dict("source")
    changes = replace(changes, privacy=source.str("privacy", max_length=16), sensitive=source.bool("sensitive", None),
                      language=source.str("language", max_length=64),
                      quote_policy=source.str("quote_policy", max_length=16))
    await profile.update_profile(runtime(request), grant.user_id, changes)
    return await _credential_account(request, grant.user_id)


@endpoint("read:accounts")
async def show_profile(request, grant):
    rt = runtime(request)
    return json_response(profile_json(rt, await profile.own_profile(rt, grant.user_id)))


@endpoint("write:accounts")
async def update_profile(request, grant):
    """Mastodon 4.6's profile editing: update_credentials' fields without `source`, plus the profile tabs."""
    rt = runtime(request)
    p, changes = await _changes(request)
    changes = replace(changes, show_media=p.bool("show_media", None),
                      show_media_replies=p.bool("show_media_replies", None), show_featured=p.bool("show_featured", None))
    await profile.update_profile(rt, grant.user_id, changes)
    return json_response(profile_json(rt, await profile.own_profile(rt, grant.user_id)))


@endpoint("write:accounts")
async def delete_avatar(request, grant):
    await profile.remove_image(runtime(request), grant.user_id, "avatar")
    return await _credential_account(request, grant.user_id)


@endpoint("write:accounts")
async def delete_header(request, grant):
    await profile.remove_image(runtime(request), grant.user_id, "header")
    return await _credential_account(request, grant.user_id)


@endpoint("read:accounts")
async def preferences(request, grant):
    return json_response(await profile.preferences(runtime(request), grant.user_id))


routes = [
    Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH", "PUT"]),
    Route("/api/v1/profile", show_profile),
    Route("/api/v1/profile", update_profile, methods=["PATCH"]),
    Route("/api/v1/profile/avatar", delete_avatar, methods=["DELETE"]),
    Route("/api/v1/profile/header", delete_header, methods=["DELETE"]),
    Route("/api/v1/preferences", preferences),
]
