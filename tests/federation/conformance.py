"""Replaying ActivityPub corpus files against a real Spark (RELIABILITY.md item 20).

Every file is re-hosted on a fake origin: each host it names becomes `<host>.fake` served by the fake
origin (namespace hosts such as www.w3.org are left alone, so `as:Public` stays what it is), and the
few URLs that stand for the receiving server's own things (a local user, a local post) are swapped for
real ones made on Spark first. Activities are POSTed to Spark's shared inbox with a valid signature of
the (re-hosted) actor, whose document the fake origin serves with a key the harness holds; bare objects
and actors are served by the fake origin and resolved through Spark's search ("served on fetch").

What happens is read back through the Mastodon API (and the fake origin's request log), and compared with
the outcome the INDEX row states, by a check per file name (PLANS, in conformance_plans.py); a file
without one is only checked for "never 5xx". Used by scripts/ap_conformance.py and by the fixture test.
"""

from __future__ import annotations

import copy
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mastodon import MastodonError

from tests.federation.fake_origin import FakeActor, FakeOrigin, _key_pair

# Hosts that name vocabularies and well-known collections, not servers: never re-hosted.
NAMESPACE_HOSTS = {"www.w3.org", "w3id.org", "joinmastodon.org", "schema.org", "ostatus.org", "misskey-hub.net",
                   "purl.archive.org", "gotosocial.org", "webfinger.net", "purl.org", "ns.mastodon.social"}
_URL = re.compile(r"(https?)://([A-Za-z0-9.-]+(?::\d{1,5})?)")
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR_TYPES = {"Person", "Service", "Application", "Group", "Organization"}


FAKE_NAMES = ("*.fake",)  # every re-hosted name: Spark reaches them all at the fake origin


def fake_name(authority: str, world: str = "") -> str:
    """The fake origin's name for a host of the corpus, in one file's own world (`f7.` …): files do not
    share remote servers, so deleting an actor in one file cannot change what another file sees."""
    return world + authority.lower().replace(":", "-") + ".fake"


def index_rows(directory: Path) -> dict[str, str]:
    """file name → the "what a conforming server does" column of INDEX.md (when there is one)."""
    index = directory / "INDEX.md"
    rows = {}
    if index.exists():
        for line in index.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 4 and cells[1].startswith("`") and cells[1].endswith(".json`"):
                rows[cells[1].strip("`")] = cells[-1]
    return rows


def id_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("id") or value.get("href")
    return value if isinstance(value, str) else None


@dataclass
class Result:
    file: str
    expected: str
    actual: str = ""
    ok: bool = False
    statuses: list[int] = field(default_factory=list)  # every HTTP status Spark answered
    crash: str | None = None

    @property
    def server_error(self) -> bool:
        return any(s >= 500 for s in self.statuses)


class Replay:
    """One Spark server and one fake origin; `run(path)` replays one file in a fresh context."""

    def __init__(self, spark, origin: FakeOrigin, *, db_query=None):
        self.spark = spark  # a tests.harness.SparkServer (or anything with .url, .register, .client)
        self.origin = origin
        self.db_query = db_query  # (sql) -> rows, when the server's database is at hand
        self._clients: dict[str, Any] = {}
        self._number = 0

    def run(self, path: Path, expected: str = "") -> Result:
        from tests.federation.conformance_plans import PLANS, generic

        result = Result(path.name, expected or "(no INDEX row)")
        ctx = Context(self, result, json.loads(path.read_text(encoding="utf-8")))
        try:
            result.actual, result.ok = PLANS.get(path.name, generic)(ctx)
        except MastodonError as error:
            code = getattr(error, "args", [None, None])[1] if len(getattr(error, "args", ())) > 1 else None
            if isinstance(code, int):
                result.statuses.append(code)
            result.crash = f"API error: {str(error)[:200]}"
        except Exception as error:  # noqa: BLE001 - reported per file; the run goes on
            result.crash = f"{type(error).__name__}: {str(error)[:300]}"
        failed_job = ctx.failed_inbox_job()
        if failed_job:
            result.crash = (result.crash or "") + f" inbox job failed: {failed_job[:200]}"
        if result.crash:
            result.ok = False
        return result

    def user(self, name: str):
        """A local user's Mastodon.py client (registered on first use)."""
        if name not in self._clients:
            _, token = self.spark.register(name)
            self._clients[name] = self.spark.client(token)
        return self._clients[name]

    def unique(self) -> int:
        self._number += 1
        return self._number


