"""Direct-message conversations through Mastodon.py, and the `direct` stream."""

import json
import time

import requests
from mastodon import MastodonNotFoundError

from tests.e2e.test_streaming import SSE


def _me(client):
    return client.account_verify_credentials()


def test_conversations_follow_direct_threads(server):
    alice, bob, carol = server.new_user(), server.new_user(), server.new_user()
    bob_name, alice_name = _me(bob)["username"], _me(alice)["username"]
    stream = SSE(server.url + "/api/v1/streaming/direct", bob.access_token)
    try:
        time.sleep(0.3)
        first = alice.status_post(f"@{bob_name} just between us", visibility="direct")
        pushed = json.loads(stream.next("conversation"))
        assert pushed["last_status"]["id"] == first["id"] and pushed["unread"] is True
    finally:
        stream.close()
    alice.status_post("public chatter")  # not a direct post: no conversation
    [theirs] = bob.conversations()
    assert theirs["unread"] is True and [a["id"] for a in theirs["accounts"]] == [_me(alice)["id"]]
    [mine] = alice.conversations()
    assert mine["unread"] is False and mine["last_status"]["id"] == first["id"]

    reply = bob.status_post(f"@{alice_name} indeed", visibility="direct", in_reply_to_id=first["id"])
    [mine] = alice.conversations()
    assert mine["id"] != theirs["id"] and mine["unread"] is True and mine["last_status"]["id"] == reply["id"]
    assert alice.conversations_read(mine["id"])["unread"] is False

    bob.status_delete(reply["id"])
    [mine] = alice.conversations()
    assert mine["last_status"]["id"] == first["id"]

    for method, path in (("DELETE", f"/api/v1/conversations/{theirs['id']}"),
                         ("POST", f"/api/v1/conversations/{theirs['id']}/read")):
        response = requests.request(method, server.url + path, timeout=10,
                                    headers={"Authorization": f"Bearer {carol.access_token}"})
        assert response.status_code == 404
    assert carol.conversations() == []
    requests.delete(server.url + f"/api/v1/conversations/{theirs['id']}", timeout=10,
                    headers={"Authorization": f"Bearer {bob.access_token}"}).raise_for_status()
    assert bob.conversations() == []
    assert len(alice.conversations()) == 1  # only bob's view went
    try:
        bob.conversations_read(theirs["id"])
        raise AssertionError("read a removed conversation")
    except MastodonNotFoundError:
        pass
