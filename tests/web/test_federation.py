"""The web app across two real servers: find someone on the other server by their address, follow
them from the search results, and see their new post arrive live on the home timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.harness import running_server
from tests.web.conftest import sign_up

FEDERATION = {"federation_allow_private": "1", "rate_limits_enabled": "0"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("web-fed-a"), **FEDERATION) as a, \
            running_server(tmp_path_factory.mktemp("web-fed-b"), **FEDERATION) as b:
        yield a, b


def test_follow_someone_on_another_server_from_search_and_see_their_posts_live(browser, pair):
    here, there = pair
    remote_name, remote_token = there.register()
    remote = there.client(remote_token)
    context = browser.new_context(base_url=here.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_up(page)
        address = f"@{remote_name}@{there.domain}"
        page.goto("/search")
        page.get_by_label("Search people, hashtags and posts").fill(address)
        page.get_by_role("button", name="Search", exact=True).click()
        page.get_by_role("button", name=f"Follow {address}").click()
        # The other server accepts a moment later: "Requested" until its Accept arrives.
        for _ in range(40):
            if page.get_by_role("button", name=f"Unfollow {address}").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(page.get_by_role("button", name=f"Unfollow {address}")).to_be_visible()

        page.goto("/home")
        expect(page.locator('[data-live="home"][data-connected="true"]')).to_be_attached()
        remote.status_post("Hello from the other server")
        banner = page.get_by_role("button", name="1 new post")
        expect(banner).to_be_visible(timeout=20_000)
        banner.click()
        expect(page.locator("article").filter(has_text="Hello from the other server")).to_be_visible()
        page.get_by_role("link", name=address, exact=False).first.click()
        expect(page.get_by_role("heading", name=remote_name)).to_be_visible()
    finally:
        context.close()

