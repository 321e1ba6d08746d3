"""The JSON-LD documents this server publishes: actors, posts as Notes/Questions, and the activities
that carry them. Built from what services load (account rows, StatusViews)."""

from __future__ import annotations

import mimetypes
from typing import Any

from spark.domain.visibility import Visibility
from spark.federation import keys, urls
from spark.federation.convert import AS, CONTEXT, addressing, iso
from spark.runtime import Runtime
from spark.services.views import StatusView

MIME_BY_KIND = {"image": "image/jpeg", "gifv": "video/mp4", "video": "video/mp4", "audio": "audio/mpeg"}


def _image(rt: Runtime, key: str | None) -> dict | None:
    url = rt.media.url(key)
    return {"type": "Image", "mediaType": mimetypes.guess_type(key)[0] or "image/jpeg", "url": url} if url else None


async def actor_document(rt: Runtime, row, conn=None) -> dict[str, Any]:
    """A local account as a Person (Service for bots), with the key that signs its requests."""
    _, public_pem = await keys.key_pair(rt, row.id, conn)
    actor = urls.actor(rt, row.username)
    doc: dict[str, Any] = {
        "@context": CONTEXT, "id": actor, "type": "Service" if row.bot else "Person",
        "preferredUsername": row.username, "name": row.display_name or "", "summary": row.note or "",
        "url": rt.url(f"/@{row.username}"), "inbox": actor + "/inbox", "outbox": actor + "/outbox",
        "followers": actor + "/followers", "following": actor + "/following",
        "featured": actor + "/collections/featured", "endpoints": {"sharedInbox": urls.shared_inbox(rt)},
        "manuallyApprovesFollowers": bool(row.locked), "discoverable": bool(row.discoverable),
        "indexable": bool(row.indexable), "published": iso(row.created_at),
        "publicKey": {"id": urls.key_id(rt, row.username), "owner": actor, "publicKeyPem": public_pem},
        "attachment": [{"type": "PropertyValue", "name": f.get("name", ""), "value": f.get("value", "")}
                       for f in (row.fields or [])],
        "tag": [],
    }
    if row.also_known_as:
        doc["alsoKnownAs"] = list(row.also_known_as)
    for name, key in (("icon", row.avatar_key), ("image", row.header_key)):
        if (image := _image(rt, key)) is not None:
            doc[name] = image
    return doc


async def instance_actor_document(rt: Runtime) -> dict[str, Any]:
    """The server itself (Mastodon's instance actor): signs fetches so that servers in secure mode answer."""
    _, public_pem = await keys.key_pair(rt, urls.INSTANCE_ACTOR_ID)
    actor = urls.instance_actor(rt)
    return {"@context": CONTEXT, "id": actor, "type": "Application", "preferredUsername": rt.settings.domain,
            "name": rt.settings.instance_title, "inbox": actor + "/inbox", "outbox": actor + "/outbox",
            "endpoints": {"sharedInbox": urls.shared_inbox(rt)}, "manuallyApprovesFollowers": True,
            "url": rt.url("/about"),
            "publicKey": {"id": urls.instance_key_id(rt), "owner": actor, "publicKeyPem": public_pem}}


def _mention_name(rt: Runtime, account) -> str:
    return f"@{account.username}@{account.domain or rt.settings.domain}"


