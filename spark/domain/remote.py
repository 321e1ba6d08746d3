"""What other servers tell us, once converted from ActivityStreams: plain values, no JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from spark.domain.visibility import Visibility

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})


@dataclass(frozen=True)
class RemoteActor:
    uri: str
    username: str
    domain: str
    actor_type: str = "Person"
    display_name: str = ""
    note: str = ""  # sanitized HTML
    url: str | None = None
    inbox_url: str | None = None
    shared_inbox_url: str | None = None
    outbox_url: str | None = None
    followers_url: str | None = None
    featured_url: str | None = None
    key_id: str | None = None
    public_key_pem: str | None = None
    avatar_url: str | None = None
    header_url: str | None = None
    locked: bool = False
    discoverable: bool = False
    indexable: bool = False
    fields: list[dict] = field(default_factory=list)  # {"name", "value"(sanitized html)}
    also_known_as: list[str] = field(default_factory=list)
    moved_to: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class RemoteMedia:
    url: str
    media_type: str = ""
    description: str | None = None
    blurhash: str | None = None
    width: int | None = None
    height: int | None = None
    focus: tuple[float, float] = (0.0, 0.0)

    @property
    def kind(self) -> str:
        major = self.media_type.split("/")[0]
        if self.media_type == "image/gif":
            return "gifv"
        return {"image": "image", "video": "video", "audio": "audio"}.get(major, "unknown")


@dataclass(frozen=True)
class RemotePoll:
    options: list[str]
    votes: list[int]
    multiple: bool
    expires_at: datetime | None
    voters_count: int | None = None


@dataclass(frozen=True)
class RemotePost:
    uri: str
    author_uri: str
    content: str  # sanitized HTML
    url: str | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: Visibility = Visibility.PUBLIC
    language: str | None = None
    in_reply_to_uri: str | None = None
    quote_uri: str | None = None
    quote_authorization_uri: str | None = None  # FEP-044f: the quoted author's stamp approving this quote
    published: datetime | None = None
    updated: datetime | None = None
    mention_uris: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    media: list[RemoteMedia] = field(default_factory=list)
    poll: RemotePoll | None = None
    poll_vote_for: str | None = None  # a vote: Note{name, inReplyTo: question}
    emojis: list[tuple[str, str]] = field(default_factory=list)  # custom emoji: (shortcode, image URL)


def visibility_from_addressing(to: list[str], cc: list[str], followers_url: str | None,
                               mentioned: list[str]) -> Visibility:
    """Mastodon's rules: Public in `to` = public, in `cc` = unlisted; the followers collection =
    followers-only; otherwise direct (docs.joinmastodon.org/spec/activitypub/#visibility)."""
    if any(a in PUBLIC_ALIASES for a in to):
        return Visibility.PUBLIC
    if any(a in PUBLIC_ALIASES for a in cc):
        return Visibility.UNLISTED
    if followers_url and followers_url in (*to, *cc):
        return Visibility.PRIVATE
    if any(a.endswith("/followers") for a in (*to, *cc)):
        return Visibility.PRIVATE
    return Visibility.DIRECT
