"""Editing one's own profile and posting preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.domains import normalize_domain
from spark.domain.errors import Invalid
from spark.domain.posts import QUOTE_POLICIES
from spark.domain.visibility import Visibility
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services import featured_tags
from spark.services.media import process_in_thread
from spark.services.posting import render_text

AVATAR = (400, 400)
HEADER = (1500, 500)
MAX_IMAGE_DESCRIPTION = 1500  # Mastodon's limit for media descriptions, which avatars' and headers' share
MAX_ATTRIBUTION_DOMAINS = 10
# Columns of account_profiles, with what an account that never set them has.
EXTRAS_DEFAULTS = {"avatar_description": "", "header_description": "", "show_media": True,
                   "show_media_replies": True, "show_featured": True, "attribution_domains": []}


@dataclass
class ProfileChanges:
    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    indexable: bool | None = None
    hide_collections: bool | None = None
    fields: list[tuple[str, str]] | None = None
    avatar: bytes | None = None
    header: bytes | None = None
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    quote_policy: str | None = None
    avatar_description: str | None = None
    header_description: str | None = None
    show_media: bool | None = None
    show_media_replies: bool | None = None
    show_featured: bool | None = None
    attribution_domains: list[str] | None = None


@dataclass
class OwnProfile:
    """One's profile as edited (GET /api/v1/profile): the account, the settings kept beside it, featured tags."""

    account: Any
    extras: dict[str, Any]
    featured_tags: list[featured_tags.FeaturedTag]


def _check(changes: ProfileChanges, settings) -> None:
    if changes.display_name is not None and len(changes.display_name) > settings.max_display_name_chars:
        raise Invalid(f"Validation failed: Display name is too long (maximum is {settings.max_display_name_chars} characters)")
    if changes.note is not None and len(changes.note) > settings.max_note_chars:
        raise Invalid(f"Validation failed: Note is too long (maximum is {settings.max_note_chars} characters)")
    if changes.fields is not None:
        if len(changes.fields) > settings.max_fields:
            raise Invalid(f"Validation failed: Fields is too long (maximum is {settings.max_fields} fields)")
        for name, value in changes.fields:
            if len(name) > settings.max_field_chars or len(value) > settings.max_field_chars:
                raise Invalid(f"Validation failed: Fields are too long (maximum is {settings.max_field_chars} characters)")
    if changes.privacy is not None:
        Visibility.parse(changes.privacy)
        if changes.privacy == "direct":
            raise Invalid("Validation failed: Default visibility cannot be direct")
    if changes.quote_policy is not None and changes.quote_policy not in QUOTE_POLICIES:
        raise Invalid("Validation failed: Quote policy is not included in the list")
    if changes.language is not None and len(changes.language) > 16:
        raise Invalid("Validation failed: Language is not a valid ISO 639 code")
    for name in ("avatar_description", "header_description"):
        value = getattr(changes, name)
        if value is not None and len(value) > MAX_IMAGE_DESCRIPTION:
            label = name.replace("_", " ").capitalize()
            raise Invalid(f"Validation failed: {label} is too long (maximum is {MAX_IMAGE_DESCRIPTION} characters)")


def _attribution_domains(given: list[str] | None) -> list[str] | None:
    """Blank entries dropped, the rest as comparable host names, at most ten (Mastodon's limit)."""
    if given is None:
        return None
    domains = list(dict.fromkeys(normalize_domain(d) for d in given if d.strip()))
    if len(domains) > MAX_ATTRIBUTION_DOMAINS:
        raise Invalid(f"Validation failed: Attribution domains cannot exceed {MAX_ATTRIBUTION_DOMAINS}")
    return domains


def _extras(changes: ProfileChanges) -> dict[str, Any]:
    """The account_profiles columns the changes set."""
    extras = {name: getattr(changes, name) for name in EXTRAS_DEFAULTS if name != "attribution_domains"}
    extras["attribution_domains"] = _attribution_domains(changes.attribution_domains)
    return {name: value for name, value in extras.items() if value is not None}


