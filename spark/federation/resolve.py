"""Posts named by URI: local ones looked up, remote ones fetched from their origin and stored,
following reply chains to a bounded depth."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import bindparam, func, select

from spark.adapters.db import schema as t
from spark.domain.remote import RemotePost
from spark.federation import deref, quote_stamps, urls
from spark.federation.convert import as_to_post, id_of
from spark.runtime import Runtime
from spark.services import remote_posts

logger = logging.getLogger(__name__)
MAX_DEPTH = 3  # parents fetched above a post (a longer thread fills in as people open it)
MAX_MENTION_FETCHES = 5  # unknown accounts a post mentions that are fetched when it is stored


_LOCAL = select(t.statuses).where(t.statuses.c.id == bindparam("id"), t.statuses.c.local.is_(True))  # built once


async def known(rt: Runtime, uri: str):
    """The stored post a URI names (local or already fetched), or None."""
    async with rt.db.read() as conn:
        local_id = urls.local_status_id(rt, uri)
        if local_id is not None:
            return (await conn.execute(_LOCAL, {"id": local_id})).first()
        return await remote_posts.by_uri(conn, uri)


async def post(rt: Runtime, uri: str, *, depth: int = 0):
    """The post a URI names, fetched and stored when unknown; None if it cannot be had."""
    row = await known(rt, uri)
    if row is not None or urls.is_local(rt, uri) or depth > MAX_DEPTH:
        return row
    try:
        doc = await deref.fetch(rt, uri)
        author = await deref.actor(rt, _author_uri(doc))
        remote = as_to_post(doc, followers_url=author.followers_url)
    except (deref.NotFound, ValueError) as error:
        logger.info("cannot resolve post %s: %s", uri, error)
        return None
    # deref.fetch checked that the document is the one served at its own id, on the host asked; `uri` may
    # have been another name for it (its web page), so it is stored and found by that id.
    if urls.host_of(remote.uri) != urls.host_of(uri) or urls.host_of(remote.author_uri) != urls.host_of(uri) \
            or author.uri != remote.author_uri:
        return None
    if remote.uri != uri and (row := await known(rt, remote.uri)) is not None:
        return row
    await store(rt, author, remote, depth=depth)
    return await known(rt, remote.uri)


def _author_uri(doc: dict) -> str:
    author = id_of(doc.get("attributedTo"))
    if author is None:
        raise ValueError("post without attributedTo")
    return author


async def mentioned_local_ids(rt: Runtime, mention_uris: list[str]) -> list[int]:
    """Local accounts among a post's mentions (named by actor id or profile URL)."""
    names = [n for n in (urls.local_username(rt, u) for u in mention_uris) if n]
    if not names:
        return []
    async with rt.db.read() as conn:
        return list((await conn.execute(select(t.accounts.c.id).where(
            func.lower(t.accounts.c.username).in_([n.lower() for n in names]), t.accounts.c.domain == ""))).scalars())


async def store(rt: Runtime, author, remote: RemotePost, *, depth: int = 0) -> int:
    """Store a remote post whose origin is already checked, with its parent and quote resolved (a post
    already here, delivered again, is not: nothing would change). A post with neither is not looked up
    first: remote_posts.store finds it in its own transaction."""
    if (remote.in_reply_to_uri or remote.quote_uri) and (existing := await known(rt, remote.uri)) is not None:
        return existing.id
    parent = await post(rt, remote.in_reply_to_uri, depth=depth + 1) \
        if remote.in_reply_to_uri and remote.in_reply_to_uri != remote.uri else None
    # A quoted post is fetched, but not what it quotes or replies to in turn: from MAX_DEPTH on, `post`
    # only looks things up. (It used to pass MAX_DEPTH itself, so a post quoting itself, corpus file 13,
    # was fetched again at every level, without end.)
    quoted = await post(rt, remote.quote_uri, depth=max(depth + 1, MAX_DEPTH)) \
        if remote.quote_uri and remote.quote_uri != remote.uri else None  # a self-quote is not fetched again
    mentioned = await mentioned_local_ids(rt, remote.mention_uris)
    remote_mentioned = await _remote_mentioned_ids(rt, remote.mention_uris)
    approved = quoted is not None and await quote_stamps.approved(rt, author, remote, quoted)
    return await remote_posts.store(rt, author, remote, parent=parent, quoted=quoted, quote_approved=approved,
                                    mentioned_ids=mentioned + remote_mentioned)


async def _remote_mentioned_ids(rt: Runtime, mention_uris: list[str]) -> list[int]:
    """Remote accounts a post mentions; a few unknown ones are fetched (as Mastodon does), so that the
    post shows whom it mentions (corpus files 5, 11, 16). Bounded: a post may name thousands."""
    uris = [u for u in dict.fromkeys(mention_uris[:50]) if not urls.is_local(rt, u)]
    if not uris:
        return []
    async with rt.db.read() as conn:
        known = dict((await conn.execute(select(t.accounts.c.uri, t.accounts.c.id).where(
            t.accounts.c.uri.in_(uris), t.accounts.c.domain != ""))).all())

    async def fetch(uri: str) -> None:
        try:
            known[uri] = (await deref.actor(rt, uri)).id
        except deref.NotFound as error:
            logger.info("mentioned account %s not found: %s", uri, error)

    unknown = [u for u in uris if u not in known][:MAX_MENTION_FETCHES]
    if unknown:
        deref.require_network()  # before any task is started: they would share a batch's connection
    # concurrently: one slow server costs one timeout, not five
    await asyncio.gather(*(fetch(u) for u in unknown))
    return [known[u] for u in uris if u in known]
