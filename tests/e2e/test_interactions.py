"""Favourites, reposts, bookmarks, pins and quotes through Mastodon.py."""

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError


def _me(client):
    return client.account_verify_credentials()


def test_favourite_counts_notifies_and_lists(server):
    author, fan = server.new_user(), server.new_user()
    post = author.status_post("like me")
    liked = fan.status_favourite(post["id"])
    assert liked["favourited"] is True and liked["favourites_count"] == 1
    fan.status_favourite(post["id"])  # twice changes nothing
    assert author.status(post["id"])["favourites_count"] == 1
    assert [a["id"] for a in author.status_favourited_by(post["id"])] == [_me(fan)["id"]]
    assert [s["id"] for s in fan.favourites()] == [post["id"]]
    unliked = fan.status_unfavourite(post["id"])
    assert unliked["favourited"] is False and unliked["favourites_count"] == 0
    assert fan.favourites() == []


def test_reblog_reaches_followers_and_undo_removes_it(server):
    author, booster, reader = server.new_user(), server.new_user(), server.new_user()
    reader.account_follow(_me(booster)["id"])
    post = author.status_post("boost me")
    boost = booster.status_reblog(post["id"])
    assert boost["reblog"]["id"] == post["id"] and boost["reblog"]["reblogged"] is True
    assert boost["reblog"]["reblogs_count"] == 1
    assert booster.status_reblog(post["id"])["id"] == boost["id"]  # idempotent
    home = reader.timeline_home()
    assert [s["id"] for s in home][:1] == [boost["id"]]
    assert [a["id"] for a in author.status_reblogged_by(post["id"])] == [_me(booster)["id"]]
    original = booster.status_unreblog(post["id"])
    assert original["id"] == post["id"] and original["reblogged"] is False and original["reblogs_count"] == 0
    assert boost["id"] not in [s["id"] for s in reader.timeline_home()]
    with pytest.raises(MastodonNotFoundError):
        reader.status(boost["id"])


def test_timelines_show_the_viewers_marks(server):
    author, reader, other = server.new_user(), server.new_user(), server.new_user()
    reader.account_follow(_me(author)["id"])
    reader.account_follow(_me(other)["id"])
    post, plain = author.status_post("mark me"), author.status_post("leave me")
    boost = other.status_reblog(post["id"])
    reader.status_favourite(post["id"])
    reader.status_bookmark(post["id"])
    reader.status_reblog(post["id"])
    mine = reader.status_post("my own")
    reader.status_pin(mine["id"])
    home = {s["id"]: s for s in reader.timeline_home()}
    for shown in (home[post["id"]], home[boost["id"]]["reblog"]):
        assert (shown["favourited"], shown["reblogged"], shown["bookmarked"]) == (True, True, True)
    assert (home[plain["id"]]["favourited"], home[plain["id"]]["reblogged"]) == (False, False)
    assert home[mine["id"]]["pinned"] is True
    # the same post seen by someone else carries their marks, not the reader's
    public = {s["id"]: s for s in other.timeline_public(local=True)}
    assert (public[post["id"]]["favourited"], public[post["id"]]["reblogged"]) == (False, True)
    assert "favourited" not in requests.get(server.url + "/api/v1/timelines/public?local=true", timeout=10).json()[0]


def test_private_posts_cannot_be_reblogged_by_others(server):
    author, follower = server.new_user(), server.new_user()
    follower.account_follow(_me(author)["id"])
    private = author.status_post("only followers", visibility="private")
    with pytest.raises(MastodonAPIError) as error:
        follower.status_reblog(private["id"])
    assert error.value.args[1] == 422
    assert author.status(private["id"])["reblogs_count"] == 0


def test_bookmarks_are_private_to_the_owner(server):
    author, reader = server.new_user(), server.new_user()
    posts = [author.status_post(f"bookmark {i}") for i in range(3)]
    for post in posts:
        assert reader.status_bookmark(post["id"])["bookmarked"] is True
    assert author.status(posts[0]["id"])["bookmarked"] is False
    first_page = reader.bookmarks(limit=2)
    assert [s["id"] for s in first_page] == [posts[2]["id"], posts[1]["id"]]
    assert [s["id"] for s in reader.fetch_next(first_page)] == [posts[0]["id"]]
    reader.status_unbookmark(posts[1]["id"])
    assert [s["id"] for s in reader.bookmarks()] == [posts[2]["id"], posts[0]["id"]]
    assert author.bookmarks() == []


