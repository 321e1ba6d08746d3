"""Collections (Mastodon 4.6, API version 10) over HTTP: curate, show, list, feature, revoke; limits,
permissions and blocks."""

import requests


def _user(server):
    name, token = server.register()
    headers = {"Authorization": f"Bearer {token}"}
    me = requests.get(server.url + "/api/v1/accounts/verify_credentials", headers=headers, timeout=10).json()
    return me["id"], headers


def test_a_collection_is_curated_shown_listed_and_deleted(server):
    url = server.url
    owner_id, owner = _user(server)
    a_id, _ = _user(server)
    b_id, b = _user(server)
    created = requests.post(url + "/api/v1/collections", headers=owner, timeout=10, json={
        "name": "Excellent people", "description": "Well worth following", "language": "en",
        "tag_name": "#Discovery", "account_ids": [a_id, b_id]})
    assert created.status_code == 200, created.text
    collection = created.json()["collection"]
    assert collection["name"] == "Excellent people" and collection["account_id"] == owner_id
    assert collection["local"] is True and collection["discoverable"] is True and collection["sensitive"] is False
    assert collection["tag"] == {"name": "Discovery", "url": url + "/tags/discovery"}
    assert collection["item_count"] == 2
    assert [(i["account_id"], i["state"]) for i in collection["items"]] == [(a_id, "accepted"), (b_id, "accepted")]

    shown = requests.get(f"{url}/api/v1/collections/{collection['id']}", timeout=10)  # no token needed
    assert shown.status_code == 200
    assert {a["id"] for a in shown.json()["accounts"]} == {owner_id, a_id, b_id}
    assert shown.json()["collection"]["id"] == collection["id"]

    hidden = requests.post(url + "/api/v1/collections", headers=owner, timeout=10,
                           data={"name": "Drafts", "discoverable": "false"}).json()["collection"]
    mine = requests.get(f"{url}/api/v1/accounts/{owner_id}/collections", headers=owner, timeout=10).json()
    assert [c["id"] for c in mine["collections"]] == [hidden["id"], collection["id"]]  # newest first
    theirs = requests.get(f"{url}/api/v1/accounts/{owner_id}/collections", headers=b, timeout=10).json()
    assert [c["id"] for c in theirs["collections"]] == [collection["id"]]
    paged = requests.get(f"{url}/api/v1/accounts/{owner_id}/collections", headers=owner, timeout=10,
                         params={"limit": 1})
    assert len(paged.json()["collections"]) == 1 and 'offset=1>; rel="next"' in paged.headers["Link"]

    featured_in = requests.get(f"{url}/api/v1/accounts/{b_id}/in_collections", headers=b, timeout=10)
    assert [c["id"] for c in featured_in.json()["collections"]] == [collection["id"]]
    assert requests.get(f"{url}/api/v1/accounts/{b_id}/in_collections", headers=owner,
                        timeout=10).status_code == 403

    changed = requests.patch(f"{url}/api/v1/collections/{collection['id']}", headers=owner, timeout=10,
                             json={"name": "Great people", "sensitive": True, "tag_name": ""})
    assert changed.status_code == 200
    assert changed.json()["collection"]["name"] == "Great people"
    assert changed.json()["collection"]["sensitive"] is True and changed.json()["collection"]["tag"] is None
    assert changed.json()["collection"]["description"] == "Well worth following"  # untouched
    assert requests.patch(f"{url}/api/v1/collections/{collection['id']}", headers=b, timeout=10,
                          json={"name": "mine now"}).status_code == 403
    assert requests.delete(f"{url}/api/v1/collections/{collection['id']}", headers=b, timeout=10).status_code == 403

    assert requests.delete(f"{url}/api/v1/collections/{collection['id']}", headers=owner, timeout=10).json() == {}
    assert requests.get(f"{url}/api/v1/collections/{collection['id']}", timeout=10).status_code == 404


