"""A user's content filters: keywords and individual posts, per context, with an action (warn/hide/blur)."""

from __future__ import annotations

from collections import defaultdict
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from spark.adapters.db import schema as t
from spark.domain import filters as rules
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services import events
from spark.services.statuses import visible_row

MAX_FILTERS = 100
MAX_KEYWORDS = 100


@dataclass
class KeywordChange:
    """One entry of keywords_attributes: add (no id), change (id) or remove (id + destroy)."""

    keyword: str | None = None
    whole_word: bool | None = None
    id: int | None = None
    destroy: bool = False


@dataclass
class FilterChanges:
    title: str | None = None
    context: list[str] | None = None
    action: str | None = None
    expires_in: int | None = None  # seconds; 0 means never
    set_expiry: bool = False
    keywords: list[KeywordChange] = field(default_factory=list)


@dataclass
class FilterView:
    row: Any
    keywords: list
    statuses: list


@asynccontextmanager
async def _changing(rt: Runtime, owner_id: int):
    """A transaction changing the owner's filters; their streams hear `filters_changed` once it commits."""
    async with rt.db.write() as conn:
        yield conn
        events.filters_changed(conn, owner_id)


def _expiry(changes: FilterChanges) -> dict:
    if not changes.set_expiry:
        return {}
    if changes.expires_in is not None and changes.expires_in < 0:
        raise Invalid("Validation failed: expires_in must be positive")
    return {"expires_at": datetime.now(UTC) + timedelta(seconds=changes.expires_in) if changes.expires_in else None}


async def _owned(conn, owner_id: int, filter_id: int | None):
    row = (await conn.execute(select(t.filters).where(t.filters.c.id == (filter_id or -1),
                                                       t.filters.c.account_id == owner_id))).first()
    if row is None:
        raise NotFound()
    return row


async def _views(conn, rows) -> list[FilterView]:
    ids = [r.id for r in rows]
    keywords: dict[int, list] = defaultdict(list)
    statuses: dict[int, list] = defaultdict(list)
    if ids:
        for k in (await conn.execute(select(t.filter_keywords).where(t.filter_keywords.c.filter_id.in_(ids))
                                     .order_by(t.filter_keywords.c.id))).all():
            keywords[k.filter_id].append(k)
        for s in (await conn.execute(select(t.filter_statuses).where(t.filter_statuses.c.filter_id.in_(ids))
                                     .order_by(t.filter_statuses.c.id))).all():
            statuses[s.filter_id].append(s)
    return [FilterView(r, keywords[r.id], statuses[r.id]) for r in rows]


async def _apply_keywords(conn, filter_id: int, changes: list[KeywordChange]) -> None:
    for change in changes:
        if change.id is not None:
            owned = t.filter_keywords.c.id == change.id, t.filter_keywords.c.filter_id == filter_id
            if change.destroy:
                await conn.execute(delete(t.filter_keywords).where(*owned))
                continue
            values = {}
            if change.keyword is not None:
                values["keyword"] = rules.validate_keyword(change.keyword)
            if change.whole_word is not None:
                values["whole_word"] = change.whole_word
            if values and not (await conn.execute(update(t.filter_keywords).where(*owned).values(**values))).rowcount:
                raise NotFound()
        elif not change.destroy:
            await conn.execute(t.filter_keywords.insert().values(
                id=new_id(), filter_id=filter_id, keyword=rules.validate_keyword(change.keyword),
                whole_word=True if change.whole_word is None else change.whole_word))
    count = await conn.scalar(select(func.count()).select_from(t.filter_keywords)
                              .where(t.filter_keywords.c.filter_id == filter_id))
    if count > MAX_KEYWORDS:
        raise Invalid(f"Validation failed: A filter cannot have more than {MAX_KEYWORDS} keywords")


async def all_filters(rt: Runtime, owner_id: int) -> list[FilterView]:
    async with rt.db.read() as conn:
        rows = (await conn.execute(select(t.filters).where(t.filters.c.account_id == owner_id)
                                   .order_by(t.filters.c.id))).all()
        return await _views(conn, rows)


async def get(rt: Runtime, owner_id: int, filter_id: int | None) -> FilterView:
    async with rt.db.read() as conn:
        return (await _views(conn, [await _owned(conn, owner_id, filter_id)]))[0]


