"""Rules of annual reports (Mastodon's "Wrapstodon"): which years may be reported, the archetype, the
percentiles and the top posts, from figures the services count (docs.joinmastodon.org/entities/AnnualReport)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from .errors import NotFound
from .ids import id_for_time

SCHEMA_VERSION = 1  # every field of the entity's schema, as Mastodon 4.3-4.5 sent them
FIRST_YEAR, LAST_YEAR = 1970, 3000  # ids are milliseconds since 1970; the upper bound keeps them in 63 bits
# Average number of posts (with replies and reposts) by an active Mastodon user in a year (2023), and the
# ratios Mastodon's AnnualReport::Archetype weighs them by.
AVERAGE_PER_YEAR = 113
SCORE_MULTIPLIER = 2
SCORE_REDUCER = 0.1


@dataclass(frozen=True)
class TypeDistribution:
    """One account's posts of a year by kind; replies to oneself (threads) count as standalone."""

    total: int = 0
    reblogs: int = 0
    replies: int = 0
    standalone: int = 0


@dataclass(frozen=True)
class TopCandidate:
    id: int
    reblogs: int
    favourites: int
    replies: int


def parse_year(value: str) -> int:
    """A year in a path; anything else is a report that cannot exist (404)."""
    if not value.isdigit() or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise NotFound()
    return int(value)


def year_ids(year: int) -> tuple[int, int]:
    """[low, high): the ids of everything made during the year (ids are time-ordered)."""
    return id_for_time(datetime(year, 1, 1, tzinfo=UTC)), id_for_time(datetime(year + 1, 1, 1, tzinfo=UTC))


def month_ids(year: int) -> list[tuple[int, int]]:
    """[low, high) id ranges of the year's twelve months."""
    starts = [datetime(year, month, 1, tzinfo=UTC) for month in range(1, 13)] + [datetime(year + 1, 1, 1, tzinfo=UTC)]
    return [(id_for_time(a), id_for_time(b)) for a, b in zip(starts, starts[1:], strict=False)]


def is_open(year: int, today: date, opens: str) -> bool:
    """Past years may be reported any time; the current one from `opens` (MM-DD) on; future ones never."""
    if year != today.year:
        return year < today.year
    month, day = (int(part) for part in opens.split("-"))
    return today >= date(year, month, day)


def archetype(kinds: TypeDistribution, polls: int) -> str:
    """A playful label for how someone posted, with Mastodon's thresholds."""
    if kinds.total < AVERAGE_PER_YEAR:
        return "lurker"
    if kinds.reblogs > kinds.standalone * SCORE_MULTIPLIER:
        return "booster"
    if polls > kinds.standalone * SCORE_REDUCER:
        return "pollster"
    if kinds.replies > kinds.standalone * SCORE_MULTIPLIER:
        return "replier"
    return "oracle"


def percentile(fewer: int, with_any: int) -> float:
    """The share (0-100) of local accounts that had any but fewer than this one, as Mastodon reckons it."""
    return fewer / (with_any + 1.0) * 100


def top_statuses(candidates: list[TopCandidate]) -> dict[str, str | None]:
    """The most reposted post, then the most favourited of the others, then the most replied to of the
    rest; a category nobody interacted with has none (Mastodon would name a post with zero)."""
    chosen: dict[str, str | None] = {}
    taken: set[int] = set()
    for key, metric in (("by_reblogs", "reblogs"), ("by_favourites", "favourites"), ("by_replies", "replies")):
        ranked = sorted((c for c in candidates if c.id not in taken and getattr(c, metric) > 0),
                        key=lambda c: (-getattr(c, metric), -c.id))
        chosen[key] = str(ranked[0].id) if ranked else None
        if ranked:
            taken.add(ranked[0].id)
    return chosen