def test_pins_show_on_profile_and_are_limited(server):
    author, other = server.new_user(), server.new_user()
    posts = [author.status_post(f"pin {i}") for i in range(6)]
    for post in posts[:5]:
        assert author.status_pin(post["id"])["pinned"] is True
    with pytest.raises(MastodonAPIError) as error:
        author.status_pin(posts[5]["id"])
    assert error.value.args[1] == 422
    with pytest.raises(MastodonAPIError):
        other.status_pin(posts[0]["id"])
    pinned = other.account_statuses(_me(author)["id"], pinned=True)
    assert {s["id"] for s in pinned} == {p["id"] for p in posts[:5]}
    assert author.status_unpin(posts[0]["id"])["pinned"] is False
    assert len(other.account_statuses(_me(author)["id"], pinned=True)) == 4


def test_interactions_on_unknown_or_hidden_posts_are_404(server):
    author, stranger = server.new_user(), server.new_user()
    direct = author.status_post("secret", visibility="direct")
    for action in (stranger.status_favourite, stranger.status_reblog, stranger.status_bookmark,
                   stranger.status_favourited_by):
        with pytest.raises(MastodonNotFoundError):
            action(direct["id"])
        with pytest.raises(MastodonNotFoundError):
            action("999999999999")
    assert author.status(direct["id"])["favourites_count"] == 0


def test_quotes_list_revoke_and_policy(server):
    author, quoter = server.new_user(), server.new_user()
    post = author.status_post("quote me")
    quote = quoter.status_post("look at this", quoted_status_id=post["id"])
    headers = {"Authorization": f"Bearer {author.access_token}"}
    listed = requests.get(f"{server.url}/api/v1/statuses/{post['id']}/quotes", headers=headers, timeout=10)
    assert [s["id"] for s in listed.json()] == [quote["id"]]
    revoked = requests.post(f"{server.url}/api/v1/statuses/{post['id']}/quotes/{quote['id']}/revoke",
                            headers=headers, timeout=10)
    assert revoked.status_code == 200 and revoked.json()["quote"]["state"] == "revoked"
    assert author.status(post["id"])["quotes_count"] == 0
    changed = requests.put(f"{server.url}/api/v1/statuses/{post['id']}/interaction_policy",
                           data={"quote_approval_policy": "nobody"}, headers=headers, timeout=10)
    assert changed.status_code == 200
    with pytest.raises(MastodonAPIError) as error:
        quoter.status_post("again", quoted_status_id=post["id"])
    assert error.value.args[1] in (403, 422)
    bad = requests.put(f"{server.url}/api/v1/statuses/{post['id']}/interaction_policy",
                       data={"quote_approval_policy": "everyone"}, headers=headers, timeout=10)
    assert bad.status_code == 422 and "error" in bad.json()
    stolen = requests.put(f"{server.url}/api/v1/statuses/{post['id']}/interaction_policy",
                          data={"quote_approval_policy": "public"},
                          headers={"Authorization": f"Bearer {quoter.access_token}"}, timeout=10)
    assert stolen.status_code == 404


def test_a_like_or_bookmark_sent_several_times_at_once_counts_once(server):
    """A double tap sends the same like twice; on PostgreSQL the two used to race, and the second failed."""
    from concurrent.futures import ThreadPoolExecutor

    author, fan = server.new_user(), server.new_user()
    for attempt in range(3):
        post = author.status_post(f"like me once {attempt}")
        with ThreadPoolExecutor(6) as pool:
            liked = list(pool.map(fan.status_favourite, [post["id"]] * 6))
            bookmarked = list(pool.map(fan.status_bookmark, [post["id"]] * 6))
        assert all(s["favourited"] for s in liked) and all(s["bookmarked"] for s in bookmarked)
        assert author.status(post["id"])["favourites_count"] == 1
        assert [a["id"] for a in author.status_favourited_by(post["id"])] == [_me(fan)["id"]]
        assert sum(1 for s in fan.bookmarks(limit=40) if s["id"] == post["id"]) == 1
        likes = [n for n in author.notifications(types=["favourite"]) if n["status"]["id"] == post["id"]]
        assert len(likes) == 1
