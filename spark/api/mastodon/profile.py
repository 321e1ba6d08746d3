"""Editing one's profile: update_credentials, avatar/header removal, preferences."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
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


async def _credential_account(request, account_id: int):
    rt = runtime(request)
    row = await account_service.get_account(rt, account_id)
    user = await account_service.get_user(rt, account_id)
    return json_response(account_json(rt, row, source=True, user=user))


@endpoint("write:accounts")
async def update_credentials(request, grant):
    rt = runtime(request)
    p = await params.parse(request, max_file_size=rt.settings.max_image_bytes + 1)
    source = p.dict("source")
    avatar, header = p.file("avatar"), p.file("header")
    changes = ProfileChanges(
        display_name=p.str("display_name", max_length=10_000), note=p.str("note", max_length=100_000),
        locked=p.bool("locked", None), bot=p.bool("bot", None), discoverable=p.bool("discoverable", None),
        indexable=p.bool("indexable", None), hide_collections=p.bool("hide_collections", None), fields=_fields(p),
        avatar=await read_upload(rt, avatar) if avatar else None,
        header=await read_upload(rt, header) if header else None,
        privacy=source.str("privacy", max_length=16), sensitive=source.bool("sensitive", None),
        language=source.str("language", max_length=64), quote_policy=source.str("quote_policy", max_length=16))
    await profile.update_profile(rt, grant.user_id, changes)
    return await _credential_account(request, grant.user_id)


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
    Route("/api/v1/profile/avatar", delete_avatar, methods=["DELETE"]),
    Route("/api/v1/profile/header", delete_header, methods=["DELETE"]),
    Route("/api/v1/preferences", preferences),
]
