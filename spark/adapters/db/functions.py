"""SQL functions whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal


def per_dialect(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A statement spelled differently per database, built once for each (building one cost as much as
    running it, B6): `build(conn)` makes it; the function returned gives it for a connection."""
    made: dict[str, Any] = {}

    def statement(conn):
        name = conn.dialect.name
        if name not in made:
            made[name] = build(conn)
        return made[name]

    return statement


def greatest(conn):
    """GREATEST(a, b): SQLite spells the scalar form MAX(a, b)."""
    return func.max if conn.dialect.name == "sqlite" else func.greatest


class InIds(ColumnElement):
    """`column IN (:name…)` for a list of ids bound at execution as {name: [ids]}.

    PostgreSQL gets `column = ANY(:name)` with one array parameter: one statement text whatever the
    list's length, which asyncpg prepares once (an expanded IN costs about three times as much there).
    """

    inherit_cache = True
    type = NullType()  # a Boolean type would make SQLite render `IN (…) = 1`, which no index serves

    def __init__(self, column, name: str):
        self.column = column
        self.name = name

    _traverse_internals = [("column", InternalTraversal.dp_clauseelement), ("name", InternalTraversal.dp_string)]


@compiles(InIds)
def _in_ids_default(element, compiler, **kw):
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)


@compiles(InIds, "postgresql")
def _in_ids_postgresql(element, compiler, **kw):
    return compiler.process(element.column == any_(bindparam(element.name, type_=ARRAY(BigInteger))), **kw)


def in_ids(column, name: str = "ids") -> InIds:
    return InIds(column, name)


def insert_ignore(conn, table, **values):
    """INSERT one row unless its key is already there (the first writer wins a race)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(**values).on_conflict_do_nothing()
    return table.insert().values(**values).prefix_with("OR IGNORE")


def upsert(conn, table, keys: list[str], values: dict, changes: dict):
    """INSERT one row, or apply `changes` to the row already holding its `keys` (one statement, so two
    writers at once both succeed, the last one's changes standing)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).values(**values).on_conflict_do_update(index_elements=keys, set_=changes)


async def lock_key(conn, key: str) -> None:
    """Hold writers of the same `key` apart until this transaction ends, so a check-then-insert is not
    raced: a transaction-scoped advisory lock on PostgreSQL; SQLite has a single writer already."""
    if conn.dialect.name == "postgresql":
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        await conn.execute(select(func.pg_advisory_xact_lock(number)))
