"""Media uploads: re-encoded without metadata, limits, ownership."""

import io
import os

import requests
from mastodon import MastodonAPIError
from PIL import Image


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _auth(api):
    return {"Authorization": f"Bearer {api.access_token}"}


def test_upload_strips_metadata_and_describes(server, api):
    original = _jpeg_with_gps()
    assert b"SecretCamera" in original
    media = api.media_post(original, mime_type="image/jpeg", description="blue", focus=(0.5, -0.25))
    assert media["type"] == "image"
    assert media["description"] == "blue"
    assert media["meta"]["original"]["width"] == 800
    assert media["meta"]["small"]["width"] == 640
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert media["blurhash"]
    stored = requests.get(media["url"], timeout=10)
    assert stored.status_code == 200
    assert stored.headers["content-type"] == "image/jpeg"
    assert b"SecretCamera" not in stored.content
    assert not Image.open(io.BytesIO(stored.content)).getexif()
    assert requests.get(media["preview_url"], timeout=10).status_code == 200
    updated = api.media_update(media["id"], description="still blue")
    assert updated["description"] == "still blue"


def test_post_with_image(api):
    media = api.media_post(_jpeg_with_gps(), mime_type="image/jpeg")
    status = api.status_post("look", media_ids=[media["id"]])
    assert status["media_attachments"][0]["id"] == media["id"]
    # Once posted, only an edit of the post changes its media (as in Mastodon).
    try:
        api.media_update(media["id"], description="sneaky")
        raise AssertionError("changed attached media")
    except MastodonAPIError as error:
        assert error.args[1] == 404
    assert api.status(status["id"])["media_attachments"][0]["description"] is None


def test_other_users_media_is_404(server, api):
    media = api.media_post(_jpeg_with_gps(), mime_type="image/jpeg")
    other = server.new_user()
    response = requests.get(server.url + f"/api/v1/media/{media['id']}", headers=_auth(other), timeout=10)
    assert response.status_code == 404
    # and it cannot be attached to someone else's post
    try:
        other.status_post("steal", media_ids=[media["id"]])
        raise AssertionError("attached another user's media")
    except MastodonAPIError as error:
        assert error.args[1] == 422


def test_not_an_image_is_422_and_names_are_ignored(server, api):
    response = requests.post(server.url + "/api/v2/media", headers=_auth(api), timeout=10,
                             files={"file": ("../../x.rb", b"puts 'hi'", "image/jpeg")})
    assert response.status_code == 422
    good = requests.post(server.url + "/api/v2/media", headers=_auth(api), timeout=10,
                         files={"file": ("../../evil.rb.jpg", _jpeg_with_gps(), "image/jpeg")})
    assert good.status_code == 200
    assert "evil" not in good.json()["url"] and ".." not in good.json()["url"]


def test_huge_upload_is_422(server, api):
    data = _jpeg_with_gps() + os.urandom(16 * 1024 * 1024)
    response = requests.post(server.url + "/api/v2/media", headers=_auth(api), timeout=60,
                             files={"file": ("big.jpg", data, "image/jpeg")})
    assert response.status_code == 422


def test_decompression_bomb_is_422(server, api):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    response = requests.post(server.url + "/api/v2/media", headers=_auth(api), timeout=60,
                             files={"file": ("bomb.png", buffer.getvalue(), "image/png")})
    assert response.status_code == 422


def test_description_over_limit_is_422(server, api):
    response = requests.post(server.url + "/api/v2/media", headers=_auth(api), timeout=10,
                             files={"file": ("a.jpg", _jpeg_with_gps(), "image/jpeg")},
                             data={"description": "x" * 1501})
    assert response.status_code == 422


def test_delete_an_unattached_upload_and_its_files(server, api):
    media = api.media_post(_jpeg_with_gps(), mime_type="image/jpeg")
    files = [server.data_dir / "media" / u.split("/media/", 1)[1] for u in (media["url"], media["preview_url"])]
    assert all(f.exists() for f in files)
    deleted = requests.delete(f"{server.url}/api/v1/media/{media['id']}", headers=_auth(api), timeout=10)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert not any(f.exists() for f in files)
    assert requests.get(f"{server.url}/api/v1/media/{media['id']}", headers=_auth(api), timeout=10).status_code == 404
    again = requests.delete(f"{server.url}/api/v1/media/{media['id']}", headers=_auth(api), timeout=10)
    assert again.status_code == 404

    attached = api.media_post(_jpeg_with_gps(), mime_type="image/jpeg")
    api.status_post("with a picture", media_ids=[attached["id"]])
    refused = requests.delete(f"{server.url}/api/v1/media/{attached['id']}", headers=_auth(api), timeout=10)
    assert refused.status_code == 422 and "error" in refused.json()
    assert requests.get(attached["url"], timeout=10).status_code == 200
