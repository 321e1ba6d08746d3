from datetime import UTC, date, datetime

import pytest

from spark.domain.annual_reports import (
    TopCandidate,
    TypeDistribution,
    archetype,
    is_open,
    month_ids,
    parse_year,
    percentile,
    top_statuses,
    year_ids,
)
from spark.domain.errors import NotFound
from spark.domain.ids import id_time, new_id


def test_a_year_is_the_ids_made_during_it_and_its_months_tile_it():
    low, high = year_ids(2025)
    assert id_time(low) == datetime(2025, 1, 1, tzinfo=UTC) and id_time(high) == datetime(2026, 1, 1, tzinfo=UTC)
    months = month_ids(2025)
    assert len(months) == 12 and months[0][0] == low and months[-1][1] == high
    assert all(a[1] == b[0] for a, b in zip(months, months[1:], strict=False))
    march = new_id(int(datetime(2025, 3, 31, 23, 59, tzinfo=UTC).timestamp() * 1000))
    assert months[2][0] <= march < months[2][1]


def test_past_years_are_open_the_current_one_from_the_opening_day_and_future_ones_never():
    today = date(2026, 12, 5)
    assert is_open(2025, today, "12-10")
    assert not is_open(2026, today, "12-10")
    assert is_open(2026, date(2026, 12, 10), "12-10")
    assert is_open(2026, today, "01-01")
    assert not is_open(2027, today, "01-01")


def test_years_outside_what_ids_can_hold_are_not_found():
    assert parse_year("2024") == 2024
    for bad in ("1969", "3001", "twenty", "-5", "2024.0", ""):
        with pytest.raises(NotFound):
            parse_year(bad)


def test_archetypes_follow_mastodons_thresholds():
    assert archetype(TypeDistribution(total=112, standalone=112), 0) == "lurker"
    assert archetype(TypeDistribution(total=200, reblogs=150, standalone=50), 0) == "booster"
    assert archetype(TypeDistribution(total=200, standalone=200), 21) == "pollster"
    assert archetype(TypeDistribution(total=200, replies=150, standalone=50), 0) == "replier"
    assert archetype(TypeDistribution(total=200, replies=50, reblogs=50, standalone=100), 5) == "oracle"


def test_percentile_counts_accounts_with_fewer_among_those_with_any():
    assert percentile(0, 0) == 0
    assert percentile(3, 3) == 75.0


def test_top_posts_are_distinct_and_a_category_without_interactions_has_none():
    candidates = [TopCandidate(1, reblogs=5, favourites=9, replies=0), TopCandidate(2, reblogs=1, favourites=3,
                                                                                    replies=0)]
    assert top_statuses(candidates) == {"by_reblogs": "1", "by_favourites": "2", "by_replies": None}
    assert top_statuses([]) == {"by_reblogs": None, "by_favourites": None, "by_replies": None}
    tied = [TopCandidate(7, 2, 0, 0), TopCandidate(9, 2, 0, 0)]
    assert top_statuses(tied)["by_reblogs"] == "9"  # the newer of equals
