"""Browser fixtures: the system Chromium driven by Playwright, against the suite's real server.

Playwright's own browser download does not work here (and is not wanted in CI): tests use the
Debian `chromium` that .ci/run installs, and skip only when no Chromium can be found at all.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SPARK_TEST_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Not per session: Playwright's sync API keeps an asyncio loop
    running in this thread while it is open, and other modules' tests call asyncio.run()."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on this machine (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, server):
    """Open a page in a fresh browser context (its own cookies): new_page(width=1280, javascript=True, dark=False)."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900, javascript: bool = True, dark: bool = False):
        context = browser.new_context(base_url=server.url, viewport={"width": width, "height": height},
                                      java_script_enabled=javascript, reduced_motion="reduce",
                                      color_scheme="dark" if dark else "light")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


def unique_name(prefix: str = "w") -> str:
    return prefix + secrets.token_hex(4)


def sign_up(page, username: str | None = None) -> str:
    """Create an account through the sign-up form; returns the username (the page ends on /home)."""
    username = username or unique_name()
    page.goto("/auth/sign_up")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail address").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/home")
    return username


def sign_in(page, username: str) -> None:
    page.goto("/auth/sign_in")
    page.get_by_label("E-mail address or username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
