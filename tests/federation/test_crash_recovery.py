"""kill -9 in the middle of federation work loses nothing (RELIABILITY.md item 19): a post to 500
remote inboxes reaches every one of them after a crash and a restart (at least once, all with the same
activity id, so receivers that dedupe by id store it once), and inbound activities being processed when
the server dies are each processed exactly once after it comes back.

A job leased by the killed process is taken up again once its lease runs out (5 minutes); the test moves
the lease into the past instead of waiting (the database is the clock)."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.federation.support import LONG_AGO, execute, query, scalar, settle, spark_with_origin
from tests.harness import backends, wait_for

FOLLOWERS = 500
BURST = 200  # inbound activities sent at once
BURSTS = 5


def kill_and_restart(spark, while_down=lambda: None):
    """kill -9, then start again; returns what `while_down()` (run while the server is down) returned."""
    spark.process.send_signal(signal.SIGKILL)
    spark.process.wait(10)
    seen = while_down()
    spark.start()
    execute(spark, "UPDATE jobs SET locked_until = :t WHERE locked_until IS NOT NULL", t=LONG_AGO)
    return seen


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("crash"), request.param, names=("crowd.test",)) as pair:
        yield pair


def test_a_post_to_500_inboxes_survives_kill_9_mid_delivery(world):
    spark, origin = world
    _, token = spark.register("star")
    star = spark.client(token)
    for i in range(FOLLOWERS):  # each with its own inbox (no shared inbox): 500 deliveries
        fan = origin.actor("crowd.test", f"fan{i}", endpoints={})
        response = origin.post(spark.url + "/users/star/inbox", fan.activity("Follow", spark.url + "/users/star"), fan)
        assert response.status_code == 202
    settle(spark, timeout=120)
    wait_for(lambda: scalar(spark, "SELECT count(*) FROM jobs WHERE kind IN ('deliver', 'federate')") == 0, 120)
    assert star.me()["followers_count"] == FOLLOWERS

    origin.inbox_delay = 0.5  # slow receivers, so that the crash comes while deliveries are under way
    post = star.status_post("to five hundred inboxes")

    def creates():
        return [h for h in origin.received("crowd.test") if h.json and h.json.get("type") == "Create"]

    wait_for(lambda: len(creates()) >= FOLLOWERS // 3, 60)
    kill_and_restart(spark)
    before_restart = len({h.path for h in creates()})
    origin.inbox_delay = 0.0
    assert before_restart < FOLLOWERS  # the crash did interrupt the delivery
    wait_for(lambda: len({h.path for h in creates()}) == FOLLOWERS, 120)
    received = creates()
    assert {h.json["object"]["id"] for h in received} == {post["uri"]}
    assert len({h.json["id"] for h in received}) == 1  # one activity id: a receiver stores it once
    assert len(received) - FOLLOWERS < 100  # re-sent only what was in flight at the crash


def test_inbound_activities_being_processed_at_kill_9_are_processed_once(world):
    spark, origin = world
    spark.register("lain")
    author = origin.actor("crowd.test", "author")
    lain = f"{spark.url}/users/lain"
    sent = 0
    for _ in range(BURSTS):  # until a kill comes while some of them are still to be processed
        notes = [author.note(f"inbound {i}", tag=[{"type": "Mention", "href": lain}], cc=[lain])
                 for i in range(sent, sent + BURST)]
        with ThreadPoolExecutor(16) as pool:  # faster than the worker drains them
            codes = list(pool.map(lambda note: origin.post(spark.url + "/inbox", author.create(note), author)
                                  .status_code, notes))
        assert set(codes) == {202}
        sent += BURST
        # Some inbox jobs have run, some are leased, some still queued: count those left, while it is down.
        pending = kill_and_restart(spark, lambda: scalar(spark, "SELECT count(*) FROM jobs WHERE kind = 'inbox'"))
        if pending:
            break
    assert pending > 0, "all processed before each crash: nothing was tested"
    # Drain the queue, running retries at once. (A retry can happen here: remote posts with the same
    # `published` second get ids from that millisecond, and the restarted process's id sequence may meet
    # the dead one's: statuses.id collides, the job fails and its retry takes a fresh id.)
    def drained():
        execute(spark, "UPDATE jobs SET run_at = :t WHERE kind = 'inbox' AND last_error IS NOT NULL", t=LONG_AGO)
        return scalar(spark, "SELECT count(*) FROM jobs WHERE kind = 'inbox'") == 0

    wait_for(drained, 120)
    counts = dict(query(spark, "SELECT uri, count(*) FROM statuses WHERE uri LIKE :p GROUP BY uri",
                        p=author.url("/users/author/statuses/%")))
    assert len(counts) == sent and set(counts.values()) == {1}
    lain_id = scalar(spark, "SELECT id FROM accounts WHERE username = 'lain' AND domain = ''")
    mentions = scalar(spark, "SELECT count(*) FROM notifications WHERE account_id = :a AND type = 'mention'", a=lain_id)
    assert mentions == sent
