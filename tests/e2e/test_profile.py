"""Profile editing with update_credentials, and preferences."""

import io

import requests
from PIL import Image


def _png(size=(300, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (250, 200, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_update_profile_fields_images_and_source(server, api):
    me = api.account_update_credentials(
        display_name="Alice A.", note="I like #gardening", locked=True, bot=False,
        fields=[("Site", "https://example.org"), ("Pronouns", "she/her")],
        avatar=_png(), avatar_mime_type="image/png", header=_png((900, 300)), header_mime_type="image/png")
    me = requests.patch(server.url + "/api/v1/accounts/update_credentials", timeout=10,
                        json={"source": {"privacy": "unlisted", "sensitive": True, "language": "de"}},
                        headers={"Authorization": f"Bearer {api.access_token}"}).json()
    assert me["display_name"] == "Alice A."
    assert 'class="mention hashtag"' in me["note"]
    assert me["source"]["note"] == "I like #gardening"
    assert me["locked"] is True
    assert [f["name"] for f in me["fields"]] == ["Site", "Pronouns"]
    assert 'href="https://example.org"' in me["fields"][0]["value"]
    assert me["source"]["fields"][0]["value"] == "https://example.org"
    assert me["source"]["privacy"] == "unlisted"
    avatar = requests.get(me["avatar"], timeout=10)
    assert avatar.status_code == 200
    assert Image.open(io.BytesIO(avatar.content)).size == (400, 400)
    prefs = api.preferences()
    assert prefs["posting:default:visibility"] == "unlisted"
    assert prefs["posting:default:sensitive"] is True
    assert api.status_post("default visibility")["visibility"] == "unlisted"
    cleared = requests.delete(server.url + "/api/v1/profile/avatar",
                              headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10).json()
    assert cleared["avatar"].endswith("/static/avatar-missing.png")


def test_profile_changes_show_on_posts_already_rendered(server, api):
    status = api.status_post("before the change")
    before = api.timeline_home()[0]["account"]
    api.account_update_credentials(display_name="Renamed", avatar=_png(), avatar_mime_type="image/png")
    shown = next(s for s in api.timeline_home() if s["id"] == status["id"])["account"]
    assert shown["display_name"] == "Renamed" != before["display_name"]
    assert shown["avatar"] != before["avatar"]
    requests.delete(server.url + "/api/v1/profile/avatar",
                    headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10).raise_for_status()
    assert api.status(status["id"])["account"]["avatar"].endswith("/static/avatar-missing.png")
    assert api.status(status["id"])["account"]["statuses_count"] == before["statuses_count"]


def test_every_field_at_max_plus_one_is_422_and_changes_nothing(server, api):
    before = api.account_verify_credentials()
    headers = {"Authorization": f"Bearer {api.access_token}"}
    cases = [
        {"display_name": "x" * 31},
        {"note": "x" * 501},
        {"fields_attributes[0][name]": "x" * 256, "fields_attributes[0][value]": "v"},
        {"fields_attributes[0][name]": "n", "fields_attributes[0][value]": "x" * 256},
        {f"fields_attributes[{i}][name]": f"n{i}" for i in range(5)},
        {"source[privacy]": "galaxy"},
        {"display_name": "fine", "note": "y" * 501},
    ]
    for data in cases:
        response = requests.patch(server.url + "/api/v1/accounts/update_credentials", data=data, headers=headers,
                                  timeout=10)
        assert response.status_code == 422, data
        assert "error" in response.json()
    after = api.account_verify_credentials()
    assert after["display_name"] == before["display_name"]
    assert after["note"] == before["note"]
    assert after["fields"] == before["fields"]


def test_bad_avatar_is_422(server, api):
    response = requests.patch(server.url + "/api/v1/accounts/update_credentials",
                              files={"avatar": ("a.png", b"not an image", "image/png")},
                              headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10)
    assert response.status_code == 422


PROFILE_KEYS = {"id", "display_name", "note", "fields", "avatar", "avatar_static", "avatar_description", "header",
                "header_static", "header_description", "locked", "bot", "hide_collections", "discoverable",
                "indexable", "show_media", "show_media_replies", "show_featured", "attribution_domains",
                "featured_tags", "formatted_note", "formatted_fields"}


def test_own_profile_shows_sources_and_takes_the_profile_only_settings(server, api):
    fresh = api.profile()
    assert set(fresh) == PROFILE_KEYS
    assert fresh["avatar"] is None and fresh["header_static"] is None  # unset, unlike an Account's defaults
    assert (fresh["show_media"], fresh["show_media_replies"], fresh["show_featured"]) == (True, True, True)
    assert fresh["attribution_domains"] == [] and fresh["avatar_description"] == ""
    api.featured_tag_create("gardening")
    edited = api.profile_update(
        display_name="Gardener", note="Growing #tomatoes", fields=[("Site", "https://example.org")],
        avatar=_png(), avatar_mime_type="image/png", avatar_description="A yellow square", show_media=False,
        show_featured=False, attribution_domains=["Blog.Example.COM", "bücher.example", " "])
    assert edited["id"] == fresh["id"] and edited["display_name"] == "Gardener"
    assert edited["note"] == "Growing #tomatoes"  # the source; HTML in formatted_note
    assert 'class="mention hashtag"' in edited["formatted_note"]
    assert edited["fields"] == [{"name": "Site", "value": "https://example.org", "verified_at": None}]
    assert 'href="https://example.org"' in edited["formatted_fields"][0]["value"]
    assert requests.get(edited["avatar"], timeout=10).status_code == 200
    assert edited["avatar_description"] == "A yellow square" and edited["header"] is None
    assert (edited["show_media"], edited["show_media_replies"], edited["show_featured"]) == (False, True, False)
    assert edited["attribution_domains"] == ["blog.example.com", "xn--bcher-kva.example"]
    assert [tag["name"] for tag in edited["featured_tags"]] == ["gardening"]
    assert api.profile() == edited
    account = api.account_verify_credentials()  # the same validation and storage as update_credentials
    assert account["display_name"] == "Gardener" and 'class="mention hashtag"' in account["note"]
    api.account_update_credentials(display_name="Via credentials")
    assert api.profile()["display_name"] == "Via credentials"
    headers = {"Authorization": f"Bearer {api.access_token}"}
    cleared = requests.patch(server.url + "/api/v1/profile", json={"attribution_domains": []}, headers=headers,
                             timeout=10).json()
    assert cleared["attribution_domains"] == [] and cleared["show_media"] is False


def test_profile_edits_are_validated_as_update_credentials_and_change_nothing_when_refused(server, api):
    before = api.profile()
    headers = {"Authorization": f"Bearer {api.access_token}"}
    for body in ({"display_name": "x" * 31}, {"avatar_description": "x" * 1501},
                 {"attribution_domains": [f"site{n}.example" for n in range(11)]},
                 {"attribution_domains": ["https://example.com/path"]},
                 {"display_name": "fine", "show_media": "sometimes"}):
        response = requests.patch(server.url + "/api/v1/profile", json=body, headers=headers, timeout=10)
        assert response.status_code == 422, body
        assert "error" in response.json()
    assert api.profile() == before
    assert requests.get(server.url + "/api/v1/profile", timeout=10).status_code == 401


def test_update_credentials_takes_image_descriptions_and_attribution_domains(server, api):
    requests.patch(server.url + "/api/v1/accounts/update_credentials", timeout=10,
                   data={"header_description": "Hills at dusk", "attribution_domains[]": ["news.example"]},
                   headers={"Authorization": f"Bearer {api.access_token}"}).raise_for_status()
    mine = api.profile()
    assert mine["header_description"] == "Hills at dusk" and mine["attribution_domains"] == ["news.example"]