async def update_profile(rt: Runtime, account_id: int, changes: ProfileChanges) -> None:
    """Validate everything first, then store images and apply all changes in one transaction."""
    _check(changes, rt.settings)
    extras = _extras(changes)
    avatar = await process_in_thread(rt, changes.avatar, fit=AVATAR) if changes.avatar is not None else None
    header = await process_in_thread(rt, changes.header, fit=HEADER) if changes.header is not None else None
    values: dict = {}
    for name in ("display_name", "locked", "bot", "discoverable", "indexable", "hide_collections"):
        value = getattr(changes, name)
        if value is not None:
            values[name] = value
    old_keys = []
    async with rt.db.write() as conn:
        account = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
        if changes.note is not None:
            values["note_source"] = changes.note
            values["note"] = (await render_text(rt, conn, changes.note))[0]
        if changes.fields is not None:
            rendered = []
            for name, value in changes.fields:
                if name.strip() or value.strip():
                    html = (await render_text(rt, conn, value))[0]
                    rendered.append({"name": name, "value": html.removeprefix("<p>").removesuffix("</p>"),
                                     "source": value, "verified_at": None})
            values["fields"] = rendered
        for image, column in ((avatar, "avatar_key"), (header, "header_key")):
            if image is not None:
                key = rt.media.new_key(image.extension)
                rt.media.put(key, image.original)
                old_keys.append(getattr(account, column))
                values[column] = key
        if extras:
            await conn.execute(insert_ignore(conn, t.account_profiles, account_id=account_id, attribution_domains=[]))
            await conn.execute(update(t.account_profiles).where(t.account_profiles.c.account_id == account_id)
                               .values(**extras))
        if values or extras:
            values["updated_at"] = datetime.now(UTC)
            await conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(**values))
            await outbox.profile_updated(rt, conn, account_id)
        prefs_changes = {
            "posting:default:visibility": changes.privacy, "posting:default:sensitive": changes.sensitive,
            "posting:default:language": changes.language, "posting:default:quote_policy": changes.quote_policy}
        prefs_changes = {k: v for k, v in prefs_changes.items() if v is not None}
        if prefs_changes:
            current = await conn.scalar(select(t.users.c.preferences).where(t.users.c.id == account_id)) or {}
            await conn.execute(update(t.users).where(t.users.c.id == account_id).values(
                preferences={**current, **prefs_changes}))
    for key in old_keys:
        if key:
            rt.media.delete(key)


async def own_profile(rt: Runtime, account_id: int) -> OwnProfile:
    async with rt.db.read() as conn:
        account = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).one()
        stored = (await conn.execute(select(t.account_profiles).where(
            t.account_profiles.c.account_id == account_id))).first()
    extras = {name: getattr(stored, name) for name in EXTRAS_DEFAULTS} if stored else dict(EXTRAS_DEFAULTS)
    return OwnProfile(account, extras, await featured_tags.of_account(rt, account_id))


async def remove_image(rt: Runtime, account_id: int, which: str) -> None:
    column = {"avatar": "avatar_key", "header": "header_key"}[which]
    async with rt.db.write() as conn:
        key = await conn.scalar(select(getattr(t.accounts.c, column)).where(t.accounts.c.id == account_id))
        await conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(
            {column: None, "updated_at": datetime.now(UTC)}))
        await outbox.profile_updated(rt, conn, account_id)
    if key:
        rt.media.delete(key)


async def preferences(rt: Runtime, account_id: int) -> dict:
    async with rt.db.read() as conn:
        prefs = await conn.scalar(select(t.users.c.preferences).where(t.users.c.id == account_id)) or {}
    return {
        "posting:default:visibility": prefs.get("posting:default:visibility", "public"),
        "posting:default:sensitive": bool(prefs.get("posting:default:sensitive", False)),
        "posting:default:language": prefs.get("posting:default:language"),
        "posting:default:quote_policy": prefs.get("posting:default:quote_policy", "public"),
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }
