"""Collections (Mastodon 4.6, API version 10): what a collection's fields and items must keep to."""

from __future__ import annotations

from .errors import Invalid
from .posts import LANGUAGE_RE

MAX_NAME = 40  # characters, as Mastodon's for a local collection
MAX_DESCRIPTION = 100
MAX_ITEMS = 25  # accounts in one collection
MAX_PER_ACCOUNT = 10  # collections one account may curate


def check_fields(*, name: str | None, description: str | None, language: str | None) -> None:
    """Invalid (422) for a field out of bounds; None means "not given" (an update leaves it)."""
    if name is not None and not name.strip():
        raise Invalid("Validation failed: Name can't be blank")
    if name is not None and len(name) > MAX_NAME:
        raise Invalid(f"Validation failed: Name is too long (maximum is {MAX_NAME} characters)")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise Invalid(f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    if language and not LANGUAGE_RE.match(language):
        raise Invalid("Validation failed: Language is not a language code")


IN_COLLECTION = ("accepted", "pending")  # item states that count against MAX_ITEMS (pending: awaiting consent)


def visible_states(*, owner: bool) -> tuple[str, ...]:
    """Item states a viewer sees: its curator also those still waiting for consent."""
    return IN_COLLECTION if owner else ("accepted",)
