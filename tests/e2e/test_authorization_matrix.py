"""RELIABILITY 15: another user's resources by id are 404, never leaked; private posts stay off public timelines."""

import io
from datetime import UTC, datetime, timedelta

import requests
from PIL import Image


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (9, 9, 9)).save(buffer, "PNG")
    return buffer.getvalue()


def test_other_users_resources_are_404(server):
    owner_name, owner_token = server.register()
    _, intruder_token = server.register()
    owner = {"Authorization": f"Bearer {owner_token}"}
    intruder = {"Authorization": f"Bearer {intruder_token}"}
    url = server.url

    def post(path, **data):
        response = requests.post(url + path, headers=owner, timeout=10, **data)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    private = post("/api/v1/statuses", data={"status": "private #secrettag", "visibility": "private",
                                             "poll[options][]": ["a", "b"], "poll[expires_in]": "3600"})
    direct = post("/api/v1/statuses", data={"status": "direct", "visibility": "direct"})
    public = post("/api/v1/statuses", data={"status": "public"})
    media = post("/api/v2/media", files={"file": ("a.png", _png())})
    scheduled = post("/api/v1/statuses", data={
        "status": "later", "scheduled_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    lst = post("/api/v1/lists", data={"title": "mine"})
    flt = post("/api/v2/filters", json={"title": "f", "context": ["home"],
                                        "keywords_attributes": [{"keyword": "k"}]})
    filtered = post(f"/api/v2/filters/{flt['id']}/statuses", data={"status_id": public["id"]})
    # A notification for the owner: the intruder follows them.
    intruder_id = requests.get(url + "/api/v1/accounts/verify_credentials", headers=intruder, timeout=10).json()["id"]
    owner_id = requests.get(url + "/api/v1/accounts/verify_credentials", headers=owner, timeout=10).json()["id"]
    requests.post(f"{url}/api/v1/accounts/{owner_id}/follow", headers=intruder, timeout=10)
    requests.post(f"{url}/api/v1/accounts/{owner_id}/unfollow", headers=intruder, timeout=10)
    requests.post(f"{url}/api/v1/accounts/{intruder_id}/follow", headers=owner, timeout=10)
    notification = requests.get(url + "/api/v1/notifications", headers=intruder, timeout=10).json()[0]
    requests.post(f"{url}/api/v1/accounts/{intruder_id}/unfollow", headers=owner, timeout=10)

    matrix = []
    for status in (private, direct):
        sid = status["id"]
        matrix += [("GET", f"/api/v1/statuses/{sid}"), ("GET", f"/api/v1/statuses/{sid}/context"),
                   ("GET", f"/api/v1/statuses/{sid}/history"), ("GET", f"/api/v1/statuses/{sid}/source"),
                   ("PUT", f"/api/v1/statuses/{sid}"), ("DELETE", f"/api/v1/statuses/{sid}"),
                   ("POST", f"/api/v1/statuses/{sid}/favourite"), ("POST", f"/api/v1/statuses/{sid}/reblog"),
                   ("POST", f"/api/v1/statuses/{sid}/bookmark"), ("POST", f"/api/v1/statuses/{sid}/pin"),
                   ("GET", f"/api/v1/statuses/{sid}/favourited_by"), ("GET", f"/api/v1/statuses/{sid}/reblogged_by"),
                   ("GET", f"/api/v1/statuses/{sid}/quotes"), ("POST", f"/api/v1/statuses/{sid}/mute"),
                   ("POST", f"/api/v1/statuses/{sid}/unmute"), ("POST", f"/api/v1/statuses/{sid}/translate")]
    matrix += [
        ("PUT", f"/api/v1/statuses/{public['id']}"), ("DELETE", f"/api/v1/statuses/{public['id']}"),
        ("GET", f"/api/v1/statuses/{public['id']}/source"),
        ("PUT", f"/api/v1/statuses/{public['id']}/interaction_policy"),
        ("GET", f"/api/v1/polls/{private['poll']['id']}"), ("POST", f"/api/v1/polls/{private['poll']['id']}/votes"),
        ("GET", f"/api/v1/media/{media['id']}"), ("PUT", f"/api/v1/media/{media['id']}"),
        ("DELETE", f"/api/v1/media/{media['id']}"),
        ("GET", f"/api/v1/scheduled_statuses/{scheduled['id']}"),
        ("PUT", f"/api/v1/scheduled_statuses/{scheduled['id']}"),
        ("DELETE", f"/api/v1/scheduled_statuses/{scheduled['id']}"),
        ("GET", f"/api/v1/lists/{lst['id']}"), ("PUT", f"/api/v1/lists/{lst['id']}"),
        ("DELETE", f"/api/v1/lists/{lst['id']}"), ("GET", f"/api/v1/lists/{lst['id']}/accounts"),
        ("POST", f"/api/v1/lists/{lst['id']}/accounts"), ("GET", f"/api/v1/timelines/list/{lst['id']}"),
        ("GET", f"/api/v2/filters/{flt['id']}"), ("PUT", f"/api/v2/filters/{flt['id']}"),
        ("DELETE", f"/api/v2/filters/{flt['id']}"), ("GET", f"/api/v2/filters/{flt['id']}/keywords"),
        ("POST", f"/api/v2/filters/{flt['id']}/keywords"),
        ("GET", f"/api/v2/filters/keywords/{flt['keywords'][0]['id']}"),
        ("DELETE", f"/api/v2/filters/keywords/{flt['keywords'][0]['id']}"),
        ("GET", f"/api/v2/filters/statuses/{filtered['id']}"),
        ("DELETE", f"/api/v2/filters/statuses/{filtered['id']}"),
        ("GET", f"/api/v1/filters/{flt['keywords'][0]['id']}"),
        ("DELETE", f"/api/v1/filters/{flt['keywords'][0]['id']}"),
        ("GET", f"/api/v1/notifications/{notification['id']}"),
        ("POST", f"/api/v1/notifications/{notification['id']}/dismiss"),
    ]
    body = {"status": "hijack", "title": "hijack", "keyword": "x", "choices[]": "0", "account_ids[]": owner_id,
            "description": "hijack", "quote_approval_policy": "nobody"}
    leaks = []
    for method, path in matrix:
        response = requests.request(method, url + path, headers=intruder, data=body if method != "GET" else None,
                                    timeout=10)
        if response.status_code != 404 or set(response.json()) != {"error"}:
            leaks.append((method, path, response.status_code, response.text[:200]))
    assert leaks == []
    # Nothing changed for the owner.
    assert requests.get(f"{url}/api/v1/statuses/{private['id']}", headers=owner, timeout=10).json()["content"] \
        == private["content"]
    assert requests.get(f"{url}/api/v1/lists/{lst['id']}", headers=owner, timeout=10).json()["title"] == "mine"
    assert len(requests.get(f"{url}/api/v2/filters/{flt['id']}", headers=owner, timeout=10).json()["keywords"]) == 1
    assert requests.get(f"{url}/api/v1/media/{media['id']}", headers=owner, timeout=10).json()["description"] is None
    # Private posts are on no public timeline, for anyone.
    for viewer in (intruder, {}):
        for path in ("/api/v1/timelines/public", "/api/v1/timelines/public?local=true",
                     "/api/v1/timelines/tag/secrettag", f"/api/v1/accounts/{owner_id}/statuses"):
            ids = [s["id"] for s in requests.get(url + path, headers=viewer, timeout=10).json()]
            assert private["id"] not in ids and direct["id"] not in ids, path
    assert owner_name
