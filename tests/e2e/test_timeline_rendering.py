"""API timelines render statuses from cached JSON (api/presenters.py: statuses_fragment): every entity
on a page must read exactly as the same status does on its own (GET /api/v1/statuses/:id), keys in order."""

import io
import json

import requests
from PIL import Image


def _get(server, token, path):
    response = requests.get(server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_home_entities_match_single_status_entities(server):
    reader, author = server.new_user(), server.new_user()
    reader.account_follow(author.account_verify_credentials()["id"])
    reader_name = reader.account_verify_credentials()["username"]

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    media = author.media_post(buffer.getvalue(), mime_type="image/png", description="red", focus=(0.1, -0.2))
    plain = author.status_post("plain post")
    rich = author.status_post(f"hi @{reader_name} #Rendering with a picture", media_ids=[media["id"]],
                              sensitive=True, spoiler_text="cw")
    poll = author.status_post("which?", poll=author.make_poll(["a", "b"], expires_in=3600))
    quoted = author.status_post("quote me")
    quote = author.status_post("look", quoted_status_id=quoted["id"])
    own = reader.status_post("my own post")
    reader.status_pin(own["id"])
    reader.status_reblog(plain["id"])
    reblog_of_other = author.status_reblog(own["id"])
    reader.status_favourite(rich["id"])
    reader.status_bookmark(poll["id"])
    reader.poll_vote(poll["poll"]["id"], [1])
    reply = author.status_post("a reply", in_reply_to_id=own["id"])
    filtered = author.status_post("this mentions brussels sprouts")
    requests.post(server.url + "/api/v2/filters", json={
        "title": "veg", "context": ["home", "thread"], "filter_action": "warn",
        "keywords_attributes": [{"keyword": "sprouts"}]},
        headers={"Authorization": f"Bearer {reader.access_token}"}, timeout=10).raise_for_status()

    page = _get(server, reader.access_token, "/api/v1/timelines/home?limit=40")
    by_id = {entity["id"]: entity for entity in page}
    for expected in (plain, rich, poll, quote, own, reply, filtered, reblog_of_other):
        assert expected["id"] in by_id, expected["id"]
    assert by_id[own["id"]]["pinned"] is True and by_id[rich["id"]]["favourited"] is True
    assert by_id[filtered["id"]]["filtered"][0]["keyword_matches"] == ["sprouts"]
    assert by_id[reblog_of_other["id"]]["reblog"]["id"] == own["id"]
    assert by_id[quote["id"]]["quote"]["quoted_status"]["id"] == quoted["id"]
    for entity in page:
        single = _get(server, reader.access_token, f"/api/v1/statuses/{entity['id']}")
        assert json.dumps(entity) == json.dumps(single), entity["id"]

    # A reader with no token sees public timelines the same way, without the viewer's fields.
    public = requests.get(server.url + "/api/v1/timelines/public?local=true&limit=40", timeout=10).json()
    for entity in public[:10]:
        single = requests.get(server.url + f"/api/v1/statuses/{entity['id']}", timeout=10).json()
        assert json.dumps(entity) == json.dumps(single), entity["id"]
        assert "favourited" not in entity
