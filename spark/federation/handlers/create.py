"""Create: a remote post (Note, Question, Article, Page, Video…) or a vote on a local poll.

The post must be the actor's own and live on the actor's host. It is kept when someone here has a
reason to see it: they follow the author, are mentioned, or it replies to or quotes a post here."""

from __future__ import annotations

import logging

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.domain.errors import SparkError
from spark.federation import deref, resolve, urls
from spark.federation.convert import as_to_post, types_of
from spark.federation.handlers.common import buried, embedded, has_local_followers, local_status_id, object_id
from spark.runtime import Runtime
from spark.services import polls

logger = logging.getLogger(__name__)


async def _vote(rt: Runtime, actor, question_uri: str, choice_name: str) -> None:
    status_id = await local_status_id(rt, question_uri)
    if status_id is None:
        return
    async with rt.db.read() as conn:
        poll = (await conn.execute(select(t.polls).where(t.polls.c.status_id == status_id))).first()
    if poll is None or choice_name not in poll.options:
        return
    try:
        await polls.add_remote_vote(rt, actor.id, poll.id, poll.options.index(choice_name))
    except SparkError as error:
        logger.info("remote vote refused: %s", error)


async def handle(rt: Runtime, actor, activity: dict) -> None:
    doc = embedded(activity)
    uri = object_id(activity)
    if uri is None or await buried(rt, uri):
        return
    if urls.host_of(uri) != urls.host_of(actor.uri):
        return  # an object claimed for another server: never believed
    if doc is None or not types_of(doc):
        try:
            doc = await deref.fetch(rt, uri)  # referenced by id only: fetched from its origin
        except deref.NotFound:
            return
    # As Mastodon: an object that names no author is the Create's actor's, and one without addressing is
    # addressed as its Create is (docs.joinmastodon.org/spec/activitypub; corpus file 9).
    if doc.get("attributedTo") is None:
        doc = {**doc, "attributedTo": actor.uri}
    if doc.get("to") is None and doc.get("cc") is None:
        doc = {**doc, "to": activity.get("to"), "cc": activity.get("cc")}
    try:
        post = as_to_post(doc, followers_url=actor.followers_url)
    except ValueError as error:
        logger.info("ignored Create %s: %s", uri, error)
        return
    if post.author_uri != actor.uri or post.uri != uri:
        return  # one can only create one's own posts
    if post.poll_vote_for is not None:
        await _vote(rt, actor, post.poll_vote_for, doc.get("name", ""))
        return
    if not await _wanted(rt, actor, post):
        return
    await resolve.store(rt, actor, post)


async def _wanted(rt: Runtime, actor, post) -> bool:
    if await has_local_followers(rt, actor.id):
        return True
    if await resolve.mentioned_local_ids(rt, post.mention_uris):
        return True
    return any(ref and urls.is_local(rt, ref) for ref in (post.in_reply_to_uri, post.quote_uri))
