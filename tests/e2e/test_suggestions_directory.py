"""Follow suggestions and the profile directory through Mastodon.py."""

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError


def _me(client):
    return client.account_verify_credentials()


def _suggested(client) -> dict[str, list[str]]:
    return {s["account"]["id"]: s["sources"] for s in client.suggestions_v2()}


def test_friends_of_friends_come_first_and_dismissed_ones_never_again(server):
    viewer, friend, other_friend, popular, niche, blocked, muted, quiet = (server.new_user() for _ in range(8))
    ids = {name: _me(client)["id"] for name, client in
           (("friend", friend), ("other_friend", other_friend), ("popular", popular), ("niche", niche),
            ("blocked", blocked), ("muted", muted), ("quiet", quiet))}
    viewer.account_follow(ids["friend"])
    viewer.account_follow(ids["other_friend"])
    for client in (friend, other_friend):
        client.account_follow(ids["popular"])
        client.account_follow(ids["blocked"])
        client.account_follow(ids["muted"])
    friend.account_follow(ids["niche"])
    friend.account_follow(_me(viewer)["id"])
    viewer.account_block(ids["blocked"])
    viewer.account_mute(ids["muted"])
    quiet.account_update_credentials(discoverable=False)
    friend.account_follow(ids["quiet"])

    suggested = _suggested(viewer)
    order = list(suggested)
    assert order.index(ids["popular"]) < order.index(ids["niche"])
    assert "friends_of_friends" in suggested[ids["popular"]]
    for absent in ("friend", "other_friend", "blocked", "muted", "quiet"):
        assert ids[absent] not in suggested, absent
    assert _me(viewer)["id"] not in suggested
    first = viewer.suggestions_v2()[0]
    assert first["source"] in ("past_interactions", "global")

    viewer.suggestion_delete(ids["popular"])
    assert ids["popular"] not in _suggested(viewer)
    assert ids["popular"] not in [a["id"] for a in viewer.suggestions_v1()]
    assert ids["niche"] in [a["id"] for a in viewer.suggestions_v1()]
    with pytest.raises(MastodonNotFoundError):
        viewer.suggestion_delete("999")


def test_most_followed_active_local_accounts_are_suggested(server):
    viewer, star, fan, silent = (server.new_user() for _ in range(4))
    star_id, silent_id = _me(star)["id"], _me(silent)["id"]
    fan.account_follow(star_id)
    fan.account_follow(silent_id)
    star.status_post("I post")
    suggested = _suggested(viewer)
    assert "most_followed" in suggested[star_id]
    assert silent_id not in suggested  # never posted: not active
    viewer.account_follow(star_id)
    assert star_id not in _suggested(viewer)


def test_suggestions_need_a_token_with_read_scope(server):
    assert requests.get(f"{server.url}/api/v2/suggestions", timeout=10).status_code == 401
    username, _ = server.register()
    write_only = server.spark("token", username, "--scopes", "write").strip()
    response = requests.get(f"{server.url}/api/v1/suggestions", headers={"Authorization": f"Bearer {write_only}"},
                            timeout=10)
    assert response.status_code == 403 and "error" in response.json()


def _whole_directory(client, **query) -> list[str]:
    """Every page of the directory (the shared server holds more accounts than one page as the suite grows)."""
    found, offset = [], 0
    while True:
        page = [a["id"] for a in client.directory(offset=offset, limit=80, **query)]
        found += page
        if len(page) < 80:
            return found
        offset += 80


def test_directory_lists_discoverable_accounts_by_activity_or_age(server):
    older, newer, hidden, viewer = (server.new_user() for _ in range(4))
    older_id, newer_id, hidden_id = _me(older)["id"], _me(newer)["id"], _me(hidden)["id"]
    hidden.account_update_credentials(discoverable=False)
    older.status_post("still here")

    newest = _whole_directory(viewer, order="new")
    assert newest.index(newer_id) < newest.index(older_id) and hidden_id not in newest
    active = _whole_directory(viewer, order="active", local=True)
    assert active[0] == older_id and newer_id in active and hidden_id not in active
    assert [a["id"] for a in viewer.directory(order="new", offset=1, limit=1)] == newest[1:2]

    viewer.account_block(newer_id)
    assert newer_id not in _whole_directory(viewer, order="new")
    anonymous = requests.get(f"{server.url}/api/v1/directory", params={"order": "new", "limit": 80}, timeout=10)
    assert newer_id in [a["id"] for a in anonymous.json()]
    with pytest.raises(MastodonAPIError) as error:
        viewer.directory(order="popular")
    assert error.value.args[1] == 422
    huge = requests.get(f"{server.url}/api/v1/directory", params={"offset": 10**20}, timeout=10)
    assert huge.status_code == 422 and "error" in huge.json()
