"""ActivityStreams JSON <-> Spark: `account_to_actor`, `post_to_note` going out; `as_to_actor`,
`as_to_post` coming in. Incoming documents are untrusted: every field is type-checked, bounded and
sanitized here, so nothing raw reaches the services."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

import orjson

from spark.domain import html
from spark.domain.remote import (
    PUBLIC,
    RemoteActor,
    RemoteMedia,
    RemotePoll,
    RemotePost,
    visibility_from_addressing,
)
from spark.domain.visibility import Visibility
from spark.federation.urls import host_of

AS = "https://www.w3.org/ns/activitystreams"
CONTEXT = [AS, "https://w3id.org/security/v1", {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag", "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "toot": "http://joinmastodon.org/ns#", "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable", "indexable": "toot:indexable", "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"}, "votersCount": "toot:votersCount",
    "Emoji": "toot:Emoji", "schema": "http://schema.org#", "PropertyValue": "schema:PropertyValue",
    "value": "schema:value", "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
    "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote", "quoteUri": "http://fedibird.com/ns#quoteUri",
    "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
    "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
}]
POST_TYPES = frozenset({"Note", "Question", "Article", "Page", "Video", "Image", "Audio", "Event"})
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
MAX_LIST = 200  # entries read from any list in a remote document (tags, attachments, addressees)
MAX_NAME = 255


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


# --- reading untrusted JSON --------------------------------------------------------------------------
def id_of(value: Any) -> str | None:
    """The id of a reference that may be a string, an object with `id`, or a one-item list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("id") or value.get("href")
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 2048 \
        else None


def listed(value: Any) -> list:
    """A JSON value as a bounded list (AS2 allows a single value wherever a list may be)."""
    if value is None:
        return []
    return (value if isinstance(value, list) else [value])[:MAX_LIST]


def ids_of(value: Any) -> list[str]:
    out = []
    for item in listed(value):
        if isinstance(item, str) and item in ("as:Public", "Public"):
            out.append(PUBLIC)
        elif (ref := id_of(item)) is not None:
            out.append(ref)
    return out


