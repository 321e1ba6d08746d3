"""Followed and featured hashtags through Mastodon.py: followed tags fill the home timeline and the
user stream, featured tags show on profiles with their counts."""

import json
import secrets
from datetime import UTC, datetime

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.e2e.test_streaming import SSE


def _me(client):
    return client.account_verify_credentials()


def _tag() -> str:
    return "Orchid" + secrets.token_hex(4)


def _home(client) -> list[str]:
    return [s["id"] for s in client.timeline_home(limit=40)]


def test_followed_tag_brings_public_posts_home_and_to_the_user_stream(server):
    reader, author, muted, blocking = (server.new_user() for _ in range(4))
    name = _tag()
    assert reader.tag(name)["following"] is False
    followed = reader.tag_follow(name)
    assert followed["name"] == name and followed["following"] is True and followed["featuring"] is False
    assert reader.tag_follow(name)["following"] is True  # idempotent, as Mastodon 4.1+
    assert reader.tag(name.lower())["following"] is True
    assert author.tag(name)["following"] is False  # someone else's follow

    reader.account_mute(_me(muted)["id"])
    blocking.account_block(_me(reader)["id"])
    stream = SSE(server.url + "/api/v1/streaming/user", reader.access_token)
    try:
        public = author.status_post(f"flowers #{name}")
        assert json.loads(stream.next("update"))["id"] == public["id"]
        unlisted = author.status_post(f"quiet #{name}", visibility="unlisted")
        private = author.status_post(f"friends only #{name}", visibility="private")
        from_muted = muted.status_post(f"muted #{name}")
        from_blocker = blocking.status_post(f"blocked #{name}")
        untagged = author.status_post("no tag here")
        updates = [json.loads(data)["id"] for event, data in stream.quiet() if event == "update"]
        assert updates == []
    finally:
        stream.close()
    home = _home(reader)
    assert public["id"] in home
    for absent in (unlisted, private, from_muted, from_blocker, untagged):
        assert absent["id"] not in home


def test_unfollowing_a_tag_removes_only_what_it_brought(server):
    reader, friend, stranger = server.new_user(), server.new_user(), server.new_user()
    name, other = _tag(), _tag()
    reader.account_follow(_me(friend)["id"])
    reader.tag_follow(name)
    reader.tag_follow(other)
    from_stranger = stranger.status_post(f"#{name}")
    with_both = stranger.status_post(f"#{name} #{other}")
    from_friend = friend.status_post(f"#{name}")
    own = reader.status_post(f"mine #{name}")
    assert {from_stranger["id"], with_both["id"], from_friend["id"], own["id"]} <= set(_home(reader))
    unfollowed = reader.tag_unfollow(name)
    assert unfollowed["following"] is False and reader.tag(name)["following"] is False
    home = _home(reader)
    assert from_stranger["id"] not in home
    assert {with_both["id"], from_friend["id"], own["id"]} <= set(home)
    assert stranger.status_post(f"#{name} again")["id"] not in _home(reader)


def test_followed_tags_are_paged_with_link_headers(server):
    reader = server.new_user()
    names = [_tag() for _ in range(3)]
    for name in names:
        reader.tag_follow(name)
    first = reader.followed_tags(limit=2)
    assert [t["name"] for t in first] == names[:0:-1]  # newest follow first
    second = reader.fetch_next(first)
    assert [t["name"] for t in second] == names[:1]
    assert all(t["following"] is True and len(t["history"]) == 7 for t in first + second)
    reader.tag_unfollow(names[0])
    assert names[0] not in [t["name"] for t in reader.followed_tags()]


