"""Posting, reading, editing and deleting statuses through Mastodon.py and plain HTTP."""

import requests
from mastodon import MastodonAPIError, MastodonNotFoundError


def test_post_appears_on_own_home_and_public_timelines(api):
    status = api.status_post("hello #Spark world, see https://example.org/page", visibility="public")
    assert status["content"].startswith("<p>hello ")
    assert status["tags"][0]["name"] == "spark"
    assert 'href="https://example.org/page"' in status["content"]
    home_ids = [s["id"] for s in api.timeline_home()]
    assert status["id"] in home_ids
    public_ids = [s["id"] for s in api.timeline_public(local=True)]
    assert status["id"] in public_ids
    tagged = [s["id"] for s in api.timeline_hashtag("SPARK")]
    assert status["id"] in tagged


def test_html_is_escaped(api):
    status = api.status_post('<script>alert("x")</script> & <b>bold</b>')
    assert "<script>" not in status["content"]
    assert "&lt;script&gt;" in status["content"]


def test_mention_links_local_account_and_notifies(server):
    alice, bob = server.new_user(), server.new_user()
    bob_name = bob.account_verify_credentials()["username"]
    status = alice.status_post(f"hi @{bob_name} how are you", visibility="direct")
    assert status["mentions"][0]["username"] == bob_name
    assert status["visibility"] == "direct"
    # the mentioned user can read the direct post; a stranger cannot
    assert bob.status(status["id"])["id"] == status["id"]
    stranger = server.new_user()
    try:
        stranger.status(status["id"])
        raise AssertionError("direct post leaked")
    except MastodonNotFoundError:
        pass


def test_reply_thread_context(server):
    alice, bob = server.new_user(), server.new_user()
    root = alice.status_post("root post")
    reply = bob.status_post("a reply", in_reply_to_id=root["id"])
    nested = alice.status_post("nested reply", in_reply_to_id=reply["id"])
    assert reply["in_reply_to_id"] == root["id"]
    context = bob.status_context(reply["id"])
    assert [s["id"] for s in context["ancestors"]] == [root["id"]]
    assert [s["id"] for s in context["descendants"]] == [nested["id"]]
    assert alice.status(root["id"])["replies_count"] == 1


def test_edit_keeps_history_and_source(api):
    status = api.status_post("first version", spoiler_text="cw")
    edited = api.status_update(status["id"], status="second version", spoiler_text="")
    assert "second version" in edited["content"]
    assert edited["edited_at"] is not None
    history = api.status_history(status["id"])
    assert len(history) == 2
    assert "first version" in history[0]["content"]
    assert api.status_source(status["id"])["text"] == "second version"


def test_edit_shows_on_timelines_already_rendered(server):
    alice, bob = server.new_user(), server.new_user()
    bob_name = bob.account_verify_credentials()["username"]
    status = alice.status_post("before #first")
    # Render it once (timelines keep rendered parts of posts), then edit tags, mentions and text.
    assert [t["name"] for t in alice.timeline_home()[0]["tags"]] == ["first"]
    alice.status_update(status["id"], status=f"after #second @{bob_name}")
    shown = next(s for s in alice.timeline_home() if s["id"] == status["id"])
    assert "after" in shown["content"]
    assert [t["name"] for t in shown["tags"]] == ["second"]
    assert [m["username"] for m in shown["mentions"]] == [bob_name]
    assert shown["edited_at"] is not None
    assert [t["name"] for t in alice.status(status["id"])["tags"]] == ["second"]


def test_delete_returns_source_and_removes(api):
    status = api.status_post("to be deleted")
    deleted = api.status_delete(status["id"])
    assert deleted["text"] == "to be deleted"
    try:
        api.status(status["id"])
        raise AssertionError("deleted status still readable")
    except MastodonNotFoundError:
        pass
    assert status["id"] not in [s["id"] for s in api.timeline_home()]


def test_poll_is_created_with_options(api):
    status = api.status_post("pick one", poll=api.make_poll(["yes", "no"], expires_in=600))
    assert [o["title"] for o in status["poll"]["options"]] == ["yes", "no"]
    assert status["poll"]["expired"] is False


