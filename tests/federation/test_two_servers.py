"""Two real Spark servers on loopback, each with its own database, federating over real HTTP with
real signatures: what people on one server do reaches the other within seconds."""

from __future__ import annotations

import time

import pytest
import requests
from mastodon import MastodonNotFoundError

from tests.harness import backends, running_server, wait_for

FEDERATION = {"federation_allow_private": "1", "rate_limits_enabled": "0"}


@pytest.fixture(scope="module", params=backends())
def pair(request, tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("fed-a"), backend=request.param, **FEDERATION) as a, \
            running_server(tmp_path_factory.mktemp("fed-b"), backend=request.param, **FEDERATION) as b:
        yield a, b


def handle(server, client) -> str:
    return f"{client.me()['username']}@{server.domain}"


def resolve(client, acct: str) -> dict:
    found = client.search_v2(acct, resolve=True, result_type="accounts")["accounts"]
    assert found, f"{acct} not found"
    return found[0]


def follow_across(follower_client, acct: str) -> dict:
    account = resolve(follower_client, acct)
    follower_client.account_follow(account["id"])
    wait_for(lambda: follower_client.account_relationships(account["id"])[0]["following"])
    return account


def find_on(client, uri: str):
    found = client.search_v2(uri, resolve=True, result_type="statuses")["statuses"]
    return found[0] if found else None


def test_follow_post_reply_like_repost_edit_and_delete_reach_the_other_server(pair):
    a, b = pair
    alice, bob = a.new_user(), b.new_user()
    alice_on_b = follow_across(bob, handle(a, alice))
    assert alice.account_followers(alice.me()["id"])[0]["acct"] == handle(b, bob)

    post = alice.status_post("Hello from server A #federation")
    copy = wait_for(lambda: next((s for s in bob.timeline_home() if s["uri"] == post["uri"]), None))
    assert copy["account"]["id"] == alice_on_b["id"]
    assert "Hello from server A" in copy["content"]
    assert [t["name"] for t in copy["tags"]] == ["federation"]

    bob.status_favourite(copy["id"])
    bob.status_reblog(copy["id"])
    reply = bob.status_post(f"@{handle(a, alice)} welcome!", in_reply_to_id=copy["id"])
    kinds = wait_for(lambda: {n["type"] for n in alice.notifications()} >= {"favourite", "reblog", "mention"}
                     and {n["type"] for n in alice.notifications()})
    assert "follow" in kinds
    mention = next(n for n in alice.notifications() if n["type"] == "mention")
    assert mention["account"]["acct"] == handle(b, bob)
    assert mention["status"]["in_reply_to_id"] == str(post["id"])
    context = alice.status_context(post["id"])
    assert [s["uri"] for s in context["descendants"]] == [reply["uri"]]
    counts = alice.status(post["id"])
    assert (counts["favourites_count"], counts["reblogs_count"], counts["replies_count"]) == (1, 1, 1)

    bob.status_unfavourite(copy["id"])
    wait_for(lambda: alice.status(post["id"])["favourites_count"] == 0)

    alice.status_update(post["id"], "Hello from server A, edited")
    wait_for(lambda: "edited" in bob.status(copy["id"])["content"])

    alice.account_update_credentials(display_name="Alice of A")
    wait_for(lambda: bob.account(alice_on_b["id"])["display_name"] == "Alice of A")

    alice.status_delete(post["id"])
    wait_for(lambda: all(s["uri"] != post["uri"] for s in bob.timeline_home()))
    with pytest.raises(MastodonNotFoundError):
        bob.status(copy["id"])


