"""Announcements from the server's admins: published from the command line, read, dismissed and reacted to
by users (GET /api/v1/announcements and its dismiss and reactions routes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, exists, func, or_, select

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain import text as text_rules
from spark.domain.emoji import is_unicode_emoji
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.runtime import Runtime

MAX_REACTIONS = 8  # distinct emoji per announcement, as Mastodon's ReactionValidator


@dataclass
class Reaction:
    name: str
    count: int = 0
    me: bool = False
    emoji: Any = None  # the custom emoji row, for a shortcode


@dataclass
class Announcement:
    row: Any
    read: bool
    tags: list[str]
    reactions: list[Reaction] = field(default_factory=list)


def _current(now: datetime):
    return select(t.announcements).where(or_(t.announcements.c.ends_at.is_(None), t.announcements.c.ends_at > now))


async def publish(rt: Runtime, text: str, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
                  all_day: bool = False) -> int:
    """Publish an announcement to every user; hashtags and links in `text` are linked as in posts."""
    if not text.strip():
        raise Invalid("Validation failed: the announcement needs text")
    content = "<p>" + text_rules.render(text, mention_url=lambda _: None,
                                        tag_url=lambda name: rt.url(f"/tags/{name}")) + "</p>"
    announcement_id = new_id()
    now = datetime.now(UTC)
    async with rt.db.write() as conn:
        await conn.execute(t.announcements.insert().values(
            id=announcement_id, text=text, content=content, starts_at=starts_at, ends_at=ends_at,
            all_day=all_day and (starts_at is not None or ends_at is not None), published_at=now, updated_at=now))
    return announcement_id


async def remove(rt: Runtime, announcement_id: int) -> None:
    async with rt.db.write() as conn:
        gone = await conn.execute(delete(t.announcements).where(t.announcements.c.id == announcement_id))
        if not gone.rowcount:
            raise NotFound()
        for table in (t.announcement_reads, t.announcement_reactions):
            await conn.execute(delete(table).where(table.c.announcement_id == announcement_id))


async def current(rt: Runtime, account_id: int) -> list[Announcement]:
    """Announcements not yet ended, oldest first, with the reader's `read` and reactions."""
    announcements = t.announcements
    read = exists().where(t.announcement_reads.c.announcement_id == announcements.c.id,
                          t.announcement_reads.c.account_id == account_id)
    query = (_current(datetime.now(UTC)).add_columns(read.label("read"))
             .order_by(func.coalesce(announcements.c.starts_at, announcements.c.published_at), announcements.c.id))
    async with rt.db.read() as conn:
        rows = (await conn.execute(query)).all()
        reacted = (await conn.execute(
            select(t.announcement_reactions, t.custom_emojis.c.image_key, t.custom_emojis.c.remote_url)
            .outerjoin(t.custom_emojis, t.custom_emojis.c.id == t.announcement_reactions.c.custom_emoji_id)
            .where(t.announcement_reactions.c.announcement_id.in_([r.id for r in rows]))
            .order_by(t.announcement_reactions.c.created_at))).all()
    reactions: dict[int, dict[str, Reaction]] = defaultdict(dict)
    for row in reacted:
        reaction = reactions[row.announcement_id].setdefault(
            row.name, Reaction(row.name, emoji=row if row.custom_emoji_id else None))
        reaction.count += 1
        reaction.me = reaction.me or row.account_id == account_id
    return [Announcement(row, bool(row.read), text_rules.parse(row.text).tags, list(reactions[row.id].values()))
            for row in rows]


async def _require(conn, announcement_id: int | None) -> None:
    if not await conn.scalar(select(_current(datetime.now(UTC)).where(
            t.announcements.c.id == (announcement_id or -1)).exists())):
        raise NotFound()


async def dismiss(rt: Runtime, account_id: int, announcement_id: int | None) -> None:
    """Mark an announcement read for this user."""
    async with rt.db.write() as conn:
        await _require(conn, announcement_id)
        await conn.execute(insert_ignore(conn, t.announcement_reads, announcement_id=announcement_id,
                                         account_id=account_id))


async def react(rt: Runtime, account_id: int, announcement_id: int | None, name: str) -> None:
    """Add the user's reaction: a Unicode emoji or a local custom emoji's shortcode; one of each per user,
    and at most MAX_REACTIONS different ones per announcement."""
    async with rt.db.write() as conn:
        await _require(conn, announcement_id)
        emoji_id = None
        if not is_unicode_emoji(name):
            emoji_id = await conn.scalar(select(t.custom_emojis.c.id).where(
                t.custom_emojis.c.shortcode == name, t.custom_emojis.c.domain == ""))
            if emoji_id is None:
                raise Invalid("Validation failed: Name is not a recognized emoji")
        given = set((await conn.execute(select(t.announcement_reactions.c.name, t.announcement_reactions.c.account_id)
                                         .where(t.announcement_reactions.c.announcement_id == announcement_id))).all())
        kinds = {given_name for given_name, _ in given}
        if (name, account_id) in given:
            raise Invalid("Duplicate record")
        if name not in kinds and len(kinds) >= MAX_REACTIONS:
            raise Invalid("Validation failed: Maximum number of different reactions reached")
        await conn.execute(t.announcement_reactions.insert().values(
            announcement_id=announcement_id, account_id=account_id, name=name, custom_emoji_id=emoji_id,
            created_at=datetime.now(UTC)))


async def unreact(rt: Runtime, account_id: int, announcement_id: int | None, name: str) -> None:
    async with rt.db.write() as conn:
        await _require(conn, announcement_id)
        gone = await conn.execute(delete(t.announcement_reactions).where(
            t.announcement_reactions.c.announcement_id == announcement_id,
            t.announcement_reactions.c.account_id == account_id, t.announcement_reactions.c.name == name))
    if not gone.rowcount:
        raise NotFound()
