"""SQL functions whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func


def greatest(conn):
    """GREATEST(a, b): SQLite spells the scalar form MAX(a, b)."""
    return func.max if conn.dialect.name == "sqlite" else func.greatest
