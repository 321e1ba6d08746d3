"""Content filters (Mastodon filters v2): keywords and statuses, per context, warn or hide."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from .errors import Invalid
from .moments import aware

_TAGS = re.compile(r"<[^>]+>")
CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")


def plain_text(content_html: str) -> str:
    return html.unescape(_TAGS.sub(" ", content_html))


def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern:
    escaped = re.escape(keyword)
    if whole_word:
        escaped = rf"(?<![\w]){escaped}(?![\w])"
    return re.compile(escaped, re.IGNORECASE)


class FilterMatcher:
    """Matches statuses against one account's filters."""

    def __init__(self, filters, keywords: dict[int, list], statuses: dict[int, set[int]]):
        now = datetime.now(UTC)
        self.filters = [f for f in filters if f.expires_at is None or aware(f.expires_at) > now]
        self.keywords = keywords
        self.statuses = statuses
        self._patterns = {
            k.id: keyword_pattern(k.keyword, k.whole_word) for ks in keywords.values() for k in ks
        }

    def __bool__(self) -> bool:
        return bool(self.filters)

    def match(self, status_row, context: str) -> list:
        """[(filter, matched keywords, matched status ids)] for filters active in `context`."""
        if not self.filters:
            return []
        text = None
        out = []
        for f in self.filters:
            if context not in (f.context or []):
                continue
            matched_keywords = []
            if self.keywords.get(f.id):
                if text is None:
                    text = plain_text(status_row.spoiler_text + "\n" + status_row.content)
                matched_keywords = [k.keyword for k in self.keywords[f.id] if self._patterns[k.id].search(text)]
            matched_statuses = [str(status_row.id)] if status_row.id in self.statuses.get(f.id, ()) else []
            if matched_keywords or matched_statuses:
                out.append((f, matched_keywords, matched_statuses))
        return out


def hides(matches: list) -> bool:
    return any(f.action == "hide" for f, _, _ in matches)



MAX_TITLE = 255
MAX_KEYWORD = 255


def validate(title: str | None, context: list[str] | None, action: str | None) -> None:
    """Check the parts of a filter that are given (None means unchanged)."""
    if title is not None and not title.strip():
        raise Invalid("Validation failed: Title can't be blank")
    if title is not None and len(title) > MAX_TITLE:
        raise Invalid(f"Validation failed: Title is too long (maximum is {MAX_TITLE} characters)")
    if context is not None:
        if not context:
            raise Invalid("Validation failed: Context can't be blank")
        unknown = [c for c in context if c not in CONTEXTS]
        if unknown:
            raise Invalid(f"Validation failed: Context includes unknown values: {', '.join(map(str, unknown))}")
    if action is not None and action not in ACTIONS:
        raise Invalid("Validation failed: Filter action must be warn, hide or blur")


def validate_keyword(keyword: str | None) -> str:
    if keyword is None or not keyword.strip():
        raise Invalid("Validation failed: Keyword can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise Invalid(f"Validation failed: Keyword is too long (maximum is {MAX_KEYWORD} characters)")
    return keyword.strip()
