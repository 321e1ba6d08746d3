"""Notifications, read markers and polls through Mastodon.py."""

import time

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.harness import running_server


def _me(client):
    return client.account_verify_credentials()


def test_actions_notify_and_filters_apply(server):
    alice, bob = server.new_user(), server.new_user()
    alice_name = _me(alice)["acct"]
    post = alice.status_post("notice me")
    bob.account_follow(_me(alice)["id"])
    bob.status_favourite(post["id"])
    bob.status_reblog(post["id"])
    mention = bob.status_post(f"hi @{alice_name}")
    got = alice.notifications()
    assert [n["type"] for n in got] == ["mention", "reblog", "favourite", "follow"]
    assert got[0]["status"]["id"] == mention["id"] and got[0]["account"]["id"] == _me(bob)["id"]
    assert [n["type"] for n in alice.notifications(types=["favourite", "follow"])] == ["favourite", "follow"]
    assert [n["type"] for n in alice.notifications(exclude_types=["mention", "reblog"])] == ["favourite", "follow"]
    assert alice.notifications(id=got[1]["id"])["type"] == "reblog"
    assert bob.notifications() == []
    with pytest.raises(MastodonNotFoundError):
        bob.notifications(id=got[1]["id"])  # someone else's notification


def test_dismiss_clear_and_undo(server):
    alice, bob = server.new_user(), server.new_user()
    post = alice.status_post("short-lived")
    bob.status_favourite(post["id"])
    bob.account_follow(_me(alice)["id"])
    first = alice.notifications()
    assert len(first) == 2
    with pytest.raises(MastodonNotFoundError):
        bob.notifications_dismiss(first[0]["id"])
    alice.notifications_dismiss(first[0]["id"])
    assert [n["id"] for n in alice.notifications()] == [first[1]["id"]]
    bob.status_unfavourite(post["id"])
    assert alice.notifications() == []
    bob.status_favourite(post["id"])
    alice.notifications_clear()
    assert alice.notifications() == []


def test_unread_count_follows_the_marker(server):
    alice = server.new_user()
    fans = [server.new_user() for _ in range(3)]
    for fan in fans:
        fan.account_follow(_me(alice)["id"])
    assert alice.notifications_unread_count()["count"] == 3
    newest = alice.notifications()[0]
    markers = alice.markers_set(["notifications"], [newest["id"]])
    assert markers["notifications"]["last_read_id"] == newest["id"]
    assert alice.notifications_unread_count()["count"] == 0
    assert alice.markers_get(["notifications"])["notifications"]["last_read_id"] == newest["id"]
    again = alice.markers_set(["notifications"], [newest["id"]])
    assert again["notifications"]["version"] == markers["notifications"]["version"] + 1
    home = alice.markers_set(["home"], ["12345"])
    assert home["home"]["last_read_id"] == "12345"


def test_grouped_notifications(server):
    alice = server.new_user()
    post = alice.status_post("popular")
    fans = [server.new_user() for _ in range(3)]
    for fan in fans:
        fan.status_favourite(post["id"])
    grouped = alice.grouped_notifications()
    groups = grouped["notification_groups"]
    assert len(groups) == 1 and groups[0]["type"] == "favourite" and groups[0]["notifications_count"] == 3
    assert groups[0]["status_id"] == post["id"]
    assert {a["id"] for a in grouped["accounts"]} == {_me(f)["id"] for f in fans}
    headers = {"Authorization": f"Bearer {alice.access_token}"}
    key = groups[0]["group_key"]
    accounts = requests.get(f"{server.url}/api/v2/notifications/{key}/accounts", headers=headers, timeout=10)
    assert len(accounts.json()) == 3
    dismissed = requests.post(f"{server.url}/api/v2/notifications/{key}/dismiss", headers=headers, timeout=10)
    assert dismissed.status_code == 200 and alice.notifications() == []


def test_poll_votes(server):
    author, voter, outsider = server.new_user(), server.new_user(), server.new_user()
    poll_post = author.status_post("which?", poll=author.make_poll(["a", "b", "c"], expires_in=3600, multiple=True))
    poll_id = poll_post["poll"]["id"]
    voted = voter.poll_vote(poll_id, [0, 2])
    assert voted["voted"] is True and voted["own_votes"] == [0, 2]
    assert [o["votes_count"] for o in voted["options"]] == [1, 0, 1]
    with pytest.raises(MastodonAPIError) as error:
        voter.poll_vote(poll_id, [1])
    assert error.value.args[1] == 422
    with pytest.raises(MastodonAPIError) as error:
        outsider.poll_vote(poll_id, [7])
    assert error.value.args[1] == 422
    assert author.poll(poll_id)["votes_count"] == 2 and author.poll(poll_id)["voters_count"] == 1
    single = author.status_post("one?", poll=author.make_poll(["x", "y"], expires_in=3600))
    with pytest.raises(MastodonAPIError):
        voter.poll_vote(single["poll"]["id"], [0, 1])
    private = author.status_post("secret poll", visibility="private",
                                 poll=author.make_poll(["x", "y"], expires_in=3600))
    with pytest.raises(MastodonNotFoundError):
        outsider.poll(private["poll"]["id"])
    with pytest.raises(MastodonNotFoundError):
        outsider.poll_vote(private["poll"]["id"], [0])


def test_ended_poll_notifies_voters_and_author(tmp_path):
    with running_server(tmp_path, min_poll_expiration="1") as srv:
        author, voter = srv.new_user(), srv.new_user()
        post = author.status_post("quick", poll=author.make_poll(["yes", "no"], expires_in=2))
        voter.poll_vote(post["poll"]["id"], [0])
        deadline = time.time() + 20
        while time.time() < deadline and not voter.notifications(types=["poll"]):
            time.sleep(0.5)
        assert [n["status"]["id"] for n in voter.notifications(types=["poll"])] == [post["id"]]
        assert [n["status"]["id"] for n in author.notifications(types=["poll"])] == [post["id"]]
        with pytest.raises(MastodonAPIError) as error:
            author.poll_vote(post["poll"]["id"], [1])
        assert error.value.args[1] == 422
        assert author.poll(post["poll"]["id"])["expired"] is True
