"""Move: an account moved to another server. Believed only when the new account names the old one in
its alsoKnownAs (fetched fresh from its own server); local followers then follow the new account."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from spark.adapters.db import schema as t
from spark.domain.errors import SparkError
from spark.federation import deref
from spark.federation.convert import id_of
from spark.federation.handlers.common import object_id
from spark.runtime import Runtime
from spark.services import follows

logger = logging.getLogger(__name__)


async def handle(rt: Runtime, actor, activity: dict) -> None:
    target_uri = id_of(activity.get("target"))
    if object_id(activity) != actor.uri or target_uri is None or target_uri == actor.uri:
        return  # only an account can move itself
    try:
        target = await deref.actor(rt, target_uri, refresh=True)
    except deref.NotFound as error:
        logger.info("Move of %s ignored: %s", actor.uri, error)
        return
    if actor.uri not in (target.also_known_as or []):
        logger.info("Move of %s ignored: %s does not name it in alsoKnownAs", actor.uri, target_uri)
        return
    async with rt.db.write() as conn:
        await conn.execute(update(t.accounts).where(t.accounts.c.id == actor.id).values(
            moved_to_account_id=target.id))
        local_followers = list((await conn.execute(
            select(t.follows.c.account_id).join(t.accounts, t.accounts.c.id == t.follows.c.account_id)
            .where(t.follows.c.target_account_id == actor.id, t.accounts.c.domain == ""))).scalars())
    for follower_id in local_followers:
        try:
            await follows.follow(rt, follower_id, target.id)
            await follows.unfollow(rt, follower_id, actor.id)
        except SparkError as error:  # blocked, or the new account is gone: leave this follower as is
            logger.info("Move: %s could not follow %s: %s", follower_id, target_uri, error)
