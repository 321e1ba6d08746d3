"""Notification filtering (Mastodon 4.3+): what a recipient's policy does with a notification from a sender
it has not accepted. The rules follow Mastodon's NotifyService (DropCondition, FilterCondition)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

CHOICES = ("accept", "filter", "drop")
FIELDS = ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions",
          "for_limited_accounts")
DEFAULTS = {"for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
            "for_private_mentions": "filter", "for_limited_accounts": "filter"}

# Only notifications someone can send unasked are held back: polls ending, edits and admin notices never.
FILTERABLE_TYPES = frozenset({"mention", "reblog", "follow", "follow_request", "favourite", "quote"})
NEW_ACCOUNT_AGE = timedelta(days=30)
NEW_FOLLOWER_AGE = timedelta(days=3)  # a follow this recent does not yet make the sender a follower


@dataclass(frozen=True)
class Sender:
    """What the recipient's policy looks at, as seen from the recipient."""

    followed: bool  # the recipient follows the sender
    follows_since: datetime | None  # when the sender followed the recipient
    created_at: datetime
    limited: bool  # silenced by a moderator
    private_mention: bool  # a direct mention that does not answer one of the recipient's own


def verdict(policy: dict[str, str], sender: Sender, now: datetime) -> str:
    """"accept", "filter" or "drop": the strictest value among the policy rules the sender falls under.
    Private mentions and limited accounts count only from senders the recipient does not follow."""
    applies = {
        "for_not_following": not sender.followed,
        "for_not_followers": sender.follows_since is None or sender.follows_since > now - NEW_FOLLOWER_AGE,
        "for_new_accounts": sender.created_at > now - NEW_ACCOUNT_AGE,
        "for_private_mentions": sender.private_mention and not sender.followed,
        "for_limited_accounts": sender.limited and not sender.followed,
    }
    chosen = {policy[rule] for rule, hit in applies.items() if hit}
    return "drop" if "drop" in chosen else "filter" if "filter" in chosen else "accept"
