"""Follows, follow requests, blocks and mutes through Mastodon.py."""

import time

import requests
from mastodon import MastodonAPIError, MastodonNotFoundError


def _me(client):
    return client.account_verify_credentials()


def test_follow_fills_home_and_counts(server):
    alice, bob = server.new_user(), server.new_user()
    post = alice.status_post("before the follow")
    alice_id = _me(alice)["id"]
    relationship = bob.account_follow(alice_id)
    assert relationship["following"] is True
    assert post["id"] in [s["id"] for s in bob.timeline_home()]
    after = alice.status_post("after the follow")
    assert after["id"] in [s["id"] for s in bob.timeline_home()]
    assert bob.account(alice_id)["followers_count"] == 1
    assert _me(bob)["following_count"] == 1
    assert [a["id"] for a in bob.account_followers(alice_id)] == [_me(bob)["id"]]
    assert bob.account_relationships([alice_id])[0]["following"]
    assert alice.account_relationships([_me(bob)["id"]])[0]["followed_by"]
    bob.account_unfollow(alice_id)
    assert post["id"] not in [s["id"] for s in bob.timeline_home()]
    assert bob.account(alice_id)["followers_count"] == 0


def test_followers_only_posts_reach_followers_only(server):
    alice, follower, stranger = server.new_user(), server.new_user(), server.new_user()
    follower.account_follow(_me(alice)["id"])
    private = alice.status_post("for followers", visibility="private")
    assert private["id"] in [s["id"] for s in follower.timeline_home()]
    assert follower.status(private["id"])["id"] == private["id"]
    try:
        stranger.status(private["id"])
        raise AssertionError("leaked a followers-only post")
    except MastodonNotFoundError:
        pass
    assert private["id"] not in [s["id"] for s in stranger.account_statuses(_me(alice)["id"])]
    assert private["id"] not in [s["id"] for s in stranger.timeline_public()]


def test_locked_account_needs_approval(server):
    owner, fan = server.new_user(), server.new_user()
    owner_id = _me(owner)["id"]
    requests.patch(server.url + "/api/v1/accounts/update_credentials", data={"locked": "true"},
                   headers={"Authorization": f"Bearer {owner.access_token}"}, timeout=10)
    assert owner.account(owner_id)["locked"] is True
    relationship = fan.account_follow(owner_id)
    assert relationship["requested"] is True and relationship["following"] is False
    requests_ = owner.follow_requests()
    assert [a["id"] for a in requests_] == [_me(fan)["id"]]
    owner.follow_request_authorize(_me(fan)["id"])
    assert fan.account_relationships([owner_id])[0]["following"] is True
    assert owner.follow_requests() == []


def test_block_ends_follows_both_ways_and_hides_posts(server):
    alice, bob = server.new_user(), server.new_user()
    alice_id, bob_id = _me(alice)["id"], _me(bob)["id"]
    alice.account_follow(bob_id)
    bob.account_follow(alice_id)
    post = bob.status_post("you will not see this")
    alice.account_block(bob_id)
    relationship = alice.account_relationships([bob_id])[0]
    assert relationship["blocking"] and not relationship["following"] and not relationship["followed_by"]
    assert bob.account_relationships([alice_id])[0]["blocked_by"]
    assert post["id"] not in [s["id"] for s in alice.timeline_home()]
    assert [a["id"] for a in alice.blocks()] == [bob_id]
    try:
        bob.account_follow(alice_id)
        raise AssertionError("a blocked user followed")
    except MastodonAPIError as error:
        assert error.args[1] == 403
    try:
        bob.status(alice.status_post("hidden from bob")["id"])
        raise AssertionError("blocked user read a post")
    except MastodonNotFoundError:
        pass
    alice.account_unblock(bob_id)
    assert not alice.account_relationships([bob_id])[0]["blocking"]


def test_mute_hides_from_home_and_expires(server):
    alice, bob = server.new_user(), server.new_user()
    bob_id = _me(bob)["id"]
    alice.account_follow(bob_id)
    post = bob.status_post("muted soon")
    alice.account_mute(bob_id, duration=3600)
    relationship = alice.account_relationships([bob_id])[0]
    assert relationship["muting"] and relationship["muting_notifications"]
    assert post["id"] not in [s["id"] for s in alice.timeline_home()]
    assert [a["id"] for a in alice.mutes()] == [bob_id]
    alice.account_unmute(bob_id)
    assert post["id"] in [s["id"] for s in alice.timeline_home()]


def test_expired_mute_stops_hiding(server):
    alice, bob = server.new_user(), server.new_user()
    bob_id = _me(bob)["id"]
    alice.account_follow(bob_id)
    alice.account_mute(bob_id, duration=1)
    post = bob.status_post("posted during a short mute")
    assert post["id"] not in [s["id"] for s in alice.timeline_home()]
    time.sleep(1.5)
    assert post["id"] in [s["id"] for s in alice.timeline_home()]


def test_self_follow_and_unknown_ids(server, api):
    me = _me(api)["id"]
    try:
        api.account_follow(me)
        raise AssertionError("followed myself")
    except MastodonAPIError as error:
        assert error.args[1] == 403
    for path in ("follow", "block", "mute"):
        response = requests.post(server.url + f"/api/v1/accounts/424242/{path}",
                                 headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10)
        assert response.status_code == 404


def test_followers_pagination(server):
    star = server.new_user()
    star_id = _me(star)["id"]
    fans = [server.new_user() for _ in range(3)]
    for fan in fans:
        fan.account_follow(star_id)
    first = star.account_followers(star_id, limit=2)
    assert len(first) == 2
    rest = star.fetch_next(first)
    assert len(rest) == 1
    assert {a["id"] for a in first + rest} == {_me(f)["id"] for f in fans}


def test_account_search_and_note(server):
    alice = server.new_user()
    name = _me(alice)["username"]
    searcher = server.new_user()
    found = searcher.account_search(name)
    assert found[0]["username"] == name
    relationship = searcher.account_note_set(_me(alice)["id"], "met at the conference")
    assert relationship["note"] == "met at the conference"


def test_familiar_followers(server):
    me, friend, target = server.new_user(), server.new_user(), server.new_user()
    target_id = _me(target)["id"]
    me.account_follow(_me(friend)["id"])
    friend.account_follow(target_id)
    found = me.account_familiar_followers(target_id)
    assert [a["id"] for a in found[0]["accounts"]] == [_me(friend)["id"]]


def test_a_follow_sent_several_times_at_once_follows_once(server):
    """A double tap sends the same follow twice; on PostgreSQL the two used to race, and the second failed."""
    from concurrent.futures import ThreadPoolExecutor

    target = server.new_user()
    target_id = target.account_verify_credentials()["id"]
    for attempt in range(3):
        fan = server.new_user()
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(fan.account_follow, [target_id] * 6))
        assert all(answer["following"] for answer in answers), attempt
        assert target.account_verify_credentials()["followers_count"] == attempt + 1
        assert fan.account_verify_credentials()["following_count"] == 1
        follows = [n for n in target.notifications(types=["follow"])
                   if n["account"]["id"] == fan.account_verify_credentials()["id"]]
        assert len(follows) == 1
