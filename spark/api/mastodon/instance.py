"""Instance information (v1 and v2), custom emojis, preferences' neighbours of the server itself."""

from __future__ import annotations

from starlette.routing import Route

from spark import MASTODON_COMPAT_VERSION, __version__
from spark.api.auth import endpoint, runtime
from spark.api.responses import json_response
from spark.services.instance import stats

VERSION = f"{MASTODON_COMPAT_VERSION} (compatible; Spark {__version__})"
SUPPORTED_MIME_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]


def _configuration(settings) -> dict:
    return {
        "urls": {"streaming": f"{'wss' if settings.scheme == 'https' else 'ws'}://{settings.domain}",
                 "status": None},
        "vapid": {"public_key": ""},
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
    figures = await stats(rt)
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
    figures = await stats(rt)
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


routes = [
    Route("/api/v2/instance", instance_v2),
    Route("/api/v1/instance", instance_v1),
    Route("/api/v1/custom_emojis", custom_emojis),
    Route("/api/v1/instance/peers", empty_list),
    Route("/api/v1/instance/rules", empty_list),
    Route("/api/v1/announcements", empty_list),
]
