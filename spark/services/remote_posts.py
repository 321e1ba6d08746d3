"""Posts from other servers: stored once per uri with what they cause here (home feeds of local
followers, mention notifications, thread counters), edited and deleted only by their author."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, or_, select, update

from spark.adapters.db import schema as t
from spark.adapters.db import search_index
from spark.adapters.db.functions import insert_ignore, lock_key
from spark.domain.ids import new_id
from spark.domain.moments import aware
from spark.domain.remote import RemotePost
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import conversations, events, notifications
from spark.services.posting import count_post, distribute, remove_rows, tag_ids

# Built once: storing inbound posts runs these for each (building one cost as much as running it, B6).
_BY_URI = select(t.statuses).where(t.statuses.c.uri == bindparam("uri"))
_URI_OR_ID = select(t.statuses.c.id, t.statuses.c.uri).where(
    or_(t.statuses.c.uri == bindparam("uri"), t.statuses.c.id == bindparam("id")))
_ORPHANS = select(t.statuses.c.id).where(t.statuses.c.in_reply_to_uri == bindparam("uri"))
_INSERT = t.statuses.insert()


async def by_uri(conn, uri: str):
    return (await conn.execute(_BY_URI, {"uri": uri})).first()


async def _media(conn, author_id: int, status_id: int, post: RemotePost) -> None:
    for position, media in enumerate(post.media[:16]):
        meta = {"original": {"width": media.width, "height": media.height}} if media.width else {}
        await conn.execute(t.media_attachments.insert().values(
            id=new_id(), account_id=author_id, status_id=status_id, type=media.kind, remote_url=media.url,
            description=media.description, blurhash=media.blurhash, focus_x=int(media.focus[0] * 1000),
            focus_y=int(media.focus[1] * 1000), meta=meta, position=position, created_at=datetime.now(UTC)))


async def _emojis(conn, domain: str, post: RemotePost) -> None:
    """The post's custom emoji, kept per (shortcode, server) with their latest image URL."""
    for shortcode, url in post.emojis:
        await conn.execute(insert_ignore(conn, t.custom_emojis, id=new_id(), shortcode=shortcode, domain=domain,
                                         remote_url=url, visible_in_picker=False))
        await conn.execute(update(t.custom_emojis).where(
            t.custom_emojis.c.shortcode == shortcode, t.custom_emojis.c.domain == domain,
            t.custom_emojis.c.remote_url != url).values(remote_url=url))


async def _poll(conn, author_id: int, status_id: int, post: RemotePost) -> int | None:
    if post.poll is None:
        return None
    poll_id = new_id()
    await conn.execute(t.polls.insert().values(
        id=poll_id, status_id=status_id, account_id=author_id, options=post.poll.options, votes=post.poll.votes,
        multiple=post.poll.multiple, votes_count=sum(post.poll.votes), voters_count=post.poll.voters_count or 0,
        expires_at=post.poll.expires_at, ended_notified=True, created_at=datetime.now(UTC)))
    return poll_id


async def quote_accepted(conn, *, quote_id: int, quoted, quoter_id: int) -> None:
    """A quote's approval counts on the quoted post and tells its author."""
    await conn.execute(update(t.statuses).where(t.statuses.c.id == quoted.id).values(
        quotes_count=t.statuses.c.quotes_count + 1))
    await notifications.notify(conn, recipient_id=quoted.account_id, from_account_id=quoter_id,
                               type="quote", status_id=quote_id)


async def approve_quote(rt: Runtime, quote_id: int) -> bool:
    """A pending remote quote approved later (a stamp in an Update): accepted, counted, notified."""
    async with rt.db.write() as conn:
        quote = (await conn.execute(select(t.statuses).where(t.statuses.c.id == quote_id))).first()
        if quote is None or quote.quote_state != "pending" or quote.quote_of_id is None:
            return False
        quoted = (await conn.execute(select(t.statuses).where(t.statuses.c.id == quote.quote_of_id))).first()
        await conn.execute(update(t.statuses).where(t.statuses.c.id == quote.id).values(quote_state="accepted"))
        await quote_accepted(conn, quote_id=quote.id, quoted=quoted, quoter_id=quote.account_id)
        return True