def test_posts_from_the_other_side_and_unfollow(pair):
    a, b = pair
    carol, dave = a.new_user(), b.new_user()
    follow_across(carol, handle(b, dave))  # this time A follows B
    post = dave.status_post("Followers only", visibility="private")
    wait_for(lambda: any(s["uri"] == post["uri"] for s in carol.timeline_home()))
    assert next(s for s in carol.timeline_home() if s["uri"] == post["uri"])["visibility"] == "private"

    dave_on_a = resolve(carol, handle(b, dave))
    carol.account_unfollow(dave_on_a["id"])
    wait_for(lambda: dave.account_followers(dave.me()["id"]) == [])
    later = dave.status_post("After the unfollow")
    time.sleep(2)
    assert all(s["uri"] != later["uri"] for s in carol.timeline_home())


def test_quotes_reach_the_other_server_approved_or_pending(pair):
    """A quote of a post on its own server carries that server's stamp, so the other server shows it;
    a quote of a post on the reader's server waits for that server's approval (FEP-044f)."""
    a, b = pair
    quoter, quoted, reader = a.new_user(), a.new_user(), b.new_user()
    follow_across(reader, handle(a, quoter))
    original = quoted.status_post("Worth quoting")
    quote = quoter.status_post("Well said", quoted_status_id=original["id"])
    copy = wait_for(lambda: next((s for s in reader.timeline_home() if s["uri"] == quote["uri"]), None))
    assert copy["quote"]["state"] == "accepted"
    assert copy["quote"]["quoted_status"]["uri"] == original["uri"]

    home_post = reader.status_post("A post on server B")
    on_a = find_on(quoter, home_post["uri"])
    across = quoter.status_post("Quoting across", quoted_status_id=on_a["id"])
    assert across["quote"]["state"] == "pending"
    wait_for(lambda: quoter.status(across["id"])["quote"]["state"] == "accepted")
    arrived = wait_for(lambda: next((s for s in reader.timeline_home() if s["uri"] == across["uri"]), None))
    wait_for(lambda: reader.status(arrived["id"])["quote"]["state"] == "accepted")
    assert reader.status(home_post["id"])["quotes_count"] == 1


def test_locked_account_approves_a_remote_follow_request(pair):
    a, b = pair
    erin, frank = a.new_user(), b.new_user()
    erin.account_update_credentials(locked=True)
    erin_on_b = resolve(frank, handle(a, erin))
    assert erin_on_b["locked"] is True
    frank.account_follow(erin_on_b["id"])
    requests_ = wait_for(lambda: erin.follow_requests())
    assert requests_[0]["acct"] == handle(b, frank)
    assert frank.account_relationships(erin_on_b["id"])[0]["requested"] is True
    erin.follow_request_authorize(requests_[0]["id"])
    wait_for(lambda: frank.account_relationships(erin_on_b["id"])[0]["following"])


def test_remote_block_ends_the_follow_and_stops_delivery(pair):
    a, b = pair
    gina, hank = a.new_user(), b.new_user()
    gina_on_b = follow_across(hank, handle(a, gina))
    hank_on_a = resolve(gina, handle(b, hank))
    gina.account_block(hank_on_a["id"])
    wait_for(lambda: not hank.account_relationships(gina_on_b["id"])[0]["following"])
    post = gina.status_post("Not for hank")
    time.sleep(2)
    assert all(s["uri"] != post["uri"] for s in hank.timeline_home())


