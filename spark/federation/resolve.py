"""Posts named by URI: local ones looked up, remote ones fetched from their origin and stored,
following reply chains to a bounded depth."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from spark.adapters.db import schema as t
from spark.domain.remote import RemotePost
from spark.federation import deref, urls
from spark.federation.convert import as_to_post
from spark.runtime import Runtime
from spark.services import remote_posts

logger = logging.getLogger(__name__)
MAX_DEPTH = 3  # parents fetched above a post (a longer thread fills in as people open it)


async def known(rt: Runtime, uri: str):
    """The stored post a URI names (local or already fetched), or None."""
    async with rt.db.read() as conn:
        local_id = urls.local_status_id(rt, uri)
        if local_id is not None:
            return (await conn.execute(select(t.statuses).where(
                t.statuses.c.id == local_id, t.statuses.c.local.is_(True)))).first()
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
    if remote.uri != uri or urls.host_of(remote.author_uri) != urls.host_of(uri) or author.uri != remote.author_uri:
        return None
    await store(rt, author, remote, depth=depth)
    return await known(rt, uri)


def _author_uri(doc: dict) -> str:
    from spark.federation.convert import id_of

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
    """Store a remote post whose origin is already checked, with its parent and quote resolved."""
    parent = await post(rt, remote.in_reply_to_uri, depth=depth + 1) if remote.in_reply_to_uri else None
    quoted = await post(rt, remote.quote_uri, depth=MAX_DEPTH) if remote.quote_uri else None
    mentioned = await mentioned_local_ids(rt, remote.mention_uris)
    async with rt.db.read() as conn:
        remote_mentioned = list((await conn.execute(select(t.accounts.c.id).where(
            t.accounts.c.uri.in_(remote.mention_uris[:50]), t.accounts.c.domain != ""))).scalars()) \
            if remote.mention_uris else []
    return await remote_posts.store(rt, author, remote, parent=parent, quoted=quoted,
                                    mentioned_ids=mentioned + remote_mentioned)
