"""Featured accounts (endorsements) through Mastodon.py and plain HTTP."""

import requests
from mastodon import MastodonAPIError


def _auth(client) -> dict:
    return {"Authorization": f"Bearer {client.access_token}"}


def test_endorse_a_followed_account_and_show_it_on_the_profile(server):
    alice, bob, carol = server.new_user(), server.new_user(), server.new_user()
    alice_id, bob_id, carol_id = alice.me()["id"], bob.me()["id"], carol.me()["id"]
    try:
        alice.account_endorse(bob_id)
        raise AssertionError("endorsed an account not followed")
    except MastodonAPIError as error:
        assert error.args[1] == 422 and "following" in error.args[3]
    alice.account_follow(bob_id)
    alice.account_follow(carol_id)
    assert alice.account_endorse(bob_id)["endorsed"] is True
    assert alice.account_endorse(bob_id)["endorsed"] is True  # idempotent
    pinned = requests.post(f"{server.url}/api/v1/accounts/{carol_id}/pin", headers=_auth(alice), timeout=10)
    assert pinned.status_code == 200 and pinned.json()["endorsed"] is True  # the pre-4.4 alias
    assert alice.account_relationships([bob_id, carol_id])[0]["endorsed"] is True
    assert bob.account_relationships([alice_id])[0]["endorsed"] is False  # it is alice's endorsement, not bob's

    assert [a["id"] for a in alice.endorsements()] == [carol_id, bob_id]  # newest first
    public = requests.get(f"{server.url}/api/v1/accounts/{alice_id}/endorsements", timeout=10)
    assert public.status_code == 200 and [a["id"] for a in public.json()] == [carol_id, bob_id]

    first = requests.get(f"{server.url}/api/v1/endorsements?limit=1", headers=_auth(alice), timeout=10)
    assert [a["id"] for a in first.json()] == [carol_id]
    second = requests.get(first.links["next"]["url"], headers=_auth(alice), timeout=10)
    assert [a["id"] for a in second.json()] == [bob_id]

    assert alice.account_unendorse(carol_id)["endorsed"] is False
    alice.account_unfollow(bob_id)  # an unfollow ends the endorsement, as Mastodon
    assert alice.endorsements() == []
    assert alice.account_relationships([bob_id])[0]["endorsed"] is False


def test_endorsements_need_scopes_and_hide_from_blocked_viewers(server):
    alice, bob, stranger = server.new_user(), server.new_user(), server.new_user()
    alice_id, bob_id = alice.me()["id"], bob.me()["id"]
    alice.account_follow(bob_id)
    alice.account_endorse(bob_id)
    alice.account_block(stranger.me()["id"])
    seen = requests.get(f"{server.url}/api/v1/accounts/{alice_id}/endorsements", headers=_auth(stranger), timeout=10)
    assert seen.status_code == 200 and seen.json() == []
    assert requests.get(f"{server.url}/api/v1/endorsements", timeout=10).status_code == 401
    name, _ = server.register()
    reader = {"Authorization": "Bearer " + server.spark("token", name, "--scopes", "read").strip()}
    refused = requests.post(f"{server.url}/api/v1/accounts/{bob_id}/endorse", headers=reader, timeout=10)
    assert refused.status_code == 403 and "error" in refused.json()
    assert requests.get(f"{server.url}/api/v1/endorsements", headers=reader, timeout=10).status_code == 200
    missing = requests.get(f"{server.url}/api/v1/accounts/0/endorsements", timeout=10)
    assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
