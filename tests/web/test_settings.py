"""Settings and lists pages over plain HTTP: password, filters, mutes and blocks, export, lists."""

from __future__ import annotations

import re

import requests

from tests.web.conftest import PASSWORD
from tests.web.test_pages import _signed_in


def _post(browser, url: str, **data) -> requests.Response:
    return browser.post(url, data={"csrf_token": browser.cookies["spark_csrf"], **data}, timeout=30)


def test_change_password(server):
    name, _ = server.register()
    browser = _signed_in(server, name)
    wrong = _post(browser, server.url + "/settings/password", current_password="nope", new_password="a new secret 1",
                  confirm_password="a new secret 1")
    assert wrong.status_code == 422 and "current password is not correct" in wrong.text
    done = _post(browser, server.url + "/settings/password", current_password=PASSWORD,
                 new_password="a new secret 1", confirm_password="a new secret 1")
    assert done.url.endswith("/settings/password?saved=1") and "Saved." in done.text
    fresh = requests.Session()
    fresh.get(server.url + "/auth/sign_in", timeout=10)
    signed = _post(fresh, server.url + "/auth/sign_in", login=name, password="a new secret 1")
    assert signed.url.endswith("/home")


def test_filters_mutes_blocks_and_export(server):
    name, _ = server.register()
    other_name, other_token = server.register()
    other_id = server.client(other_token).me()["id"]
    browser = _signed_in(server, name)

    made = _post(browser, server.url + "/settings/filters", title="Spoilers", keyword="finale, ending",
                 context=["home", "public"], action="warn")
    assert "Spoilers" in made.text and "finale, ending" in made.text
    filter_id = re.search(r'action="/settings/filters/(\d+)/delete"', made.text).group(1)
    gone = _post(browser, f"{server.url}/settings/filters/{filter_id}/delete")
    assert "Spoilers" not in gone.text

    _post(browser, f"{server.url}/web/accounts/{other_id}/follow", back="/home")
    _post(browser, f"{server.url}/web/accounts/{other_id}/mute", back=f"/@{other_name}")
    page = browser.get(server.url + "/settings/relationships", timeout=10).text
    assert f"@{other_name}" in page.split("Blocked accounts")[0]
    following = browser.get(server.url + "/settings/export/following.csv", timeout=10)
    assert following.headers["content-type"].startswith("text/csv")
    assert f"{other_name}@{server.domain},true,false" in following.text
    assert f"{other_name}@{server.domain}" in browser.get(server.url + "/settings/export/mutes.csv", timeout=10).text
    _post(browser, f"{server.url}/web/accounts/{other_id}/unmute", back="/settings/relationships")
    assert f"@{other_name}" not in browser.get(server.url + "/settings/relationships", timeout=10).text


def test_lists_of_people_one_follows(server):
    name, _ = server.register()
    other_name, other_token = server.register()
    other = server.client(other_token)
    other.status_post("Posted for the list")
    browser = _signed_in(server, name)
    created = _post(browser, server.url + "/lists", title="Friends")
    assert re.search(r"/lists/\d+$", created.url) and "<h1>Friends</h1>" in created.text
    refused = _post(browser, created.url + "/members", acct=other_name)
    assert refused.status_code == 422 and "follow" in refused.text
    _post(browser, f"{server.url}/web/accounts/{other.me()['id']}/follow", back="/home")
    added = _post(browser, created.url + "/members", acct=other_name)
    assert f"@{other_name}" in added.text
    assert "Friends" in browser.get(server.url + "/lists", timeout=10).text
    deleted = _post(browser, created.url + "/delete")
    assert deleted.url.endswith("/lists") and "Friends" not in deleted.text
