"""Following a locked remote account (RELIABILITY.md item 16): the follow stays "requested" until the
matching Accept, followers-only posts are neither stored nor shown before it, and Reject ends it.
And the other way: a Follow of a locked local account is a request until answered."""

from __future__ import annotations

import time

import pytest

from tests.federation.support import remote_account, settle, spark_with_origin, statuses_with_uri
from tests.harness import backends


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("follow-states"), request.param) as (spark, origin):
        yield spark, origin


def followers_only(actor, text: str) -> dict:
    return actor.note(text, to=[actor.id + "/followers"], cc=[])


def relationship(client, account_id) -> dict:
    return client.account_relationships(account_id)[0]


def sent_follow(origin, actor, username: str) -> dict:
    deadline = time.time() + 15
    while time.time() < deadline:
        for hit in origin.received(actor.host):
            if hit.json and hit.json.get("type") == "Follow" and hit.json.get("actor", "").endswith(f"/users/{username}"):
                return hit.json
        time.sleep(0.1)
    raise AssertionError("no Follow reached the fake origin")


def test_locked_remote_account_is_followed_only_after_its_accept(world):
    spark, origin = world
    locked = origin.actor("victim.test", "locked", key_index=1, manuallyApprovesFollowers=True)
    evil = origin.actor("evil.test", "a", key_index=0)
    client = spark.new_user("fan")
    account = client.search_v2(locked.acct, resolve=True, result_type="accounts")["accounts"][0]
    assert account["locked"] is True
    client.account_follow(account["id"])
    follow = sent_follow(origin, locked, "fan")
    assert relationship(client, account["id"])["requested"] is True

    def deliver(actor, activity):
        assert origin.post(spark.url + "/inbox", activity, actor).status_code == 202
        settle(spark)

    early = followers_only(locked, "for my followers, before the accept")
    deliver(locked, locked.create(early))
    assert statuses_with_uri(spark, early["id"]) == 0

    # Accepts that do not match: from someone else; from the right actor for another Follow
    deliver(evil, evil.activity("Accept", follow))
    deliver(locked, locked.activity("Accept", dict(follow, object=evil.id)))
    deliver(locked, locked.activity("Accept", dict(follow, id=follow["id"] + "-other", actor=f"{spark.url}/users/nobody")))
    rel = relationship(client, account["id"])
    assert (rel["following"], rel["requested"]) == (False, True)

    deliver(locked, locked.activity("Accept", follow))  # the matching one (file 27's shape)
    rel = relationship(client, account["id"])
    assert (rel["following"], rel["requested"]) == (True, False)
    later = followers_only(locked, "for my followers, after the accept")
    deliver(locked, locked.create(later))
    assert any(s["uri"] == later["id"] for s in client.timeline_home())
    assert all(s["uri"] != early["id"] for s in client.timeline_home())

    deliver(locked, locked.activity("Reject", follow))
    assert relationship(client, account["id"])["following"] is False
    after_reject = followers_only(locked, "for my followers, after the reject")
    deliver(locked, locked.create(after_reject))
    assert statuses_with_uri(spark, after_reject["id"]) == 0


def test_follow_of_a_locked_local_account_waits_for_approval_and_undo_withdraws_it(world):
    spark, origin = world
    owner = spark.new_user("guarded")
    owner.account_update_credentials(locked=True)
    fan = origin.actor("other.test", "fan", key_index=2)
    follow = fan.activity("Follow", f"{spark.url}/users/guarded")
    assert origin.post(spark.url + "/inbox", follow, fan).status_code == 202
    settle(spark)
    requests_ = owner.follow_requests()
    assert [r["acct"] for r in requests_] == [fan.acct]
    assert owner.account_followers(owner.me()["id"]) == []
    undo = fan.activity("Undo", follow)
    assert origin.post(spark.url + "/inbox", undo, fan).status_code == 202
    settle(spark)
    assert owner.follow_requests() == []
    fan_id = remote_account(spark, fan.id)[0]
    assert relationship(owner, fan_id)["requested_by"] is False
