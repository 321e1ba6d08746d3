"""Like (and Misskey's EmojiReact, shown as a like): a remote account favourites a local post."""

from __future__ import annotations

from spark.domain.errors import SparkError
from spark.federation.convert import id_of
from spark.federation.handlers.common import buried, local_status_id, object_id
from spark.runtime import Runtime
from spark.services import interactions


async def handle(rt: Runtime, actor, activity: dict) -> None:
    status_id = await local_status_id(rt, object_id(activity))
    if status_id is None or await buried(rt, id_of(activity.get("id"))):
        return
    try:
        await interactions.favourite(rt, actor.id, status_id, uri=id_of(activity.get("id")))
    except SparkError:
        pass  # not visible to this account (private, blocked): nothing to record
