"""A fake remote server the tests control: real HTTP on loopback, many host names on one port.

Spark reaches the names through SPARK_FEDERATION_HOSTS (a test-only name table, like curl --resolve):
`origin.hosts_setting()` gives the value. Each name is a virtual host (`evil.test`, `victim.test`…) that
serves what the test put there: actor documents with their own RSA keys, objects, WebFinger answers, and
misbehaviour on request (404, wrong Content-Type, slow, huge, redirects). Everything received is recorded
(`hits`; inbox POSTs also in `inbox`), and `post()` delivers an activity to a Spark inbox signed with a
fake actor's key, with whatever tampering a test wants.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from spark.federation.signatures import (
    SignatureError,
    SigningKey,
    generate_key_pair,
    sign_request,
    verify_request,
)

AP_JSON = "application/activity+json"
AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = AS + "#Public"

# One key pair per process is plenty for fake actors (RSA generation is the slow part of a test).
_KEYS: list[tuple[str, str]] = []


def _key_pair(index: int) -> tuple[str, str]:
    while len(_KEYS) <= index:
        _KEYS.append(generate_key_pair())
    return _KEYS[index]


@dataclass
class Served:
    """What one URL answers: a body (JSON-encoded when not bytes) and how it misbehaves."""

    body: Any = None
    status: int = 200
    content_type: str = AP_JSON
    delay: float = 0.0  # seconds before answering
    location: str | None = None  # a redirect
    trickle: float = 0.0  # seconds between one-byte chunks of the body
    headers: dict = field(default_factory=dict)


@dataclass
class FakeActor:
    origin: FakeOrigin
    host: str  # the name, e.g. "evil.test"
    username: str
    private_pem: str
    public_pem: str
    document: dict

    @property
    def id(self) -> str:
        return self.document["id"]

    @property
    def key_id(self) -> str:
        return self.document["publicKey"]["id"]

    @property
    def acct(self) -> str:
        return f"{self.username}@{self.origin.authority(self.host)}"

    @property
    def key(self) -> SigningKey:
        return SigningKey(self.key_id, self.private_pem)

    def url(self, path: str) -> str:
        return self.origin.url(self.host, path)

    def note(self, text: str, *, number: int | None = None, **extra) -> dict:
        """A public Note by this actor (id on its host); `extra` overrides any field."""
        number = number if number is not None else self.origin.next_number()
        note = {"id": self.url(f"/users/{self.username}/statuses/{number}"), "type": "Note",
                "attributedTo": self.id, "content": f"<p>{text}</p>", "published": _now(),
                "to": [PUBLIC], "cc": [self.id + "/followers"]}
        note.update(extra)
        return note

    def activity(self, kind: str, obj: Any, *, number: int | None = None, **extra) -> dict:
        number = number if number is not None else self.origin.next_number()
        activity = {"@context": AS, "id": self.url(f"/users/{self.username}/activities/{number}"), "type": kind,
                    "actor": self.id, "object": obj}
        if isinstance(obj, dict):
            for key in ("to", "cc"):
                if key in obj:
                    activity[key] = obj[key]
        activity.update(extra)
        return activity

    def create(self, note: dict, **extra) -> dict:
        return self.activity("Create", note, **extra)


@dataclass
class Hit:
    host: str
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def verify(self, public_pem: str, url: str) -> bool:
        """Whether Spark's signature on this request verifies with `public_pem` (Spark's actor key)."""
        try:
            verify_request(self.method, url, self.headers, self.body, public_pem)
        except SignatureError:
            return False
        return True


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeOrigin:
    """Virtual hosts on one loopback port; use as a context manager (or start()/stop())."""

    def __init__(self, names: tuple[str, ...] = ("evil.test", "victim.test", "other.test"), port: int = 0):
        self.names = tuple(n.lower() for n in names)
        self.served: dict[tuple[str, str], Served] = {}
        self.hits: list[Hit] = []
        self.inbox_status = 202  # what inbox POSTs are answered with
        self.inbox_headers: dict[str, str] = {}
        self.inbox_delay = 0.0  # seconds before answering an inbox POST (a slow server)
        self.inbox_delays: dict[str, float] = {}  # the same for some hosts only (dead ones, say)
        self.most_in_flight: dict[str, int] = {}  # the most inbox POSTs each host had open at once
        self._in_flight: dict[str, int] = {}
        self._number = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", port))
        self.port = self._sock.getsockname()[1]
        app = Starlette(routes=[Route("/{path:path}", self._answer, methods=["GET", "POST", "HEAD"])])
        self._server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="error",
                                                     timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    # -- life ------------------------------------------------------------------------------------
    def start(self) -> FakeOrigin:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake origin did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def __enter__(self) -> FakeOrigin:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def hosts_setting(self) -> str:
        """The value of SPARK_FEDERATION_HOSTS that sends Spark's requests for our names here."""
        return ",".join(f"{name}=127.0.0.1" for name in self.names)

    # -- naming ----------------------------------------------------------------------------------
    def authority(self, host: str) -> str:
        return f"{host}:{self.port}"

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def next_number(self) -> int:
        with self._lock:
            self._number += 1
            return self._number

    # -- content ---------------------------------------------------------------------------------
    def serve(self, url: str, body: Any = None, **how) -> None:
        """Answer GET `url` (any of our hosts) with `body` and the misbehaviour in `how` (see Served)."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.served[(_norm(parts.hostname or ""), path)] = Served(body=body, **how)

    def actor(self, host: str, username: str, *, key_index: int = 0, webfinger: bool = True,
              **extra) -> FakeActor:
        """A Person on `host` with its own key pair, served at /users/NAME (and by WebFinger)."""
        private_pem, public_pem = _key_pair(key_index)
        actor_id = self.url(host, f"/users/{username}")
        doc = {
            "@context": [AS, "https://w3id.org/security/v1"], "id": actor_id, "type": "Person",
            "preferredUsername": username, "name": username.title(), "summary": "<p>a fake remote</p>",
            "inbox": actor_id + "/inbox", "outbox": actor_id + "/outbox", "followers": actor_id + "/followers",
            "following": actor_id + "/following", "url": self.url(host, f"/@{username}"),
            "manuallyApprovesFollowers": False, "endpoints": {"sharedInbox": self.url(host, "/inbox")},
            "publicKey": {"id": actor_id + "#main-key", "owner": actor_id, "publicKeyPem": public_pem},
        }
        doc.update(extra)
        actor = FakeActor(self, host, username, private_pem, public_pem, doc)
        self.serve(actor_id, doc)
        if webfinger:
            acct = f"acct:{username}@{self.authority(host)}"
            self.serve(self.url(host, f"/.well-known/webfinger?resource={acct}"), {
                "subject": acct, "links": [{"rel": "self", "type": AP_JSON, "href": actor_id}]},
                content_type="application/jrd+json")
        return actor

    # -- delivering to Spark ---------------------------------------------------------------------
    def post(self, inbox_url: str, activity: dict | bytes, actor: FakeActor, *, key_id: str | None = None,
             now: datetime | None = None, style: str = "cavage", tamper=None, body: bytes | None = None,
             timeout: float = 30) -> requests.Response:
        """POST `activity` to a Spark inbox signed with `actor`'s key (as `key_id`, at `now`); `tamper`
        may change the signed headers; `body` replaces the body after signing."""
        raw = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        headers = {"Content-Type": AP_JSON}
        headers.update(sign_request("POST", inbox_url, raw, SigningKey(key_id or actor.key_id, actor.private_pem),
                                    now=now, style=style))
        headers.pop("Host", None)  # requests sends the same value itself
        if tamper is not None:
            headers = tamper(headers) or headers
        return requests.post(inbox_url, data=raw if body is None else body, headers=headers, timeout=timeout)

    def received(self, host: str | None = None, path: str | None = None, method: str = "POST") -> list[Hit]:
        return [h for h in list(self.hits) if h.method == method and (host is None or h.host == host)
                and (path is None or h.path.split("?")[0] == path)]

    def fetches(self, url: str) -> int:
        """How many GETs of `url` arrived."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return sum(1 for h in list(self.hits) if h.method == "GET" and h.host == _norm(parts.hostname or "")
                   and h.path == path)

    # -- the server ------------------------------------------------------------------------------
    async def _answer(self, request: Request) -> Response:
        host = _norm((request.headers.get("host") or "").rsplit(":", 1)[0])
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        body = await request.body()
        self.hits.append(Hit(host, request.method, path, dict(request.headers), body))
        if request.method == "POST":
            delay = self.inbox_delays.get(host, self.inbox_delay)
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            self.most_in_flight[host] = max(self.most_in_flight.get(host, 0), self._in_flight[host])
            try:
                if delay:
                    await asyncio.sleep(delay)
            finally:
                self._in_flight[host] -= 1
            return Response(status_code=self.inbox_status, headers=dict(self.inbox_headers))
        served = self.served.get((host, path)) or self.served.get((host, request.url.path))
        if served is None:
            return Response(b'{"error":"Not found"}', status_code=404, media_type="application/json")
        if served.delay:
            await asyncio.sleep(served.delay)
        headers = dict(served.headers)
        if served.location is not None:
            return Response(status_code=served.status if 300 <= served.status < 400 else 302,
                            headers={"Location": served.location, **headers})
        content = served.body if isinstance(served.body, bytes) else \
            b"" if served.body is None else json.dumps(served.body).encode()
        if served.trickle:
            async def trickle():
                for byte in content:
                    yield bytes([byte])
                    await asyncio.sleep(served.trickle)
            return StreamingResponse(trickle(), status_code=served.status, media_type=served.content_type,
                                     headers=headers)
        return Response(content, status_code=served.status, media_type=served.content_type or None,
                        headers=headers)


def _norm(host: str) -> str:
    """Virtual hosts match as DNS names do: case-insensitive, a trailing dot is the same name."""
    return host.lower().rstrip(".")
