"""Announce: a remote account reposts a post. An embedded copy of the post is never believed: the
post is looked up, or fetched from its own server."""

from __future__ import annotations

from spark.domain.errors import SparkError
from spark.domain.remote import PUBLIC
from spark.domain.visibility import Visibility
from spark.federation import resolve, urls
from spark.federation.convert import id_of, ids_of
from spark.federation.handlers.common import buried, has_local_followers, object_id
from spark.runtime import Runtime
from spark.services import interactions


async def handle(rt: Runtime, actor, activity: dict) -> None:
    announce_id, target_uri = id_of(activity.get("id")), object_id(activity)
    if announce_id is None or target_uri is None or await buried(rt, announce_id):
        return
    if not urls.is_local(rt, target_uri) and not await has_local_followers(rt, actor.id):
        return  # nobody here follows the booster: nothing to show
    target = await resolve.post(rt, target_uri)
    if target is None:
        return
    public = PUBLIC in ids_of(activity.get("to"))
    try:
        await interactions.reblog(rt, actor.id, target.id, Visibility.PUBLIC if public else Visibility.UNLISTED,
                                  remote_uri=announce_id, booster=actor)
    except SparkError:
        pass  # not a post this account may repost (private, blocked)
