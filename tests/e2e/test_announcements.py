"""Announcements: published with `spark announcements`, read, dismissed and reacted to through Mastodon.py."""

import secrets

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError


def _publish(server, text: str, *options: str) -> str:
    return server.spark("announcements", "publish", text, *options).split()[-1]


def test_announcements_are_read_per_user_and_take_reactions(server):
    alice, bob = server.new_user(), server.new_user()
    shortcode = "blobcat" + secrets.token_hex(3)
    server.sql(f"INSERT INTO custom_emojis (id, shortcode, domain, image_key) "
               f"VALUES ({secrets.randbelow(2**40) + 1}, '{shortcode}', '', 'emoji/{shortcode}.png')")
    first = _publish(server, "Maintenance tonight #ops")
    second = _publish(server, "Welcome!", "--starts-at", "2030-01-01T10:00", "--ends-at", "2030-01-01T12:00")
    _publish(server, "Long gone", "--ends-at", "2020-01-01T00:00")

    listed = alice.announcements()
    assert [a["id"] for a in listed if a["id"] in (first, second)] == [first, second]
    assert all(a["content"] != "<p>Long gone</p>" for a in listed)  # ended: not shown
    ops = next(a for a in listed if a["id"] == first)
    assert ops["read"] is False and [t["name"] for t in ops["tags"]] == ["ops"] and ops["reactions"] == []
    starts = next(a for a in listed if a["id"] == second)["starts_at"]
    assert (starts.year, starts.month, starts.day, starts.hour) == (2030, 1, 1, 10)

    alice.announcement_dismiss(first)
    assert next(a for a in alice.announcements() if a["id"] == first)["read"] is True
    assert next(a for a in bob.announcements() if a["id"] == first)["read"] is False
    with pytest.raises(MastodonNotFoundError):
        alice.announcement_dismiss("12345")

    alice.announcement_reaction_create(first, "👍")
    bob.announcement_reaction_create(first, "👍")
    bob.announcement_reaction_create(first, shortcode)
    reactions = {r["name"]: r for r in next(a for a in alice.announcements() if a["id"] == first)["reactions"]}
    assert (reactions["👍"]["count"], reactions["👍"]["me"]) == (2, True)
    assert (reactions[shortcode]["count"], reactions[shortcode]["me"]) == (1, False)
    assert reactions[shortcode]["url"].endswith(f"emoji/{shortcode}.png") and reactions[shortcode]["static_url"]
    assert reactions["👍"]["url"] is None
    for bad in ("notanemoji", "👍"):  # not an emoji; already given by alice
        with pytest.raises(MastodonAPIError) as error:
            alice.announcement_reaction_create(first, bad)
        assert error.value.args[1] == 422

    alice.announcement_reaction_delete(first, "👍")
    reactions = {r["name"]: r for r in next(a for a in alice.announcements() if a["id"] == first)["reactions"]}
    assert (reactions["👍"]["count"], reactions["👍"]["me"]) == (1, False)
    with pytest.raises(MastodonNotFoundError):
        alice.announcement_reaction_delete(first, "👍")

    server.spark("announcements", "remove", first)
    assert first not in [a["id"] for a in alice.announcements()]
    with pytest.raises(MastodonNotFoundError):
        alice.announcement_reaction_create(first, "🎉")


def test_announcements_need_a_user_and_the_right_scopes(server):
    assert requests.get(f"{server.url}/api/v1/announcements", timeout=10).status_code == 401
    username, _ = server.register()
    reader = server.spark("token", username, "--scopes", "read").strip()  # reads, but cannot react or dismiss
    announcement = _publish(server, "Scoped")
    headers = {"Authorization": f"Bearer {reader}"}
    assert requests.get(f"{server.url}/api/v1/announcements", headers=headers, timeout=10).status_code == 200
    put = requests.put(f"{server.url}/api/v1/announcements/{announcement}/reactions/🎉", headers=headers, timeout=10)
    assert put.status_code == 403
    dismissed = requests.post(f"{server.url}/api/v1/announcements/{announcement}/dismiss", headers=headers, timeout=10)
    assert dismissed.status_code == 403
