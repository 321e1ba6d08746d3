"""Seed a Spark database for benchmarks: accounts, posts, a follow graph, home feeds and reader tokens.

Usage: python bench/seed.py DATABASE_URL [--accounts N] [--posts N] [--readers N] [--follows N]
The database must be migrated and empty. Reader i's bearer token is `bench-reader-{i}`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Row, bindparam, select

from spark.adapters.db import schema as t
from spark.adapters.db import search_index
from spark.adapters.db.database import Database
from spark.config import normalize_database_url
from spark.domain.ids import new_id
from spark.services.accounts import hash_password
from spark.services.tokens import digest

BATCH = 5_000
FEED_SIZE = 800  # entries per reader's home feed (Twitter keeps 800, Mastodon 400)


def reader_token(i: int) -> str:
    return f"bench-reader-{i}"


async def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        await conn.execute(table.insert(), rows[start:start + BATCH])


async def _insert_posts(conn, rows: list[dict]) -> None:
    """Posts, searchable as if they had been written through the API."""
    await _insert(conn, t.statuses, rows)
    await search_index.put(conn, [(row["id"], "", row["content"]) for row in rows])


async def seed(url: str, accounts: int, posts: int, readers: int, follows: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    db = Database(normalize_database_url(url))
    now = datetime.now(UTC)
    start_ms = int((now - timedelta(days=30)).timestamp() * 1000)
    span_ms = 30 * 86400 * 1000
    timings = {}
    clock = time.perf_counter()
    async with db.write() as conn:
        if await conn.scalar(select(t.accounts.c.id).limit(1)) is not None:
            raise SystemExit("the database is not empty")
        account_ids = [new_id(start_ms - 10_000_000 + i) for i in range(accounts)]
        await _insert(conn, t.accounts, [
            {"id": a, "username": f"user{i}", "domain": "", "display_name": f"User {i}", "note": "",
             "note_source": "", "fields": [], "created_at": now - timedelta(days=60)}
            for i, a in enumerate(account_ids)])
        password = hash_password("bench password")
        await _insert(conn, t.users, [
            {"id": account_ids[i], "email": f"user{i}@bench.invalid", "password_hash": password, "preferences": {}}
            for i in range(readers)])
        app_id = new_id()
        await conn.execute(t.apps.insert().values(id=app_id, name="bench", redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                                                  scopes="read", client_id="bench", client_secret="bench"))
        await _insert(conn, t.tokens, [
            {"id": new_id(), "token_hash": digest(reader_token(i)), "app_id": app_id, "user_id": account_ids[i],
             "scopes": "read write follow", "created_at": now} for i in range(readers)])
        timings["accounts"] = time.perf_counter() - clock

        # Authors by popularity: a few accounts write a lot, most write a little (Zipf-like).
        weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(accounts)))
        authors = rng.choices(range(accounts), cum_weights=weights, k=posts)
        moments = sorted(rng.randrange(span_ms) for _ in range(posts))
        post_rows, by_author = [], {}
        for n, (author, offset) in enumerate(zip(authors, moments, strict=True)):
            status_id = new_id(start_ms + offset)
            by_author.setdefault(author, []).append(status_id)
            post_rows.append({
                "id": status_id, "account_id": account_ids[author], "local": True, "visibility": 0,
                "text": f"Post number {n} from user{author}, with a few words to make it realistic.",
                "content": f"<p>Post number {n} from user{author}, with a few words to make it realistic.</p>",
                "language": "en", "created_at": datetime.fromtimestamp((start_ms + offset) / 1000, tz=UTC)})
        clock = time.perf_counter()
        await _insert_posts(conn, post_rows)
        timings["posts"] = time.perf_counter() - clock

        # Everyone follows a few accounts, readers follow `follows` (popular accounts more likely).
        clock = time.perf_counter()
        follow_rows, followed_by_reader = [], {}
        for i in range(accounts):
            count = follows if i < readers else min(30, accounts - 1)
            targets = set()
            while len(targets) < count:
                target = rng.choices(range(accounts), cum_weights=weights, k=1)[0] if rng.random() < 0.5 \
                    else rng.randrange(accounts)
                if target != i:
                    targets.add(target)
            if i < readers:
                followed_by_reader[i] = targets
            follow_rows += [{"id": new_id(), "account_id": account_ids[i], "target_account_id": account_ids[x]}
                            for x in targets]
        await _insert(conn, t.follows, follow_rows)
        timings["follows"] = time.perf_counter() - clock

        clock = time.perf_counter()
        feed_rows = []
        for i, targets in followed_by_reader.items():
            candidates = sorted((s for x in targets | {i} for s in by_author.get(x, [])), reverse=True)[:FEED_SIZE]
            feed_rows += [{"account_id": account_ids[i], "status_id": s} for s in candidates]
        await _insert(conn, t.home_feed, feed_rows)
        timings["feeds"] = time.perf_counter() - clock
    await db.dispose()
    return {"accounts": accounts, "posts": posts, "follows": len(follow_rows), "feed_rows": len(feed_rows),
            "reader_ids": [account_ids[i] for i in range(readers)], "seconds": timings}


def listener_token(i: int) -> str:
    return f"bench-listener-{i}"


AUTHOR_TOKEN = "bench-author"


async def seed_audience(url: str, listeners: int) -> dict:
    """One author and `listeners` accounts that follow them, each with a token (see listener_token)."""
    db = Database(normalize_database_url(url))
    now = datetime.now(UTC)
    async with db.write() as conn:
        if await conn.scalar(select(t.accounts.c.id).limit(1)) is not None:
            raise SystemExit("the database is not empty")
        author = new_id()
        ids = [new_id() for _ in range(listeners)]
        await _insert(conn, t.accounts, [
            {"id": a, "username": name, "domain": "", "display_name": name, "note": "", "note_source": "",
             "fields": [], "created_at": now, "followers_count": listeners if a == author else 0}
            for a, name in [(author, "author"), *((a, f"listener{i}") for i, a in enumerate(ids))]])
        password = hash_password("bench password")
        await _insert(conn, t.users, [{"id": a, "email": f"{a}@bench.invalid", "password_hash": password,
                                       "preferences": {}} for a in [author, *ids]])
        app_id = new_id()
        await conn.execute(t.apps.insert().values(id=app_id, name="bench", redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                                                  scopes="read write", client_id="bench", client_secret="bench"))
        await _insert(conn, t.tokens, [
            {"id": new_id(), "token_hash": digest(token), "app_id": app_id, "user_id": a,
             "scopes": "read write follow", "created_at": now}
            for a, token in [(author, AUTHOR_TOKEN), *((a, listener_token(i)) for i, a in enumerate(ids))]])
        await _insert(conn, t.follows, [{"id": new_id(), "account_id": a, "target_account_id": author} for a in ids])
    await db.dispose()
    return {"author_id": author, "listeners": listeners}


async def seed_remote_audience(url: str, remotes: int) -> dict:
    """One local author followed by `remotes` accounts of other servers, each with its own shared
    inbox (pointed at a sink by the benchmark, see point_inboxes)."""
    db = Database(normalize_database_url(url))
    now = datetime.now(UTC)
    async with db.write() as conn:
        if await conn.scalar(select(t.accounts.c.id).limit(1)) is not None:
            raise SystemExit("the database is not empty")
        author = new_id()
        ids = [new_id() for _ in range(remotes)]
        await _insert(conn, t.accounts, [
            {"id": author, "username": "author", "domain": "", "display_name": "author", "note": "",
             "note_source": "", "fields": [], "created_at": now, "followers_count": remotes}])
        await _insert(conn, t.accounts, [
            {"id": a, "username": f"r{i}", "domain": f"r{i}.bench.invalid", "display_name": f"r{i}", "note": "",
             "note_source": "", "fields": [], "created_at": now, "uri": f"https://r{i}.bench.invalid/users/r{i}",
             "inbox_url": f"https://r{i}.bench.invalid/inbox/{i}"} for i, a in enumerate(ids)])
        await conn.execute(t.users.insert().values(id=author, email="author@bench.invalid",
                                                   password_hash=hash_password("bench password"), preferences={}))
        app_id = new_id()
        await conn.execute(t.apps.insert().values(id=app_id, name="bench", redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                                                  scopes="read write", client_id="bench", client_secret="bench"))
        await conn.execute(t.tokens.insert().values(id=new_id(), token_hash=digest(AUTHOR_TOKEN), app_id=app_id,
                                                    user_id=author, scopes="read write follow", created_at=now))
        await _insert(conn, t.follows, [{"id": new_id(), "account_id": a, "target_account_id": author,
                                          "remote_follower": True} for a in ids])
    await db.dispose()
    return {"author_id": author, "remotes": remotes}


async def seed_remote_senders(url: str, servers: int, posts: int = 100) -> dict:
    """For inbound benchmarks: `servers` remote actors with known keys (no fetch needed), a local
    account `target` that follows them all, and `posts` public posts by `target` to like and boost."""
    from spark.federation.signatures import generate_key_pair

    db = Database(normalize_database_url(url))
    now = datetime.now(UTC)
    keys = [generate_key_pair() for _ in range(servers)]
    async with db.write() as conn:
        if await conn.scalar(select(t.accounts.c.id).limit(1)) is not None:
            raise SystemExit("the database is not empty")
        target = new_id()
        remote_ids = [new_id() for _ in range(servers)]
        await _insert(conn, t.accounts, [
            {"id": target, "username": "target", "domain": "", "display_name": "target", "note": "",
             "note_source": "", "fields": [], "created_at": now, "following_count": servers}])
        await _insert(conn, t.accounts, [
            {"id": a, "username": "a", "domain": f"s{i}.bench.invalid", "display_name": f"s{i}", "note": "",
             "note_source": "", "fields": [], "created_at": now, "uri": f"https://s{i}.bench.invalid/users/a",
             "inbox_url": "http://127.0.0.1:9/inbox", "key_id": f"https://s{i}.bench.invalid/users/a#main-key",
             "public_key_pem": keys[i][1], "fetched_at": now + timedelta(days=3650), "followers_count": 1}
            for i, a in enumerate(remote_ids)])
        await conn.execute(t.users.insert().values(id=target, email="target@bench.invalid",
                                                   password_hash=hash_password("bench password"), preferences={}))
        app_id = new_id()
        await conn.execute(t.apps.insert().values(id=app_id, name="bench", redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                                                  scopes="read write", client_id="bench", client_secret="bench"))
        await conn.execute(t.tokens.insert().values(id=new_id(), token_hash=digest(AUTHOR_TOKEN), app_id=app_id,
                                                    user_id=target, scopes="read write follow", created_at=now))
        await _insert(conn, t.follows, [{"id": new_id(), "account_id": target, "target_account_id": a}
                                        for a in remote_ids])
        post_ids = [new_id() for _ in range(posts)]
        await _insert(conn, t.statuses, [
            {"id": s, "account_id": target, "local": True, "visibility": 0, "text": f"post {n}",
             "content": f"<p>post {n}</p>", "created_at": now} for n, s in enumerate(post_ids)])
    await db.dispose()
    return {"post_ids": post_ids, "private_keys": [k[0] for k in keys]}


async def point_inboxes(url: str, base: str, number: Callable[[Row], str] = lambda row: row.username[1:], *,
                        own_hosts: bool = False) -> None:
    """Aim every remote account's inbox at `base`/inbox/N (the sink of this run), N from `number`; with
    `own_hosts`, each at its own server's name on `base`'s port (SPARK_FEDERATION_HOSTS maps the names to
    the sink), so that each is a host of its own to the sender, as separate servers are."""
    db = Database(normalize_database_url(url))
    port = base.rsplit(":", 1)[1]
    async with db.write() as conn:
        rows = (await conn.execute(select(t.accounts.c.id, t.accounts.c.username, t.accounts.c.domain).where(
            t.accounts.c.domain != ""))).all()
        await conn.execute(t.accounts.update().where(t.accounts.c.id == bindparam("account_id")).values(
            inbox_url=bindparam("inbox")), [
            {"account_id": r.id, "inbox": f"{f'http://{r.domain}:{port}' if own_hosts else base}/inbox/{number(r)}"}
            for r in rows])
        await conn.execute(t.jobs.delete())
        await conn.execute(t.federation_domains.delete())
    await db.dispose()


def returning_token(i: int) -> str:
    return f"bench-returning-{i}"


async def seed_returning(url: str, users: int, follows: int, posts_per_followee: int, other_accounts: int,
                         other_posts: int, inactive_days: int = 30, seed: int = 13) -> dict:
    """For B10: `users` returning users (token returning_token(i)), inactive for `inactive_days`, each
    following `follows` accounts (drawn from one pool of `follows` * 2 authors) who posted
    `posts_per_followee` public posts each over those days, plus `other_accounts` accounts nobody of them
    follows with `other_posts` posts. Home feeds hold what fan-out on write put there while the users were
    away: every post of the accounts they follow (Spark keeps every local feed and does not trim it)."""
    rng = random.Random(seed)
    db = Database(normalize_database_url(url))
    now = datetime.now(UTC)
    away_ms = int((now - timedelta(days=inactive_days)).timestamp() * 1000)
    span_ms = inactive_days * 86400 * 1000
    async with db.write() as conn:
        if await conn.scalar(select(t.accounts.c.id).limit(1)) is not None:
            raise SystemExit("the database is not empty")
        created = now - timedelta(days=inactive_days + 60)
        returning = [new_id(away_ms - 20_000_000 + i) for i in range(users)]
        authors = [new_id(away_ms - 10_000_000 + i) for i in range(follows * 2)]
        others = [new_id(away_ms - 5_000_000 + i) for i in range(other_accounts)]
        await _insert(conn, t.accounts, [
            {"id": a, "username": f"{kind}{i}", "domain": "", "display_name": f"{kind} {i}", "note": "",
             "note_source": "", "fields": [], "created_at": created}
            for kind, ids in (("returning", returning), ("author", authors), ("other", others))
            for i, a in enumerate(ids)])
        password = hash_password("bench password")
        await _insert(conn, t.users, [{"id": a, "email": f"returning{i}@bench.invalid", "password_hash": password,
                                       "preferences": {}} for i, a in enumerate(returning)])
        app_id = new_id()
        await conn.execute(t.apps.insert().values(id=app_id, name="bench", redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                                                  scopes="read", client_id="bench", client_secret="bench"))
        await _insert(conn, t.tokens, [
            {"id": new_id(), "token_hash": digest(returning_token(i)), "app_id": app_id, "user_id": a,
             "scopes": "read write follow", "created_at": created} for i, a in enumerate(returning)])
        post_rows, by_author = [], {}
        plan = [(a, posts_per_followee) for a in authors]
        plan += [(rng.choice(others), 1) for _ in range(other_posts)] if others else []
        n = 0
        for author, count in plan:
            for _ in range(count):
                moment = away_ms + rng.randrange(span_ms)
                status_id = new_id(moment)
                by_author.setdefault(author, []).append(status_id)
                post_rows.append({
                    "id": status_id, "account_id": author, "local": True, "visibility": 0,
                    "text": f"Post number {n} while you were away, with a few words to make it realistic.",
                    "content": f"<p>Post number {n} while you were away, with a few words to make it realistic.</p>",
                    "language": "en", "created_at": datetime.fromtimestamp(moment / 1000, tz=UTC)})
                n += 1
        await _insert_posts(conn, post_rows)
        follow_rows, feed_rows, followed = [], [], {}
        for u in returning:
            targets = rng.sample(authors, follows)
            followed[u] = targets
            follow_rows += [{"id": new_id(), "account_id": u, "target_account_id": a, "created_at": created}
                            for a in targets]
            feed_rows += [{"account_id": u, "status_id": s} for a in targets for s in by_author.get(a, [])]
        await _insert(conn, t.follows, follow_rows)
        await _insert(conn, t.home_feed, feed_rows)
    await db.dispose()
    return {"returning_ids": returning, "posts": len(post_rows), "feed_rows_per_user": len(feed_rows) // max(users, 1),
            "follows": follows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--follows", type=int, default=300)
    args = parser.parse_args()
    result = asyncio.run(seed(args.database_url, args.accounts, args.posts, args.readers, args.follows))
    print({k: v for k, v in result.items() if k != "reader_ids"})


if __name__ == "__main__":
    main()
