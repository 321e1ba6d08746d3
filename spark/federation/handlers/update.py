"""Update: an actor's new profile, or a new version of one of its posts (an edit, or poll tallies)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.federation import quote_stamps, urls
from spark.federation.convert import ACTOR_TYPES, POST_TYPES, as_to_actor, as_to_post, id_of, types_of
from spark.federation.handlers.common import embedded
from spark.runtime import Runtime
from spark.services import remote_accounts, remote_posts

logger = logging.getLogger(__name__)


async def handle(rt: Runtime, actor, activity: dict) -> None:
    doc = embedded(activity)
    if doc is None:
        return  # an Update names what changed; a bare id says nothing
    kinds = types_of(doc)
    if kinds & ACTOR_TYPES:
        if id_of(doc.get("id")) != actor.uri:
            return  # only an actor may change its own profile
        try:
            profile = as_to_actor(doc)
        except ValueError as error:
            logger.info("ignored actor Update from %s: %s", actor.uri, error)
            return
        async with rt.db.write() as conn:
            await remote_accounts.upsert(conn, profile)
        return
    if kinds & POST_TYPES:
        try:
            post = as_to_post(doc, followers_url=actor.followers_url)
        except ValueError:
            return
        if post.author_uri != actor.uri or urls.host_of(post.uri) != urls.host_of(actor.uri):
            return  # only the author may edit a post
        await remote_posts.edit(rt, actor, post)
        if post.quote_authorization_uri:
            await _approve_quote(rt, actor, post)


async def _approve_quote(rt: Runtime, actor, post) -> None:
    """Mastodon sends the stamp approving a quote in an Update of the quote post, once it has it."""
    async with rt.db.read() as conn:
        row = await remote_posts.by_uri(conn, post.uri)
        quoted = None
        if row is not None and row.quote_state == "pending" and row.quote_of_id is not None:
            quoted = (await conn.execute(select(t.statuses).where(t.statuses.c.id == row.quote_of_id))).first()
    if quoted is not None and await quote_stamps.approved(rt, actor, post, quoted):
        await remote_posts.approve_quote(rt, row.id)
