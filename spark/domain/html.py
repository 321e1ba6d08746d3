"""Remote HTML made safe: the subset Mastodon keeps (since 4.2), microformat classes, links that
open safely. Everything else is dropped or escaped (docs.joinmastodon.org/spec/activitypub/#sanitization)."""

from __future__ import annotations

import html

import nh3

TAGS = {"p", "br", "a", "span", "del", "pre", "code", "em", "strong", "b", "i", "u", "ul", "ol", "li",
        "blockquote", "s", "sub", "sup", "h1", "h2", "h3", "h4", "h5", "h6"}
_CLASS_PREFIXES = ("h-", "p-", "u-", "dt-", "e-")
_CLASSES = {"mention", "hashtag", "invisible", "ellipsis", "quote-inline"}
MAX_CHARS = 100_000


def _class_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    kept = [c for c in value.split() if c in _CLASSES or c.startswith(_CLASS_PREFIXES)]
    return " ".join(kept) or None


def sanitize(markup: str | None) -> str:
    """Safe HTML from a remote server's markup."""
    if not markup:
        return ""
    return nh3.clean(markup[:MAX_CHARS], tags=TAGS,
                     attributes={"a": {"href", "class", "translate"}, "span": {"class", "translate"},
                                 "ol": {"start", "reversed"}, "li": {"value"}},
                     attribute_filter=_class_filter, url_schemes={"http", "https", "mailto"},
                     link_rel="nofollow noopener noreferrer", strip_comments=True)


def plain(markup: str | None) -> str:
    """Text of a remote HTML fragment (names, display names): tags removed, entities decoded."""
    if not markup:
        return ""
    return html.unescape(nh3.clean(markup[:MAX_CHARS], tags=set())).strip()
