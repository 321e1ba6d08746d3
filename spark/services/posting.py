"""Writing posts: publish (with replies, mentions, tags, media, polls, quotes), edit and delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, true, update
from sqlalchemy.exc import IntegrityError

from spark.adapters import jobs_sql
from spark.adapters.db import schema as t
from spark.adapters.db import search_index
from spark.adapters.db.functions import greatest as greatest_of
from spark.adapters.db.functions import insert_ignore
from spark.domain import text as text_rules
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.domain.posts import Draft, Limits, quote_allowed, validate
from spark.domain.visibility import Visibility
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services import conversations, events, feeds, idempotency, notifications
from spark.services.statuses import get_row, visible_row


def limits(rt: Runtime) -> Limits:
    s = rt.settings
    return Limits(max_chars=s.max_status_chars, max_media=s.max_media_attachments,
                  max_poll_options=s.max_poll_options, max_poll_option_chars=s.max_poll_option_chars,
                  min_poll_expiration=s.min_poll_expiration, max_poll_expiration=s.max_poll_expiration)


async def _accounts_by_handle(conn, mentions: list, own_domain: str) -> dict[tuple[str, str], object]:
    """Known accounts, local and remote, keyed by (lower username, domain or "")."""
    wanted = {(m.username.lower(), "" if m.domain in (None, own_domain) else m.domain.lower()) for m in mentions}
    if not wanted:
        return {}
    rows = (await conn.execute(select(t.accounts).where(
        func.lower(t.accounts.c.username).in_([u for u, _ in wanted]),
        t.accounts.c.domain.in_({d for _, d in wanted}), t.accounts.c.suspended_at.is_(None)))).all()
    return {(row.username.lower(), row.domain): row for row in rows}


async def resolve_mentions(rt: Runtime, text: str) -> None:
    """Look up @user@domain handles this server has not met yet, before the post is written, so the
    post can link and address them (as Mastodon does); handles that cannot be found stay plain text."""
    from spark.federation import deref

    own_domain = rt.settings.domain.lower()
    remote = [m for m in text_rules.parse(text).mentions if m.domain not in (None, own_domain)][:10]
    if not remote:
        return
    async with rt.db.read() as conn:
        known = await _accounts_by_handle(conn, remote, own_domain)
    for mention in remote:
        if (mention.username.lower(), mention.domain.lower()) not in known:
            try:
                await deref.resolve_acct(rt, f"{mention.username}@{mention.domain}")
            except deref.NotFound:
                pass


async def render_text(rt: Runtime, conn, text: str) -> tuple[str, list, list[str]]:
    """HTML for a post's text, with the accounts it mentions (local and known remote) and its hashtags."""
    parsed = text_rules.parse(text)
    own_domain = rt.settings.domain.lower()
    known = await _accounts_by_handle(conn, parsed.mentions, own_domain)

    def account_for(mention):
        return known.get((mention.username.lower(), "" if mention.domain in (None, own_domain)
                          else mention.domain.lower()))

    def mention_url(mention):
        row = account_for(mention)
        return (row.url or rt.url(f"/@{row.username}")) if row else None

    html = text_rules.render(text, mention_url=mention_url, tag_url=lambda name: rt.url(f"/tags/{name}"))
    mentioned = list({row.id: row for m in parsed.mentions for row in [account_for(m)] if row}.values())
    return html, mentioned, parsed.tags


_TAG_ID = select(t.tags.c.id).where(t.tags.c.name == bindparam("name"))


async def tag_ids(conn, names: list[str]) -> list[int]:
    """The ids of hashtags, new ones created. Two posts may bring the same new hashtag at once (on
    PostgreSQL): the first insert wins, and the other post waits for it and uses its row."""
    ids = []
    for name in names[:50]:
        lower = name.lower()
        existing = await conn.scalar(_TAG_ID, {"name": lower})
        if existing is None:
            await conn.execute(insert_ignore(conn, t.tags, id=new_id(), name=lower, display_name=name,
                                             created_at=datetime.now(UTC)))
            existing = await conn.scalar(_TAG_ID, {"name": lower})
        ids.append(existing)
    return ids


_COUNT_POST = update(t.accounts).where(t.accounts.c.id == bindparam("author")).values(
    statuses_count=t.accounts.c.statuses_count + 1, last_status_at=bindparam("at"))


async def count_post(conn, author_id: int, at: datetime) -> None:
    """One more post (or repost) by the author, its latest at `at`. Built once: every post, repost and
    inbound Create or Announce runs it, and building it cost as much as running it (B6)."""
    await conn.execute(_COUNT_POST, {"author": author_id, "at": at})


