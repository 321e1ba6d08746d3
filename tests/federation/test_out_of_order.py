"""Deliveries that arrive out of order end in the right state (RELIABILITY.md item 17): a Delete that
overtakes its Create, an Undo that overtakes its Follow, a reply that overtakes its parent, an Update
that overtakes its Create."""

from __future__ import annotations

import pytest

from tests.federation.support import (
    local_follower,
    query,
    remote_account,
    settle,
    spark_with_origin,
    statuses_with_uri,
)
from tests.harness import backends


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("out-of-order"), request.param) as (spark, origin):
        evil = origin.actor("evil.test", "a")
        client, _ = local_follower(spark, origin, evil, username="lain")
        yield spark, origin, client, evil


def deliver(spark, origin, actor, activity) -> None:
    assert origin.post(spark.url + "/inbox", activity, actor).status_code == 202, activity["type"]
    settle(spark)


def test_delete_before_create_leaves_no_status(world):
    spark, origin, client, evil = world
    note = evil.note("deleted before it arrived")
    tombstone = {"id": note["id"], "type": "Tombstone"}  # file 33's shape
    deliver(spark, origin, evil, evil.activity("Delete", tombstone))
    deliver(spark, origin, evil, evil.create(note))
    assert statuses_with_uri(spark, note["id"]) == 0
    # and a Create replayed under a new activity id after a Delete of a stored post
    kept = evil.note("deleted after it arrived")
    deliver(spark, origin, evil, evil.create(kept))
    assert statuses_with_uri(spark, kept["id"]) == 1
    deliver(spark, origin, evil, evil.activity("Delete", kept["id"]))
    assert statuses_with_uri(spark, kept["id"]) == 0
    deliver(spark, origin, evil, evil.create(kept))
    assert statuses_with_uri(spark, kept["id"]) == 0


def test_undo_follow_before_follow_leaves_no_follow(world):
    spark, origin, client, evil = world
    other = origin.actor("other.test", "quick", key_index=2)
    follow = other.activity("Follow", f"{spark.url}/users/lain")
    deliver(spark, origin, other, other.activity("Undo", follow))
    deliver(spark, origin, other, follow)
    account = remote_account(spark, other.id)
    assert account is not None
    assert query(spark, "SELECT count(*) FROM follows WHERE account_id = :a", a=account[0])[0][0] == 0
    assert all(n["account"]["acct"] != other.acct for n in client.notifications(types=["follow"]))


def test_reply_before_parent_is_stored_and_linked(world):
    spark, origin, client, evil = world
    parent = evil.note("the parent, late")
    reply = evil.note("the reply, early", inReplyTo=parent["id"])
    origin.serve(parent["id"], parent)  # its origin has it, the inbox has not seen it yet
    deliver(spark, origin, evil, evil.create(reply))
    deliver(spark, origin, evil, evil.create(parent))
    assert statuses_with_uri(spark, parent["id"]) == 1 and statuses_with_uri(spark, reply["id"]) == 1
    parent_id = query(spark, "SELECT id FROM statuses WHERE uri = :u", u=parent["id"])[0][0]
    assert query(spark, "SELECT in_reply_to_id FROM statuses WHERE uri = :u", u=reply["id"])[0][0] == parent_id
    status = client.status(parent_id)
    assert status["replies_count"] == 1
    assert [s["uri"] for s in client.status_context(parent_id)["descendants"]] == [reply["id"]]
    home = [s["uri"] for s in client.timeline_home()]
    assert parent["id"] in home and reply["id"] in home


def test_reply_whose_parent_cannot_be_fetched_is_still_stored(world):
    spark, origin, client, evil = world
    reply = evil.note("a reply to something gone", inReplyTo=origin.url("other.test", "/users/x/statuses/404"))
    deliver(spark, origin, evil, evil.create(reply))
    assert statuses_with_uri(spark, reply["id"]) == 1


def test_update_before_create_does_not_crash_and_create_still_lands(world):
    spark, origin, client, evil = world
    note = evil.note("created after its update")
    edited = dict(note, content="<p>the edit that came first</p>", updated="2099-01-01T00:00:00Z")
    deliver(spark, origin, evil, evil.activity("Update", edited))  # settle() fails if the job crashed
    assert statuses_with_uri(spark, note["id"]) == 0
    deliver(spark, origin, evil, evil.create(note))
    assert statuses_with_uri(spark, note["id"]) == 1


def test_reply_stored_while_its_parent_was_unreachable_joins_the_thread_when_the_parent_arrives(world):
    spark, origin, client, evil = world
    parent = evil.note("the parent its server could not serve at first")
    reply = evil.note("the early reply", inReplyTo=parent["id"])
    origin.serve(parent["id"], None, status=404)
    deliver(spark, origin, evil, evil.create(reply))
    assert statuses_with_uri(spark, reply["id"]) == 1
    assert query(spark, "SELECT in_reply_to_id FROM statuses WHERE uri = :u", u=reply["id"])[0][0] is None
    deliver(spark, origin, evil, evil.create(parent))
    parent_id = query(spark, "SELECT id FROM statuses WHERE uri = :u", u=parent["id"])[0][0]
    assert query(spark, "SELECT in_reply_to_id FROM statuses WHERE uri = :u", u=reply["id"])[0][0] == parent_id
    assert client.status(parent_id)["replies_count"] == 1
    assert [s["uri"] for s in client.status_context(parent_id)["descendants"]] == [reply["id"]]
