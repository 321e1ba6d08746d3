"""Domain rows and views to Mastodon JSON entities (docs.joinmastodon.org/entities)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson

from spark.domain.ids import id_time
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services.caches import Memo
from spark.services.tags import TagView
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
_account_cache = Memo(maxsize=20_000)


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


_account_json_cache = Memo(maxsize=20_000)  # the same, as JSON without its closing brace
_ACCOUNT_TAIL = (b',"followers_count":%d,"following_count":%d,"statuses_count":%d,"last_status_at":%b,'
                 b'"emojis":[],"roles":[]%b}')


def _account_bytes(rt: Runtime, row) -> bytes:
    """orjson.dumps(account_json(rt, row))."""
    key = (rt.settings.base_url, row.id, row.updated_at, row.suspended_at)
    head = _account_json_cache.get(key)
    if head is None:
        head = _account_json_cache[key] = orjson.dumps(_account_fields(rt, row))[:-1]
    return head + _ACCOUNT_TAIL % (row.followers_count, row.following_count, row.statuses_count,
                                   orjson.dumps(iso_date(row.last_status_at)),
                                   b',"suspended":true' if row.suspended_at is not None else b"")


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


def tag_json(rt: Runtime, view: TagView) -> dict[str, Any]:
    """A Tag entity; `following` and `featuring` only for a signed-in viewer, as Mastodon sends them."""
    out = {"id": str(view.id) if view.id is not None else view.name.lower(), "name": view.name,
           "url": tag_url(rt, view.name.lower()), "history": view.history}
    if view.following is not None:
        out.update(following=view.following, featuring=view.featuring)
    return out


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


def statuses_fragment(rt: Runtime, views: list[StatusView], viewer_id: int | None) -> orjson.Fragment:
    """statuses_json as one JSON fragment (`orjson.dumps` of one is that of the other), made from cached
    JSON: what only an edit changes is serialized once for as long as the post stays cached, and each
    author's account entity once for the page. For API responses, which only serialize it."""
    accounts: dict[int, bytes] = {}
    return orjson.Fragment(b"[" + b",".join([_status_bytes(rt, view, viewer_id, accounts) for view in views]) + b"]")


# The fields of a status entity that only an edit changes, keyed by (base URL, id, edited_at): safe to
# share between requests and processes' views of the same row, and most of the cost of rendering a page.
# As a dict (for status_json) and as the JSON of its members (for statuses_json).
_static_cache = Memo(maxsize=50_000)
_static_json_cache = Memo(maxsize=50_000)


def _static_fields(rt: Runtime, view: StatusView) -> dict[str, Any]:
    row = view.row
    key = (rt.settings.base_url, row.id, row.edited_at)
    cached = _static_cache.get(key)
    if cached is None:
        cached = _static_cache[key] = _static_entity(rt, view)
    return cached


def _static_json(rt: Runtime, view: StatusView) -> bytes:
    row = view.row
    key = (rt.settings.base_url, row.id, row.edited_at)
    cached = _static_json_cache.get(key)
    if cached is None:
        cached = _static_json_cache[key] = orjson.dumps(_static_entity(rt, view))[1:-1]
    return cached


