"""Lists, filters (v2 and v1) and search through Mastodon.py."""

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError


def _me(client):
    return client.account_verify_credentials()


def test_lists_need_follows_and_feed_their_timeline(server):
    owner, member, other = server.new_user(), server.new_user(), server.new_user()
    member_id = _me(member)["id"]
    friends = owner.list_create("friends")
    assert friends["title"] == "friends" and friends["replies_policy"] == "list"
    with pytest.raises(MastodonAPIError) as error:
        owner.list_accounts_add(friends["id"], [member_id])
    assert error.value.args[1] == 422
    owner.account_follow(member_id)
    owner.account_follow(_me(other)["id"])
    owner.list_accounts_add(friends["id"], [member_id])
    assert [a["id"] for a in owner.list_accounts(friends["id"])] == [member_id]
    assert [lst["id"] for lst in owner.account_lists(member_id)] == [friends["id"]]
    inside = member.status_post("for the list")
    outside = other.status_post("not on the list")
    listed = [s["id"] for s in owner.timeline_list(friends["id"])]
    assert inside["id"] in listed and outside["id"] not in listed
    renamed = owner.list_update(friends["id"], title="close friends", exclusive=True)
    assert renamed["title"] == "close friends" and renamed["exclusive"] is True
    home = [s["id"] for s in owner.timeline_home()]
    assert inside["id"] not in home and outside["id"] in home  # exclusive lists leave the home timeline
    with pytest.raises(MastodonNotFoundError):
        other.list(friends["id"])
    with pytest.raises(MastodonNotFoundError):
        other.timeline_list(friends["id"])
    owner.account_unfollow(member_id)
    assert owner.list_accounts(friends["id"]) == []
    owner.list_delete(friends["id"])
    assert owner.lists() == []
    with pytest.raises(MastodonAPIError) as error:
        owner.list_create("   ")
    assert error.value.args[1] == 422


def test_filters_v2_hide_and_warn(server):
    author, reader = server.new_user(), server.new_user()
    reader.account_follow(_me(author)["id"])
    spoiler = author.status_post("the finale spoiler is here")
    plain = author.status_post("nothing to see")
    hide = reader.create_filter_v2("no spoilers", context=["home"], filter_action="hide",
                                   keywords_attributes=[{"keyword": "spoiler", "whole_word": True}])
    assert [k["keyword"] for k in hide["keywords"]] == ["spoiler"]
    home = [s["id"] for s in reader.timeline_home()]
    assert spoiler["id"] not in home and plain["id"] in home
    reader.update_filter_v2(hide["id"], filter_action="warn")
    warned = next(s for s in reader.timeline_home() if s["id"] == spoiler["id"])
    assert warned["filtered"][0]["filter"]["id"] == hide["id"]
    assert warned["filtered"][0]["keyword_matches"] == ["spoiler"]
    assert not author.status(spoiler["id"]).get("filtered")  # only the owner's filters apply
    keyword = reader.add_filter_keyword_v2(hide["id"], "nothing", whole_word=False)
    assert {k["keyword"] for k in reader.filter_keywords_v2(hide["id"])} == {"spoiler", "nothing"}
    reader.delete_filter_keyword_v2(keyword["id"])
    status_filter = reader.add_filter_status_v2(hide["id"], plain["id"])
    assert reader.filter_statuses_v2(hide["id"])[0]["status_id"] == plain["id"]
    reader.delete_filter_status_v2(status_filter["id"])
    with pytest.raises(MastodonNotFoundError):
        author.filter_v2(hide["id"])
    with pytest.raises(MastodonAPIError) as error:
        reader.create_filter_v2("bad", context=["nowhere"], filter_action="hide")
    assert error.value.args[1] == 422
    reader.delete_filter_v2(hide["id"])
    assert reader.filters_v2() == []


def test_filters_v1_compatibility(server):
    reader = server.new_user()
    created = reader.filter_create("spam", ["home", "public"], irreversible=True, whole_word=True)
    assert created["phrase"] == "spam" and created["irreversible"] is True
    assert [f["phrase"] for f in reader.filters()] == ["spam"]
    v2 = reader.filters_v2()
    assert v2[0]["filter_action"] == "hide" and v2[0]["keywords"][0]["keyword"] == "spam"
    changed = reader.filter_update(created["id"], phrase="eggs")
    assert changed["phrase"] == "eggs"
    reader.filter_delete(created["id"])
    assert reader.filters() == [] and reader.filters_v2() == []


def test_search_accounts_hashtags_statuses(server):
    author, searcher = server.new_user(), server.new_user()
    me = _me(author)
    post = author.status_post("a quokka sighting #Wildlife")
    author.status_post("private quokka", visibility="private")
    found = searcher.search_v2(me["username"], result_type="accounts")
    assert found["accounts"][0]["id"] == me["id"]
    tags = searcher.search_v2("wildl", result_type="hashtags")["hashtags"]
    assert tags[0]["name"] == "Wildlife" and int(tags[0]["history"][0]["uses"]) >= 1
    statuses = searcher.search_v2("quokka", result_type="statuses")["statuses"]
    assert [s["id"] for s in statuses] == [post["id"]]
    assert searcher.search_v2(post["url"])["statuses"][0]["id"] == post["id"]
    assert searcher.search_v2(me["url"])["accounts"][0]["id"] == me["id"]
    anonymous = requests.get(f"{server.url}/api/v2/search", params={"q": "quokka"}, timeout=10).json()
    assert anonymous["statuses"] == []
    resolve = requests.get(f"{server.url}/api/v2/search", params={"q": "quokka", "resolve": "true"}, timeout=10)
    assert resolve.status_code == 401
    tag = requests.get(f"{server.url}/api/v1/tags/wildlife", timeout=10).json()
    assert tag["name"] == "Wildlife" and len(tag["history"]) == 7
    assert requests.get(f"{server.url}/api/v1/tags/not%20a%20tag", timeout=10).status_code == 404
    bad = requests.get(f"{server.url}/api/v2/search", params={"q": "x", "type": "bogus"},
                       headers={"Authorization": f"Bearer {searcher.access_token}"}, timeout=10)
    assert bad.status_code == 422


def test_search_needs_a_valid_token_when_one_is_given(server):
    response = requests.get(f"{server.url}/api/v2/search", params={"q": "x"},
                            headers={"Authorization": "Bearer nonsense"}, timeout=10)
    assert response.status_code == 401 and "error" in response.json()