async def _attach_media(conn, author_id: int, status_id: int, media_ids: list[int]) -> None:
    if not media_ids:
        return
    rows = (await conn.execute(select(t.media_attachments).where(t.media_attachments.c.id.in_(media_ids)))).all()
    by_id = {r.id: r for r in rows}
    for position, media_id in enumerate(media_ids):
        row = by_id.get(media_id)
        if row is None or row.account_id != author_id or row.status_id not in (None, status_id):
            raise Invalid("Validation failed: Media attachments are invalid (unknown or already attached)")
        await conn.execute(update(t.media_attachments).where(t.media_attachments.c.id == media_id)
                           .values(status_id=status_id, position=position))


async def _follows(conn, follower: int, target: int) -> bool:
    return bool(await conn.scalar(select(func.count()).select_from(t.follows).where(
        t.follows.c.account_id == follower, t.follows.c.target_account_id == target)))


async def publish(rt: Runtime, author_id: int, draft: Draft, *, application_id: int | None = None,
                  idempotency_key: str | None = None) -> int:
    """Create a post and everything it causes (counters, notifications, fan-out); returns its id."""
    validate(draft, limits(rt))
    await resolve_mentions(rt, draft.text)
    try:
        async with rt.db.write() as conn:
            if idempotency_key:
                made = await idempotency.earlier(conn, author_id, idempotency_key)
                if made is not None and await get_row(conn, made) is not None:
                    return made
            status_id = await _insert_post(rt, conn, author_id, draft, application_id)
            if idempotency_key:
                await idempotency.remember(conn, author_id, idempotency_key, status_id=status_id)
            return status_id
    except IntegrityError:
        raise Invalid("Validation failed: the post conflicts with stored data") from None


async def _insert_post(rt: Runtime, conn, author_id: int, draft: Draft, application_id: int | None) -> int:
    now = datetime.now(UTC)
    status_id = new_id()
    author = (await conn.execute(select(t.accounts).where(t.accounts.c.id == author_id))).first()
    parent = None
    if draft.in_reply_to_id is not None:
        parent = await visible_row(conn, draft.in_reply_to_id, author_id)
        if parent.reblog_of_id:
            raise Invalid("Validation failed: cannot reply to a repost")
    quoted = None
    if draft.quoted_status_id is not None:
        quoted = await visible_row(conn, draft.quoted_status_id, author_id)
        if quoted.reblog_of_id:
            quoted = await visible_row(conn, quoted.reblog_of_id, author_id)
        if Visibility(quoted.visibility) > Visibility.UNLISTED and quoted.account_id != author_id:
            raise Invalid("Validation failed: Quoted status is not visible to everyone")
        if not quote_allowed(quoted.quote_approval_policy, quoter_id=author_id, author_id=quoted.account_id,
                             quoter_follows_author=await _follows(conn, author_id, quoted.account_id)):
            raise Invalid("Validation failed: Quoting this post is not allowed by its author")

    html, mentioned, tags = await render_text(rt, conn, draft.text)
    poll_id = new_id() if draft.poll else None
    conversation_id = (parent.conversation_id or parent.id) if parent else status_id  # the thread's root
    await conn.execute(t.statuses.insert().values(
        id=status_id, account_id=author_id, local=True,
        uri=rt.url(f"/users/{author.username}/statuses/{status_id}"), url=rt.url(f"/@{author.username}/{status_id}"),
        in_reply_to_id=parent.id if parent else None, in_reply_to_account_id=parent.account_id if parent else None,
        conversation_id=conversation_id,
        quote_of_id=quoted.id if quoted else None, quote_state=_quote_state(quoted),
        quote_approval_policy=draft.quote_approval_policy, text=draft.text, content=html,
        spoiler_text=draft.spoiler_text, sensitive=draft.sensitive or bool(draft.spoiler_text),
        visibility=int(draft.visibility), language=draft.language, application_id=application_id,
        poll_id=poll_id, created_at=now))
    await search_index.put(conn, [(status_id, draft.spoiler_text, html)])
    await _attach_media(conn, author_id, status_id, draft.media_ids)
    if draft.poll:
        await conn.execute(t.polls.insert().values(
            id=poll_id, status_id=status_id, account_id=author_id, options=draft.poll.options,
            votes=[0] * len(draft.poll.options), multiple=draft.poll.multiple, hide_totals=draft.poll.hide_totals,
            expires_at=now + timedelta(seconds=draft.poll.expires_in), created_at=now))
    for account in mentioned:
        await conn.execute(t.mentions.insert().values(status_id=status_id, account_id=account.id))
    for tag_id in await tag_ids(conn, tags):
        await conn.execute(t.status_tags.insert().values(status_id=status_id, tag_id=tag_id))
    await count_post(conn, author_id, now)
    if parent:
        await conn.execute(update(t.statuses).where(t.statuses.c.id == parent.id).values(
            replies_count=t.statuses.c.replies_count + 1))
    if quoted and quoted.local:
        await conn.execute(update(t.statuses).where(t.statuses.c.id == quoted.id).values(
            quotes_count=t.statuses.c.quotes_count + 1))
        await notifications.notify(conn, recipient_id=quoted.account_id, from_account_id=author_id,
                                   type="quote", status_id=status_id)
    for account in mentioned:
        await notifications.notify(conn, recipient_id=account.id, from_account_id=author_id,
                                   type="mention", status_id=status_id)
    if draft.visibility <= Visibility.PRIVATE and not parent:
        subscribers = (await conn.execute(select(t.follows.c.account_id).where(
            t.follows.c.target_account_id == author_id, t.follows.c.notify == true()))).scalars().all()
        for subscriber in subscribers:
            await notifications.notify(conn, recipient_id=subscriber, from_account_id=author_id,
                                       type="status", status_id=status_id)
    await distribute(rt, conn, status_id=status_id, author=author, visibility=int(draft.visibility),
                     is_reblog=False, tags=tags, mentioned_ids=[a.id for a in mentioned])
    if draft.visibility == Visibility.DIRECT:
        await conversations.direct_posted(conn, status_id=status_id, author_id=author_id,
                                          conversation_id=conversation_id, mentioned_ids=[a.id for a in mentioned])
    # Most posts on a small server go to no other server; building the Note to find out cost as much as the
    # rest of posting. Other servers hear of a post that mentions, replies to or quotes a remote account's
    # (a remote quote also asks for consent), and (unless direct) of any post by an account followed there.
    concerns_remote = any(account.domain for account in mentioned) or any(
        row is not None and not row.local for row in (parent, quoted))
    if concerns_remote or (draft.visibility != Visibility.DIRECT
                           and await outbox.has_remote_followers(conn, author_id)):
        await outbox.post_published(rt, conn, status_id)
    return status_id


