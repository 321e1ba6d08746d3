"""Delete: a remote post (or Tombstone) by its author, or the actor itself (everything of it goes)."""

from __future__ import annotations

from spark.federation import urls
from spark.federation.handlers.common import bury, object_id
from spark.runtime import Runtime
from spark.services import remote_accounts, remote_posts


async def handle(rt: Runtime, actor, activity: dict) -> None:
    uri = object_id(activity)
    if uri is None or urls.host_of(uri) != urls.host_of(actor.uri):
        return  # nobody deletes another server's objects
    if uri == actor.uri:
        await remote_accounts.remove(rt, actor.id)
        return
    await remote_posts.delete_by_uri(rt, actor.id, uri)
    # Remembered whether or not it was here: the Create may still be on its way, or be re-sent under a new
    # activity id (a retry, a relay) after the Delete; either way it must not come back (Mastodon keeps a
    # Tombstone row for the same reason).
    await bury(rt, uri)