async def create(rt: Runtime, owner_id: int, changes: FilterChanges) -> FilterView:
    rules.validate(changes.title if changes.title is not None else "", changes.context or [], changes.action or "warn")
    async with _changing(rt, owner_id) as conn:
        count = await conn.scalar(select(func.count()).select_from(t.filters).where(t.filters.c.account_id == owner_id))
        if count >= MAX_FILTERS:
            raise Invalid(f"Validation failed: You cannot have more than {MAX_FILTERS} filters")
        filter_id = new_id()
        await conn.execute(t.filters.insert().values(id=filter_id, account_id=owner_id, title=changes.title.strip(),
                                                     context=list(dict.fromkeys(changes.context)),
                                                     action=changes.action or "warn", **_expiry(changes)))
        await _apply_keywords(conn, filter_id, changes.keywords)
        return (await _views(conn, [await _owned(conn, owner_id, filter_id)]))[0]


async def change(rt: Runtime, owner_id: int, filter_id: int | None, changes: FilterChanges) -> FilterView:
    rules.validate(changes.title, changes.context, changes.action)
    values = {k: v for k, v in (("title", changes.title.strip() if changes.title is not None else None),
                                ("context", list(dict.fromkeys(changes.context)) if changes.context else None),
                                ("action", changes.action)) if v is not None}
    values.update(_expiry(changes))
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, filter_id)
        if values:
            await conn.execute(update(t.filters).where(t.filters.c.id == row.id).values(**values))
        await _apply_keywords(conn, row.id, changes.keywords)
        return (await _views(conn, [await _owned(conn, owner_id, row.id)]))[0]


async def remove(rt: Runtime, owner_id: int, filter_id: int | None) -> None:
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, filter_id)
        await conn.execute(delete(t.filter_keywords).where(t.filter_keywords.c.filter_id == row.id))
        await conn.execute(delete(t.filter_statuses).where(t.filter_statuses.c.filter_id == row.id))
        await conn.execute(delete(t.filters).where(t.filters.c.id == row.id))


async def _owned_part(conn, table, owner_id: int, part_id: int | None):
    row = (await conn.execute(select(table).join(t.filters, t.filters.c.id == table.c.filter_id).where(
        table.c.id == (part_id or -1), t.filters.c.account_id == owner_id))).first()
    if row is None:
        raise NotFound()
    return row


async def keyword(rt: Runtime, owner_id: int, keyword_id: int | None):
    async with rt.db.read() as conn:
        return await _owned_part(conn, t.filter_keywords, owner_id, keyword_id)


async def add_keyword(rt: Runtime, owner_id: int, filter_id: int | None, text: str | None, whole_word: bool | None):
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, filter_id)
        keyword_id = new_id()
        await conn.execute(t.filter_keywords.insert().values(
            id=keyword_id, filter_id=row.id, keyword=rules.validate_keyword(text),
            whole_word=True if whole_word is None else whole_word))
        return await _owned_part(conn, t.filter_keywords, owner_id, keyword_id)


async def change_keyword(rt: Runtime, owner_id: int, keyword_id: int | None, text: str | None,
                         whole_word: bool | None):
    async with _changing(rt, owner_id) as conn:
        row = await _owned_part(conn, t.filter_keywords, owner_id, keyword_id)
        await _apply_keywords(conn, row.filter_id, [KeywordChange(text, whole_word, row.id)])
        return await _owned_part(conn, t.filter_keywords, owner_id, row.id)


async def remove_keyword(rt: Runtime, owner_id: int, keyword_id: int | None) -> None:
    async with _changing(rt, owner_id) as conn:
        row = await _owned_part(conn, t.filter_keywords, owner_id, keyword_id)
        await conn.execute(delete(t.filter_keywords).where(t.filter_keywords.c.id == row.id))


async def filtered_status(rt: Runtime, owner_id: int, part_id: int | None):
    async with rt.db.read() as conn:
        return await _owned_part(conn, t.filter_statuses, owner_id, part_id)


async def add_status(rt: Runtime, owner_id: int, filter_id: int | None, status_id: int | None):
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, filter_id)
        status = await visible_row(conn, status_id, owner_id)
        existing = await conn.scalar(select(t.filter_statuses.c.id).where(
            t.filter_statuses.c.filter_id == row.id, t.filter_statuses.c.status_id == status.id))
        if existing:
            raise Invalid("Validation failed: Status has already been taken")
        part_id = new_id()
        await conn.execute(t.filter_statuses.insert().values(id=part_id, filter_id=row.id, status_id=status.id))
        return await _owned_part(conn, t.filter_statuses, owner_id, part_id)


async def remove_status(rt: Runtime, owner_id: int, part_id: int | None) -> None:
    async with _changing(rt, owner_id) as conn:
        row = await _owned_part(conn, t.filter_statuses, owner_id, part_id)
        await conn.execute(delete(t.filter_statuses).where(t.filter_statuses.c.id == row.id))
