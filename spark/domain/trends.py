"""Trend rules: how a post's interactions fade with age, and which links a post shares."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit, urlunsplit

STATUS_HALF_LIFE = 6 * 3600.0  # seconds: a post's interactions count half as much every six hours

_ANCHOR = re.compile(r"<a\s[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_CLASS = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_NOT_SHARED = {"mention", "hashtag", "u-url"}  # links to accounts and hashtags, not to shared pages


def status_score(interactions: int, age_seconds: float) -> float:
    """Favourites, reposts and replies, halved for every STATUS_HALF_LIFE of the post's age."""
    return interactions * 0.5 ** (max(age_seconds, 0.0) / STATUS_HALF_LIFE)


def shared_links(content: str) -> list[str]:
    """The web pages a post's HTML links to (not its mentions or hashtags), without fragments, once each."""
    found: dict[str, None] = {}
    for anchor in _ANCHOR.findall(content or ""):
        classes = _CLASS.search(anchor)
        if classes and _NOT_SHARED & set((classes.group(1) or classes.group(2) or "").split()):
            continue
        href = _HREF.search(anchor)
        url = normal_link(html.unescape(href.group(1) or href.group(2) or "") if href else "")
        if url:
            found[url] = None
    return list(found)


def normal_link(url: str) -> str | None:
    """A web page's URL as trends count it (host in lower case, no fragment), or None if not a web page."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))
