"""Domain rows and views to Mastodon JSON entities (docs.joinmastodon.org/entities)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from cachetools import LRUCache

from spark.domain.ids import id_time
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services.views import StatusView

MISSING_AVATAR = "/static/avatar-missing.png"
MISSING_HEADER = "/static/header-missing.png"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_date(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    return (moment.date() if isinstance(moment, datetime) else moment).isoformat()


def acct(row) -> str:
    return row.username if not row.domain else f"{row.username}@{row.domain}"


def account_url(rt: Runtime, row) -> str:
    return row.url or rt.url(f"/@{row.username}")


def account_uri(rt: Runtime, row) -> str:
    return row.uri or rt.url(f"/users/{row.username}")


# Everything of an account entity but its counters, keyed by (base URL, id, updated_at, suspended_at):
# whatever changes a profile sets updated_at, so any process sees the change at once.
_account_cache: LRUCache = LRUCache(maxsize=20_000)


def _account_fields(rt: Runtime, row) -> dict[str, Any]:
    key = (rt.settings.base_url, row.id, row.updated_at, row.suspended_at)
    cached = _account_cache.get(key)
    if cached is None:
        avatar = rt.media.url(row.avatar_key) or row.avatar_remote_url or rt.url(MISSING_AVATAR)
        header = rt.media.url(row.header_key) or row.header_remote_url or rt.url(MISSING_HEADER)
        created = row.created_at
        cached = _account_cache[key] = {
            "id": str(row.id),
            "username": row.username,
            "acct": acct(row),
            "display_name": row.display_name,
            "locked": bool(row.locked),
            "bot": bool(row.bot),
            "discoverable": bool(row.discoverable),
            "indexable": bool(row.indexable),
            "group": getattr(row, "actor_type", "Person") == "Group",
            "created_at": iso(datetime(created.year, created.month, created.day, tzinfo=UTC)) if created else None,
            "note": row.note,
            "url": account_url(rt, row),
            "uri": account_uri(rt, row),
            "avatar": avatar,
            "avatar_static": avatar,
            "header": header,
            "header_static": header,
            "hide_collections": bool(row.hide_collections),
            "noindex": False,
            "fields": [{"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": f.get("verified_at")}
                       for f in (row.fields or [])],
        }
    return cached


def account_json(rt: Runtime, row, *, source: bool = False, user=None) -> dict[str, Any]:
    out = dict(_account_fields(rt, row))
    out.update(followers_count=row.followers_count, following_count=row.following_count,
               statuses_count=row.statuses_count, last_status_at=iso_date(row.last_status_at), emojis=[], roles=[])
    if row.suspended_at is not None:
        out["suspended"] = True
    if source and user is not None:
        prefs = user.preferences or {}
        out["source"] = {
            "privacy": prefs.get("posting:default:visibility", "public"),
            "sensitive": bool(prefs.get("posting:default:sensitive", False)),
            "language": prefs.get("posting:default:language") or "",
            "note": row.note_source,
            "fields": [{"name": f.get("name", ""), "value": f.get("source", f.get("value", "")),
                        "verified_at": f.get("verified_at")} for f in (row.fields or [])],
            "follow_requests_count": 0,
            "hide_collections": bool(row.hide_collections),
            "discoverable": bool(row.discoverable),
            "indexable": bool(row.indexable),
            "quote_policy": prefs.get("posting:default:quote_policy", "public"),
        }
        out["role"] = {"id": "3" if user.admin else "-99", "name": "Admin" if user.admin else "",
                       "permissions": "1" if user.admin else "0", "color": "", "highlighted": bool(user.admin)}
    return out


def media_json(rt: Runtime, row) -> dict[str, Any]:
    meta = dict(row.meta or {})
    meta["focus"] = {"x": row.focus_x / 1000, "y": row.focus_y / 1000}
    url = rt.media.url(row.file_key) or row.remote_url
    return {
        "id": str(row.id),
        "type": row.type,
        "url": url,
        "preview_url": rt.media.url(row.thumbnail_key) or url,
        "remote_url": row.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": row.description,
        "blurhash": row.blurhash,
    }


def poll_json(row, own_votes: list[int] | None, viewer_id: int | None) -> dict[str, Any]:
    expires_at = row.expires_at
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    expired = expires_at is not None and expires_at <= datetime.now(UTC)
    hide = bool(row.hide_totals) and not expired and viewer_id != row.account_id
    return {
        "id": str(row.id),
        "expires_at": iso(expires_at),
        "expired": expired,
        "multiple": bool(row.multiple),
        "votes_count": row.votes_count,
        "voters_count": row.voters_count if row.multiple else row.votes_count,
        "options": [{"title": title, "votes_count": None if hide else row.votes[i]}
                    for i, title in enumerate(row.options)],
        "emojis": [],
        **({"voted": bool(own_votes), "own_votes": own_votes or []} if viewer_id else {}),
    }


def tag_url(rt: Runtime, name: str) -> str:
    return rt.url(f"/tags/{name}")


def status_url(rt: Runtime, row, author) -> str:
    return row.url or rt.url(f"/@{author.username}/{row.id}")


def status_uri(rt: Runtime, row, author) -> str:
    return row.uri or rt.url(f"/users/{author.username}/statuses/{row.id}")


def filter_result_json(rt: Runtime, matches: list) -> list[dict]:
    return [{"filter": filter_json(f, None), "keyword_matches": kws or None, "status_matches": sts or None}
            for f, kws, sts in matches]


def filter_json(row, keywords: list | None, statuses: list | None = None) -> dict[str, Any]:
    out = {
        "id": str(row.id),
        "title": row.title,
        "context": list(row.context or []),
        "expires_at": iso(row.expires_at),
        "filter_action": row.action,
    }
    if keywords is not None:
        out["keywords"] = [{"id": str(k.id), "keyword": k.keyword, "whole_word": bool(k.whole_word)}
                           for k in keywords]
    if statuses is not None:
        out["statuses"] = [{"id": str(s.id), "status_id": str(s.status_id)} for s in statuses]
    return out


def statuses_json(rt: Runtime, views: list[StatusView], viewer_id: int | None) -> list[dict[str, Any]]:
    """A page of statuses; each author's account entity is built once for the page."""
    accounts: dict[int, dict] = {}
    return [status_json(rt, view, viewer_id, accounts) for view in views]


