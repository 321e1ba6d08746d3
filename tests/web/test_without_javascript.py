"""With JavaScript off, every form still works: sign up, post, like, follow, reply, and a refused
post comes back with what was typed."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import sign_up


def test_the_app_works_with_javascript_disabled(new_page, server):
    other_name, other_token = server.register()
    server.client(other_token).status_post("Plain HTML is enough")
    page = new_page(javascript=False, width=360)
    sign_up(page)

    page.goto(f"/@{other_name}")
    page.get_by_role("button", name=f"Follow @{other_name}").click()
    expect(page.get_by_role("button", name=f"Unfollow @{other_name}")).to_be_visible()

    page.goto("/home")
    post = page.locator("article").filter(has_text="Plain HTML is enough")
    expect(post).to_be_visible()  # following brings their recent posts into the home timeline
    post.get_by_role("button", name=re.compile("^Like")).click()
    expect(page.locator("article").filter(has_text="Plain HTML is enough").get_by_role(
        "button", name=re.compile("^Like"))).to_have_attribute("aria-pressed", "true")

    page.get_by_label("What’s on your mind?").fill("Posted without any script")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("article").filter(has_text="Posted without any script")).to_be_visible()

    too_long = "word " * 120
    page.get_by_label("What’s on your mind?").fill(too_long)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("character limit of 500")
    expect(page.get_by_label("What’s on your mind?")).to_have_value(too_long)

    page.goto(f"/@{other_name}")
    page.locator("article").first.get_by_role("link", name=re.compile(r"^\d+[smhd]")).click()
    page.get_by_label(f"Reply to @{other_name}").fill(f"@{other_name} Agreed")
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(page.locator("section.thread-replies")).to_contain_text("Agreed")


def test_quote_a_post(new_page, server):
    other_name, other_token = server.register()
    server.client(other_token).status_post("Quotable wisdom", quote_approval_policy="public")
    page = new_page()
    sign_up(page)
    page.goto(f"/@{other_name}")
    page.locator("article").filter(has_text="Quotable wisdom").get_by_role("link", name="Quote").click()
    expect(page.locator("form[data-compose] blockquote")).to_contain_text("Quotable wisdom")
    page.get_by_label("What’s on your mind?").fill("So true")
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url("**/home")
    mine = page.locator("article").filter(has_text="So true")
    expect(mine.locator("blockquote")).to_contain_text("Quotable wisdom")
    expect(page.locator("form[data-compose] blockquote")).to_have_count(0)