def test_tag_routes_check_names_and_scopes(server):
    username, _ = server.register()
    reader = server.new_user()
    with pytest.raises(MastodonNotFoundError):
        reader.tag_follow("not a tag")
    anonymous = requests.get(f"{server.url}/api/v1/tags/{_tag()}", timeout=10)
    assert anonymous.status_code == 200 and "following" not in anonymous.json()
    assert [int(day["uses"]) for day in anonymous.json()["history"]] == [0] * 7
    read_only = server.spark("token", username, "--scopes", "read").strip()
    response = requests.post(f"{server.url}/api/v1/tags/{_tag()}/follow",
                             headers={"Authorization": f"Bearer {read_only}"}, timeout=10)
    assert response.status_code == 403 and "error" in response.json()
    assert requests.get(f"{server.url}/api/v1/followed_tags", timeout=10).status_code == 401


def test_featured_tags_count_public_posts_and_show_on_profiles(server):
    owner, visitor = server.new_user(), server.new_user()
    name, unused = _tag(), _tag()
    owner.status_post(f"one #{name}")
    owner.status_post(f"two #{name}", visibility="unlisted")
    owner.status_post(f"hidden #{name}", visibility="private")
    assert name in [t["name"] for t in owner.featured_tag_suggestions()]
    featured = owner.featured_tag_create(name)
    assert featured["name"] == name and featured["statuses_count"] == "2"
    assert featured["last_status_at"].date() == datetime.now(UTC).date()  # Mastodon.py parses the date
    assert featured["url"].endswith(f"/@{_me(owner)['username']}/tagged/{name.lower()}")
    assert owner.featured_tag_create(f"#{name}")["id"] == featured["id"]  # already featured: the same one
    assert name not in [t["name"] for t in owner.featured_tag_suggestions()]
    blank = owner.featured_tag_create(unused)
    assert blank["statuses_count"] == "0" and blank["last_status_at"] is None

    owner_id = _me(owner)["id"]
    assert [t["name"] for t in visitor.account_featured_tags(owner_id)] == [name, unused]
    anonymous = requests.get(f"{server.url}/api/v1/accounts/{owner_id}/featured_tags", timeout=10).json()
    assert [t["id"] for t in anonymous] == [featured["id"], blank["id"]]
    assert requests.get(f"{server.url}/api/v1/accounts/999/featured_tags", timeout=10).status_code == 404

    with pytest.raises(MastodonNotFoundError):
        visitor.featured_tag_delete(featured["id"])
    owner.featured_tag_delete(featured["id"])
    assert [t["name"] for t in owner.featured_tags()] == [unused]
    with pytest.raises(MastodonNotFoundError):
        owner.featured_tag_delete(featured["id"])
    with pytest.raises(MastodonAPIError) as error:
        owner.featured_tag_create("not a tag")
    assert error.value.args[1] == 422


def test_tags_feature_and_unfeature_and_the_limit(server):
    owner = server.new_user()
    name = _tag()
    assert owner.tag(name)["featuring"] is False
    assert owner.tag_feature(name)["featuring"] is True
    assert owner.tag(name)["featuring"] is True
    assert [t["name"] for t in owner.featured_tags()] == [name]
    assert owner.tag_unfeature(name)["featuring"] is False
    assert owner.featured_tags() == []
    for _ in range(10):
        owner.featured_tag_create(_tag())
    with pytest.raises(MastodonAPIError) as error:
        owner.tag_feature(_tag())
    assert error.value.args[1] == 422


def test_posts_bringing_the_same_new_hashtag_at_once_all_succeed(server):
    """The first post to use a hashtag creates it. On PostgreSQL, posts written at the same moment used to
    race for that insert, and all but one failed (422, "conflicts with stored data")."""
    from concurrent.futures import ThreadPoolExecutor

    authors = [server.new_user() for _ in range(8)]
    for attempt in range(3):  # three new hashtags, each posted by eight accounts at once
        name = _tag()
        with ThreadPoolExecutor(len(authors)) as pool:
            posts = list(pool.map(lambda client, name=name: client.status_post(f"at once #{name}"), authors))
        assert [post["tags"][0]["name"] for post in posts] == [name.lower()] * len(authors), attempt
        assert len(authors[0].timeline_hashtag(name, limit=40)) == len(authors)
