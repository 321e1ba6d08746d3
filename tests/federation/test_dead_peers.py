"""Servers that never answer must not hold up deliveries to the others (BENCHMARKS.md B5): a delivery
still waiting after a moment gives up its place in the worker's delivery lane (services/jobs.py), and a
host that keeps a request waiting gets no other until it answers (delivery.Breaker). Nor does a slow
server get more than Breaker.PER_HOST requests at once."""

from __future__ import annotations

import time

import pytest

from tests.federation.support import spark_with_origin
from tests.harness import backends

DEAD = tuple(f"dead{n}.test" for n in range(80))  # more than the lane's 64 places
ALIVE = "zz-alive.test"  # sorts after the dead ones: its deliveries are queued behind theirs
BUSY = "busy.test"  # a slowish server with many accounts and no shared inbox


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("dead-peers"), request.param, names=(*DEAD, ALIVE, BUSY)) as pair:
        _, origin = pair
        origin.inbox_delays = dict.fromkeys(DEAD, 60.0)  # longer than Spark's 10 s timeout: never answers
        yield pair


def creates_received(origin, host: str, text: str) -> int:
    return sum(1 for hit in origin.received(host) if hit.json and hit.json.get("type") == "Create"
               and text in str(hit.json.get("object", {}).get("content", "")))


def test_a_post_reaches_a_live_server_while_many_others_never_answer(world):
    spark, origin = world
    _, token = spark.register("lain")
    fans = [origin.actor(host, "fan") for host in (*DEAD, ALIVE)]
    for fan in fans:  # each follow is accepted at once, and the Accept queued for the fan's server
        assert origin.post(spark.url + "/inbox", fan.activity("Follow", spark.url + "/users/lain"),
                           fan).status_code == 202
    deadline = time.time() + 20
    while sum(1 for host in DEAD if origin.received(host)) < 64 and time.time() < deadline:
        time.sleep(0.1)
    assert sum(1 for host in DEAD if origin.received(host)) >= 64, "the Accepts to the dead servers were not sent"
    time.sleep(1.5)  # past Breaker.SLOW_AFTER for those sent last

    posted = time.time()
    spark.client(token).status_post("Reaches the living")
    while not creates_received(origin, ALIVE, "Reaches the living") and time.time() < posted + 8:
        time.sleep(0.05)
    took = time.time() - posted
    # Held behind 64 requests that each wait out a 10 s timeout, it would come after those time out.
    assert creates_received(origin, ALIVE, "Reaches the living") == 1, f"not delivered after {took:.1f} s"
    assert took < 5, took
    # A dead server keeps its first request waiting: the post is not sent to it meanwhile.
    time.sleep(1)
    assert {len(origin.received(host)) for host in DEAD} == {1}


def test_a_slow_server_gets_at_most_sixteen_requests_at_once(world):
    spark, origin = world
    _, token = spark.register("mika")
    fans = [origin.actor(BUSY, f"fan{i}", endpoints={}) for i in range(40)]  # 40 inboxes, none shared
    for fan in fans:
        assert origin.post(spark.url + "/inbox", fan.activity("Follow", spark.url + "/users/mika"),
                           fan).status_code == 202
    deadline = time.time() + 20
    while len(origin.received(BUSY)) < len(fans) and time.time() < deadline:  # their Accepts
        time.sleep(0.1)
    origin.inbox_delays[BUSY] = 0.5  # slower than a lane place is held (0.25 s), quicker than SLOW_AFTER
    origin.most_in_flight.pop(BUSY, None)

    spark.client(token).status_post("To the busy server")
    deadline = time.time() + 30
    while creates_received(origin, BUSY, "To the busy server") < len(fans) and time.time() < deadline:
        time.sleep(0.1)
    assert creates_received(origin, BUSY, "To the busy server") == len(fans)
    assert 1 < origin.most_in_flight[BUSY] <= 16, origin.most_in_flight[BUSY]
