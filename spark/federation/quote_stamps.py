"""Whether a remote quote post is approved by the author of the post it quotes (FEP-044f).

Other servers than the quoted post's must not believe a quote unless it quotes its own author, quotes a
post that mentions its author, or carries a stamp (a QuoteAuthorization) served by the quoted author's
server naming both posts. Quotes of local posts are approved here, by answering their QuoteRequest
(handlers/quote_request.py). Anything else stays pending, as Mastodon 4.5 shows it.
"""

from __future__ import annotations

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.domain.remote import RemotePost
from spark.federation import deref, urls
from spark.federation.convert import id_of, types_of
from spark.runtime import Runtime


async def approved(rt: Runtime, author, post: RemotePost, quoted) -> bool:
    if quoted.account_id == author.id:
        return True
    async with rt.db.read() as conn:
        if await conn.scalar(select(t.mentions.c.account_id).where(
                t.mentions.c.status_id == quoted.id, t.mentions.c.account_id == author.id)) is not None:
            return True
        quoted_author = await conn.scalar(select(t.accounts.c.uri).where(t.accounts.c.id == quoted.account_id))
    stamp = post.quote_authorization_uri
    if stamp is None or quoted.local or not quoted_author or urls.host_of(stamp) != urls.host_of(quoted_author):
        return False
    try:
        doc = await deref.fetch(rt, stamp)
    except deref.NotFound:
        return False
    return ("QuoteAuthorization" in types_of(doc) and id_of(doc.get("attributedTo")) == quoted_author
            and id_of(doc.get("interactingObject")) == post.uri and id_of(doc.get("interactionTarget")) == quoted.uri)
