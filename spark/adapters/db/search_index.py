"""The full-text index of posts. PostgreSQL indexes an expression over `statuses` (schema.STATUS_WORDS), which
follows every write by itself; SQLite's FTS5 table `status_search` is written here, in the post's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, column, delete, func, insert, select, table, text
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql import ColumnElement, Select

from spark.adapters.db import schema as t
from spark.domain.search import Term, searchable_text

status_search = table("status_search", column("rowid"), column("body"))
BACKFILL_BATCH = 5_000
_PUT = insert(status_search).prefix_with("OR REPLACE")


async def put(conn, posts: Iterable[tuple[int, str, str]]) -> None:
    """Index new or edited posts, given as (id, spoiler_text, content)."""
    if conn.dialect.name != "sqlite":
        return
    rows = [{"rowid": status_id, "body": searchable_text(spoiler, content)} for status_id, spoiler, content in posts]
    if rows:  # an edited post's entry is replaced; many rows go as one statement run per row
        await conn.execute(_PUT, rows)


async def remove(conn, ids: list[int]) -> None:
    """Take deleted posts out of the index."""
    if conn.dialect.name == "sqlite" and ids:
        await conn.execute(delete(status_search).where(status_search.c.rowid.in_(ids)))


async def build(conn) -> None:
    """Add the index to a database migrated before it existed, with the posts already there (the migration
    is regenerated rather than added to, so such a database is at its head already)."""
    if conn.dialect.name == "postgresql":
        (words,) = [index for index in t.statuses.indexes if index.name == "ix_statuses_search"]
        await conn.execute(CreateIndex(words, if_not_exists=True))
        return
    if await conn.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'status_search'")):
        return
    await conn.execute(text(t.STATUS_SEARCH_SQLITE))
    posts = select(t.statuses.c.id, t.statuses.c.spoiler_text, t.statuses.c.content).where(
        t.statuses.c.reblog_of_id.is_(None)).order_by(t.statuses.c.id)
    after = -1
    while rows := (await conn.execute(posts.where(t.statuses.c.id > after).limit(BACKFILL_BATCH))).all():
        await put(conn, rows)
        after = rows[-1].id


def _quoted(term: Term, quote: str, prefix: str) -> str:
    """A term as one quoted string of the backend's query syntax, whose own parser splits it into words."""
    escaped = term.text.replace("\\", "\\\\") if quote == "'" else term.text
    return quote + escaped.replace(quote, quote * 2) + quote + (prefix if term.prefix else "")


def matching(query: Select, dialect: str, terms: list[Term]) -> tuple[Select, ColumnElement]:
    """`query` over statuses narrowed to the posts containing every term, and the id column to page and order
    by: on SQLite the FTS5 rowid, which the index itself walks newest first, stopping at the page."""
    if dialect == "sqlite":
        match = " AND ".join(_quoted(term, '"', " *") for term in terms)
        return (query.join(status_search, status_search.c.rowid == t.statuses.c.id)
                .where(text("status_search MATCH :search_match").bindparams(search_match=match)),
                status_search.c.rowid)
    # The words are written into the statement rather than bound: connections plan once for all values
    # (database.py), and here the best plan depends on them. A word in most posts is found by reading the
    # newest posts until the page is full; a rare one by the index, whose matches are then sorted.
    words = " & ".join(_quoted(term, "'", ":*") for term in terms)
    tsquery = func.to_tsquery(text("'simple'::regconfig"), bindparam("search_words", words, literal_execute=True))
    return query.where(t.STATUS_WORDS.op("@@")(tsquery)), t.statuses.c.id
