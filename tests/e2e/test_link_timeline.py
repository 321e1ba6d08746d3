"""GET /api/v1/timelines/link: the public posts sharing a trending link."""

import secrets

import pytest
import requests
from mastodon import MastodonNotFoundError


def test_posts_sharing_a_trending_link_newest_first(server):
    alice, bob, carol, reader = (server.new_user() for _ in range(4))
    page = f"https://news.example/{secrets.token_hex(4)}"
    first = alice.status_post(f"read this {page}")
    second = bob.status_post(f"so true {page}#comments")  # the same page, fragment aside
    alice.status_post(f"only for friends {page}", visibility="private")
    alice.status_post("no link here")
    third = carol.status_post(f"agreed {page}")
    reader.account_block(carol.account_verify_credentials()["id"])

    shared = reader.timeline_link(page)
    assert [s["id"] for s in shared] == [second["id"], first["id"]]  # public only, minus those reader blocks
    host_in_capitals = page.replace("news.example", "News.Example")
    assert [s["id"] for s in alice.timeline_link(host_in_capitals)] == [third["id"], second["id"], first["id"]]
    newest = requests.get(f"{server.url}/api/v1/timelines/link", params={"url": page, "limit": 1}, timeout=10)
    assert newest.status_code == 200 and [s["id"] for s in newest.json()] == [third["id"]]
    older = requests.get(newest.links["next"]["url"], timeout=10).json()
    assert [s["id"] for s in older] == [second["id"]]


def test_links_that_do_not_trend_have_no_timeline(server, api):
    lonely = f"https://lonely.example/{secrets.token_hex(4)}"
    api.status_post(f"just me {lonely}")
    with pytest.raises(MastodonNotFoundError):
        api.timeline_link(lonely)
    for url in ("", "not a url", "https://never.shared.example/"):
        assert requests.get(f"{server.url}/api/v1/timelines/link", params={"url": url}, timeout=10).status_code == 404
