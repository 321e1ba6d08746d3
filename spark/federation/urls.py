"""Where this server's actors, objects and activities live (Mastodon's URL layout, so links that people
copy between servers look familiar), and the reverse: which local thing a URI names."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from spark.runtime import Runtime

INSTANCE_ACTOR_ID = 0  # account_keys row of the instance actor, which signs fetches
_STATUS_PATH = re.compile(r"^/users/([^/]+)/statuses/(\d+)(?:/activity)?$")
_ACTOR_PATH = re.compile(r"^/users/([^/]+)$")
_PROFILE_STATUS_PATH = re.compile(r"^/@([^/]+)/(\d+)$")
_PROFILE_PATH = re.compile(r"^/@([^/]+)$")


def actor(rt: Runtime, username: str) -> str:
    return rt.url(f"/users/{username}")


def actor_of(rt: Runtime, row) -> str:
    """An account's actor id, local or remote."""
    return row.uri if row.domain else actor(rt, row.username)


def key_id(rt: Runtime, username: str) -> str:
    return actor(rt, username) + "#main-key"


def instance_actor(rt: Runtime) -> str:
    return rt.url("/actor")


def instance_key_id(rt: Runtime) -> str:
    return instance_actor(rt) + "#main-key"


def followers(rt: Runtime, username: str) -> str:
    return actor(rt, username) + "/followers"


def status(rt: Runtime, username: str, status_id: int) -> str:
    return actor(rt, username) + f"/statuses/{status_id}"


def quote_stamp(status_uri: str, quote_id: int) -> str:
    """The QuoteAuthorization a local post's author gives one quote of it (FEP-044f), served under the post."""
    return f"{status_uri}/quotes/{quote_id}"


def quote_request(status_uri: str) -> str:
    """The id of the QuoteRequest a local post sends for the remote post it quotes (one per post)."""
    return status_uri + "#quote_request"


def shared_inbox(rt: Runtime) -> str:
    return rt.url("/inbox")


def is_local(rt: Runtime, uri: str) -> bool:
    return host_of(uri) == rt.settings.domain.lower()


def host_of(uri: str) -> str:
    """Lower-cased host[:port] of a URI ('' when it has none): origins are compared by it."""
    try:
        parts = urlsplit(uri)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{port}" if port and port != default else host


def local_status_id(rt: Runtime, uri: str) -> int | None:
    """The id of the local post a URI names (its id or its page), else None."""
    if not is_local(rt, uri):
        return None
    path = urlsplit(uri).path
    match = _STATUS_PATH.match(path) or _PROFILE_STATUS_PATH.match(path)
    return int(match.group(2)) if match else None


def local_quote_request_status_id(rt: Runtime, uri: str) -> int | None:
    """The id of the local post whose QuoteRequest a URI names, else None."""
    status_uri, _, fragment = uri.partition("#")
    return local_status_id(rt, status_uri) if fragment == "quote_request" else None


def local_username(rt: Runtime, uri: str) -> str | None:
    """The username of the local actor a URI names (its id or its profile page), else None."""
    if not is_local(rt, uri):
        return None
    path = urlsplit(uri).path
    match = _ACTOR_PATH.match(path) or _PROFILE_PATH.match(path)
    return match.group(1) if match else None