def _quote_state(quoted) -> str | None:
    """A local post is quoted at once (its policy was checked above); a remote one only once its author's
    server accepts the QuoteRequest that outbox.post_published sends (FEP-044f). Until then, or forever
    if that server never answers, the quote is pending, as Mastodon shows it."""
    if quoted is None:
        return None
    return "accepted" if quoted.local else "pending"


async def distribute(rt: Runtime, conn, *, status_id: int, author, visibility: int, is_reblog: bool,
                     tags: list[str], mentioned_ids: list[int], local: bool = True) -> None:
    """Put a new post (or repost) on home feeds and live streams. Past `fanout_inline_max` followers
    the followers' feeds are filled by a background job, so the request answers at once; past
    `celebrity_followers` they are not filled at all (merged at read time, see feeds.py): one message
    on the account's own channel tells its followers' open streams. The author's own feed, the feeds
    of those following one of a public post's hashtags and the public streams are served at once."""
    celebrity = feeds.merges_at_read(author, rt.settings.celebrity_followers)
    if celebrity != bool(author.merge_at_read):
        # The post that crosses the line is still fanned out, while the followers' open streams learn to
        # listen on the account's own channel (events.merged_author) for the next ones.
        events.rules_changed(conn, await feeds.mark_merge_at_read(conn, author.id, celebrity))
    own_feed = not author.domain
    if visibility != Visibility.DIRECT and celebrity and author.merge_at_read:
        recipients = await feeds.add_own(conn, account_id=author.id, status_id=status_id, local=own_feed)
        events.merged_posted(conn, status_id=status_id, author_id=author.id, is_reblog=is_reblog)
    elif visibility == Visibility.DIRECT or author.followers_count <= rt.settings.fanout_inline_max:
        recipients = await feeds.fan_out(conn, status_id=status_id, author_id=author.id, local=own_feed,
                                         visibility=visibility, is_reblog=is_reblog, mentioned_ids=mentioned_ids)
    else:
        recipients = await feeds.add_own(conn, account_id=author.id, status_id=status_id, local=own_feed)
        await jobs_sql.enqueue(conn, "fan_out", {"status_id": status_id})
    if tags and visibility == Visibility.PUBLIC and not is_reblog and author.silenced_at is None:
        recipients += await feeds.fan_out_to_tags(conn, status_id=status_id, author_id=author.id)
    await events.status_posted(conn, status_id=status_id, author_id=author.id, visibility=visibility, local=local,
                               tags=tags, is_reblog=is_reblog, recipients=recipients)


