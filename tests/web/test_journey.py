"""Two people use the web app in a real browser: sign up, follow, post with an image, see it arrive
live, like, reply, read the thread, edit a profile, search, and get notified."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.web.conftest import sign_up


def _png(path) -> str:
    image = Image.new("RGB", (64, 48), (200, 80, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_two_people_follow_post_live_like_reply_and_notify(new_page, tmp_path):
    alice, bob = new_page(), new_page()
    alice_name = sign_up(alice)
    bob_name = sign_up(bob)
    tag = "sunset" + alice_name  # unique on the shared test server

    # Bob follows Alice from her profile, in place.
    bob.goto(f"/@{alice_name}")
    bob.get_by_role("button", name=f"Follow @{alice_name}").click()
    expect(bob.get_by_role("button", name=f"Unfollow @{alice_name}")).to_be_visible()
    assert bob.url.endswith(f"/@{alice_name}")

    # Bob reads his home timeline; Alice posts a picture with alt text.
    bob.goto("/home")
    expect(bob.locator('[data-live="home"][data-connected="true"]')).to_be_attached()  # the stream is open
    alice.goto("/home")
    alice.get_by_label("What’s on your mind?").fill(f"Sunset over the harbour #{tag}")
    alice.get_by_text("Add an image").click()
    alice.get_by_label("Image (JPEG, PNG, GIF or WebP)").set_input_files(_png(tmp_path / "sunset.png"))
    alice.get_by_label("Image description (alt text)").fill("An orange sky over boats")
    alice.get_by_role("button", name="Post", exact=True).click()
    expect(alice.locator("article").filter(has_text="Sunset over the harbour")).to_be_visible()
    assert alice.url.endswith("/home")

    # It reaches Bob without a reload: a banner, then the post with its image and alt text.
    banner = bob.get_by_role("button", name="1 new post")
    expect(banner).to_be_visible(timeout=10_000)
    banner.click()
    post = bob.locator("article").filter(has_text="Sunset over the harbour")
    expect(post).to_be_visible()
    expect(post.get_by_role("img", name="An orange sky over boats")).to_be_visible()

    # Bob likes it in place.
    post.get_by_role("button", name=re.compile("^Like")).click()
    expect(post.get_by_role("button", name=re.compile("^Like"))).to_have_attribute("aria-pressed", "true")
    assert bob.url.endswith("/home")

    # Bob opens the thread and replies.
    post.get_by_role("link", name=re.compile(r"^\d+[smhd]")).click()
    expect(bob.get_by_role("heading", name=re.compile("Post by"))).to_be_attached()
    bob.get_by_label(f"Reply to @{alice_name}").fill(f"@{alice_name} Beautiful colours!")
    bob.get_by_role("button", name="Reply", exact=True).click()
    expect(bob.locator("section.thread-replies article").filter(has_text="Beautiful colours!")).to_be_visible()

    # Alice sees a notification count without reloading, then the notifications themselves.
    badge = alice.locator("[data-unread]")
    expect(badge).to_be_visible(timeout=10_000)
    alice.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(alice.get_by_text("liked your post")).to_be_visible()
    expect(alice.get_by_text("followed you")).to_be_visible()
    expect(alice.get_by_text("Beautiful colours!")).to_be_visible()
    expect(alice.locator("[data-unread]")).to_be_hidden()

    # The thread shows the post and the reply to anyone.
    alice.locator("article").filter(has_text="Beautiful colours!").get_by_role(
        "link", name=re.compile(r"^\d+[smhd]")).click()
    expect(alice.get_by_text("Sunset over the harbour")).to_be_visible()

    # Bob finds her by name and the hashtag by search.
    bob.goto("/search")
    bob.get_by_label("Search people, hashtags and posts").fill(alice_name)
    bob.get_by_role("button", name="Search", exact=True).click()
    expect(bob.locator(".person").filter(has_text=f"@{alice_name}")).to_be_visible()
    bob.goto(f"/search?q=%23{tag}")
    hashtags = bob.get_by_role("region", name="Hashtags")
    expect(hashtags.get_by_role("link", name=f"#{tag}", exact=True)).to_be_visible()
    hashtags.get_by_role("link", name=f"#{tag}", exact=True).click()
    expect(bob.get_by_text("Sunset over the harbour")).to_be_visible()

    assert alice.errors == [] and bob.errors == [], (alice.errors, bob.errors)
    assert bob_name


def test_profile_edit_shows_name_bio_fields_and_avatar(new_page, tmp_path):
    alice = new_page()
    alice_name = sign_up(alice)
    alice.goto("/settings/profile")
    alice.get_by_label("Display name").fill("Alice Harbour")
    alice.get_by_label("Bio").fill("I photograph boats. <b>not bold</b>")
    alice.get_by_label("Label 1").fill("Camera")
    alice.get_by_label("Content 1").fill("Film, mostly")
    alice.get_by_label("Avatar").set_input_files(_png(tmp_path / "me.png"))
    alice.get_by_role("button", name="Save profile").click()
    expect(alice.get_by_text("Saved.")).to_be_visible()
    alice.goto(f"/@{alice_name}")
    expect(alice.get_by_role("heading", name="Alice Harbour")).to_be_visible()
    expect(alice.get_by_text("I photograph boats. <b>not bold</b>")).to_be_visible()  # escaped, shown as typed
    expect(alice.locator("dl.fields")).to_contain_text("Film, mostly")
    avatar = alice.get_by_role("img", name="Alice Harbour’s avatar")
    assert "avatar-missing" not in avatar.get_attribute("src")


def test_compose_counts_characters_and_previews_the_image(new_page, tmp_path):
    page = new_page()
    sign_up(page)
    box = page.get_by_label("What’s on your mind?")
    box.fill("Hello https://example.org/a/very/long/path/that/counts/as/twenty/three")
    expect(page.locator("[data-counter]")).to_have_text("471 characters left")
    box.fill("x" * 501)
    expect(page.locator("[data-counter]")).to_have_text("-1 characters left")
    expect(page.locator("[data-counter]")).to_have_class(re.compile("over"))
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("character limit of 500")
    expect(box).to_have_value("x" * 501)  # nothing typed is lost
    page.get_by_text("Add an image").click()
    page.get_by_label("Image (JPEG, PNG, GIF or WebP)").set_input_files(_png(tmp_path / "p.png"))
    expect(page.get_by_role("img", name="Preview of the chosen image")).to_be_visible()
