"""Post visibility and who may see what."""

from __future__ import annotations

from enum import IntEnum

from .errors import Invalid


class Visibility(IntEnum):
    PUBLIC = 0
    UNLISTED = 1
    PRIVATE = 2  # followers only
    DIRECT = 3

    @property
    def api_name(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | None, default: Visibility = None) -> Visibility:
        if value in (None, ""):
            return default if default is not None else cls.PUBLIC
        try:
            return cls[str(value).upper()]
        except KeyError:
            raise Invalid(f"Validation failed: Visibility is not included in the list ({value})") from None


def can_see(
    visibility: Visibility,
    *,
    viewer_id: int | None,
    author_id: int,
    viewer_follows_author: bool,
    viewer_is_mentioned: bool,
) -> bool:
    """Whether a viewer may see a post (blocks are checked separately)."""
    if visibility <= Visibility.UNLISTED or viewer_id == author_id:
        return True
    if viewer_id is None:
        return False
    if visibility == Visibility.PRIVATE:
        return viewer_follows_author or viewer_is_mentioned
    return viewer_is_mentioned


def can_reblog(visibility: Visibility) -> bool:
    """Followers-only and direct posts cannot be reposted (as on Mastodon)."""
    return visibility <= Visibility.UNLISTED
