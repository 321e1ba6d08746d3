"""Instance information (v1 and v2) and its extras (admin-written pages, moderated servers, weekly
activity), custom emojis, preferences' neighbours of the server itself."""

from __future__ import annotations

import hashlib
from datetime import date

from starlette.routing import Route

from spark import MASTODON_COMPAT_VERSION, __version__
from spark.api.auth import endpoint, runtime
from spark.api.presenters import iso, iso_date
from spark.api.responses import json_response
from spark.domain.errors import NotFound
from spark.services import instance as instance_service

VERSION = f"{MASTODON_COMPAT_VERSION} (compatible; Spark {__version__})"
SUPPORTED_MIME_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]


def _configuration(settings) -> dict:
    return {
        "urls": {"streaming": f"{'wss' if settings.scheme == 'https' else 'ws'}://{settings.domain}",
                 "status": None},
        "vapid": {"public_key": settings.vapid_keys[1]},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5,
                     "max_display_name_length": settings.max_display_name_chars,
                     "max_note_length": settings.max_note_chars, "max_profile_fields": settings.max_fields},
        "statuses": {"max_characters": settings.max_status_chars,
                     "max_media_attachments": settings.max_media_attachments,
                     "characters_reserved_per_url": 23},
        "media_attachments": {"supported_mime_types": SUPPORTED_MIME_TYPES,
                              "description_limit": 1500,
                              "image_size_limit": settings.max_image_bytes,
                              "image_matrix_limit": settings.max_image_pixels,
                              "video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0},
        "polls": {"max_options": settings.max_poll_options,
                  "max_characters_per_option": settings.max_poll_option_chars,
                  "min_expiration": settings.min_poll_expiration,
                  "max_expiration": settings.max_poll_expiration},
        "translation": {"enabled": False},
        "timelines_access": {"live_feeds": {"local": "public", "remote": "public"},
                             "hashtag_feeds": {"local": "public", "remote": "public"},
                             "trending_link_feeds": {"local": "public", "remote": "public"}},
    }


@endpoint(public=True)
async def instance_v2(request, _grant):
    rt = runtime(request)
    s = rt.settings
    figures = await instance_service.stats(rt)
    return json_response({
        "domain": s.domain,
        "title": s.instance_title,
        "version": VERSION,
        "source_url": "https://github.com/spark-social/spark",
        "description": s.instance_description,
        "usage": {"users": {"active_month": figures["active_month"]}},
        "thumbnail": {"url": rt.url("/static/avatar-missing.png")},
        "icon": [],
        "languages": ["en"],
        "configuration": _configuration(s),
        "registrations": {"enabled": s.registrations != "closed", "approval_required": s.registrations == "approval",
                          "message": None, "url": None},
        "api_versions": {"mastodon": 7},
        "contact": {"email": s.contact_email, "account": None},
        "rules": [],
    })


@endpoint(public=True)
async def instance_v1(request, _grant):
    rt = runtime(request)
    s = rt.settings
    figures = await instance_service.stats(rt)
    config = _configuration(s)
    return json_response({
        "uri": s.domain,
        "title": s.instance_title,
        "short_description": s.instance_description,
        "description": s.instance_description,
        "email": s.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": config["urls"]["streaming"]},
        "stats": {k: figures[k] for k in ("user_count", "status_count", "domain_count")},
        "thumbnail": rt.url("/static/avatar-missing.png"),
        "languages": ["en"],
        "registrations": s.registrations != "closed",
        "approval_required": s.registrations == "approval",
        "invites_enabled": False,
        "configuration": config,
        "contact_account": None,
        "rules": [],
    })


@endpoint(public=True)
async def custom_emojis(_request, _grant):
    return json_response([])


async def empty_list(_request):
    return json_response([])


def _page(request, name: str):
    found = instance_service.page(runtime(request), name)
    if found is None:
        raise NotFound()
    return found


@endpoint(public=True)
async def extended_description(request, _grant):
    found = instance_service.page(runtime(request), "extended_description")
    return json_response({"updated_at": iso(found.updated_at) if found else None,
                          "content": found.content if found else ""})


@endpoint(public=True)
async def privacy_policy(request, _grant):
    found = _page(request, "privacy_policy")
    return json_response({"updated_at": iso(found.updated_at), "content": found.content})


def _effective_on(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise NotFound() from None


@endpoint(public=True)
async def terms_of_service(request, _grant):
    """One version of the terms, in effect since the file was last changed (so `succeeded_by` is null).
    The version of a given date (in the path, or `?date=` as Mastodon also reads it) is that one if it
    took effect that day; no other is kept, so any other date is 404."""
    found = _page(request, "terms_of_service")
    asked = _effective_on(request.path_params.get("date") or request.query_params.get("date"))
    if asked is not None and asked != found.updated_at.date():
        raise NotFound()
    return json_response({"effective_date": iso_date(found.updated_at), "effective": True,
                          "content": found.content, "succeeded_by": None})


@endpoint(public=True)
async def moderated_domains(request, grant):
    """Shown per SPARK_SHOW_DOMAIN_BLOCKS (all | users | disabled), as Mastodon's show_domain_blocks:
    404 for whoever may not see them."""
    shown = runtime(request).settings.show_domain_blocks
    if shown != "all" and not (shown == "users" and grant is not None and grant.user_id is not None):
        raise NotFound()
    rows = await instance_service.moderated_domains(runtime(request))
    return json_response([{"domain": domain, "digest": hashlib.sha256(domain.encode()).hexdigest(),
                           "severity": severity, "comment": None} for domain, severity in rows])


@endpoint(public=True)
async def activity(request, _grant):
    return json_response(await instance_service.weekly_activity(runtime(request)))


@endpoint(public=True)
async def translation_languages(_request, _grant):
    """No translation service is configured (configuration.translation.enabled is false): no pairs."""
    return json_response({})


routes = [
    Route("/api/v2/instance", instance_v2),
    Route("/api/v1/instance", instance_v1),
    Route("/api/v1/custom_emojis", custom_emojis),
    Route("/api/v1/instance/peers", empty_list),
    Route("/api/v1/instance/rules", empty_list),
    Route("/api/v1/instance/extended_description", extended_description),
    Route("/api/v1/instance/privacy_policy", privacy_policy),
    Route("/api/v1/instance/terms_of_service", terms_of_service),
    Route("/api/v1/instance/terms_of_service/{date}", terms_of_service),
    Route("/api/v1/instance/domain_blocks", moderated_domains),
    Route("/api/v1/instance/activity", activity),
    Route("/api/v1/instance/translation_languages", translation_languages),
]
