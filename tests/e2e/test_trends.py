"""Trends through Mastodon.py: hashtags and links shared by several accounts, and the posts people
interact with most."""

import secrets

import pytest
import requests


def _me(client):
    return client.account_verify_credentials()


def _tag() -> str:
    return "Trend" + secrets.token_hex(4)


def test_tags_used_by_most_accounts_trend_with_their_history(server):
    users = [server.new_user() for _ in range(3)]
    wide, narrow, alone, private = _tag(), _tag(), _tag(), _tag()
    for user in users:
        user.status_post(f"#{wide}")
    users[0].status_post(f"#{narrow} first")
    users[0].status_post(f"#{narrow} second")
    users[1].status_post(f"#{narrow}")
    users[2].status_post(f"#{alone}")
    users[0].status_post(f"#{private}", visibility="private")
    users[1].status_post(f"#{private}", visibility="private")
    users[0].tag_follow(wide)

    names = [t["name"] for t in users[0].trending_tags(limit=20)]
    assert names.index(wide) < names.index(narrow)
    assert alone not in names and private not in names
    trending = {t["name"]: t for t in users[0].trending_tags(limit=20)}
    assert trending[wide]["following"] is True and trending[narrow]["following"] is False
    today = trending[narrow]["history"][0]
    assert len(trending[narrow]["history"]) == 7 and (today["uses"], today["accounts"]) == ("3", "2")

    anonymous = requests.get(f"{server.url}/api/v1/trends/tags", params={"limit": 20}, timeout=10)
    assert anonymous.status_code == 200 and "following" not in anonymous.json()[0]
    assert [t["name"] for t in anonymous.json()] == names
    second = requests.get(f"{server.url}/api/v1/trends/tags", params={"limit": 1, "offset": 1}, timeout=10)
    assert [t["name"] for t in second.json()] == names[1:2]
    assert 'rel="next"' in second.headers["Link"] and "offset=2" in second.headers["Link"]
    assert requests.get(f"{server.url}/api/v1/trends", params={"limit": 20}, timeout=10).json() == anonymous.json()


def test_statuses_with_most_interactions_trend(server):
    author, fan, other, reader = (server.new_user() for _ in range(4))
    popular = author.status_post("everyone likes this")
    liked = author.status_post("one like")
    ignored = author.status_post("nobody cares")
    sensitive = author.status_post("careful", sensitive=True, spoiler_text="cw")
    reply = author.status_post("a reply", in_reply_to_id=liked["id"])
    for client in (fan, other):
        client.status_favourite(popular["id"])
        client.status_reblog(popular["id"])
        client.status_favourite(sensitive["id"])
        client.status_favourite(reply["id"])
    fan.status_favourite(liked["id"])

    ids = [s["id"] for s in reader.trending_statuses(limit=40)]
    assert ids.index(popular["id"]) < ids.index(liked["id"])
    for absent in (ignored, sensitive, reply):
        assert absent["id"] not in ids
    assert [s["id"] for s in reader.trending_statuses(limit=1, offset=ids.index(liked["id"]))] == [liked["id"]]
    reader.account_block(_me(author)["id"])
    assert popular["id"] not in [s["id"] for s in reader.trending_statuses(limit=40)]
    assert popular["id"] in [s["id"] for s in other.trending_statuses(limit=40)]


def test_links_shared_by_several_accounts_trend_as_preview_cards(server):
    first, second = server.new_user(), server.new_user()
    page = f"https://news.example/{secrets.token_hex(4)}?id=7"
    lonely = f"https://blog.example/{secrets.token_hex(4)}"
    first.status_post(f"read this {page}")
    second.status_post(f"so good {page} #{_tag()} @{_me(first)['username']}")
    second.status_post(f"mine alone {lonely}")
    second.status_post(f"shhh {lonely}", visibility="private")
    first.status_post(f"shhh {lonely}", visibility="private")

    cards = {c["url"]: c for c in first.trending_links(limit=20)}
    assert lonely not in cards and not any("/tags/" in url or "/@" in url for url in cards)
    card = cards[page]
    assert card["type"] == "link" and card["provider_name"] == "news.example" and card["image"] is None
    assert card["title"].startswith("news.example/") and card["description"] == ""
    today = card["history"][0]
    assert (int(today["uses"]), int(today["accounts"])) == (2, 2)  # strings on the wire; Mastodon.py parses them


@pytest.mark.parametrize("kind", ["tags", "statuses", "links"])
def test_trend_parameters_are_checked_and_clamped(server, kind):
    url = f"{server.url}/api/v1/trends/{kind}"
    assert requests.get(url, params={"offset": -1}, timeout=10).status_code == 422
    assert requests.get(url, params={"offset": 10**20}, timeout=10).status_code == 422  # not a database error
    bad = requests.get(url, params={"limit": "many"}, timeout=10)
    assert bad.status_code == 422 and "error" in bad.json()
    assert requests.get(url, params={"limit": 1000}, timeout=10).status_code == 200
    assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
