"""Timestamps read back from storage: SQLite returns them without a time zone, and all are UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(moment: datetime | None) -> datetime | None:
    """The same moment with its UTC time zone attached (None stays None)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