async def store(rt: Runtime, author, post: RemotePost, *, parent=None, quoted=None, quote_approved: bool = False,
                mentioned_ids: list[int] = ()) -> int:
    """Store a remote post (once: a second delivery returns the first copy's id). A quote the quoted
    post's author has not approved (federation/quote_stamps.py) is kept pending."""
    async with rt.db.write() as conn:
        # Its Create and a fetch of it (a QuoteRequest naming it, a reply) may be handled at the same time.
        await lock_key(conn, "status:" + post.uri)
        now = datetime.now(UTC)
        published = min(post.published or now, now)
        status_id = new_id(at_ms=int(published.timestamp() * 1000))
        # Ids follow the post's own time, so timelines sort by it; many servers publish whole seconds,
        # so ids made for the same moment can meet: take the next free one. The same statement tells
        # whether the post is here already.
        while found := (await conn.execute(_URI_OR_ID, {"uri": post.uri, "id": status_id})).all():
            if (existing_id := next((row.id for row in found if row.uri == post.uri), None)) is not None:
                return existing_id
            status_id = new_id(at_ms=int(published.timestamp() * 1000))
        poll_id = await _poll(conn, author.id, status_id, post)
        await conn.execute(_INSERT, dict(
            id=status_id, account_id=author.id, local=False, uri=post.uri, url=post.url,
            in_reply_to_id=parent.id if parent else None, in_reply_to_account_id=parent.account_id if parent else None,
            in_reply_to_uri=None if parent else post.in_reply_to_uri,
            conversation_id=(parent.conversation_id or parent.id) if parent else status_id,
            quote_of_id=quoted.id if quoted else None,
            quote_state=("accepted" if quote_approved else "pending") if quoted else None,
            content=post.content, spoiler_text=post.spoiler_text, sensitive=post.sensitive,
            visibility=int(post.visibility), language=post.language, poll_id=poll_id, created_at=published,
            edited_at=post.updated if post.updated and post.updated > published else None))
        await search_index.put(conn, [(status_id, post.spoiler_text, post.content)])
        await _media(conn, author.id, status_id, post)
        await _emojis(conn, author.domain, post)
        await _adopt_replies(conn, status_id, author.id, post.uri,
                             (parent.conversation_id or parent.id) if parent else status_id)
        for account_id in mentioned_ids:
            await conn.execute(t.mentions.insert().values(status_id=status_id, account_id=account_id))
        for tag_id in await tag_ids(conn, post.tags):
            await conn.execute(t.status_tags.insert().values(status_id=status_id, tag_id=tag_id))
        await count_post(conn, author.id, now)
        if parent:
            await conn.execute(update(t.statuses).where(t.statuses.c.id == parent.id).values(
                replies_count=t.statuses.c.replies_count + 1))
        if quoted and quote_approved:
            await quote_accepted(conn, quote_id=status_id, quoted=quoted, quoter_id=author.id)
        for account_id in mentioned_ids:
            await notifications.notify(conn, recipient_id=account_id, from_account_id=author.id,
                                       type="mention", status_id=status_id)
        await distribute(rt, conn, status_id=status_id, author=author, visibility=int(post.visibility),
                         is_reblog=False, tags=post.tags, mentioned_ids=list(mentioned_ids), local=False)
        if post.visibility == Visibility.DIRECT:
            await conversations.direct_posted(conn, status_id=status_id, author_id=author.id,
                                              conversation_id=(parent.conversation_id or parent.id) if parent
                                              else status_id, mentioned_ids=list(mentioned_ids))
        return status_id


