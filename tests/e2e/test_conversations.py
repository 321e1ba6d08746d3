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


def test_direct_timeline_lists_direct_posts_sent_and_received_newest_first(server):
    alice, bob, carol = server.new_user(), server.new_user(), server.new_user()
    alice_name, bob_name = _me(alice)["username"], _me(bob)["username"]
    sent = [alice.status_post(f"@{bob_name} note {n}", visibility="direct")["id"] for n in range(3)]
    alice.status_post(f"@{bob_name} in the open")
    alice.status_post(f"@{bob_name} followers only", visibility="private")
    received = bob.status_post(f"@{alice_name} got them", visibility="direct")["id"]
    not_for_alice = carol.status_post(f"@{bob_name} a secret", visibility="direct")["id"]

    first = alice.timeline("direct", limit=2)
    assert [s["id"] for s in first] == [received, sent[2]]
    assert all(s["visibility"] == "direct" for s in first)
    assert [s["id"] for s in alice.fetch_next(first)] == [sent[1], sent[0]]
    assert [s["id"] for s in alice.timeline("direct", min_id=sent[0], limit=2)] == [sent[2], sent[1]]
    assert [s["id"] for s in bob.timeline("direct")] == [not_for_alice, received, *sent[::-1]]
    assert [s["id"] for s in carol.timeline("direct")] == [not_for_alice]

    headers = {"Authorization": f"Bearer {alice.access_token}"}
    page = requests.get(server.url + "/api/v1/timelines/direct?limit=1", headers=headers, timeout=10)
    assert f"max_id={received}" in page.headers["Link"] and f"min_id={received}" in page.headers["Link"]
    bob.account_block(_me(carol)["id"])
    assert not_for_alice not in [s["id"] for s in bob.timeline("direct")]
    assert requests.get(server.url + "/api/v1/timelines/direct", timeout=10).status_code == 401