def _static_entity(rt: Runtime, view: StatusView) -> dict[str, Any]:
    row = view.row
    author = view.account
    return {
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


def status_json(rt: Runtime, view: StatusView, viewer_id: int | None,
                accounts: dict[int, dict] | None = None) -> dict[str, Any]:
    author = view.account
    if accounts is None:
        accounts = {}
    account = accounts.get(author.id)
    if account is None:
        account = accounts[author.id] = account_json(rt, author)
    return {**_static_fields(rt, view), "account": account, **_status_tail(
        rt, view, viewer_id, lambda inner, page: status_json(rt, inner, viewer_id, accounts if page else None))}


_BOOL = (b"false", b"true")
# The members of `_status_tail` for a post without poll, quote or filter results, in the same order
# (tests/e2e/test_timeline_rendering.py checks that both read the same).
_TAIL = (b'"sensitive":%b,"application":%b,"reblogs_count":%d,"favourites_count":%d,"replies_count":%d,'
         b'"quotes_count":%d,"reblog":%b,"poll":null,"card":null,"text":null,"quote":null,"quote_approval":%b')
_VIEWER_TAIL = b',"favourited":%b,"reblogged":%b,"muted":%b,"bookmarked":%b'
_quote_approvals: dict[str | None, bytes] = {}


def _status_bytes(rt: Runtime, view: StatusView, viewer_id: int | None, accounts: dict[int, bytes]) -> bytes:
    """orjson.dumps(status_json(…)), built from cached JSON."""
    row = view.row
    author = view.account
    account = accounts.get(author.id)
    if account is None:
        account = accounts[author.id] = _account_bytes(rt, author)
    head = (b"{", _static_json(rt, view), b',"account":', account, b",")
    if view.poll or row.quote_of_id or view.filtered:  # rare: the general way
        tail = orjson.dumps(_status_tail(rt, view, viewer_id, lambda inner, page: orjson.Fragment(
            _status_bytes(rt, inner, viewer_id, accounts if page else {}))))
        return b"".join((*head, memoryview(tail)[1:]))
    policy = row.quote_approval_policy
    approval = _quote_approvals.get(policy)
    if approval is None:
        approval = orjson.dumps(_quote_approval(policy))
        if len(_quote_approvals) < 16:  # a few policies exist
            _quote_approvals[policy] = approval
    app = view.application
    tail = _TAIL % (
        _BOOL[bool(row.sensitive)],
        orjson.dumps({"name": app.name, "website": app.website}) if app else b"null",
        row.reblogs_count, row.favourites_count, row.replies_count, row.quotes_count,
        _status_bytes(rt, view.reblog, viewer_id, accounts) if view.reblog else b"null",
        approval)
    if viewer_id is None:
        return b"".join((*head, tail, b"}"))
    marks = _VIEWER_TAIL % (_BOOL[view.favourited], _BOOL[view.reblogged], _BOOL[view.muted], _BOOL[view.bookmarked])
    pinned = b"" if view.pinned is None else (b',"pinned":true' if view.pinned else b',"pinned":false')
    return b"".join((*head, tail, marks, pinned, b"}"))


def _quote_approval(policy: str | None) -> dict[str, Any]:
    return {
        "automatic": [policy] if policy in ("public", "followers") else [],
        "manual": [],
        "current_user": "automatic" if policy == "public" else "denied",
    }


def _status_tail(rt: Runtime, view: StatusView, viewer_id: int | None, nested) -> dict[str, Any]:
    """The fields of a status entity after its account, in order; `nested(view, page)` renders a reposted
    (page: True, sharing the page's account entities) or quoted status."""
    row = view.row
    out: dict[str, Any] = {
        "sensitive": bool(row.sensitive),
        "application": ({"name": view.application.name, "website": view.application.website}
                        if view.application else None),
        "reblogs_count": row.reblogs_count,
        "favourites_count": row.favourites_count,
        "replies_count": row.replies_count,
        "quotes_count": row.quotes_count,
        "reblog": nested(view.reblog, True) if view.reblog else None,
        "poll": poll_json(view.poll, view.poll_own_votes, viewer_id) if view.poll else None,
        "card": None,
        "text": None,
        "quote": None,
        "quote_approval": _quote_approval(row.quote_approval_policy),
    }
    if row.quote_of_id:
        state = row.quote_state or "accepted"
        quoted = view.quote
        out["quote"] = {
            "state": state if quoted is not None else "deleted",
            "quoted_status": nested(quoted, False) if quoted is not None and state == "accepted" else None,
        }
    if viewer_id is not None:
        out.update(favourited=view.favourited, reblogged=view.reblogged, muted=view.muted,
                   bookmarked=view.bookmarked)
        if view.pinned is not None:
            out["pinned"] = view.pinned
        if view.filtered:
            out["filtered"] = filter_result_json(rt, view.filtered)
    return out
