"""Post search in plain values: what a query asks for, and the text of a post that it is matched against."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_TERMS = 8
MIN_PREFIX = 3  # a shorter last word is matched whole: "a" as a prefix would match nearly every post
_TERM_RE = re.compile(r'"([^"]*)(?:"|$)|([^\s"]+)')
_SEARCHABLE_RE = re.compile(r"[^\W_]")  # a letter or digit: what both indexes make words of
_TAG_RE = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Term:
    """A word, or the words of a "quoted phrase", that a matching post must contain."""

    text: str
    prefix: bool = False  # the last word, which the user may still be typing, matches words it begins


def parse_query(query: str) -> list[Term]:
    """The terms of a search: every word and quoted phrase must match; the last bare word also as a prefix."""
    terms = []
    for match in _TERM_RE.finditer(query):
        phrase, word = match.groups()
        text = " ".join((phrase if word is None else word).split())
        if _SEARCHABLE_RE.search(text):
            terms.append(Term(text, prefix=word is not None))
    terms = terms[:MAX_TERMS]
    return [Term(term.text, prefix=term.prefix and i == len(terms) - 1 and len(term.text) >= MIN_PREFIX)
            for i, term in enumerate(terms)]


def searchable_text(spoiler_text: str, content: str) -> str:
    """The words of a post: its content warning and its HTML with tags taken out, so that markup (p, a,
    href, class…) never matches; tags become spaces, as paragraphs and line breaks separate words."""
    return html.unescape(_TAG_RE.sub(" ", f"{spoiler_text} {content}"))
