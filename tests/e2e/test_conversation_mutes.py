"""Muting a conversation: no notifications from the thread, `muted` on its posts, only for participants."""

import requests
from mastodon import MastodonAPIError

from tests.harness import wait_for


def _types_on(client, status_id: str) -> list[str]:
    return [n["type"] for n in client.notifications() if n.get("status") and n["status"]["id"] == status_id]


def test_a_muted_thread_sends_no_notifications_until_unmuted(server):
    alice, bob, carol = server.new_user(), server.new_user(), server.new_user()
    bob_name = bob.me()["username"]
    root = alice.status_post("a thread about bikes")
    reply = bob.status_post(f"@{alice.me()['username']} nice bikes", in_reply_to_id=root["id"])
    assert wait_for(lambda: _types_on(alice, reply["id"])) == ["mention"]

    muted = alice.status_mute(root["id"])
    assert muted["muted"] is True and muted["id"] == root["id"]
    assert alice.status(reply["id"])["muted"] is True  # the whole thread, whichever post was muted
    assert alice.status(root["id"])["muted"] is True
    assert next(s for s in alice.account_statuses(alice.me()["id"]) if s["id"] == root["id"])["muted"] is True
    assert bob.status(root["id"])["muted"] is False  # alice's mute, not bob's

    carol.status_favourite(root["id"])
    carol.status_reblog(root["id"])
    again = bob.status_post(f"@{alice.me()['username']} still there?", in_reply_to_id=reply["id"])
    # Bob's own notifications still flow (carol mentions him in the same thread): the mute is alice's alone.
    ping = carol.status_post(f"@{bob_name} you too", in_reply_to_id=again["id"])
    wait_for(lambda: _types_on(bob, ping["id"]))
    assert _types_on(alice, root["id"]) == [] and _types_on(alice, again["id"]) == []

    assert alice.status_unmute(root["id"])["muted"] is False
    carol.status_unfavourite(root["id"])
    carol.status_favourite(root["id"])
    assert wait_for(lambda: _types_on(alice, root["id"])) == ["favourite"]


def test_only_participants_may_mute_and_errors_are_mastodons(server):
    alice, bob, stranger = server.new_user(), server.new_user(), server.new_user()
    root = alice.status_post("mine")
    mention = alice.status_post(f"@{bob.me()['username']} look")
    assert bob.status_mute(mention["id"])["muted"] is True  # mentioned: a participant
    try:
        stranger.status_mute(root["id"])
        raise AssertionError("muted a thread without taking part in it")
    except MastodonAPIError as error:
        assert error.args[1] == 422
    private = alice.status_post("followers only", visibility="private")
    response = requests.post(f"{server.url}/api/v1/statuses/{private['id']}/mute",
                             headers={"Authorization": f"Bearer {stranger.access_token}"}, timeout=10)
    assert response.status_code == 404 and response.json() == {"error": "Record not found"}
    anonymous = requests.post(f"{server.url}/api/v1/statuses/{root['id']}/mute", timeout=10)
    assert anonymous.status_code == 401
