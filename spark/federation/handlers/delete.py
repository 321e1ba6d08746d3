"""Delete: a remote post (or Tombstone) by its author, the actor itself (everything of it goes), or a
QuoteAuthorization stamp its author withdraws (FEP-044f: the local quote it approved is revoked)."""

from __future__ import annotations

from spark.federation import urls
from spark.federation.handlers.common import bury, object_id
from spark.runtime import Runtime
from spark.services import quotes, remote_accounts, remote_posts


async def handle(rt: Runtime, actor, activity: dict) -> None:
    uri = object_id(activity)
    if uri is None or urls.host_of(uri) != urls.host_of(actor.uri):
        return  # nobody deletes another server's objects
    if uri == actor.uri:
        await remote_accounts.remove(rt, actor.id)
        return
    if not await remote_posts.delete_by_uri(rt, actor.id, uri):
        await quotes.remote_authorization_withdrawn(rt, author_id=actor.id, stamp=uri)
    # Remembered whether or not it was here: the Create may still be on its way, or be re-sent under a new
    # activity id (a retry, a relay) after the Delete; either way it must not come back (Mastodon keeps a
    # Tombstone row for the same reason).
    await bury(rt, uri)
