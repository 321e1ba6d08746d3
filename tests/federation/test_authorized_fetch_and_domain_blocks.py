"""Authorized fetch (SPARK_AUTHORIZED_FETCH=1) and domain blocks, between two real servers."""

from __future__ import annotations

import time

import requests

from tests.federation.test_two_servers import FEDERATION, follow_across, handle, resolve, wait_for
from tests.harness import running_server

AP = {"Accept": "application/activity+json"}


def test_authorized_fetch_serves_posts_only_to_signed_fetches_and_still_federates(tmp_path):
    with running_server(tmp_path / "a", authorized_fetch="1", **FEDERATION) as a, \
            running_server(tmp_path / "b", **FEDERATION) as b:
        alice, bob = a.new_user(), b.new_user()
        post = alice.status_post("Readable by servers that sign their fetches")
        assert requests.get(post["uri"], headers=AP, timeout=10).status_code == 401
        actor = requests.get(alice.me()["url"].replace("/@", "/users/"), headers=AP, timeout=10)
        assert actor.status_code == 200 and "publicKey" in actor.json()  # keys stay public
        assert requests.get(actor.json()["outbox"], headers=AP, timeout=10).status_code == 401

        follow_across(bob, handle(a, alice))  # B signs its fetches with its instance actor
        found = bob.search_v2(post["uri"], resolve=True, result_type="statuses")["statuses"]
        assert found and "sign their fetches" in found[0]["content"]


def test_a_suspended_domain_can_neither_deliver_nor_receive(tmp_path):
    with running_server(tmp_path / "a", **FEDERATION) as a, running_server(tmp_path / "b", **FEDERATION) as b:
        alice, bob = a.new_user(), b.new_user()
        follow_across(bob, handle(a, alice))
        bob_on_a = resolve(alice, handle(b, bob))
        assert "suspend" in a.spark("domains", "block", b.domain)
        assert f"{b.domain}  suspend" in a.spark("domains", "list")
        # Bob no longer follows Alice on A's side, and A sends nothing to B.
        wait_for(lambda: alice.account_followers(alice.me()["id"]) == [])
        post = alice.status_post("Not for the suspended server")
        # What B sends is refused at the inbox.
        time.sleep(2)
        assert all(s["uri"] != post["uri"] for s in bob.timeline_home())
        reply = bob.status_post(f"@{handle(a, alice)} can you hear me?")
        time.sleep(2)
        assert all(n["status"]["uri"] != reply["uri"] for n in alice.notifications() if n.get("status"))
        assert requests.get(f"{a.url}/api/v1/accounts/{bob_on_a['id']}", timeout=10).json()["suspended"] is True
        a.spark("domains", "unblock", b.domain)
        assert b.domain not in a.spark("domains", "list")




def test_a_silenced_domain_reaches_followers_but_not_the_public_timelines(tmp_path):
    with running_server(tmp_path / "a", **FEDERATION) as a, running_server(tmp_path / "b", **FEDERATION) as b:
        alice, bob = a.new_user(), b.new_user()
        follow_across(alice, handle(b, bob))
        assert "silence" in a.spark("domains", "block", b.domain, "--severity", "silence")
        post = bob.status_post("Loud from a silenced server")
        wait_for(lambda: any(s["uri"] == post["uri"] for s in alice.timeline_home()))
        assert all(s["uri"] != post["uri"] for s in alice.timeline_public())
        assert all(s["uri"] != post["uri"] for s in alice.timeline_public(remote=True))
        a.spark("domains", "unblock", b.domain)
        assert any(s["uri"] == post["uri"] for s in alice.timeline_public())