def text_of(value: Any, limit: int = 100_000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _language_map(value: Any) -> tuple[str | None, str]:
    if isinstance(value, dict):
        for language, text in value.items():
            if isinstance(text, str) and isinstance(language, str) and len(language) <= 16:
                return language, text
    return None, ""


def time_of(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def types_of(doc: dict) -> set[str]:
    return {x for x in listed(doc.get("type")) if isinstance(x, str)}


def as_to_actor(doc: dict) -> RemoteActor:
    """A remote actor document as plain values; ValueError if it is not a usable actor."""
    uri = id_of(doc.get("id"))
    username = text_of(doc.get("preferredUsername"), 64).strip()
    if uri is None or not username or not types_of(doc) & ACTOR_TYPES:
        raise ValueError("not an actor (id, preferredUsername and an actor type are required)")
    inbox = id_of(doc.get("inbox"))
    if inbox is None:
        raise ValueError("actor has no inbox")
    key = doc.get("publicKey")
    key = key[0] if isinstance(key, list) and key else key
    key = key if isinstance(key, dict) else {}
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    fields = []
    for item in listed(doc.get("attachment")):
        if isinstance(item, dict) and item.get("type") == "PropertyValue" and len(fields) < 16:
            fields.append({"name": html.plain(text_of(item.get("name"), MAX_NAME)),
                           "value": html.sanitize(text_of(item.get("value"), 2048))})
    icon, image = doc.get("icon"), doc.get("image")
    return RemoteActor(
        uri=uri, username=username, domain=host_of(uri), actor_type=sorted(types_of(doc) & ACTOR_TYPES)[0],
        display_name=html.plain(text_of(doc.get("name"), 1024))[:MAX_NAME],
        note=html.sanitize(text_of(doc.get("summary"), 20_000)),
        url=id_of(doc.get("url")) or uri, inbox_url=inbox, shared_inbox_url=id_of(endpoints.get("sharedInbox")),
        outbox_url=id_of(doc.get("outbox")), followers_url=id_of(doc.get("followers")),
        featured_url=id_of(doc.get("featured")), key_id=id_of(key.get("id")),
        public_key_pem=text_of(key.get("publicKeyPem"), 16_384) or None,
        avatar_url=id_of(icon.get("url") if isinstance(icon, dict) else icon),
        header_url=id_of(image.get("url") if isinstance(image, dict) else image),
        locked=doc.get("manuallyApprovesFollowers") is True, discoverable=doc.get("discoverable") is True,
        indexable=doc.get("indexable") is True, fields=fields, also_known_as=ids_of(doc.get("alsoKnownAs"))[:20],
        moved_to=id_of(doc.get("movedTo")), created_at=time_of(doc.get("published")))


def _media(item: Any) -> RemoteMedia | None:
    if not isinstance(item, dict):
        return None
    url = id_of(item.get("url"))
    if url is None:
        return None
    focus = item.get("focalPoint")
    try:
        focal = (max(-1.0, min(1.0, float(focus[0]))), max(-1.0, min(1.0, float(focus[1]))))
    except (TypeError, ValueError, IndexError):
        focal = (0.0, 0.0)
    size = {k: item.get(k) if isinstance(item.get(k), int) and 0 < item.get(k) < 100_000 else None
            for k in ("width", "height")}
    description = text_of(item.get("name") or item.get("summary"), 1500) or None
    return RemoteMedia(url=url, media_type=text_of(item.get("mediaType"), 100), description=description,
                       blurhash=text_of(item.get("blurhash"), 64) or None, focus=focal, **size)


def _poll(doc: dict) -> RemotePoll | None:
    choices = doc.get("oneOf"), doc.get("anyOf")
    items = listed(choices[0] or choices[1])
    options, votes = [], []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            options.append(html.plain(item["name"])[:200])
            replies = item.get("replies") if isinstance(item.get("replies"), dict) else {}
            total = replies.get("totalItems")
            votes.append(total if isinstance(total, int) and total >= 0 else 0)
    if len(options) < 2:
        return None
    voters = doc.get("votersCount")
    return RemotePoll(options=options[:20], votes=votes[:20], multiple=bool(choices[1] and not choices[0]),
                      expires_at=time_of(doc.get("endTime") or doc.get("closed")),
                      voters_count=voters if isinstance(voters, int) and voters >= 0 else None)


def _quote_uri(doc: dict) -> str | None:
    for key in ("quote", "quoteUrl", "quoteUri", "_misskey_quote"):
        if (ref := id_of(doc.get(key))) is not None:
            return ref
    for tag in listed(doc.get("tag")):  # FEP-e232 object links
        media_type = str(tag.get("mediaType", "")) if isinstance(tag, dict) else ""
        if tag.get("type") == "Link" and ("activity+json" in media_type or "ld+json" in media_type) \
                and (ref := id_of(tag.get("href"))) is not None:
            return ref
    return None


def _emojis(doc: dict) -> list[tuple[str, str]]:
    """Custom emoji tags: (shortcode, image URL), as Mastodon and Misskey send them."""
    out = []
    for tag in listed(doc.get("tag")):
        if not isinstance(tag, dict) or tag.get("type") != "Emoji" or not isinstance(tag.get("name"), str):
            continue
        shortcode = tag["name"].strip(":")
        icon = tag.get("icon")
        url = id_of(icon.get("url") if isinstance(icon, dict) else icon)
        if url and 0 < len(shortcode) <= 64 and shortcode.replace("_", "").replace("-", "").isalnum():
            out.append((shortcode, url))
    return out[:50]


def as_to_post(doc: dict, *, followers_url: str | None = None) -> RemotePost:
    """A remote Note (or Question, Article, Page, Video…) as plain values; ValueError if unusable."""
    uri = id_of(doc.get("id"))
    author = _author_of(doc.get("attributedTo")) or id_of(doc.get("actor"))
    kinds = types_of(doc)
    if uri is None or author is None or not kinds & POST_TYPES:
        raise ValueError("not a post (id, attributedTo and an object type are required)")
    language, mapped = _language_map(doc.get("contentMap"))
    content = text_of(doc.get("content")) or mapped
    if text_of(doc.get("mediaType"), 100).lower().startswith("text/markdown"):
        # PeerTube sends its descriptions as Markdown (mediaType text/markdown): text, never markup to inject.
        content = "<p>" + "<br>".join(escape(line) for line in content.replace("\r\n", "\n").split("\n")) + "</p>"
    content = html.sanitize(content)
    if kinds & {"Article", "Page", "Video", "Image", "Audio", "Event"}:
        # Mastodon shows long-form objects as their title and a link to the original.
        title = html.plain(text_of(doc.get("name"), 500))
        link = id_of(doc.get("url")) or uri
        summary = content if "Article" not in kinds and "Page" not in kinds else ""
        content = html.sanitize(f"<p>{escape(title)}</p>{summary}<p><a href=\"{escape(link)}\">{escape(link)}</a></p>")
    to, cc = ids_of(doc.get("to")), ids_of(doc.get("cc"))
    mentions, tags = [], []
    for tag in listed(doc.get("tag")):
        if not isinstance(tag, dict):
            continue
        if tag.get("type") == "Mention" and (href := id_of(tag.get("href"))):
            mentions.append(href)
        elif tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str):
            name = tag["name"].lstrip("#").strip()
            if name and len(name) <= 128 and name.replace("_", "").isalnum():
                tags.append(name)
    name = doc.get("name")
    vote_for = id_of(doc.get("inReplyTo")) if isinstance(name, str) and not content and "Note" in kinds else None
    spoiler = html.plain(text_of(doc.get("summary"), 5000)) if "Note" in kinds or "Question" in kinds else ""
    # A `url` on another host than the id is not the post's page (an import, a relay): link to the id.
    url = id_of(doc.get("url"))
    url = url if url and host_of(url) == host_of(uri) else uri
    return RemotePost(
        uri=uri, author_uri=author, content=content, url=url, spoiler_text=spoiler,
        sensitive=doc.get("sensitive") is True or bool(spoiler),
        visibility=visibility_from_addressing(to, cc, followers_url, mentions),
        language=(text_of(doc.get("language"), 16) or language),
        in_reply_to_uri=id_of(doc.get("inReplyTo")), quote_uri=_quote_uri(doc),
        quote_authorization_uri=id_of(doc.get("quoteAuthorization") or doc.get("approvedBy")),
        published=time_of(doc.get("published")), updated=time_of(doc.get("updated")),
        mention_uris=mentions, tags=tags[:50],
        media=[m for m in (_media(a) for a in listed(doc.get("attachment"))[:16]) if m],
        poll=_poll(doc) if "Question" in kinds else None, poll_vote_for=vote_for and (name[:200] and vote_for), emojis=_emojis(doc))


def _author_of(value: Any) -> str | None:
    """attributedTo may list several (PeerTube: the Person and its channel, a Group): the actor that is a
    person (or service) is the author, else the first one."""
    for item in listed(value):
        if isinstance(item, dict) and types_of(item) & {"Person", "Service", "Application"}:
            return id_of(item)
    return id_of(value)



# --- writing ------------------------------------------------------------------------------------------
def addressing(visibility: int, *, followers: str, mentioned: list[str]) -> tuple[list[str], list[str]]:
    """(to, cc) for a post of this visibility (the table in docs.joinmastodon.org/spec/activitypub)."""
    v = Visibility(visibility)
    if v == Visibility.PUBLIC:
        return [PUBLIC], [followers, *mentioned]
    if v == Visibility.UNLISTED:
        return [followers], [PUBLIC, *mentioned]
    if v == Visibility.PRIVATE:
        return [followers], list(mentioned)
    return list(mentioned), []


def encode(document: dict) -> bytes:
    return orjson.dumps(document)
