"""Keyset pages over an id column: Mastodon's max_id / since_id / min_id / limit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20


def ranged(query, column, page: Page, fetch: int | None = None):
    """Apply a page to `query`; returns (query, ascending). min_id pages run oldest first."""
    fetch = fetch or page.limit
    if page.max_id is not None:
        query = query.where(column < page.max_id)
    if page.since_id is not None:
        query = query.where(column > page.since_id)
    if page.min_id is not None:
        return query.where(column > page.min_id).order_by(column.asc()).limit(fetch), True
    return query.order_by(column.desc()).limit(fetch), False