async def fan_out_job(rt: Runtime, payload: dict) -> None:
    """The deferred half of `distribute`: the followers' home feeds, then their streams. The thousands of
    rows are written off the loop, which meanwhile goes on serving (e.g. the streams of the previous post)."""
    async with rt.db.write() as conn, rt.db.off_loop(conn):
        row = await get_row(conn, payload["status_id"])
        if row is None:
            return  # deleted before its fan-out ran
        recipients = await feeds.fan_out(conn, status_id=row.id, author_id=row.account_id, local=row.local,
                                         visibility=row.visibility, is_reblog=bool(row.reblog_of_id),
                                         mentioned_ids=[])
        events.reached_feeds(conn, status_id=row.id, account_ids=[a for a in recipients if a != row.account_id])


async def edit(rt: Runtime, author_id: int, status_id: int | None, draft: Draft,
               media_attributes: list[dict] | None = None) -> int:
    """Change a post's text, warning, media or poll, keeping every earlier version."""
    validate(draft, limits(rt))
    await resolve_mentions(rt, draft.text)
    now = datetime.now(UTC)
    async with rt.db.write() as conn:
        row = await get_row(conn, status_id)
        if row is None or row.account_id != author_id or row.reblog_of_id:
            raise NotFound()
        old_media = (await conn.execute(select(t.media_attachments.c.id).where(
            t.media_attachments.c.status_id == row.id).order_by(t.media_attachments.c.position))).scalars().all()
        has_edits = await conn.scalar(select(func.count()).select_from(t.status_edits)
                                      .where(t.status_edits.c.status_id == row.id))
        old_poll = None
        if row.poll_id:
            old_poll = (await conn.execute(select(t.polls).where(t.polls.c.id == row.poll_id))).first()
        if not has_edits:
            await conn.execute(t.status_edits.insert().values(
                id=new_id(at_ms=int((row.created_at or now).timestamp() * 1000)), status_id=row.id,
                account_id=author_id, text=row.text, content=row.content, spoiler_text=row.spoiler_text,
                sensitive=row.sensitive, media_ids=list(old_media),
                poll_options=list(old_poll.options) if old_poll else None, created_at=row.created_at or now))
        html, mentioned, tags = await render_text(rt, conn, draft.text)
        for attributes in media_attributes or []:
            media_id = int(attributes.get("id", -1))
            if media_id in draft.media_ids:
                values = {}
                if "description" in attributes:
                    values["description"] = str(attributes["description"])[:1500]
                if values:
                    await conn.execute(update(t.media_attachments).where(
                        t.media_attachments.c.id == media_id, t.media_attachments.c.account_id == author_id
                    ).values(**values))
        removed = [m for m in old_media if m not in draft.media_ids]
        if removed:
            await conn.execute(update(t.media_attachments).where(t.media_attachments.c.id.in_(removed))
                               .values(status_id=None))
        await _attach_media(conn, author_id, row.id, draft.media_ids)
        poll_id = row.poll_id
        if draft.poll and (old_poll is None or list(old_poll.options) != draft.poll.options
                           or bool(old_poll.multiple) != draft.poll.multiple):
            if old_poll:
                await conn.execute(delete(t.poll_votes).where(t.poll_votes.c.poll_id == old_poll.id))
                await conn.execute(delete(t.polls).where(t.polls.c.id == old_poll.id))
            poll_id = new_id()
            await conn.execute(t.polls.insert().values(
                id=poll_id, status_id=row.id, account_id=author_id, options=draft.poll.options,
                votes=[0] * len(draft.poll.options), multiple=draft.poll.multiple,
                hide_totals=draft.poll.hide_totals, expires_at=now + timedelta(seconds=draft.poll.expires_in),
                created_at=now))
        elif not draft.poll and old_poll:
            await conn.execute(delete(t.poll_votes).where(t.poll_votes.c.poll_id == old_poll.id))
            await conn.execute(delete(t.polls).where(t.polls.c.id == old_poll.id))
            poll_id = None
        await conn.execute(update(t.statuses).where(t.statuses.c.id == row.id).values(
            text=draft.text, content=html, spoiler_text=draft.spoiler_text,
            sensitive=draft.sensitive or bool(draft.spoiler_text), language=draft.language or row.language,
            poll_id=poll_id, edited_at=now))
        await search_index.put(conn, [(row.id, draft.spoiler_text, html)])
        await conn.execute(t.status_edits.insert().values(
            id=new_id(), status_id=row.id, account_id=author_id, text=draft.text, content=html,
            spoiler_text=draft.spoiler_text, sensitive=draft.sensitive or bool(draft.spoiler_text),
            media_ids=list(draft.media_ids), poll_options=draft.poll.options if draft.poll else None, created_at=now))
        await conn.execute(delete(t.mentions).where(t.mentions.c.status_id == row.id))
        for account in mentioned:
            await conn.execute(t.mentions.insert().values(status_id=row.id, account_id=account.id))
        await conn.execute(delete(t.status_tags).where(t.status_tags.c.status_id == row.id))
        for tag_id in await tag_ids(conn, tags):
            await conn.execute(t.status_tags.insert().values(status_id=row.id, tag_id=tag_id))
        await events.status_edited(conn, row=row, tags=tags)
        rebloggers = (await conn.execute(select(t.statuses.c.account_id).where(
            t.statuses.c.reblog_of_id == row.id))).scalars().all()
        for account_id in set(rebloggers):
            await notifications.notify(conn, recipient_id=account_id, from_account_id=author_id,
                                       type="update", status_id=row.id)
        await outbox.post_edited(rt, conn, row.id)
    return row.id


