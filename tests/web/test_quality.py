"""The main pages in Chromium: no serious accessibility violations (axe-core), screenshots at desktop
and phone widths into build/screenshots/, no script errors, and page weight under 100 KB."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from tests.web.conftest import PASSWORD, screenshot, sign_in

WIDTHS = {"desktop": 1280, "phone": 360}
BUDGET = 100 * 1024
FIRST_PAINT = "Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1)"


@pytest.fixture(scope="module")
def world(server):
    """Alice (with a photo post, a poll, a content warning and a reply from Bob) and Bob, who follows her."""
    alice_name, alice_token = server.register()
    bob_name, bob_token = server.register()
    alice, bob = server.client(alice_token), server.client(bob_token)
    bob.account_follow(alice.me()["id"])
    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), (30, 90, 160)).save(buffer, "PNG")
    media = alice.media_post(buffer.getvalue(), mime_type="image/png", description="A blue test card")
    photo = alice.status_post("Morning light in the harbour #harbours", media_ids=[media["id"]])
    alice.status_post("Which boat should I sail next?", poll=alice.make_poll(["Dinghy", "Catamaran"], expires_in=86400))
    alice.status_post("The ending of the film, in detail", spoiler_text="Film spoilers")
    bob.status_post(f"@{alice_name} Lovely colours", in_reply_to_id=photo["id"])
    bob.status_favourite(photo["id"])
    return {"alice": alice_name, "bob": bob_name, "photo": photo["id"]}


def _pages(world) -> dict[str, str]:
    alice = world["alice"]
    return {"home": "/home", "profile": f"/@{alice}", "thread": f"/@{alice}/{world['photo']}",
            "notifications": "/notifications", "search": f"/search?q={alice}", "tag": "/tags/harbours",
            "local": "/public/local", "settings": "/settings/profile", "lists": "/lists"}


def _serious(results) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_main_pages_are_accessible_and_photographed(new_page, world, width):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems = {}
    visitor = new_page(width=WIDTHS[width], height=800)
    for name, path in {"landing": "/", "sign-in": "/auth/sign_in", "sign-up": "/auth/sign_up",
                       "public-profile": f"/@{world['alice']}"}.items():
        visitor.goto(path)
        screenshot(visitor, f"{name}-{width}")
        problems[name] = _serious(axe.run(visitor))
    page = new_page(width=WIDTHS[width], height=800)
    sign_in(page, world["alice"])
    paints = {}
    for name, path in _pages(world).items():
        page.goto(path)
        page.wait_for_load_state("networkidle") if name != "home" else page.wait_for_timeout(300)
        paints[name] = page.evaluate(FIRST_PAINT)
        screenshot(page, f"{name}-{width}")
        problems[name] = _serious(axe.run(page))
        if width == "phone":  # nothing may stick out sideways on a 360 px phone
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 360px"
    print(f"first contentful paint at {width} width (ms):", paints)
    assert all(ms is not None and ms < 2000 for ms in paints.values()), paints
    assert page.errors == [] and visitor.errors == [], (page.errors, visitor.errors)
    assert {k: v for k, v in problems.items() if v} == {}


def test_pages_weigh_less_than_100_kb(server, world):
    """HTML + stylesheet + script of each main page, as sent (before images)."""
    browser = requests.Session()
    browser.get(server.url + "/auth/sign_in", timeout=10)
    signed = browser.post(server.url + "/auth/sign_in", timeout=30, data={
        "csrf_token": browser.cookies["spark_csrf"], "login": world["alice"], "password": PASSWORD})
    assert signed.url.endswith("/home")
    assets = sum(len(requests.get(server.url + path, timeout=10).content) for path in ("/static/spark.css",
                                                                                         "/static/spark.js"))
    weights = {}
    for name, path in {"landing": "/", **_pages(world)}.items():
        client = requests if name == "landing" else browser
        weights[name] = len(client.get(server.url + path, timeout=10).content) + assets
    print("page weights (HTML + CSS + JS, bytes):", weights)
    assert max(weights.values()) < BUDGET, weights


def test_dark_theme_is_accessible_too(new_page, world):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(dark=True)
    sign_in(page, world["alice"])
    problems = {}
    for name, path in {"home": "/home", "thread": f"/@{world['alice']}/{world['photo']}"}.items():
        page.goto(path)
        screenshot(page, f"{name}-dark")
        problems[name] = _serious(Axe().run(page))
    assert {k: v for k, v in problems.items() if v} == {}
