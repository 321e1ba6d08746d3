"""Spark's own corpus-shaped fixtures (tests/federation/fixtures/), replayed as the conformance runner
replays ../shared/ap-corpus: each delivered with a valid signature from the fake origin (or served there
and fetched), and its outcome checked through the Mastodon API against its INDEX row."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.federation.conformance import FAKE_NAMES, Replay, index_rows
from tests.federation.support import query, spark_with_origin
from tests.harness import backends

FIXTURES = Path(__file__).parent / "fixtures"
# What Spark does not do yet (each is reported as a mismatch by scripts/ap_conformance.py too):
GAPS: dict[str, str] = {}  # fixture name -> why Spark does not reach its outcome yet (xfail)


@pytest.fixture(scope="module", params=backends())
def results(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("fixtures"), request.param, names=FAKE_NAMES) as (spark, origin):
        replay = Replay(spark, origin, db_query=lambda sql: query(spark, sql))
        expected = index_rows(FIXTURES)
        yield {path.name: replay.run(path, expected[path.name]) for path in sorted(FIXTURES.glob("*.json"))}


def test_every_fixture_has_an_index_row_and_a_plan():
    from tests.federation.conformance_plans import PLANS

    names = {p.name for p in FIXTURES.glob("*.json")}
    assert names == set(index_rows(FIXTURES)) and names <= set(PLANS) and len(names) == 40


def test_no_fixture_gets_a_5xx_or_crashes_a_job(results):
    bad = {name: (r.statuses, r.crash) for name, r in results.items() if r.crash or r.server_error}
    assert not bad


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_fixture_outcome_is_the_one_its_index_row_states(results, name):
    result = results[name]
    if name in GAPS:
        pytest.xfail(GAPS[name])
    assert result.ok, f"{name}: expected {result.expected!r}, got {result.actual!r}"
