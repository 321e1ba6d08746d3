"""Live events for the streaming API, queued on the transaction that causes them and published
only once it commits. Messages carry ids; each streaming process renders them for its listeners.

Channels (Mastodon's names): `timeline:{account}` (home feed and notifications),
`timeline:public[:local|:remote]`, `timeline:hashtag:{tag}[:local]`, `timeline:list:{list}`.
"""

from __future__ import annotations

from collections import defaultdict

import orjson
from sqlalchemy import bindparam, select, true

from spark.adapters.db import schema as t
from spark.adapters.db.database import Database
from spark.adapters.db.functions import in_ids
from spark.domain.visibility import Visibility


def home(account_id: int) -> str:
    """An account's home feed and notifications."""
    return f"timeline:{account_id}"


def public(where: str | None = None) -> str:
    """All public posts, or only "local" or "remote" ones."""
    return "timeline:public" + (f":{where}" if where else "")


def hashtag(tag: str, *, local: bool = False) -> str:
    return f"timeline:hashtag:{tag.lower()}" + (":local" if local else "")


def list_timeline(list_id: int | str) -> str:
    return f"timeline:list:{list_id}"


def merged_author(account_id: int) -> str:
    """Posts by an account merged into home feeds at read time (see feeds.py), for the open home
    streams of its followers: one message instead of one per follower."""
    return f"timeline:merged:{account_id}"


def direct(account_id: int) -> str:
    """An account's conversations."""
    return f"timeline:direct:{account_id}"


def _emit(conn, channels, message: dict) -> None:
    payload = orjson.dumps(message)
    Database.after_commit_all(conn, [(channel, payload) for channel in dict.fromkeys(channels)])


def _public_channels(visibility: int, local: bool, tags: list[str], is_reblog: bool) -> list[str]:
    if visibility != Visibility.PUBLIC or is_reblog:
        return []
    channels = [public(), public("local" if local else "remote")]
    for tag in tags:
        channels.append(hashtag(tag))
        if local:
            channels.append(hashtag(tag, local=True))
    return channels


# Built once, as it runs for every post (building it cost more than running it, B9).
_LISTS_WITH_AUTHOR = (
    select(t.list_accounts.c.list_id).join(t.lists, t.lists.c.id == t.list_accounts.c.list_id)
    .join(t.follows, (t.follows.c.account_id == t.lists.c.account_id)
          & (t.follows.c.target_account_id == bindparam("author")))
    .where(t.list_accounts.c.account_id == bindparam("author")))


async def _lists_for(conn, author_id: int) -> list[str]:
    """Lists that include the author, owned by someone who follows them."""
    rows = await conn.execute(_LISTS_WITH_AUTHOR, {"author": author_id})
    return [list_timeline(list_id) for list_id in rows.scalars()]


async def _feeds_with(conn, posts: list) -> dict[int, list[str]]:
    """For each post, the home-feed channels of those who have it on their feed, and for a post merged
    in at read time (its author has too many followers to fan out to, see feeds.py) its author's channel."""
    rows = await conn.execute(select(t.home_feed.c.status_id, t.home_feed.c.account_id).where(
        in_ids(t.home_feed.c.status_id)), {"ids": [post.id for post in posts]})
    out: dict[int, list[str]] = defaultdict(list)
    for status_id, account_id in rows:
        out[status_id].append(home(account_id))
    authors = {post.account_id for post in posts}
    merged = set((await conn.execute(select(t.accounts.c.id).where(
        t.accounts.c.id.in_(authors), t.accounts.c.merge_at_read == true()))).scalars())
    for post in posts:
        if post.account_id in merged and post.visibility < Visibility.DIRECT:
            out[post.id].append(merged_author(post.account_id))
    return out


async def status_posted(conn, *, status_id: int, author_id: int, visibility: int, local: bool, tags: list[str],
                        is_reblog: bool, recipients: list[int]) -> None:
    """A new post (or repost) for the home feeds it went to, the author's lists and public streams."""
    channels = [home(a) for a in recipients] + _public_channels(visibility, local, tags, is_reblog)
    if visibility < Visibility.DIRECT:
        channels += await _lists_for(conn, author_id)
    _emit(conn, channels, {"event": "update", "status_id": status_id})


def reached_feeds(conn, *, status_id: int, account_ids: list[int]) -> None:
    """A post's deferred fan-out put it on these home feeds."""
    _emit(conn, [home(a) for a in account_ids], {"event": "update", "status_id": status_id})


def merged_posted(conn, *, status_id: int, author_id: int, is_reblog: bool) -> None:
    """A post by an account merged at read time, for the home streams of its followers (those who hide
    its reposts skip a repost)."""
    _emit(conn, [merged_author(author_id)], {"event": "update", "status_id": status_id, "reblog": is_reblog})


async def status_edited(conn, *, row, tags: list[str]) -> None:
    channels = (await _feeds_with(conn, [row]))[row.id] + _public_channels(row.visibility, row.local, tags, False)
    _emit(conn, channels, {"event": "status.update", "status_id": row.id})


async def statuses_deleting(conn, rows: list) -> None:
    """Call before the rows and their feed entries go: everyone who may be showing them hears of it."""
    feeds = await _feeds_with(conn, rows)
    for row in rows:
        channels = feeds[row.id]
        if row.visibility <= Visibility.UNLISTED and not row.reblog_of_id:
            channels += _public_channels(Visibility.PUBLIC, row.local, [], False)
        _emit(conn, channels, {"event": "delete", "status_id": row.id})


def notified(conn, *, recipient_id: int, notification_id: int) -> None:
    _emit(conn, [home(recipient_id)], {"event": "notification", "notification_id": notification_id})


def conversation_changed(conn, *, account_id: int, conversation_row_id: int) -> None:
    _emit(conn, [direct(account_id)], {"event": "conversation", "conversation_id": conversation_row_id})


def filters_changed(conn, account_id: int) -> None:
    _emit(conn, [home(account_id)], {"event": "filters_changed"})
    rules_changed(conn, [account_id])


def account_channel(account_id: int) -> str:
    """Control messages for every open stream of an account (not sent to clients)."""
    return f"system:account:{account_id}"


RULES_CHANNEL = "system:rules"  # whose rules changed, for the processes keeping them (timelines.watch_rules)
_RULES_NAMED = 1000  # past this many accounts, a change says "everyone's"


def rules_changed(conn, account_ids: list[int]) -> None:
    """Blocks, mutes, filters, exclusive lists or merged follows changed: open streams reload what they
    hide, and processes forget what they kept of them."""
    _emit(conn, [account_channel(a) for a in account_ids], {"event": "rules_changed"})
    _emit(conn, [RULES_CHANNEL], {"accounts": list(account_ids) if len(account_ids) <= _RULES_NAMED else None})


def token_channel(token_id: int) -> str:
    return f"system:token:{token_id}"


def tokens_revoked(conn, token_ids: list[int]) -> None:
    """Streams opened with these tokens close as soon as the revocation commits."""
    for token_id in token_ids:
        _emit(conn, [token_channel(token_id)], {"event": "revoked"})
