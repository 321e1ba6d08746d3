"""The same write sent several times at once (a double tap, apps on two devices, a client's retry) ends as
if sent once, with no 500s: on PostgreSQL each of these used to let two transactions pass the same check
and then collide on a unique key, or both insert."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

PUSH_KEYS = {"subscription[keys][p256dh]": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZ"
                                           "GH6SRpkNtoIAiw4",
             "subscription[keys][auth]": "BTBZMqHH6r4Tts7J_aSIgg"}


def at_once(server, client, method: str, path: str, data=None, times: int = 8) -> list[requests.Response]:
    headers = {"Authorization": f"Bearer {client.access_token}"}
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(lambda _: requests.request(method, server.url + path, data=data, headers=headers,
                                                         timeout=30), range(times)))


def statuses(responses) -> list[int]:
    return sorted(r.status_code for r in responses)


def test_mute_note_list_and_markers_sent_at_once_apply_once(server):
    me, other = server.new_user(), server.new_user()
    other_id = other.account_verify_credentials()["id"]
    me.account_follow(other_id)
    post = other.status_post("a post to mark as read")

    assert statuses(at_once(server, me, "POST", f"/api/v1/accounts/{other_id}/mute")) == [200] * 8
    assert [a["id"] for a in me.mutes()] == [other_id]

    assert statuses(at_once(server, me, "POST", f"/api/v1/accounts/{other_id}/note", {"comment": "met at a talk"})) \
        == [200] * 8
    assert me.account_relationships(other_id)[0]["note"] == "met at a talk"

    family = me.list_create("family")
    assert statuses(at_once(server, me, "POST", f"/api/v1/lists/{family['id']}/accounts",
                            {"account_ids[]": [other_id]})) == [200] * 8
    assert [a["id"] for a in me.list_accounts(family["id"])] == [other_id]

    saved = at_once(server, me, "POST", "/api/v1/markers", {"home[last_read_id]": post["id"]})
    assert statuses(saved) == [200] * 8
    assert me.markers_get(["home"])["home"]["last_read_id"] == str(post["id"])


def test_a_repost_sent_at_once_reposts_once(server):
    author, fan = server.new_user(), server.new_user()
    fan_id = fan.account_verify_credentials()["id"]
    post = author.status_post("repost me once")
    reposts = at_once(server, fan, "POST", f"/api/v1/statuses/{post['id']}/reblog")
    assert statuses(reposts) == [200] * 8
    assert len({r.json()["id"] for r in reposts}) == 1
    assert author.status(post["id"])["reblogs_count"] == 1
    assert [a["id"] for a in author.status_reblogged_by(post["id"])] == [fan_id]
    assert [s["id"] for s in fan.account_statuses(fan_id) if s["reblog"]] == [reposts[0].json()["id"]]
    assert len([n for n in author.notifications(types=["reblog"]) if n["status"]["id"] == post["id"]]) == 1


def test_pins_sent_at_once_keep_the_limit(server):
    me = server.new_user()
    posts = [me.status_post(f"pin candidate {n}") for n in range(8)]
    headers = {"Authorization": f"Bearer {me.access_token}"}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda p: requests.post(f"{server.url}/api/v1/statuses/{p['id']}/pin",
                                                        headers=headers, timeout=30), posts))
    assert statuses(answers) == [200] * 5 + [422] * 3
    me_id = me.account_verify_credentials()["id"]
    assert len(me.account_statuses(me_id, pinned=True)) == 5

    again = at_once(server, me, "POST", f"/api/v1/statuses/{posts[0]['id']}/pin")
    pinned_first = posts[0]["id"] in {p["id"] for p in me.account_statuses(me_id, pinned=True)}
    assert statuses(again) == ([200] * 8 if pinned_first else [422] * 8)
    assert len(me.account_statuses(me_id, pinned=True)) == 5


def test_a_push_subscription_made_at_once_leaves_one(server):
    me = server.new_user()
    made = at_once(server, me, "POST", "/api/v1/push/subscription",
                   {"subscription[endpoint]": "https://push.example/device", **PUSH_KEYS, "data[alerts][mention]": "true"})
    assert statuses(made) == [200] * 8
    current = me.push_subscription()
    assert current["endpoint"] == "https://push.example/device" and current["alerts"]["mention"] is True


def test_a_post_retried_at_once_with_its_idempotency_key_is_posted_once(server):
    """Apps resend a post with the same Idempotency-Key when an answer is slow; the resends may overlap."""
    me = server.new_user()
    headers = {"Authorization": f"Bearer {me.access_token}", "Idempotency-Key": "retry-7f3a"}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: requests.post(f"{server.url}/api/v1/statuses", data={"status": "only once"},
                                                        headers=headers, timeout=30), range(8)))
    assert statuses(answers) == [200] * 8
    assert len({a.json()["id"] for a in answers}) == 1
    me_id = me.account_verify_credentials()["id"]
    assert [s["content"] for s in me.account_statuses(me_id)] == ["<p>only once</p>"]


def test_a_scheduled_post_resent_with_its_idempotency_key_is_scheduled_once(server):
    from datetime import UTC, datetime, timedelta

    me = server.new_user()
    at = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    headers = {"Authorization": f"Bearer {me.access_token}", "Idempotency-Key": "later-91c2"}
    first = requests.post(f"{server.url}/api/v1/statuses", data={"status": "later, once", "scheduled_at": at},
                          headers=headers, timeout=30)
    assert first.status_code == 200 and first.json()["scheduled_at"]
    with ThreadPoolExecutor(8) as pool:
        again = list(pool.map(lambda _: requests.post(f"{server.url}/api/v1/statuses",
                                                      data={"status": "later, once", "scheduled_at": at},
                                                      headers=headers, timeout=30), range(8)))
    assert statuses(again) == [200] * 8
    assert {a.json()["id"] for a in again} == {first.json()["id"]}
    assert [s["id"] for s in me.scheduled_statuses()] == [first.json()["id"]]