def test_items_are_added_removed_and_revoked_within_limits(server):
    url = server.url
    owner_id, owner = _user(server)
    a_id, a = _user(server)
    collection = requests.post(url + "/api/v1/collections", headers=owner, timeout=10,
                               json={"name": "Friends"}).json()["collection"]
    items = f"{url}/api/v1/collections/{collection['id']}/items"

    missing = requests.post(items, headers=owner, timeout=10, json={})
    assert missing.status_code == 422 and "account_id" in missing.json()["error"]
    assert requests.post(items, headers=owner, timeout=10, json={"account_id": owner_id}).status_code == 422
    assert requests.post(items, headers=owner, timeout=10, json={"account_id": "123456"}).status_code == 404
    added = requests.post(items, headers=owner, timeout=10, json={"account_id": a_id})
    assert added.status_code == 200, added.text
    item = added.json()["collection_item"]
    assert item["account_id"] == a_id and item["state"] == "accepted"
    assert requests.post(items, headers=owner, timeout=10, json={"account_id": a_id}).status_code == 422
    assert requests.post(items, headers=a, timeout=10, json={"account_id": owner_id}).status_code == 403

    # The featured account takes itself out; it is gone for everyone and cannot be put back.
    assert requests.post(f"{items}/{item['id']}/revoke", headers=owner, timeout=10).status_code == 403
    assert requests.post(f"{items}/{item['id']}/revoke", headers=a, timeout=10).json() == {}
    shown = requests.get(f"{url}/api/v1/collections/{collection['id']}", headers=owner, timeout=10).json()
    assert shown["collection"]["items"] == [] and [x["id"] for x in shown["accounts"]] == [owner_id]
    assert requests.post(items, headers=owner, timeout=10, json={"account_id": a_id}).status_code == 403

    others = [_user(server)[0] for _ in range(26)]
    for n, other in enumerate(others):
        response = requests.post(items, headers=owner, timeout=10, json={"account_id": other})
        assert response.status_code == (200 if n < 25 else 422), (n, response.text)
    first = requests.get(f"{url}/api/v1/collections/{collection['id']}", timeout=10).json()["collection"]["items"][0]
    assert requests.delete(f"{items}/{first['id']}", headers=owner, timeout=10).json() == {}
    assert requests.delete(f"{items}/{first['id']}", headers=owner, timeout=10).status_code == 404
    assert requests.post(items, headers=owner, timeout=10, json={"account_id": others[25]}).status_code == 200


def test_validation_scopes_and_blocks(server):
    url = server.url
    owner_id, owner = _user(server)
    viewer_id, viewer = _user(server)
    for body in ({}, {"name": " "}, {"name": "x" * 41}, {"name": "ok", "description": "d" * 101},
                 {"name": "ok", "language": "not a language"}, {"name": "ok", "tag_name": "no spaces allowed"}):
        response = requests.post(url + "/api/v1/collections", headers=owner, timeout=10, json=body)
        assert response.status_code == 422 and "error" in response.json(), (body, response.text)
    assert requests.post(url + "/api/v1/collections", timeout=10, json={"name": "x"}).status_code == 401

    reader, _ = server.register()
    read_only = server.spark("token", reader, "--scopes", "read").strip().splitlines()[-1]
    refused = requests.post(url + "/api/v1/collections", timeout=10, json={"name": "x"},
                            headers={"Authorization": f"Bearer {read_only}"})
    assert refused.status_code == 403

    collection = requests.post(url + "/api/v1/collections", headers=owner, timeout=10,
                               json={"name": "Mine"}).json()["collection"]
    assert requests.post(f"{url}/api/v1/accounts/{viewer_id}/block", headers=owner, timeout=10).status_code == 200
    assert requests.get(f"{url}/api/v1/collections/{collection['id']}", headers=viewer, timeout=10).status_code == 404
    listed = requests.get(f"{url}/api/v1/accounts/{owner_id}/collections", headers=viewer, timeout=10).json()
    assert listed == {"collections": []}
    blocked_item = requests.post(f"{url}/api/v1/collections/{collection['id']}/items", headers=owner, timeout=10,
                                 json={"account_id": viewer_id})
    assert blocked_item.status_code == 403
    assert requests.get(f"{url}/api/v1/collections/{collection['id']}", timeout=10).status_code == 200


def test_an_account_curates_at_most_ten_and_features_only_those_who_let_it(server):
    url = server.url
    _, owner = _user(server)
    shy_id, shy = _user(server)
    requests.patch(url + "/api/v1/accounts/update_credentials", headers=shy, timeout=10,
                   data={"discoverable": "false"}).raise_for_status()
    made = [requests.post(url + "/api/v1/collections", headers=owner, timeout=10, json={"name": f"c{n}"})
            for n in range(11)]
    assert [r.status_code for r in made] == [200] * 10 + [422]
    assert "more than 10 collections" in made[10].json()["error"]
    items = f"{url}/api/v1/collections/{made[0].json()['collection']['id']}/items"
    refused = requests.post(items, headers=owner, timeout=10, json={"account_id": shy_id})
    assert refused.status_code == 403 and "error" in refused.json()
    at_creation = requests.post(url + "/api/v1/collections", headers=shy, timeout=10,
                                json={"name": "x", "account_ids": [shy_id]})
    assert at_creation.status_code == 422  # not even oneself