# The fields of a status entity that only an edit changes, keyed by (base URL, id, edited_at): safe to
# share between requests and processes' views of the same row, and most of the cost of rendering a page.
_static_cache: LRUCache = LRUCache(maxsize=50_000)


def _static_fields(rt: Runtime, view: StatusView) -> dict[str, Any]:
    row = view.row
    key = (rt.settings.base_url, row.id, row.edited_at)
    cached = _static_cache.get(key)
    if cached is None:
        author = view.account
        cached = _static_cache[key] = {
            "id": str(row.id),
            "uri": status_uri(rt, row, author),
            "url": status_url(rt, row, author),
            "created_at": iso(row.created_at or id_time(row.id)),
            "content": row.content,
            "visibility": Visibility(row.visibility).api_name,
            "spoiler_text": row.spoiler_text,
            "media_attachments": [media_json(rt, m) for m in view.media],
            "mentions": [{"id": str(m.id), "username": m.username, "url": account_url(rt, m), "acct": acct(m)}
                         for m in view.mentions],
            "tags": [{"name": name, "url": tag_url(rt, name)} for name in view.tags],
            "emojis": [{"shortcode": e.shortcode, "url": e.remote_url or rt.media.url(e.image_key),
                        "static_url": e.remote_url or rt.media.url(e.image_key), "visible_in_picker": False}
                       for e in view.emojis],
            "in_reply_to_id": str(row.in_reply_to_id) if row.in_reply_to_id else None,
            "in_reply_to_account_id": str(row.in_reply_to_account_id) if row.in_reply_to_account_id else None,
            "language": row.language,
            "edited_at": iso(row.edited_at),
        }
    return cached


def status_json(rt: Runtime, view: StatusView, viewer_id: int | None,
                accounts: dict[int, dict] | None = None) -> dict[str, Any]:
    row = view.row
    author = view.account
    viewer = viewer_id is not None
    if accounts is None:
        accounts = {}
    account = accounts.get(author.id)
    if account is None:
        account = accounts[author.id] = account_json(rt, author)
    out: dict[str, Any] = {
        **_static_fields(rt, view),
        "account": account,
        "sensitive": bool(row.sensitive),
        "application": ({"name": view.application.name, "website": view.application.website}
                        if view.application else None),
        "reblogs_count": row.reblogs_count,
        "favourites_count": row.favourites_count,
        "replies_count": row.replies_count,
        "quotes_count": row.quotes_count,
        "reblog": status_json(rt, view.reblog, viewer_id, accounts) if view.reblog else None,
        "poll": poll_json(view.poll, view.poll_own_votes, viewer_id) if view.poll else None,
        "card": None,
        "text": None,
        "quote": None,
        "quote_approval": {
            "automatic": [row.quote_approval_policy] if row.quote_approval_policy in ("public", "followers") else [],
            "manual": [],
            "current_user": "automatic" if row.quote_approval_policy == "public" else "denied",
        },
    }
    if row.quote_of_id:
        state = row.quote_state or "accepted"
        quoted = view.quote
        out["quote"] = {
            "state": state if quoted is not None else "deleted",
            "quoted_status": status_json(rt, quoted, viewer_id) if quoted is not None and state == "accepted" else None,
        }
    if viewer:
        out.update(favourited=view.favourited, reblogged=view.reblogged, muted=False,
                   bookmarked=view.bookmarked)
        if view.pinned is not None:
            out["pinned"] = view.pinned
        if view.filtered:
            out["filtered"] = filter_result_json(rt, view.filtered)
    return out
