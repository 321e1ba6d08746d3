"""Looking things up on other servers: actors (by id, key id or @user@domain through WebFinger) and
objects. Every fetch is signed by the instance actor (servers in secure mode and Threads require it)
and what comes back must live on the host it was fetched from."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from cachetools import TTLCache
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from spark.adapters.db import schema as t
from spark.adapters.http import FetchError
from spark.domain.moments import aware
from spark.federation import keys, urls
from spark.federation.convert import as_to_actor, id_of
from spark.runtime import Runtime
from spark.services import remote_accounts

logger = logging.getLogger(__name__)
STALE_AFTER = timedelta(days=1)
ACCT = re.compile(r"^@?([\w.-]{1,64})@([\w.-]+(?::\d{1,5})?)$")


class NotFound(Exception):
    """The remote thing does not exist, cannot be fetched, or is not what it claims to be."""


class Offline(Exception):
    """Another server would have to be asked, in a task that may not wait on one (see `offline`)."""


_offline: ContextVar[bool] = ContextVar("spark_deref_offline", default=False)


@contextmanager
def offline() -> Iterator[None]:
    """Refuse network fetches in this block (Offline is raised): it holds the database writer, which
    must not wait on other servers."""
    token = _offline.set(True)
    try:
        yield
    finally:
        _offline.reset(token)


def require_network() -> None:
    if _offline.get():
        raise Offline("another server would have to be asked")


async def _get(rt: Runtime, uri: str) -> dict:
    if urls.is_local(rt, uri):
        raise NotFound(f"{uri} is local")
    require_network()
    try:
        return await rt.http.get_json(uri, key=await keys.instance_signing_key(rt), activitypub=True)
    except FetchError as error:
        raise NotFound(f"{uri}: {error}") from None


async def fetch(rt: Runtime, uri: str) -> dict:
    """A remote document, signed-fetched; it is believed only as served at its own id."""
    doc = await _get(rt, uri)
    found = id_of(doc.get("id"))
    if found is None or urls.host_of(found) != urls.host_of(uri):
        raise NotFound(f"{uri}: the document's id is not on the host it was fetched from")
    if found != uri:
        # Fetched by another URL (a post's web page, a same-host redirect): what it says is believed only as
        # served at its own id, or anything on the host that echoes JSON could speak for any object there.
        # Mastodon does the same (FetchResourceService); Akkoma's spoofed-object fixtures test it.
        doc = await _get(rt, found)
        if id_of(doc.get("id")) != found:
            raise NotFound(f"{uri}: the document at its own id {found} is another one")
    return doc


async def _domain_suspended(rt: Runtime, host: str) -> bool:
    async with rt.db.read() as conn:
        return await conn.scalar(select(t.federation_domains.c.severity).where(
            t.federation_domains.c.domain == host)) == "suspend"


async def actor(rt: Runtime, uri: str, *, refresh: bool = False):
    """The account row of a remote actor, fetched when unknown, stale or `refresh` asked."""
    async with rt.db.read() as conn:
        row = await remote_accounts.by_uri(conn, uri)
    fresh = row is not None and row.fetched_at is not None and \
        datetime.now(UTC) - aware(row.fetched_at) < STALE_AFTER
    if row is not None and (fresh and not refresh):
        return row
    if await _domain_suspended(rt, urls.host_of(uri)):
        raise NotFound(f"{uri}: domain suspended")
    try:
        doc = await fetch(rt, uri)
        remote = as_to_actor(doc)
    except (NotFound, ValueError) as error:
        if row is not None:
            return row  # keep what we know if the server is briefly away
        raise NotFound(str(error)) from None
    if remote.uri != uri:
        raise NotFound(f"{uri}: fetched actor has another id")
    try:
        async with rt.db.write() as conn:
            return await remote_accounts.upsert(conn, remote)
    except IntegrityError:
        # First contact often comes as a burst of parallel deliveries: another request stored this actor
        # a moment ago (PostgreSQL answered the second insert with a unique violation, and the inbox a 500).
        async with rt.db.read() as conn:
            row = await remote_accounts.by_uri(conn, uri)
        if row is None:
            raise NotFound(f"{uri}: could not be stored") from None
        return row


# Built once: every inbox POST looks its signer up (building the statement cost as much as running it, B6).
_BY_KEY_ID = select(t.accounts).where(t.accounts.c.key_id == bindparam("key_id"), t.accounts.c.domain != "")


# Signers by key id, kept a minute: every inbox request needs one, and most come from a few servers (B6: the
# lookup was a sixth of accepting an activity). A key rotated meanwhile fails its verification, and the
# caller asks again with refresh=True, which reads the row again (another process may have stored the new
# key) and else fetches the actor. What else the row holds is read again where it matters (inbox jobs).
_signers: TTLCache = TTLCache(maxsize=10_000, ttl=60)


async def actor_by_key_id(rt: Runtime, key_id: str, *, refresh: bool = False):
    """The remote account whose key signed a request: keyId is `actor#main-key` or a key document."""
    cache_key = (rt.settings.base_url, key_id)
    kept = _signers.pop(cache_key, None) if refresh else _signers.get(cache_key)
    if kept is not None and not refresh:
        return kept
    if not refresh or kept is not None:
        async with rt.db.read() as conn:
            row = (await conn.execute(_BY_KEY_ID, {"key_id": key_id})).first()
        # When refreshing a kept signer, the row may hold a newer key already (an Update of the actor, perhaps
        # handled by another process), which spares the fetch; the same key as kept is fetched again.
        if row is not None and (kept is None or row.public_key_pem != kept.public_key_pem):
            _signers[cache_key] = row
            return row
    actor_uri = key_id.split("#", 1)[0]
    async with rt.db.read() as conn:
        known = await remote_accounts.by_uri(conn, actor_uri)
    if known is None:
        doc = await fetch(rt, actor_uri)
        owner = id_of(doc.get("owner"))
        if doc.get("type") in ("Key", "CryptographicKey") and owner and urls.host_of(owner) == urls.host_of(key_id):
            actor_uri = owner
    row = await actor(rt, actor_uri, refresh=True)
    if row.key_id != key_id:
        raise NotFound(f"{key_id} is not the key of {actor_uri}")
    _signers[cache_key] = row
    return row


async def webfinger(rt: Runtime, acct: str) -> str:
    """The actor id for user@domain (RFC 7033)."""
    match = ACCT.match(acct.strip())
    if not match:
        raise NotFound(f"{acct!r} is not user@domain")
    user, domain = match.groups()
    resource = quote(f"acct:{user}@{domain}", safe=":@")
    # Servers are reached over HTTPS; plain HTTP is tried only in test networks (allow_private).
    schemes = ("https", "http") if rt.settings.federation_allow_private else ("https",)
    require_network()
    last: Exception | None = None
    for scheme in schemes:
        try:
            doc = await rt.http.get_json(f"{scheme}://{domain}/.well-known/webfinger?resource={resource}",
                                         accept="application/jrd+json, application/json")
        except FetchError as error:
            last = error
            continue
        for link in doc.get("links", []) if isinstance(doc.get("links"), list) else []:
            if isinstance(link, dict) and link.get("rel") == "self" and "json" in str(link.get("type", "")) \
                    and (href := id_of(link.get("href"))):
                return href
        raise NotFound(f"{acct}: WebFinger names no ActivityPub actor")
    raise NotFound(f"{acct}: {last}")


async def resolve_acct(rt: Runtime, acct: str):
    """A remote account by @user@domain, fetched if unknown. Mastodon's reverse check: the actor's
    preferredUsername@host must be the handle we asked for (or WebFinger there must lead back)."""
    match = ACCT.match(acct.strip())
    if not match:
        raise NotFound(f"{acct!r} is not user@domain")
    user, domain = match.groups()
    async with rt.db.read() as conn:
        row = (await conn.execute(select(t.accounts).where(
            t.accounts.c.username == user, t.accounts.c.domain == domain.lower()))).first()
    if row is not None:
        return row
    uri = await webfinger(rt, acct)
    row = await actor(rt, uri)
    if row.username.lower() == user.lower():
        # The handle's domain named this actor and the actor has that name: enough, even when the actor
        # lives on another host (Threads: acct:x@threads.net is https://www.threads.net/ap/users/x/; Misskey
        # 2024.11 briefly refused that and broke Threads interop). The account is known by its own host.
        return row
    if await webfinger(rt, f"{row.username}@{row.domain}") != uri:
        raise NotFound(f"{acct}: the actor does not claim this handle")
    return row

