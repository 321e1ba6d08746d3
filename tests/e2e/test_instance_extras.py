"""Instance extras: admin-written pages, moderated servers, weekly activity, translation (none configured)."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import requests
from mastodon import MastodonNotFoundError

from tests.harness import running_server


def test_pages_come_from_the_data_dir_and_are_404_until_written(server):
    url = server.url + "/api/v1/instance/"
    assert requests.get(url + "extended_description", timeout=10).json() == {"updated_at": None, "content": ""}
    for name in ("privacy_policy", "terms_of_service"):
        missing = requests.get(url + name, timeout=10)
        assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    pages = server.data_dir / "instance"
    pages.mkdir(exist_ok=True)
    try:
        for name in ("extended_description", "privacy_policy", "terms_of_service"):
            (pages / f"{name}.html").write_text(f"<h2>{name}</h2><p>Be kind.</p><script>alert(1)</script>")
        about = requests.get(url + "extended_description", timeout=10).json()
        assert about["content"] == "<h2>extended_description</h2><p>Be kind.</p>"  # sanitized
        assert abs(datetime.fromisoformat(about["updated_at"].replace("Z", "+00:00")) - datetime.now(UTC)) \
            < timedelta(minutes=5)
        assert "privacy_policy" in requests.get(url + "privacy_policy", timeout=10).json()["content"]
        terms = requests.get(url + "terms_of_service", timeout=10).json()
        assert terms == {"effective_date": datetime.now(UTC).date().isoformat(), "effective": True,
                         "content": "<h2>terms_of_service</h2><p>Be kind.</p>", "succeeded_by": None}
    finally:
        for page in pages.iterdir():
            page.unlink()


def test_moderated_servers_are_listed_per_setting(server, tmp_path):
    server.spark("domains", "block", "Spam.Example", "--severity", "silence")
    listed = requests.get(server.url + "/api/v1/instance/domain_blocks", timeout=10).json()
    assert {"domain": "spam.example", "digest": hashlib.sha256(b"spam.example").hexdigest(), "severity": "silence",
            "comment": None} in listed
    with running_server(tmp_path, show_domain_blocks="users") as private:
        private.spark("domains", "block", "evil.example")
        url = private.url + "/api/v1/instance/domain_blocks"
        assert requests.get(url, timeout=10).status_code == 404
        user = private.new_user()
        assert [d["domain"] for d in user.instance_domain_blocks()] == ["evil.example"]


def test_weekly_activity_counts_this_weeks_posts_sign_ins_and_sign_ups(server):
    poster = server.new_user()
    for n in range(3):
        poster.status_post(f"activity {n}")
    weeks = requests.get(server.url + "/api/v1/instance/activity", timeout=10).json()
    assert len(weeks) == 12 and all(set(w) == {"week", "statuses", "logins", "registrations"} for w in weeks)
    now = datetime.now(UTC)
    monday = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=now.weekday())
    assert [int(w["week"]) for w in weeks] == [int((monday - timedelta(weeks=i)).timestamp()) for i in range(12)]
    this_week = weeks[0]
    assert int(this_week["statuses"]) >= 3 and int(this_week["registrations"]) >= 1
    assert int(this_week["logins"]) >= 1
    assert all(w["statuses"] == "0" for w in weeks[1:])  # the server started today


def test_no_translation_service_means_no_languages_and_404_as_mastodon(server, api):
    assert requests.get(server.url + "/api/v1/instance/translation_languages", timeout=10).json() == {}
    post = api.status_post("Hola, mundo", language="es")
    response = requests.post(f"{server.url}/api/v1/statuses/{post['id']}/translate", data={"lang": "en"},
                             headers={"Authorization": f"Bearer {api.access_token}"}, timeout=10)
    assert response.status_code == 404 and response.json() == {"error": "Record not found"}
    assert requests.post(f"{server.url}/api/v1/statuses/{post['id']}/translate", timeout=10).status_code == 401


def test_terms_of_a_date_are_the_version_that_took_effect_that_day(server):
    url = server.url + "/api/v1/instance/terms_of_service/"
    today = datetime.now(UTC).date()
    assert requests.get(url + today.isoformat(), timeout=10).status_code == 404  # no terms written
    pages = server.data_dir / "instance"
    pages.mkdir(exist_ok=True)
    try:
        (pages / "terms_of_service.html").write_text("<p>Be kind.</p>")
        dated = requests.get(url + today.isoformat(), timeout=10).json()
        assert dated == {"effective_date": today.isoformat(), "effective": True, "content": "<p>Be kind.</p>",
                         "succeeded_by": None}
        client = server.new_user()
        assert client.instance_terms_of_service(date=today)["content"] == "<p>Be kind.</p>"  # ?date=
        with pytest.raises(MastodonNotFoundError):
            client.instance_terms_of_service(date=today - timedelta(days=1))
        for other in ((today - timedelta(days=1)).isoformat(), "2025-02-30", "yesterday"):
            missing = requests.get(url + other, timeout=10)
            assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    finally:
        (pages / "terms_of_service.html").unlink()
