"""Plain-text posts to safe HTML: links, @mentions and #hashtags linkified, the rest escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

MENTION_RE = re.compile(
    r"(?<![\w/\\@])@([a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)(?:@((?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d+)?))?",
    re.IGNORECASE,
)
HASHTAG_RE = re.compile(r"(?<![=/\w#])#(\w*[^\W\d_]\w*)")
URL_RE = re.compile(r"(?<![\w/])https?://[^\s<>\"'\u3000]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,:;!?)]}'\""
MAX_TAG_LENGTH = 100


@dataclass(frozen=True)
class Mention:
    username: str
    domain: str | None  # None: on this server (or written without a domain)


@dataclass
class Parsed:
    mentions: list[Mention] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    kind: str  # url | mention | tag
    value: object


def _trim_url(url: str) -> str:
    while url and url[-1] in TRAILING_PUNCTUATION:
        # Keep a closing parenthesis that balances one inside the URL (Wikipedia links).
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in URL_RE.finditer(text):
        url = _trim_url(m.group(0))
        if len(url) > len("https://"):
            tokens.append(_Token(m.start(), m.start() + len(url), "url", url))
            taken.append((m.start(), m.start() + len(url)))
    for m in MENTION_RE.finditer(text):
        if free(m.start(), m.end()):
            domain = m.group(2).lower() if m.group(2) else None
            tokens.append(_Token(m.start(), m.end(), "mention", Mention(m.group(1), domain)))
    for m in HASHTAG_RE.finditer(text):
        if free(m.start(), m.end()) and len(m.group(1)) <= MAX_TAG_LENGTH:
            tokens.append(_Token(m.start(), m.end(), "tag", m.group(1)))
    tokens.sort(key=lambda t: t.start)
    return tokens


def parse(text: str) -> Parsed:
    """Mentions, hashtags (normalized to lower case, first spelling kept) and links of a post."""
    parsed = Parsed()
    seen_tags: set[str] = set()
    for token in _tokens(text):
        if token.kind == "mention" and token.value not in parsed.mentions:
            parsed.mentions.append(token.value)
        elif token.kind == "tag" and token.value.lower() not in seen_tags:
            seen_tags.add(token.value.lower())
            parsed.tags.append(token.value)
        elif token.kind == "url":
            parsed.links.append(token.value)
    return parsed


def _link_html(url: str) -> str:
    scheme, _, rest = url.partition("://")
    display = rest if len(rest) <= 30 else rest[:30]
    ellipsis = " ellipsis" if len(rest) > 30 else ""
    return (
        f'<a href="{escape(url)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">'
        f'<span class="invisible">{escape(scheme)}://</span><span class="{ellipsis.strip()}">{escape(display)}</span>'
        f'<span class="invisible">{escape(rest[len(display):])}</span></a>'
    )


def render(
    text: str,
    *,
    mention_url: Callable[[Mention], str | None],
    tag_url: Callable[[str], str],
) -> str:
    """Render a plain-text post as HTML. `mention_url` returns None for unknown accounts."""
    out: list[str] = []
    pos = 0
    for token in _tokens(text):
        out.append(escape(text[pos : token.start], quote=False))
        source = text[token.start : token.end]
        if token.kind == "url":
            out.append(_link_html(token.value))
        elif token.kind == "mention":
            url = mention_url(token.value)
            if url is None:
                out.append(escape(source, quote=False))
            else:
                out.append(
                    f'<span class="h-card" translate="no"><a href="{escape(url)}" class="u-url mention">'
                    f"@<span>{escape(token.value.username)}</span></a></span>"
                )
        else:
            out.append(
                f'<a href="{escape(tag_url(token.value.lower()))}" class="mention hashtag" rel="tag">'
                f"#<span>{escape(token.value)}</span></a>"
            )
        pos = token.end
    out.append(escape(text[pos:], quote=False))
    html = "".join(out).replace("\r\n", "\n").strip("\n")
    if not html:
        return ""
    paragraphs = [p for p in re.split(r"\n{2,}", html) if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br />')}</p>" for p in paragraphs)


def text_length(text: str) -> int:
    """Length as Mastodon counts it: every URL counts as 23 characters, remote mentions by username."""
    length = len(text)
    for token in _tokens(text):
        if token.kind == "url":
            length += 23 - (token.end - token.start)
        elif token.kind == "mention" and token.value.domain:
            length -= token.end - token.start - (len(token.value.username) + 1)
    return length
