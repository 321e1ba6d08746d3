"""Flag: another server reports local accounts (and their posts) to this server's moderators."""

from __future__ import annotations

from spark.federation.convert import id_of, ids_of, text_of
from spark.federation.handlers.common import local_account, local_status_id
from spark.runtime import Runtime
from spark.services import reports


async def handle(rt: Runtime, actor, activity: dict) -> None:
    named = ids_of(activity.get("object"))[:50]
    accounts = [a for a in [await local_account(rt, uri) for uri in named] if a is not None]
    if not accounts:
        return
    status_ids = [s for s in [await local_status_id(rt, uri) for uri in named] if s is not None]
    await reports.receive(rt, actor.id, accounts[0].id, status_ids, text_of(activity.get("content"), 5000),
                          id_of(activity.get("id")) or "")
