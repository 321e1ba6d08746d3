"""Deliveries to dead servers (RELIABILITY.md item 18), with the database as the clock: after each failed
attempt the test reads when Spark plans the next one, then moves that moment to the past so the worker
runs it at once. 5xx answers are retried on a growing schedule for more than a day, then abandoned; 410
is not retried; failures are counted per domain and one success clears them.

The per-host circuit breaker (delivery.Breaker) keeps real time in the worker process: once a host has
failed BREAK_AFTER times, attempts that come due before its next probe (30 s) are spent without a request.
The schedule is still the job's; only the number of requests differs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from spark.federation import delivery
from tests.federation.support import LONG_AGO, execute, moment, query, spark_with_origin
from tests.harness import backends


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    names = ("down.test", "gone.test", "busy.test", "back.test")
    with spark_with_origin(tmp_path_factory.mktemp("delivery-retries"), request.param, names=names) as pair:
        spark, _ = pair
        spark.register("lain")
        yield pair


def follow_and_get_accept_job(spark, origin, host: str, name: str) -> int:
    """A remote actor on `host` follows lain: Spark queues the Accept to its inbox; returns that job's id."""
    fan = origin.actor(host, name)
    assert origin.post(spark.url + "/inbox", fan.activity("Follow", spark.url + "/users/lain"), fan).status_code == 202
    deadline = time.time() + 20
    while time.time() < deadline:
        rows = query(spark, "SELECT id, payload FROM jobs WHERE kind = 'deliver'")
        for job_id, payload in rows:
            if f"{host}:" in str(payload):
                return job_id
        time.sleep(0.1)
    raise AssertionError(f"no delivery to {host} was queued")


def next_attempt(spark, job_id: int, attempts: int, timeout: float = 20):
    """Wait until the job has failed `attempts` times; (delay Spark planned before the next, error), or
    None when the job is gone (abandoned or done)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = query(spark, "SELECT attempts, locked_until, run_at, last_error FROM jobs WHERE id = :id", id=job_id)
        if not rows:
            return None
        tries, locked, run_at, error = rows[0]
        if tries >= attempts and locked is None and error:
            return moment(run_at) - datetime.now(UTC), error
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach attempt {attempts}")


def fast_forward(spark, job_id: int) -> None:
    execute(spark, "UPDATE jobs SET run_at = :t WHERE id = :id", t=LONG_AGO, id=job_id)


def domain_health(spark, host: str, origin):
    rows = query(spark, "SELECT failures, unavailable_since FROM federation_domains WHERE domain = :d",
                 d=f"{host}:{origin.port}")
    return rows[0] if rows else (0, None)


def test_a_dead_inbox_is_retried_on_a_growing_schedule_for_over_a_day_then_abandoned(world):
    spark, origin = world
    origin.inbox_status = 503
    try:
        job_id = follow_and_get_accept_job(spark, origin, "down.test", "fan")
        delays = []
        while (found := next_attempt(spark, job_id, len(delays) + 1)) is not None:
            delay, error = found
            assert "503" in error or "probe" in error, error
            delays.append(delay)
            fast_forward(spark, job_id)
            assert len(delays) < 40, "never abandoned"
    finally:
        origin.inbox_status = 202
    requests_made = len(origin.received("down.test", "/inbox"))
    assert len(delays) >= 10
    assert 5 <= requests_made <= len(delays) + 1  # at least until the breaker opened; never more than planned
    failures, unavailable_since = domain_health(spark, "down.test", origin)
    assert failures >= 5
    assert (unavailable_since is not None) == (failures >= delivery.UNAVAILABLE_AFTER), (failures, unavailable_since)
    seconds = [d.total_seconds() for d in delays]
    assert all(later > earlier for earlier, later in zip(seconds, seconds[1:], strict=False)), seconds
    assert seconds[-1] > 10 * seconds[0]  # growing, not constant
    assert sum(seconds) > timedelta(hours=24).total_seconds()


def test_gone_is_not_retried(world):
    spark, origin = world
    origin.inbox_status, origin.inbox_delay = 410, 1.0  # slow enough to see the job before it ends
    try:
        job_id = follow_and_get_accept_job(spark, origin, "gone.test", "fan")
        assert next_attempt(spark, job_id, 1) is None  # abandoned after its first attempt
    finally:
        origin.inbox_status, origin.inbox_delay = 202, 0.0
    # the one attempt: the draft-cavage POST, and the RFC 9421 "double knock" (Threads answers 404/410 to the first)
    assert 1 <= len(origin.received("gone.test", "/inbox")) <= 2


def test_one_success_clears_the_domains_failures(world):
    spark, origin = world
    origin.inbox_status = 503
    try:
        job_id = follow_and_get_accept_job(spark, origin, "back.test", "fan")
        for attempt in range(1, 4):
            assert next_attempt(spark, job_id, attempt) is not None
            if attempt < 3:
                fast_forward(spark, job_id)
        assert domain_health(spark, "back.test", origin)[0] == 3
    finally:
        origin.inbox_status = 202
    fast_forward(spark, job_id)
    deadline = time.time() + 20
    while query(spark, "SELECT 1 FROM jobs WHERE id = :id", id=job_id) and time.time() < deadline:
        time.sleep(0.1)
    assert not query(spark, "SELECT 1 FROM jobs WHERE id = :id", id=job_id)  # delivered
    assert len([h for h in origin.received("back.test", "/inbox") if h.json["type"] == "Accept"]) == 4
    assert domain_health(spark, "back.test", origin) == (0, None)


def test_too_many_requests_honours_retry_after(world):
    spark, origin = world
    origin.inbox_status, origin.inbox_headers = 429, {"Retry-After": "7200"}
    try:
        job_id = follow_and_get_accept_job(spark, origin, "busy.test", "fan")
        delay, _ = next_attempt(spark, job_id, 1)
    finally:
        origin.inbox_status, origin.inbox_headers = 202, {}
        execute(spark, "DELETE FROM jobs WHERE id = :id", id=job_id)
    assert timedelta(minutes=115) < delay < timedelta(minutes=125)
