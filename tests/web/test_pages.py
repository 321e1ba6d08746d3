"""The web pages over plain HTTP: public pages and their meta tags, RSS, escaping, CSRF, sessions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import requests

from tests.web.conftest import PASSWORD


def _signed_in(server, username: str) -> requests.Session:
    browser = requests.Session()
    browser.get(server.url + "/auth/sign_in", timeout=10)
    done = browser.post(server.url + "/auth/sign_in", timeout=30, data={
        "csrf_token": browser.cookies["spark_csrf"], "login": username, "password": PASSWORD})
    assert done.url.endswith("/home"), done.text
    return browser


def test_public_profile_post_and_tag_pages_have_meta_tags_and_rss(server):
    name, token = server.register()
    api = server.client(token)
    post = api.status_post("Evening swim <script>alert(1)</script> #openwater")

    profile = requests.get(f"{server.url}/@{name}", timeout=10)
    assert profile.status_code == 200
    assert '<meta property="og:type" content="profile">' in profile.text
    assert f'href="/@{name}.rss"' in profile.text
    assert "<script>alert(1)</script>" not in profile.text  # sanitized and escaped
    assert profile.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in profile.headers[
        "Content-Security-Policy"]

    thread = requests.get(f"{server.url}/@{name}/{post['id']}", timeout=10)
    assert thread.status_code == 200 and "Evening swim" in thread.text
    assert re.search(r'<meta property="og:description" content="Evening swim[^"]*#openwater', thread.text)
    assert requests.get(f"{server.url}/@someone_else/{post['id']}", timeout=10).status_code == 404
    assert requests.get(f"{server.url}/@nobody_here_{name}", timeout=10).status_code == 404

    tag = requests.get(f"{server.url}/tags/openwater", timeout=10)
    assert tag.status_code == 200 and "Evening swim" in tag.text

    for path in (f"/@{name}.rss", "/tags/openwater.rss"):
        rss = requests.get(server.url + path, timeout=10)
        assert rss.headers["content-type"].startswith("application/rss+xml")
        items = ET.fromstring(rss.content).findall("./channel/item")
        assert [i.findtext("link") for i in items] == [post["url"]]
        assert "Evening swim" in items[0].findtext("description")


def test_forms_need_the_csrf_token_and_sessions_end_at_sign_out(server):
    name, _ = server.register()
    browser = _signed_in(server, name)
    home = browser.get(server.url + "/home", timeout=10)
    assert home.status_code == 200 and "What’s on your mind?" in home.text
    stream_token = re.search(r'<meta name="spark-stream" content="([^"]+)">', home.text).group(1)
    events = requests.get(f"{server.url}/api/v1/streaming/user?access_token={stream_token}", stream=True, timeout=10)
    assert events.status_code == 200
    events.close()
    # The live-update token only reads.
    assert requests.post(server.url + "/api/v1/statuses", data={"status": "x"}, timeout=10,
                         headers={"Authorization": f"Bearer {stream_token}"}).status_code == 403

    forged = browser.post(server.url + "/web/statuses", data={"status": "forged"}, timeout=10)
    assert forged.status_code == 403
    posted = browser.post(server.url + "/web/statuses", timeout=10, allow_redirects=False,
                          data={"status": "real", "csrf_token": browser.cookies["spark_csrf"], "back": "/home"})
    assert posted.status_code == 303 and posted.headers["location"] == "/home"

    browser.post(server.url + "/auth/sign_out", data={"csrf_token": browser.cookies["spark_csrf"]}, timeout=10)
    assert browser.get(server.url + "/home", timeout=10, allow_redirects=False).status_code == 303
    assert requests.get(f"{server.url}/api/v1/streaming/user?access_token={stream_token}", timeout=10).status_code == 401


def test_sign_in_and_sign_up_errors_keep_what_was_typed(server):
    browser = requests.Session()
    browser.get(server.url + "/auth/sign_up", timeout=10)
    refused = browser.post(server.url + "/auth/sign_up", timeout=10, data={
        "csrf_token": browser.cookies["spark_csrf"], "username": "has space", "email": "a@example.org",
        "password": "correct horse battery", "agreement": "1"})
    assert refused.status_code == 422 and 'value="has space"' in refused.text and 'role="alert"' in refused.text
    wrong = browser.post(server.url + "/auth/sign_in", timeout=10, data={
        "csrf_token": browser.cookies["spark_csrf"], "login": "nobody", "password": "nope nope nope"})
    assert wrong.status_code == 401 and 'value="nobody"' in wrong.text and "Invalid email or password" in wrong.text
    # Unsafe redirects after sign-in are ignored.
    name, _ = server.register()
    done = browser.post(server.url + "/auth/sign_in", timeout=30, allow_redirects=False, data={
        "csrf_token": browser.cookies["spark_csrf"], "login": name, "password": PASSWORD,
        "next": "//evil.example/"})
    assert done.headers["location"] == "/home"


def test_signed_out_visitors_are_sent_to_sign_in(server):
    for path in ("/home", "/notifications", "/settings/profile", "/lists"):
        response = requests.get(server.url + path, timeout=10, allow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/auth/sign_in?next=")
    landing = requests.get(server.url + "/", timeout=10)
    assert 'href="/auth/sign_up"' in landing.text and 'href="/auth/sign_in"' in landing.text


def test_locked_account_accepts_a_follow_request_from_the_notifications_page(server):
    owner_name, owner_token = server.register()
    owner_api = server.client(owner_token)
    owner_api.account_update_credentials(locked=True)
    fan_name, _ = server.register()
    fan = _signed_in(server, fan_name)
    owner_id = owner_api.me()["id"]
    asked = fan.post(f"{server.url}/web/accounts/{owner_id}/follow", timeout=10,
                     data={"csrf_token": fan.cookies["spark_csrf"], "back": f"/@{owner_name}"})
    assert "Requested · Cancel" in asked.text

    owner = _signed_in(server, owner_name)
    inbox = owner.get(server.url + "/notifications", timeout=10).text
    assert "asked to follow you" in inbox
    fan_id = re.search(r'action="/web/accounts/(\d+)/authorize"', inbox).group(1)
    owner.post(f"{server.url}/web/accounts/{fan_id}/authorize", timeout=10,
               data={"csrf_token": owner.cookies["spark_csrf"], "back": "/notifications"})
    assert "Following · Unfollow" in fan.get(f"{server.url}/@{owner_name}", timeout=10).text


def test_repost_vote_delete_and_follower_lists_without_script(server):
    author_name, author_token = server.register()
    author = server.client(author_token)
    poll = author.status_post("Tea or coffee?", poll=author.make_poll(["Tea", "Coffee"], expires_in=3600))
    name, _ = server.register()
    browser = _signed_in(server, name)
    csrf = browser.cookies["spark_csrf"]
    thread = f"/@{author_name}/{poll['id']}"

    reposted = browser.post(f"{server.url}/web/statuses/{poll['id']}/reblog", timeout=10,
                            data={"csrf_token": csrf, "on": "1", "back": thread})
    assert re.search(r'aria-pressed="true" data-action="reblog"', reposted.text)
    voted = browser.post(f"{server.url}/web/polls/{poll['poll']['id']}/vote", timeout=10,
                         data={"csrf_token": csrf, "choice": "1", "back": thread})
    assert "Coffee — 100% (your vote)" in voted.text

    browser.post(f"{server.url}/web/accounts/{author.me()['id']}/follow", timeout=10,
                 data={"csrf_token": csrf, "back": "/home"})
    followers = browser.get(f"{server.url}/@{author_name}/followers", timeout=10).text
    assert f"@{name}" in followers
    following = browser.get(f"{server.url}/@{name}/following", timeout=10).text
    assert f"Unfollow @{author_name}" in following  # the viewer's own relationship is shown

    mine = browser.post(server.url + "/web/statuses", timeout=10,
                        data={"csrf_token": csrf, "status": "Soon gone", "back": "/home"})
    post_id = re.search(r'id="s-(\d+)"', mine.text).group(1)
    gone = browser.post(f"{server.url}/web/statuses/{post_id}/delete", timeout=10,
                        data={"csrf_token": csrf, "back": f"/@{name}/{post_id}"})
    assert gone.url.endswith("/home") and "Soon gone" not in gone.text
    assert browser.get(f"{server.url}/@{name}/{post_id}", timeout=10).status_code == 404
