"""Export of one's data as the CSV files Mastodon's import accepts."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.runtime import Runtime

KINDS = ("following", "blocks", "mutes", "bookmarks")


def _acct(row, local_domain: str) -> str:
    return f"{row.username}@{row.domain or local_domain}"


async def export_csv(rt: Runtime, account_id: int, kind: str) -> str:
    """following (with Mastodon's columns), blocks, mutes (account addresses) or bookmarks (post URIs)."""
    out = io.StringIO()
    writer = csv.writer(out)
    domain = rt.settings.domain
    async with rt.db.read() as conn:
        if kind == "bookmarks":
            rows = (await conn.execute(
                select(t.statuses.c.uri, t.statuses.c.id, t.accounts.c.username)
                .join(t.bookmarks, t.bookmarks.c.status_id == t.statuses.c.id)
                .join(t.accounts, t.accounts.c.id == t.statuses.c.account_id)
                .where(t.bookmarks.c.account_id == account_id).order_by(t.bookmarks.c.id))).all()
            for row in rows:
                writer.writerow([row.uri or rt.url(f"/users/{row.username}/statuses/{row.id}")])
            return out.getvalue()
        table = {"following": t.follows, "blocks": t.blocks, "mutes": t.mutes}[kind]
        query = (select(t.accounts.c.username, t.accounts.c.domain, *([table.c.show_reblogs, table.c.notify]
                                                                       if kind == "following" else []))
                 .join(table, table.c.target_account_id == t.accounts.c.id)
                 .where(table.c.account_id == account_id).order_by(table.c.id))
        rows = (await conn.execute(query)).all()
    if kind == "following":
        writer.writerow(["Account address", "Show boosts", "Notify on new posts", "Languages"])
        for row in rows:
            writer.writerow([_acct(row, domain), str(bool(row.show_reblogs)).lower(), str(bool(row.notify)).lower(), ""])
    else:
        for row in rows:
            writer.writerow([_acct(row, domain)])
    return out.getvalue()