def note_document(rt: Runtime, view: StatusView, *, parent_uri: str | None = None,
                  quote_uri: str | None = None, context: bool = True) -> dict[str, Any]:
    """A local post as a Note (a Question when it has a poll)."""
    row, author = view.row, view.account
    mentioned = [urls.actor_of(rt, a) for a in view.mentions]
    to, cc = addressing(row.visibility, followers=urls.followers(rt, author.username), mentioned=mentioned)
    note: dict[str, Any] = {
        "id": urls.status(rt, author.username, row.id), "type": "Question" if view.poll else "Note",
        "attributedTo": urls.actor(rt, author.username), "content": row.content,
        "contentMap": {row.language: row.content} if row.language else None,
        "summary": row.spoiler_text or None, "sensitive": bool(row.sensitive), "published": iso(row.created_at),
        "updated": iso(row.edited_at) if row.edited_at else None, "url": rt.url(f"/@{author.username}/{row.id}"),
        "inReplyTo": parent_uri, "to": to, "cc": cc,
        "attachment": [_attachment(rt, m) for m in view.media],
        "tag": [{"type": "Mention", "href": href, "name": _mention_name(rt, a)}
                for a, href in zip(view.mentions, mentioned, strict=True)]
        + [{"type": "Hashtag", "href": rt.url(f"/tags/{name}"), "name": f"#{name}"} for name in view.tags],
        "replies": {"id": urls.status(rt, author.username, row.id) + "/replies", "type": "Collection",
                    "totalItems": row.replies_count},
    }
    if quote_uri:
        # Mastodon 4.5 and FEP-044f read `quote`; Misskey `_misskey_quote`; FEP-e232 a Link tag.
        note.update(quote=quote_uri, _misskey_quote=quote_uri, quoteUri=quote_uri)
        note["tag"].append({"type": "Link", "mediaType": 'application/ld+json; profile="' + AS + '"',
                            "href": quote_uri, "name": f"RE: {quote_uri}"})
        if row.quote_state == "accepted":
            # The stamp third parties check (federation/quote_stamps.py): the remote author's, or, for a
            # quote of a post here, the one this server serves for it (api/activitypub.py).
            note["quoteAuthorization"] = row.quote_authorization_uri or (
                urls.quote_stamp(quote_uri, row.id) if urls.is_local(rt, quote_uri) else None)
    if view.poll:
        poll = view.poll
        note["oneOf" if not poll.multiple else "anyOf"] = [
            {"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": count}}
            for title, count in zip(poll.options, poll.votes, strict=False)]
        note["endTime"] = iso(poll.expires_at)
        note["votersCount"] = poll.voters_count
    if context:
        note["@context"] = CONTEXT
    return {k: v for k, v in note.items() if v is not None}


def _attachment(rt: Runtime, media) -> dict[str, Any]:
    url = rt.media.url(media.file_key) or media.remote_url
    guessed = mimetypes.guess_type(media.file_key or media.remote_url or "")[0]
    out = {"type": "Document", "mediaType": guessed or MIME_BY_KIND.get(media.type, "application/octet-stream"),
           "url": url, "name": media.description, "blurhash": media.blurhash,
           "focalPoint": [media.focus_x / 1000, media.focus_y / 1000]}
    meta = media.meta or {}
    original = meta.get("original") if isinstance(meta.get("original"), dict) else {}
    if original.get("width"):
        out.update(width=original["width"], height=original.get("height"))
    return {k: v for k, v in out.items() if v is not None}


def activity(kind: str, activity_id: str, actor: str, obj: Any, *, to: list[str] | None = None,
             cc: list[str] | None = None, **extra) -> dict[str, Any]:
    out = {"@context": CONTEXT, "id": activity_id, "type": kind, "actor": actor, "object": obj}
    if to is not None:
        out["to"] = to
    if cc is not None:
        out["cc"] = cc
    out.update(extra)
    return out


def create(note: dict[str, Any]) -> dict[str, Any]:
    note = {k: v for k, v in note.items() if k != "@context"}
    return activity("Create", note["id"] + "/activity", note["attributedTo"], note, to=note["to"], cc=note["cc"],
                    published=note.get("published"))


def announce_addressing(rt: Runtime, booster, original_author, visibility: int) -> tuple[list, list]:
    followers = urls.followers(rt, booster.username)
    original = urls.actor_of(rt, original_author)
    if Visibility(visibility) == Visibility.PUBLIC:
        return [addressing(0, followers=followers, mentioned=[])[0][0]], [original, followers]
    return [followers], [original]
