"""What a post may contain: validation of drafts against the server's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from .errors import Invalid
from .text import text_length
from .visibility import Visibility

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")
QUOTE_POLICIES = ("public", "followers", "nobody")


@dataclass(frozen=True)
class Limits:
    max_chars: int = 500
    max_media: int = 4
    max_poll_options: int = 4
    max_poll_option_chars: int = 50
    min_poll_expiration: int = 300
    max_poll_expiration: int = 2_629_746


@dataclass
class PollDraft:
    options: list[str]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False


@dataclass
class Draft:
    text: str = ""
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: Visibility = Visibility.PUBLIC
    language: str | None = None
    in_reply_to_id: int | None = None
    media_ids: list[int] = field(default_factory=list)
    poll: PollDraft | None = None
    quoted_status_id: int | None = None
    quote_approval_policy: str = "public"
    scheduled_at: datetime | None = None


def validate(draft: Draft, limits: Limits) -> Draft:
    """Raise Invalid (422) with Mastodon's wording when a draft breaks a limit."""
    if "\x00" in draft.text or "\x00" in draft.spoiler_text:
        raise Invalid("Validation failed: Text contains invalid characters")
    if not draft.text.strip() and not draft.media_ids and draft.poll is None:
        raise Invalid("Validation failed: Text can't be blank")
    if text_length(draft.text) + len(draft.spoiler_text) > limits.max_chars:
        raise Invalid(f"Validation failed: Text character limit of {limits.max_chars} exceeded")
    if len(draft.media_ids) > limits.max_media:
        raise Invalid(f"Validation failed: You cannot attach more than {limits.max_media} files")
    if len(set(draft.media_ids)) != len(draft.media_ids):
        raise Invalid("Validation failed: Media attachments are duplicated")
    if draft.poll is not None:
        if draft.media_ids:
            raise Invalid("Validation failed: Cannot attach both files and a poll")
        validate_poll(draft.poll, limits)
    if draft.language is not None and not LANGUAGE_RE.match(draft.language):
        raise Invalid("Validation failed: Language is not a valid ISO 639 code")
    if draft.quote_approval_policy not in QUOTE_POLICIES:
        raise Invalid("Validation failed: Quote approval policy is not included in the list")
    return draft


def validate_poll(poll: PollDraft, limits: Limits) -> None:
    options = poll.options
    if len(options) < 2:
        raise Invalid("Validation failed: Poll must have at least 2 options")
    if len(options) > limits.max_poll_options:
        raise Invalid(f"Validation failed: Poll cannot have more than {limits.max_poll_options} options")
    if any(not o.strip() for o in options):
        raise Invalid("Validation failed: Poll options can't be blank")
    if any(len(o) > limits.max_poll_option_chars for o in options):
        raise Invalid(f"Validation failed: Poll options cannot be longer than {limits.max_poll_option_chars} characters")
    if len({o.strip() for o in options}) != len(options):
        raise Invalid("Validation failed: Poll options must be unique")
    if not limits.min_poll_expiration <= poll.expires_in <= limits.max_poll_expiration:
        raise Invalid("Validation failed: Poll duration is out of the allowed range")


def quote_allowed(policy: str, *, quoter_id: int, author_id: int, quoter_follows_author: bool) -> bool:
    """Mastodon 4.5 quote policies: anyone, followers only, or nobody but the author."""
    if quoter_id == author_id:
        return True
    if policy == "public":
        return True
    if policy == "followers":
        return quoter_follows_author
    return False


def validate_choices(choices: list[int], option_count: int, multiple: bool) -> list[int]:
    """A poll vote: at least one known option, only one unless the poll allows several."""
    if not choices:
        raise Invalid("Validation failed: You must choose at least one option")
    if any(c < 0 or c >= option_count for c in choices):
        raise Invalid("Validation failed: Choices include an option that does not exist")
    if len(set(choices)) != len(choices):
        raise Invalid("Validation failed: Choices are duplicated")
    if not multiple and len(choices) > 1:
        raise Invalid("Validation failed: This poll accepts a single choice")
    return sorted(choices)
