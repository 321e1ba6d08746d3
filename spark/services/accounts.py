"""Local accounts: sign-up, sign-in and look-ups."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from spark.adapters.db import schema as t
from spark.domain.accounts import validate_email, validate_new_username, validate_password
from spark.domain.errors import Forbidden, Invalid, NotFound, Unavailable
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services.views import accounts_by_id

_hasher = PasswordHasher()
# A hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    """Argon2id, with argon2-cffi's recommended parameters."""
    return _hasher.hash(password)


async def create_local_account(rt: Runtime, *, username: str, email: str, password: str,
                               admin: bool = False, locale: str = "en", reason: str | None = None,
                               approved: bool = True, confirmed: bool = True) -> int:
    """Create an account and its user; returns the account id."""
    username = validate_new_username(username)
    email = validate_email(email)
    password = validate_password(password)
    password_hash = hash_password(password)
    account_id = new_id()
    now = datetime.now(UTC)
    try:
        async with rt.db.write() as conn:
            taken = (await conn.execute(select(t.accounts.c.id).where(
                func.lower(t.accounts.c.username) == username.lower(), t.accounts.c.domain == ""))).first()
            if taken:
                raise _taken("username")
            if (await conn.execute(select(t.users.c.id).where(t.users.c.email == email))).first():
                raise _taken("email")
            await conn.execute(t.accounts.insert().values(
                id=account_id, username=username, domain="", fields=[], created_at=now, updated_at=now,
                uri=rt.url(f"/users/{username}"), url=rt.url(f"/@{username}")))
            await conn.execute(t.users.insert().values(
                id=account_id, email=email, password_hash=password_hash, admin=admin, locale=locale,
                reason=reason, approved=approved, confirmed=confirmed, preferences={}, created_at=now))
    except IntegrityError:
        raise _taken("username") from None
    return account_id


async def resend_confirmation(rt: Runtime, user_id: int, email: str | None) -> NoReturn:
    """Always refused. Mastodon mails the confirmation link again (to `email` if given); Spark has no
    mailer, so it signs everyone up confirmed. A confirmed user is refused as on Mastodon (403); an
    unconfirmed one (an operator's doing) hears that no mail can be sent (503), the address left as it
    was, since it would only change for the link to be mailed there."""
    async with rt.db.read() as conn:
        user = (await conn.execute(select(t.users.c.confirmed).where(t.users.c.id == user_id))).one()
        if user.confirmed:
            raise Forbidden("This method is only available while the e-mail is awaiting confirmation")
        if email is not None:
            email = validate_email(email)
            if await conn.scalar(select(t.users.c.id).where(t.users.c.email == email, t.users.c.id != user_id)):
                raise _taken("email")
    raise Unavailable("Confirmation e-mails cannot be sent: this server has no mailer configured")


def _taken(field: str) -> Invalid:
    label = {"username": "Username", "email": "Email"}[field]
    return Invalid(f"Validation failed: {label} has already been taken",
                   details={field: [{"error": "ERR_TAKEN", "description": "has already been taken"}]})


async def authenticate(rt: Runtime, *, login: str, password: str) -> int:
    """The user id for an e-mail (or username) and password; raises Invalid when they do not match."""
    login = (login or "").strip()
    async with rt.db.read() as conn:
        query = select(t.users.c.id, t.users.c.password_hash, t.users.c.disabled, t.users.c.approved,
                       t.accounts.c.suspended_at).join(t.accounts, t.accounts.c.id == t.users.c.id)
        if "@" in login:
            query = query.where(t.users.c.email == login.lower())
        else:
            query = query.where(func.lower(t.accounts.c.username) == login.lower(), t.accounts.c.domain == "")
        row = (await conn.execute(query)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise Invalid("Invalid email or password.") from None
    if row is None:
        raise Invalid("Invalid email or password.")
    if row.disabled or row.suspended_at is not None:
        raise Forbidden("Your login is currently disabled")
    if not row.approved:
        raise Forbidden("Your login is currently pending approval")
    return row.id


async def get_account(rt: Runtime, account_id: int | None):
    if account_id is None or account_id < 0:
        raise NotFound()
    async with rt.db.read() as conn:
        row = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
    if row is None:
        raise NotFound()
    return row


async def get_accounts(rt: Runtime, account_ids: list[int]) -> list:
    """Several accounts at once, in the order asked, once each; unknown ids are skipped."""
    async with rt.db.read() as conn:
        found = await accounts_by_id(conn, account_ids)
    return [found[i] for i in dict.fromkeys(account_ids) if i in found]


_USER = select(t.users).where(t.users.c.id == bindparam("id"))  # built once: read on every post


async def get_user(rt: Runtime, user_id: int):
    async with rt.db.read() as conn:
        return (await conn.execute(_USER, {"id": user_id})).first()


async def find_by_acct(rt: Runtime, acct: str):
    """A local or known remote account by `user` or `user@domain`."""
    acct = (acct or "").strip().lstrip("@")
    username, _, domain = acct.partition("@")
    if domain.lower() == rt.settings.domain.lower():
        domain = ""
    async with rt.db.read() as conn:
        row = (await conn.execute(select(t.accounts).where(
            func.lower(t.accounts.c.username) == username.lower(), t.accounts.c.domain == domain.lower()))).first()
    if row is None:
        raise NotFound()
    return row