async def _adopt_replies(conn, status_id: int, author_id: int, uri: str, conversation_id: int) -> None:
    """Replies that arrived before this post (its server could not be asked then) join its thread."""
    orphans = (await conn.execute(_ORPHANS, {"uri": uri})).scalars().all()
    if not orphans:
        return
    await conn.execute(update(t.statuses).where(t.statuses.c.id.in_(orphans)).values(
        in_reply_to_id=status_id, in_reply_to_account_id=author_id, in_reply_to_uri=None,
        conversation_id=conversation_id))
    await conn.execute(update(t.statuses).where(t.statuses.c.id == status_id).values(
        replies_count=t.statuses.c.replies_count + len(orphans)))


async def edit(rt: Runtime, author, post: RemotePost) -> bool:
    """Apply an Update from the post's author; False when the post is unknown (or not theirs). Only a new
    text, warning, media or poll options is an edit, kept in the history with the first version and
    shown as edited (as Mastodon does); an Update bringing only new poll tallies just updates them."""
    async with rt.db.write() as conn:
        row = await by_uri(conn, post.uri)
        if row is None or row.account_id != author.id:
            return False
        if post.updated and row.edited_at and post.updated <= aware(row.edited_at):
            return True  # an older or repeated Update
        poll = (await conn.execute(select(t.polls).where(t.polls.c.id == row.poll_id))).first() if row.poll_id else None
        if poll is not None and post.poll:
            await conn.execute(update(t.polls).where(t.polls.c.id == poll.id).values(
                votes=post.poll.votes, votes_count=sum(post.poll.votes),
                voters_count=post.poll.voters_count or 0, expires_at=post.poll.expires_at))
        media = (await conn.execute(select(t.media_attachments.c.remote_url,
                                           t.media_attachments.c.description)
                                    .where(t.media_attachments.c.status_id == row.id)
                                    .order_by(t.media_attachments.c.position))).all()
        old_options = list(poll.options) if poll is not None else None
        if (post.content, post.spoiler_text, post.sensitive, [(m.url, m.description) for m in post.media[:16]],
                post.poll.options if post.poll else None) == (
                row.content, row.spoiler_text or "", bool(row.sensitive), [(m.remote_url, m.description) for m in media],
                old_options):
            return True
        now = datetime.now(UTC)
        if not await conn.scalar(select(t.status_edits.c.id).where(t.status_edits.c.status_id == row.id).limit(1)):
            await conn.execute(t.status_edits.insert().values(
                id=new_id(at_ms=int(aware(row.created_at).timestamp() * 1000)), status_id=row.id, account_id=author.id,
                text="", content=row.content, spoiler_text=row.spoiler_text, sensitive=row.sensitive,
                media_ids=[], poll_options=old_options, created_at=row.created_at))
        await conn.execute(t.status_edits.insert().values(
            id=new_id(), status_id=row.id, account_id=author.id, text="", content=post.content,
            spoiler_text=post.spoiler_text, sensitive=post.sensitive, media_ids=[],
            poll_options=post.poll.options if post.poll else None, created_at=now))
        await conn.execute(delete(t.media_attachments).where(t.media_attachments.c.status_id == row.id))
        await _media(conn, author.id, row.id, post)
        await _emojis(conn, author.domain, post)
        await conn.execute(update(t.statuses).where(t.statuses.c.id == row.id).values(
            content=post.content, spoiler_text=post.spoiler_text, sensitive=post.sensitive,
            edited_at=min(post.updated or now, now)))
        await search_index.put(conn, [(row.id, post.spoiler_text, post.content)])
        await events.status_edited(conn, row=row, tags=post.tags)
        return True


async def delete_by_uri(rt: Runtime, author_id: int, uri: str) -> bool:
    """Delete a remote post or repost by its author; False when there is nothing to delete."""
    async with rt.db.write() as conn:
        row = await by_uri(conn, uri)
        if row is None or row.account_id != author_id:
            return False
        await remove_rows(conn, [row])
        return True

