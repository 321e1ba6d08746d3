"""A user blocking another server, between two real servers: its posts, notifications and streams
stay out of sight, follows with it end (and it hears of that), and it cannot be followed meanwhile."""

import json

import pytest
import requests
from mastodon import MastodonAPIError

from tests.e2e.test_streaming import SSE
from tests.federation.test_two_servers import FEDERATION, follow_across, handle
from tests.harness import backends, running_server, wait_for


@pytest.fixture(scope="module", params=backends())
def pair(request, tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("blocks-a"), backend=request.param, **FEDERATION) as a, \
            running_server(tmp_path_factory.mktemp("blocks-b"), backend=request.param, **FEDERATION) as b:
        yield a, b


def _uris(statuses) -> set[str]:
    return {s["uri"] for s in statuses} | {s["reblog"]["uri"] for s in statuses if s.get("reblog")}


def test_blocking_a_server_hides_it_everywhere_and_ends_follows_with_it(pair):
    a, b = pair
    alice, carol = a.new_user(), a.new_user()
    bob, dave = b.new_user(), b.new_user()
    alice_on_b = follow_across(bob, handle(a, alice))
    dave_on_a = follow_across(alice, handle(b, dave))
    follow_across(carol, handle(b, dave))
    alice.account_follow(carol.me()["id"])
    before = dave.status_post("before the block")
    wait_for(lambda: before["uri"] in _uris(alice.timeline_public()))

    alice.domain_block(f" {b.domain} ")
    assert alice.domain_blocks() == [b.domain]
    relationship = alice.account_relationships([dave_on_a["id"]])[0]
    assert relationship["domain_blocking"] is True and relationship["following"] is False
    assert carol.account_relationships([dave_on_a["id"]])[0]["domain_blocking"] is False
    assert alice.account_followers(alice.me()["id"]) == []
    wait_for(lambda: not bob.account_relationships([alice_on_b["id"]])[0]["following"])  # B heard the Reject
    assert before["uri"] not in _uris(alice.timeline_public()) | _uris(alice.timeline_home())
    assert before["uri"] in _uris(carol.timeline_public())

    alices, carols = (SSE(a.url + "/api/v1/streaming/public", c.access_token) for c in (alice, carol))
    try:
        after = dave.status_post(f"after the block @{handle(a, alice)} @{handle(a, carol)}")
        assert json.loads(carols.next("update", timeout=20))["uri"] == after["uri"]
        mention = wait_for(lambda: [n for n in carol.notifications() if n["type"] == "mention"])
        assert mention[0]["status"]["uri"] == after["uri"]
        assert [e for e in alices.quiet(1) if e[0] == "update"] == []
        assert [n for n in alice.notifications() if n["account"]["acct"].endswith(b.domain)] == []
    finally:
        alices.close()
        carols.close()
    copy = next(s for s in carol.timeline_home() if s["uri"] == after["uri"])
    carol.status_reblog(copy["id"])  # alice follows carol, but not reposts of a blocked server's posts
    wait_for(lambda: any(s.get("reblog") for s in carol.timeline_home()))
    assert after["uri"] not in _uris(alice.timeline_home())
    try:
        alice.account_follow(dave_on_a["id"])
        raise AssertionError("followed an account on a blocked server")
    except MastodonAPIError as error:
        assert error.args[1] == 403

    alice.domain_unblock(b.domain)
    assert alice.domain_blocks() == []
    assert alice.account_relationships([dave_on_a["id"]])[0]["domain_blocking"] is False
    assert before["uri"] in _uris(alice.timeline_public())


def test_domain_block_validation_pagination_and_scopes(pair):
    a, _ = pair
    name, token = a.register()
    auth = {"Authorization": f"Bearer {token}"}
    url = a.url + "/api/v1/domain_blocks"
    for bad in ("https://spam.example/", "spam.example/path", "user@spam.example", "", a.domain, "-x-.example"):
        response = requests.post(url, data={"domain": bad}, headers=auth, timeout=10)
        assert response.status_code == 422 and set(response.json()) == {"error"}, bad
    for domain in ("one.example", "Bücher.example", "three.example:8443"):
        assert requests.post(url, json={"domain": domain}, headers=auth, timeout=10).json() == {}
    assert requests.post(url, data={"domain": "one.example"}, headers=auth, timeout=10).status_code == 200
    first = requests.get(url, params={"limit": 2}, headers=auth, timeout=10)
    assert first.json() == ["three.example:8443", "xn--bcher-kva.example"]
    assert requests.get(first.links["next"]["url"], headers=auth, timeout=10).json() == ["one.example"]
    gone = requests.delete(url, data={"domain": "ONE.example"}, headers=auth, timeout=10)
    assert gone.status_code == 200 and gone.json() == {}
    assert "one.example" not in requests.get(url, headers=auth, timeout=10).json()

    reader = {"Authorization": "Bearer " + a.spark("token", name, "--scopes", "read").strip()}
    assert requests.get(url, headers=reader, timeout=10).status_code == 200
    assert requests.post(url, data={"domain": "x.example"}, headers=reader, timeout=10).status_code == 403
    follower = {"Authorization": "Bearer " + a.spark("token", name, "--scopes", "follow").strip()}
    assert requests.post(url, data={"domain": "x.example"}, headers=follower, timeout=10).status_code == 200
    assert requests.get(url, timeout=10).status_code == 401