class Context:
    """What a plan works with while replaying one file."""

    def __init__(self, replay: Replay, result: Result, doc: dict):
        self.replay, self.result, self.raw = replay, result, doc
        self.spark, self.origin = replay.spark, replay.origin
        self.substitutions: dict[str, str] = {}
        self.actors: dict[str, FakeActor] = {}
        self.world = f"f{replay.unique()}."

    # -- rewriting -----------------------------------------------------------------------------------
    def local(self, original: str, replacement: str) -> None:
        """Stand a URL of the file in for one of Spark's own (a local user or post)."""
        self.substitutions[original] = replacement

    def rewrite(self, value: Any) -> Any:
        text = json.dumps(value, ensure_ascii=False)
        for original in sorted(self.substitutions, key=len, reverse=True):
            text = text.replace(json.dumps(original)[1:-1], self.substitutions[original])

        def rehost(match: re.Match) -> str:
            authority = match.group(2)
            if authority.lower().split(":")[0] in NAMESPACE_HOSTS or authority == self.spark_authority:
                return match.group(0)
            return f"http://{self.name(authority)}:{self.origin.port}"

        return json.loads(_URL.sub(rehost, text))

    def name(self, authority: str) -> str:
        return fake_name(authority, self.world)

    @property
    def spark_authority(self) -> str:
        return urlsplit(self.spark.url).netloc

    def url(self, original: str) -> str:
        return self.rewrite(original)

    # -- the fake origin ------------------------------------------------------------------------------
    def serve(self, doc: dict, at: str | None = None, **how) -> dict:
        """Serve a (rewritten) document at its id (or `at`); returns it."""
        self.origin.serve(at or doc["id"], doc, **how)
        return doc

    def actor_doc(self, doc: dict, *, key_index: int = 0, webfinger: bool = True) -> FakeActor:
        """Serve an actor document (already rewritten) with a key the harness holds, and its WebFinger."""
        doc = copy.deepcopy(doc)
        private_pem, public_pem = _key_pair(key_index)
        key = doc.get("publicKey")
        key = key[0] if isinstance(key, list) and key else key
        key = dict(key) if isinstance(key, dict) else {}
        key.setdefault("id", doc["id"] + "#main-key")
        key["owner"] = doc["id"]
        key["publicKeyPem"] = public_pem
        doc["publicKey"] = key
        parts = urlsplit(doc["id"])
        username = doc.get("preferredUsername") or "someone"
        actor = FakeActor(self.origin, parts.hostname, username, private_pem, public_pem, doc)
        self.origin.serve(doc["id"], doc)
        acct = f"acct:{username}@{parts.netloc}"
        if webfinger:
            self.origin.serve(f"http://{parts.netloc}/.well-known/webfinger?resource={acct}", {
                "subject": acct, "links": [{"rel": "self", "type": "application/activity+json", "href": doc["id"]}]},
                content_type="application/jrd+json")
        self.actors[doc["id"]] = actor
        return actor

    def synth_actor(self, actor_id: str, *, kind: str = "Person", **extra) -> FakeActor:
        """An actor the file only names (by its re-hosted id): a plain document made up for it."""
        if actor_id in self.actors:
            return self.actors[actor_id]
        path = [p for p in urlsplit(actor_id).path.split("/") if p]
        username = re.sub(r"[^\w.-]", "", (path[-1] if path else urlsplit(actor_id).hostname.split(".")[0]))
        username = username.lstrip("@") or "someone"
        doc = {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
               "id": actor_id, "type": kind, "preferredUsername": username, "name": username,
               "inbox": actor_id.rstrip("/") + "/inbox", "followers": actor_id.rstrip("/") + "/followers",
               "endpoints": {"sharedInbox": f"http://{urlsplit(actor_id).netloc}/inbox"}}
        doc.update(extra)
        return self.actor_doc(doc)

    # -- Spark ---------------------------------------------------------------------------------------
    def deliver(self, activity: dict, signer: FakeActor | None = None) -> int:
        """POST a (rewritten) activity to Spark's shared inbox, signed by its actor; the HTTP status."""
        actor_id = id_of(activity.get("actor"))
        signer = signer or self.actors.get(actor_id) or self.synth_actor(actor_id)
        response = self.origin.post(self.spark.url + "/inbox", activity, signer)
        self.result.statuses.append(response.status_code)
        self.settle()
        return response.status_code

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until Spark has run the inbox jobs (by its database when at hand, else a pause)."""
        query = self.replay.db_query
        if query is None:
            time.sleep(2.0)
            return
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not query("SELECT 1 FROM jobs WHERE kind = 'inbox' AND (attempts = 0 OR last_error IS NULL)"):
                return
            time.sleep(0.1)

    def failed_inbox_job(self) -> str | None:
        query = self.replay.db_query
        if query is None:
            return None
        rows = query("SELECT last_error FROM jobs WHERE kind = 'inbox' AND last_error IS NOT NULL")
        return rows[0][0] if rows else None

    def user(self, name: str):
        return self.replay.user(name)

    def user_uri(self, name: str) -> str:
        self.user(name)
        return f"{self.spark.url}/users/{name}"

    def local_post(self, name: str, text: str, **options) -> dict:
        return self.user(name).status_post(text, **options)

    def search(self, client, query: str, kind: str):
        try:
            found = client.search_v2(query, resolve=True, result_type=kind)[kind]
        except MastodonError as error:
            self._record_error(error)
            return None
        return found[0] if found else None

    def _record_error(self, error) -> None:
        for arg in getattr(error, "args", ()):
            if isinstance(arg, int):
                self.result.statuses.append(arg)
                return

    def status(self, uri: str, viewer: str = "observer"):
        return self.search(self.user(viewer), uri, "statuses")

    def account(self, query: str, viewer: str = "observer"):
        return self.search(self.user(viewer), query, "accounts")

    def follow(self, name: str, actor: FakeActor) -> dict:
        """Local `name` follows the fake actor (the fake origin answers the Follow with an Accept)."""
        client = self.user(name)
        account = self.account(actor.id, viewer=name)
        if account is None:
            raise RuntimeError(f"cannot resolve {actor.id}")
        client.account_follow(account["id"])
        deadline = time.time() + 15
        while time.time() < deadline:
            follows = [h.json for h in self.origin.received() if h.json and h.json.get("type") == "Follow"
                       and h.json.get("object") == actor.id and str(h.json.get("actor", "")).endswith(f"/{name}")]
            if follows:
                accept = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Accept",
                          "id": actor.id.rstrip("/") + f"#accepts/{self.replay.unique()}", "actor": actor.id,
                          "object": follows[-1]}
                self.deliver(accept, actor)
                return account
            time.sleep(0.1)
        raise RuntimeError("the Follow never reached the fake origin")


def describe_status(s: dict | None) -> str:
    if not s:
        return "no status"
    parts = [s["visibility"], f"media={len(s['media_attachments'])}", f"tags={len(s['tags'])}",
             f"mentions={len(s['mentions'])}", f"emojis={len(s['emojis'])}"]
    if s.get("poll"):
        poll = s["poll"]
        parts.append(f"poll={len(poll['options'])}{'/multiple' if poll['multiple'] else ''}"
                     f"{'/expired' if poll['expired'] else ''}{'/no-end' if not poll['expires_at'] else ''}")
    if s.get("spoiler_text"):
        parts.append("cw")
    if s.get("in_reply_to_id"):
        parts.append("reply")
    if s.get("quote"):
        parts.append("quote")
    if s.get("reblog"):
        parts.append("reblog")
    return "status " + " ".join(parts)


def describe_account(a: dict | None) -> str:
    if not a:
        return "no account"
    flags = [f for f in ("bot", "group", "locked") if a.get(f)]
    return f"account {a['acct']} name={a['display_name']!r} fields={len(a['fields'])}" + \
        (f" {'/'.join(flags)}" if flags else "")
