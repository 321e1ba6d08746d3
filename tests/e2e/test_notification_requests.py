"""Notification filtering (Mastodon 4.3+): the policy, filtered notifications and the requests that hold them."""

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.e2e.test_streaming import SSE


def _me(client):
    return client.account_verify_credentials()


def _raw_notifications(server, client, **params):
    response = requests.get(f"{server.url}/api/v1/notifications", params=params,
                            headers={"Authorization": f"Bearer {client.access_token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _bulk(server, client, action, ids):
    """POST …/requests/accept|dismiss with `id[]=…`, as the API documentation writes it."""
    response = requests.post(f"{server.url}/api/v1/notifications/requests/{action}", data={"id[]": ids},
                             headers={"Authorization": f"Bearer {client.access_token}"}, timeout=10)
    assert response.status_code == 200, response.text


def test_policy_starts_at_mastodons_defaults_and_takes_changes(api):
    policy = api.notifications_policy()
    assert {k: policy[k] for k in ("for_not_following", "for_not_followers", "for_new_accounts",
                                   "for_private_mentions", "for_limited_accounts")} == {
        "for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
        "for_private_mentions": "filter", "for_limited_accounts": "filter"}
    assert policy["summary"] == {"pending_requests_count": 0, "pending_notifications_count": 0}
    changed = api.update_notifications_policy(for_not_following="filter", for_new_accounts="drop")
    assert changed["for_not_following"] == "filter" and changed["for_new_accounts"] == "drop"
    assert changed["for_private_mentions"] == "filter"
    assert api.notifications_policy()["for_new_accounts"] == "drop"
    with pytest.raises(MastodonAPIError) as error:
        api.update_notifications_policy(for_not_followers="ignore")
    assert error.value.args[1] == 422
    assert api.notifications_policy()["for_not_followers"] == "accept"


def test_private_mention_from_a_stranger_waits_in_a_request_until_accepted(server):
    alice, bob, eve = server.new_user(), server.new_user(), server.new_user()
    alice_name = _me(alice)["acct"]
    stream = SSE(server.url + "/api/v1/streaming/user/notification", alice.access_token)
    try:
        secret = bob.status_post(f"@{alice_name} psst", visibility="direct")
        assert not [e for e in stream.quiet() if e[0] == "notification"]  # filtered: not streamed
        assert alice.notifications() == [] and alice.notifications_unread_count()["count"] == 0
        assert alice.grouped_notifications()["notification_groups"] == []
        assert alice.notifications_policy()["summary"] == {"pending_requests_count": 1,
                                                           "pending_notifications_count": 1}
        [held] = alice.notification_requests()
        assert held["account"]["id"] == _me(bob)["id"] and held["notifications_count"] == "1"
        assert held["last_status"]["id"] == secret["id"]
        assert alice.notification_request(held["id"])["id"] == held["id"]
        assert [n["status"]["id"] for n in _raw_notifications(server, alice, include_filtered="true")] == [secret["id"]]
        assert [n["status"]["id"] for n in alice.notifications(account_id=_me(bob)["id"])] == [secret["id"]]
        loud = bob.status_post(f"@{alice_name} hello in public")  # public mentions are not held back
        assert stream.next("notification")
        assert [n["status"]["id"] for n in alice.notifications()] == [loud["id"]]

        with pytest.raises(MastodonNotFoundError):
            eve.notification_request(held["id"])  # someone else's request
        with pytest.raises(MastodonNotFoundError):
            eve.accept_notification_request(held["id"])
        alice.accept_notification_request(held["id"])
        assert alice.notifications_merged() is True
        assert alice.notification_requests() == []
        assert [n["status"]["id"] for n in alice.notifications()] == [loud["id"], secret["id"]]
        again = bob.status_post(f"@{alice_name} thanks for letting me in", visibility="direct")
        assert alice.notifications()[0]["status"]["id"] == again["id"]  # accepted senders pass from now on
        with pytest.raises(MastodonNotFoundError):
            alice.notification_request(held["id"])
    finally:
        stream.close()


def test_private_replies_to_the_recipient_and_mentions_from_followed_accounts_pass(server):
    alice, bob, carol = server.new_user(), server.new_user(), server.new_user()
    alice_name, bob_name = _me(alice)["acct"], _me(bob)["acct"]
    opener = alice.status_post(f"@{bob_name} a question for you", visibility="direct")
    answer = bob.status_post(f"@{alice_name} an answer", visibility="direct", in_reply_to_id=opener["id"])
    alice.account_follow(_me(carol)["id"])
    friendly = carol.status_post(f"@{alice_name} hi friend", visibility="direct")
    assert [n["status"]["id"] for n in alice.notifications(types=["mention"])] == [friendly["id"], answer["id"]]
    assert alice.notification_requests() == []


def test_dismissing_deletes_held_notifications_and_bulk_actions_pick_their_requests(server):
    alice, bob, carol, eve = (server.new_user() for _ in range(4))
    alice.update_notifications_policy(for_not_following="filter")
    post = alice.status_post("held back")
    bob.status_favourite(post["id"])
    bob.status_reblog(post["id"])
    carol.status_favourite(post["id"])
    assert alice.notifications() == []
    assert alice.notifications_policy()["summary"] == {"pending_requests_count": 2,
                                                       "pending_notifications_count": 3}
    by_sender = {r["account"]["id"]: r for r in alice.notification_requests()}
    from_bob, from_carol = by_sender[_me(bob)["id"]], by_sender[_me(carol)["id"]]
    assert from_bob["notifications_count"] == "2" and from_bob["last_status"]["id"] == post["id"]
    page = alice.notification_requests(limit=1)
    assert [r["id"] for r in page] == [from_carol["id"]]
    assert [r["id"] for r in alice.fetch_next(page)] == [from_bob["id"]]

    _bulk(server, eve, "dismiss", [from_bob["id"]])  # not eve's: nothing happens
    assert len(alice.notification_requests()) == 2
    alice.dismiss_multiple_notification_requests([from_bob["id"]])  # Mastodon.py sends `id[][]=…`
    assert _raw_notifications(server, alice, include_filtered="true", types=["reblog"]) == []
    alice.accept_multiple_notification_requests([from_carol["id"]])
    assert [(n["type"], n["account"]["id"]) for n in alice.notifications()] == [("favourite", _me(carol)["id"])]
    assert alice.notification_requests() == []
    bob.status_unfavourite(post["id"])
    bob.status_favourite(post["id"])  # dismissing is not accepting: bob is held back again
    assert [r["account"]["id"] for r in alice.notification_requests()] == [_me(bob)["id"]]
    assert len(alice.notifications()) == 1


def test_drop_discards_and_old_followers_pass_the_not_followers_rule(server):
    alice, fan, newcomer = server.new_user(), server.new_user(), server.new_user()
    alice.update_notifications_policy(for_not_followers="drop")
    post = alice.status_post("followers only please")
    fan.account_follow(_me(alice)["id"])
    newcomer.status_favourite(post["id"])
    fan.status_favourite(post["id"])  # a follow younger than three days does not count yet
    assert _raw_notifications(server, alice, include_filtered="true") == []
    assert alice.notification_requests() == []
    server.sql(f"UPDATE follows SET created_at = created_at - INTERVAL '4 days' WHERE account_id = {_me(fan)['id']}"
               if server.backend == "postgres" else
               f"UPDATE follows SET created_at = datetime(created_at, '-4 days') WHERE account_id = {_me(fan)['id']}")
    fan.status_reblog(post["id"])
    assert [(n["type"], n["account"]["id"]) for n in alice.notifications()] == [("reblog", _me(fan)["id"])]


def test_limited_accounts_are_filtered_by_default_unless_followed(server):
    alice, limited = server.new_user(), server.new_user()
    server.sql(f"UPDATE accounts SET silenced_at = CURRENT_TIMESTAMP WHERE id = {_me(limited)['id']}")
    post = alice.status_post("careful")
    limited.status_favourite(post["id"])
    assert alice.notifications() == []
    assert [r["account"]["id"] for r in alice.notification_requests()] == [_me(limited)["id"]]
    alice.account_follow(_me(limited)["id"])
    limited.status_reblog(post["id"])
    assert [n["type"] for n in alice.notifications()] == ["reblog"]