def test_actor_documents_webfinger_and_nodeinfo(pair):
    a, _ = pair
    alice = a.new_user()
    name = alice.me()["username"]
    finger = requests.get(f"{a.url}/.well-known/webfinger", params={"resource": f"acct:{name}@{a.domain}"},
                          timeout=10)
    assert finger.status_code == 200 and finger.headers["content-type"].startswith("application/jrd+json")
    self_link = next(link for link in finger.json()["links"] if link["rel"] == "self")
    actor = requests.get(self_link["href"], headers={"Accept": "application/activity+json"}, timeout=10)
    assert actor.headers["content-type"].startswith("application/activity+json")
    doc = actor.json()
    assert doc["preferredUsername"] == name and doc["inbox"].endswith(f"/users/{name}/inbox")
    assert doc["publicKey"]["owner"] == doc["id"] and "BEGIN PUBLIC KEY" in doc["publicKey"]["publicKeyPem"]
    assert doc["endpoints"]["sharedInbox"] == f"{a.url}/inbox"
    assert requests.get(f"{a.url}/.well-known/webfinger", params={"resource": f"acct:nobody@{a.domain}"},
                        timeout=10).status_code == 404
    links = requests.get(f"{a.url}/.well-known/nodeinfo", timeout=10).json()["links"]
    info = requests.get(links[0]["href"], timeout=10).json()
    assert info["software"]["name"] == "spark" and info["protocols"] == ["activitypub"]
    post = alice.status_post("An object with its own document")
    note = requests.get(post["uri"], headers={"Accept": "application/activity+json"}, timeout=10).json()
    assert note["type"] == "Note" and note["attributedTo"] == doc["id"]
    assert "https://www.w3.org/ns/activitystreams#Public" in note["to"]
    outbox = requests.get(doc["outbox"] + "?page=true", headers={"Accept": "application/activity+json"},
                          timeout=10).json()
    assert outbox["orderedItems"][0]["object"]["id"] == post["uri"]
    # The same URLs people share give JSON-LD to ActivityPub clients and HTML to browsers.
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    assert requests.get(f"{a.url}/@{name}", headers={"Accept": ld}, timeout=10).json()["id"] == doc["id"]
    assert requests.get(post["url"], headers={"Accept": "application/activity+json"},
                        timeout=10).json()["id"] == post["uri"]
    page = requests.get(post["url"], headers={"Accept": "text/html"}, timeout=10)
    assert page.headers["content-type"].startswith("text/html") and "An object with its own document" in page.text
    private = alice.status_post("Only followers", visibility="private")
    assert requests.get(private["uri"], headers={"Accept": "application/activity+json"},
                        timeout=10).status_code == 404


def test_a_server_that_was_down_gets_the_delivery_when_it_is_back(pair):
    a, b = pair
    ivy, jack = a.new_user(), b.new_user()
    follow_across(jack, handle(a, ivy))
    b.stop()
    try:
        post = ivy.status_post("Posted while B was down")
        time.sleep(1)
    finally:
        b.start()
    # The first attempt failed; the retry (15 s later on Mastodon's schedule) gets through.
    wait_for(lambda: any(s["uri"] == post["uri"] for s in jack.timeline_home()), timeout=60, interval=1)


def test_a_newly_met_remote_profile_shows_its_recent_public_posts(pair):
    a, b = pair
    kim, lee = a.new_user(), b.new_user()
    older = [kim.status_post(f"Before anyone on B knew me, post {n}") for n in range(3)]
    kim.status_post("Followers only, never backfilled", visibility="private")
    kim_on_b = resolve(lee, handle(a, kim))
    wanted = sorted(p["uri"] for p in older)
    wait_for(lambda: sorted(s["uri"] for s in lee.account_statuses(kim_on_b["id"]) if s["uri"] in wanted) == wanted)
    assert all("Followers only" not in s["content"] for s in lee.account_statuses(kim_on_b["id"]))


def test_a_report_forwarded_to_the_reported_accounts_server(pair):
    a, b = pair
    mal, nia = a.new_user(), b.new_user()
    post = mal.status_post("Something to report")
    mal_on_b = resolve(nia, handle(a, mal))
    copy = find_on(nia, post["uri"])
    report = nia.report(mal_on_b["id"], status_ids=[copy["id"]], comment="spam from A", forward=True,
                        category="spam")
    assert report["forwarded"] is True and report["target_account"]["id"] == mal_on_b["id"]
    assert "spam from A" in b.spark("reports")
    listed = wait_for(lambda: [line for line in a.spark("reports").splitlines() if "spam from A" in line])
    assert f"-> {mal.me()['username']}" in listed[0] and "posts=1" in listed[0]
    assert nia.me()["username"] not in listed[0]  # forwarded by the server, not by the reporter