async def delete_status(rt: Runtime, author_id: int, status_id: int | None, *, delete_media: bool = False):
    """Delete a post with its reposts, interactions and notifications; returns the deleted row."""
    async with rt.db.write() as conn:
        row = await get_row(conn, status_id)
        if row is None or row.account_id != author_id or row.reblog_of_id:
            raise NotFound()
        author = (await conn.execute(select(t.accounts).where(t.accounts.c.id == author_id))).first()
        await outbox.post_deleted(rt, conn, row, author)
        await remove_rows(conn, [row])
        media_keys = []
        if delete_media:
            media = (await conn.execute(select(t.media_attachments).where(
                t.media_attachments.c.status_id == row.id))).all()
            media_keys = [k for m in media for k in (m.file_key, m.thumbnail_key) if k]
            await conn.execute(delete(t.media_attachments).where(t.media_attachments.c.status_id == row.id))
        else:
            await conn.execute(update(t.media_attachments).where(t.media_attachments.c.status_id == row.id)
                               .values(status_id=None))
    for key in media_keys:
        rt.media.delete(key)
    return row


async def remove_rows(conn, rows: list) -> None:
    """Delete statuses (and their reposts) with everything that points at them, fixing counters."""
    for row in rows:
        reblogs = (await conn.execute(select(t.statuses).where(t.statuses.c.reblog_of_id == row.id))).all()
        ids = [row.id] + [r.id for r in reblogs]
        await events.statuses_deleting(conn, [row, *reblogs])
        await conversations.direct_deleted(conn, [row])
        greatest = greatest_of(conn)
        for reblog in reblogs:
            await conn.execute(update(t.accounts).where(t.accounts.c.id == reblog.account_id).values(
                statuses_count=greatest(t.accounts.c.statuses_count - 1, 0)))
        for table in (t.favourites, t.bookmarks, t.pins, t.mentions, t.status_tags):
            await conn.execute(delete(table).where(table.c.status_id.in_(ids)))
        await conn.execute(delete(t.notifications).where(t.notifications.c.status_id.in_(ids)))
        await conn.execute(delete(t.status_edits).where(t.status_edits.c.status_id.in_(ids)))
        if row.poll_id:
            await conn.execute(delete(t.poll_votes).where(t.poll_votes.c.poll_id == row.poll_id))
            await conn.execute(delete(t.polls).where(t.polls.c.id == row.poll_id))
        await feeds.remove_status(conn, ids)
        await conn.execute(delete(t.statuses).where(t.statuses.c.id.in_(ids)))
        await search_index.remove(conn, ids)
        await conn.execute(update(t.accounts).where(t.accounts.c.id == row.account_id).values(
            statuses_count=greatest(t.accounts.c.statuses_count - 1, 0)))
        if row.in_reply_to_id:
            await conn.execute(update(t.statuses).where(t.statuses.c.id == row.in_reply_to_id).values(
                replies_count=greatest(t.statuses.c.replies_count - 1, 0)))
        if row.reblog_of_id:
            await conn.execute(update(t.statuses).where(t.statuses.c.id == row.reblog_of_id).values(
                reblogs_count=greatest(t.statuses.c.reblogs_count - 1, 0)))
        if row.quote_of_id and row.quote_state in (None, "accepted"):  # only accepted quotes were counted
            await conn.execute(update(t.statuses).where(t.statuses.c.id == row.quote_of_id).values(
                quotes_count=greatest(t.statuses.c.quotes_count - 1, 0)))
