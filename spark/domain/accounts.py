"""Rules for account names, e-mail addresses and passwords."""

from __future__ import annotations

import re

from .errors import Invalid

USERNAME_RE = re.compile(r"^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$", re.IGNORECASE)
LOCAL_USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESERVED = {"admin", "administrator", "root", "support", "help", "settings", "api", "oauth", "users",
            "about", "explore", "tags", "media", "static", "inbox", "actor", "instance", "nodeinfo",
            "well-known", "webfinger", "auth", "login", "logout", "signup", "home", "notifications",
            "search", "lists", "bookmarks", "favourites", "public", "local", "federated", "web", "system"}
MIN_PASSWORD = 8
MAX_PASSWORD = 72


def validate_new_username(username: str | None) -> str:
    if not username:
        raise Invalid("Validation failed: Username can't be blank", details={"username": [
            {"error": "ERR_BLANK", "description": "can't be blank"}]})
    if not LOCAL_USERNAME_RE.match(username):
        raise Invalid("Validation failed: Username must contain only letters, numbers and underscores "
                      "(at most 30 characters)", details={"username": [
                          {"error": "ERR_INVALID", "description": "must contain only letters, numbers and underscores"}]})
    if username.lower() in RESERVED:
        raise Invalid("Validation failed: Username is reserved", details={"username": [
            {"error": "ERR_RESERVED", "description": "is reserved"}]})
    return username


def validate_email(email: str | None) -> str:
    if not email or not EMAIL_RE.match(email) or len(email) > 320:
        raise Invalid("Validation failed: Email is invalid", details={"email": [
            {"error": "ERR_INVALID", "description": "is invalid"}]})
    return email.strip().lower()


def validate_password(password: str | None) -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise Invalid(f"Validation failed: Password is too short (minimum is {MIN_PASSWORD} characters)",
                      details={"password": [{"error": "ERR_TOO_SHORT", "description": "is too short"}]})
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"Validation failed: Password is too long (maximum is {MAX_PASSWORD} characters)",
                      details={"password": [{"error": "ERR_TOO_LONG", "description": "is too long"}]})
    return password