def test_limits_are_enforced_with_422(server, api):
    token = api.access_token
    headers = {"Authorization": f"Bearer {token}"}
    too_long = requests.post(server.url + "/api/v1/statuses", data={"status": "x" * 501}, headers=headers, timeout=10)
    assert too_long.status_code == 422
    assert "500" in too_long.json()["error"]
    ok = requests.post(server.url + "/api/v1/statuses", data={"status": "x" * 500}, headers=headers, timeout=10)
    assert ok.status_code == 200
    five = requests.post(server.url + "/api/v1/statuses", headers=headers, timeout=10, json={
        "status": "poll", "poll": {"options": ["a", "b", "c", "d", "e"], "expires_in": 600}})
    assert five.status_code == 422
    long_option = requests.post(server.url + "/api/v1/statuses", headers=headers, timeout=10, data={
        "status": "poll", "poll[options][]": ["a" * 51, "b"], "poll[expires_in]": "600"})
    assert long_option.status_code == 422
    media = requests.post(server.url + "/api/v1/statuses", headers=headers, timeout=10, data={
        "status": "m", "media_ids[]": ["1", "2", "3", "4", "5"]})
    assert media.status_code == 422
    blank = requests.post(server.url + "/api/v1/statuses", headers=headers, timeout=10, data={"status": ""})
    assert blank.status_code == 422


def test_malformed_json_is_400(server, api):
    response = requests.post(server.url + "/api/v1/statuses", data=b"{not json",
                             headers={"Authorization": f"Bearer {api.access_token}",
                                      "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 400
    assert "error" in response.json()


def test_idempotency_key_returns_the_same_status(server, api):
    headers = {"Authorization": f"Bearer {api.access_token}", "Idempotency-Key": "abc-123"}
    first = requests.post(server.url + "/api/v1/statuses", data={"status": "once"}, headers=headers, timeout=10)
    second = requests.post(server.url + "/api/v1/statuses", data={"status": "once"}, headers=headers, timeout=10)
    assert first.json()["id"] == second.json()["id"]


def test_pagination_link_header(server, api):
    ids = [api.status_post(f"post {i}")["id"] for i in range(5)]
    page = api.timeline_home(limit=2)
    assert [s["id"] for s in page] == ids[::-1][:2]
    older = api.fetch_next(page)
    assert [s["id"] for s in older] == ids[::-1][2:4]
    newer = api.timeline_home(min_id=ids[1], limit=2)
    assert [s["id"] for s in newer] == ids[2:4][::-1]


def test_unknown_status_is_404(server, api):
    for bad in ("999999", "not-a-number", "-5", "99999999999999999999999"):
        response = requests.get(server.url + f"/api/v1/statuses/{bad}",
                                headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10)
        assert response.status_code == 404, bad
        assert response.json() == {"error": "Record not found"}


def test_scheduled_status_too_soon_is_422(api):
    import datetime

    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
    try:
        api.status_post("later", scheduled_at=soon)
        raise AssertionError("accepted a schedule one minute ahead")
    except MastodonAPIError as error:
        assert error.args[1] == 422
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    item = api.status_post("later", scheduled_at=later)
    assert item["params"]["text"] == "later"
    assert [s["id"] for s in api.scheduled_statuses()] == [item["id"]]


def test_no_async_refresh_is_running_so_none_is_found(server, api):
    """Contexts are answered from what the server holds, with no `Mastodon-Async-Refresh` to poll."""
    post = api.status_post("a thread")
    context = requests.get(f"{server.url}/api/v1/statuses/{post['id']}/context", timeout=10)
    assert "Mastodon-Async-Refresh" not in context.headers
    url = server.url + "/api/v1_alpha/async_refreshes/ImNvbnRleHQ6MTox--c5"
    found = requests.get(url, headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10)
    assert found.status_code == 404 and found.json() == {"error": "Record not found"}
    assert requests.get(url, timeout=10).status_code == 401
