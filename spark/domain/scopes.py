"""OAuth scopes as Mastodon defines them: top-level scopes cover their granular children."""

from __future__ import annotations

from .errors import Invalid

TOP_LEVEL = {"read", "write", "follow", "push", "profile"}
GRANULAR = {
    "read": ["accounts", "blocks", "bookmarks", "collections", "favourites", "filters", "follows", "lists", "mutes",
             "notifications", "search", "statuses"],
    "write": ["accounts", "blocks", "bookmarks", "collections", "conversations", "favourites", "filters", "follows",
              "lists", "media", "mutes", "notifications", "reports", "statuses"],
    "admin:read": ["accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                   "email_domain_blocks", "canonical_email_blocks"],
    "admin:write": ["accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                    "email_domain_blocks", "canonical_email_blocks"],
}
FOLLOW_LEGACY = {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
ALL = (TOP_LEVEL | {"admin:read", "admin:write"}
       | {f"{parent}:{child}" for parent, children in GRANULAR.items() for child in children})


def parse(value: str | None, *, default: str = "read") -> frozenset[str]:
    """Split a space- or plus-separated scope string and reject unknown scopes."""
    scopes = frozenset((value or default).replace("+", " ").split())
    unknown = scopes - ALL
    if unknown:
        raise Invalid(f"Validation failed: Scopes are invalid ({' '.join(sorted(unknown))})")
    return scopes or frozenset({default})


def allows(granted: frozenset[str] | set[str], needed: str) -> bool:
    """Whether `granted` covers `needed` (e.g. "write" covers "write:statuses")."""
    if needed in granted:
        return True
    parent = needed.rsplit(":", 1)[0] if needed.count(":") else None
    if needed.startswith("admin:"):
        parent = ":".join(needed.split(":")[:2]) if needed.count(":") == 2 else None
    if parent and parent in granted:
        return True
    return "follow" in granted and needed in FOLLOW_LEGACY


def subset(requested: frozenset[str], allowed: frozenset[str]) -> bool:
    """Whether every requested scope is covered by the app's registered scopes."""
    return all(allows(allowed, scope) for scope in requested)
