"""QuoteRequest (FEP-044f, Mastodon 4.5): a remote account asks to quote a local post. The quote post is
fetched from its origin; the local post's quote policy decides; the answer is an Accept carrying a
QuoteAuthorization stamp (served at its id, see api/activitypub.py) or a Reject."""

from __future__ import annotations

from spark.federation import resolve, urls
from spark.federation.convert import id_of
from spark.federation.handlers.common import local_status_id, object_id
from spark.runtime import Runtime
from spark.services import quotes


class QuoteUnavailable(Exception):
    """The quote post, on the asker's own server, could not be fetched just now: the request is handled
    again later (the inbox job's retries) rather than refused, as a Reject would be final."""


async def handle(rt: Runtime, actor, activity: dict) -> None:
    target_id = await local_status_id(rt, object_id(activity))
    quote_uri = id_of(activity.get("instrument"))
    if target_id is None or id_of(activity.get("id")) is None:
        return
    quote = None
    if quote_uri is not None and urls.host_of(quote_uri) == urls.host_of(actor.uri):
        quote = await resolve.post(rt, quote_uri)
        if quote is None:
            raise QuoteUnavailable(quote_uri)
    await quotes.answer_remote_request(rt, target_id=target_id, quoter_id=actor.id,
                                       quote_id=quote.id if quote is not None and quote.account_id == actor.id
                                       else None, request=activity)
