"""Changing one's password from the settings page."""

from __future__ import annotations

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from spark.adapters.db import schema as t
from spark.domain.accounts import validate_password
from spark.domain.errors import Invalid
from spark.runtime import Runtime
from spark.services.accounts import _hasher, hash_password


async def change_password(rt: Runtime, user_id: int, *, current: str, new: str) -> None:
    """Replace the password after checking the current one; raises Invalid with a form-ready message."""
    async with rt.db.read() as conn:
        stored = await conn.scalar(select(t.users.c.password_hash).where(t.users.c.id == user_id))
    try:
        _hasher.verify(stored or "", current or "")
    except (VerificationError, InvalidHashError):
        raise Invalid("The current password is not correct.") from None
    new_hash = hash_password(validate_password(new))
    async with rt.db.write() as conn:
        await conn.execute(update(t.users).where(t.users.c.id == user_id).values(password_hash=new_hash))
