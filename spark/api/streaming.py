"""Mastodon's streaming API: Server-Sent Events at /api/v1/streaming/{stream} and one WebSocket at
/api/v1/streaming carrying several streams (docs.joinmastodon.org/methods/streaming).

Each connection holds one pub/sub subscription. Messages carry ids; they are rendered here for the
connection's user (visibility, blocks, mutes, filters), so nobody receives what they could not read.
A listener that falls too far behind is cut off, and past `streaming_max_connections` new
connections are refused, so one slow client or a crowd cannot take the process down.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from cachetools import TTLCache
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from spark.api.auth import bearer
from spark.api.mastodon.conversations import conversation_json
from spark.api.mastodon.notifications import notification_json
from spark.api.presenters import filter_result_json, status_json
from spark.api.responses import error_response
from spark.domain import scopes as scope_rules
from spark.domain.errors import NotFound
from spark.runtime import Runtime
from spark.services import conversations, events, live
from spark.services import lists as list_service
from spark.services.tokens import Grant, resolve

CLOSE_SLOW_CONSUMER = 4001  # fell more than the backlog behind
CLOSE_REVOKED = 4003  # the token was revoked, or its account barred


class StreamError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Stream:
    """One subscribed stream: Mastodon's name (and tag or list), the channel it listens on, and the
    timeline context its filters apply in."""

    name: str
    channel: str
    context: str
    param: str | None = None
    media_only: bool = False

    @property
    def label(self) -> list[str]:
        return [self.name, self.param] if self.param else [self.name]

    def wants(self, event: str) -> bool:
        if self.name == "user:notification":
            return event == "notification"
        if event in ("notification", "filters_changed"):
            return self.name == "user"
        return (event == "conversation") == (self.name == "direct")


# Public stream names: (channel, only posts with media).
PUBLIC = {"public": (events.public(), False), "public:media": (events.public(), True),
          "public:local": (events.public("local"), False), "public:local:media": (events.public("local"), True),
          "public:remote": (events.public("remote"), False), "public:remote:media": (events.public("remote"), True)}


async def resolve_stream(rt: Runtime, grant: Grant | None, name: str, tag: str | None,
                         list_id: str | None) -> Stream:
    """The stream a client asked for, or StreamError saying why not."""
    user_id = grant.user_id if grant else None
    if name in PUBLIC:
        channel, media_only = PUBLIC[name]
        return Stream(name, channel, "public", media_only=media_only)
    if name in ("hashtag", "hashtag:local"):
        tag = (tag or "").strip().lstrip("#").lower()
        if not tag:
            raise StreamError(400, "No tag for stream provided")
        return Stream(name, events.hashtag(tag, local=name == "hashtag:local"), "public", tag)
    if name not in ("user", "user:notification", "list", "direct"):
        raise StreamError(400, "Unknown stream type")
    if user_id is None:
        raise StreamError(401, "Missing access token")
    if name == "user":
        _require(grant, "read:statuses")
        return Stream(name, events.home(user_id), "home")
    if name == "user:notification":
        _require(grant, "read:notifications")
        return Stream(name, events.home(user_id), "notifications")
    if name == "list":
        _require(grant, "read:lists")
        if not (list_id or "").isdigit():
            raise StreamError(400, "No list for stream provided")
        try:
            await list_service.get(rt, user_id, int(list_id))
        except NotFound:
            raise StreamError(404, "Not authorized to stream this list") from None
        return Stream(name, events.list_timeline(list_id), "home", list_id)
    _require(grant, "read:statuses")
    return Stream(name, events.direct(user_id), "thread")


def _require(grant: Grant, scope: str) -> None:
    if not scope_rules.allows(grant.scopes, scope):
        raise StreamError(403, "This action is outside the authorized scopes")


# A new public post is rendered once per process for all its listeners (see live.shared_view).
_shared: TTLCache = TTLCache(maxsize=10_000, ttl=60)


@dataclass
class SharedPost:
    """A new public post rendered for everyone, and the texts most listeners get word for word:
    signed in or not, with no filter matched and not being its author."""

    view: Any
    base: dict
    common: dict[bool, str] = field(default_factory=dict)


async def _load_shared(rt: Runtime, status_id: int) -> SharedPost | None:
    view = await live.shared_view(rt, status_id)
    return SharedPost(view, status_json(rt, view, None)) if view is not None else None


async def _shared_render(rt: Runtime, status_id: int):
    key = (rt.settings.base_url, status_id)
    if key not in _shared:
        _shared[key] = asyncio.ensure_future(_load_shared(rt, status_id))
    try:
        return await asyncio.shield(_shared[key])
    except Exception:
        _shared.pop(key, None)  # let the next listener try again
        raise


def _for_listener(rt: Runtime, view, base: dict, viewer_id: int | None, matches: list) -> dict:
    """The shared entity with this listener's own fields: a post this new has no marks of theirs yet."""
    if viewer_id is None:
        return base
    out = {**base, "favourited": False, "reblogged": False, "muted": False, "bookmarked": False}
    if view.account.id == viewer_id:
        out["pinned"] = False
    if matches:
        out["filtered"] = filter_result_json(rt, matches)
    return out


async def render(rt: Runtime, grant: Grant | None, rules: live.Rules, stream: Stream,
                 message: dict) -> tuple[str, str] | None:
    """(event, payload) for this stream's user, or None when there is nothing for them."""
    event = message.get("event")
    if not stream.wants(event):
        return None
    viewer_id = grant.user_id if grant else None
    if event == "delete":
        return "delete", str(message["status_id"])
    if event == "filters_changed":
        return "filters_changed", ""
    if event == "conversation":
        try:
            item = await conversations.get(rt, viewer_id, message["conversation_id"])
        except NotFound:
            return None
        return "conversation", orjson.dumps(conversation_json(rt, item, viewer_id)).decode()
    if event == "notification":
        item = await live.notification_for(rt, viewer_id, message["notification_id"])
        return ("notification", orjson.dumps(notification_json(rt, item, viewer_id)).decode()) if item else None
    if event == "update":
        shared = await _shared_render(rt, message["status_id"])
        if shared is not None:
            view = shared.view
            matches = rules.check(view, stream.context)
            if matches is None or (stream.media_only and not view.media):
                return None
            if matches or view.account.id == viewer_id:
                return event, orjson.dumps(_for_listener(rt, view, shared.base, viewer_id, matches)).decode()
            signed_in = viewer_id is not None
            if signed_in not in shared.common:
                entity = _for_listener(rt, view, shared.base, viewer_id, [])
                shared.common[signed_in] = orjson.dumps(entity).decode()
            return event, shared.common[signed_in]
    if event in ("update", "status.update"):
        view = await live.status_for(rt, viewer_id, rules, message["status_id"], stream.context)
        if view is None or (stream.media_only and not (view.reblog or view).media):
            return None
        return event, orjson.dumps(status_json(rt, view, viewer_id)).decode()
    return None


class OpenStreams:
    """This process's open streams: the cap on how many, and one heartbeat timer for the SSE ones
    (WebSocket connections are pinged by the server itself)."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.subscriptions: set = set()
        self.needing_heartbeats: set = set()
        self._timer: asyncio.Task | None = None

    def admit(self) -> None:
        if len(self.subscriptions) >= self.rt.settings.streaming_max_connections:
            raise StreamError(503, "Too many streaming connections; try again later")

    async def open(self, channels: list[str], *, heartbeats: bool):
        subscription = await self.rt.pubsub.subscription()
        try:
            await subscription.subscribe(channels)
        except Exception as error:  # noqa: BLE001 - e.g. Redis unreachable: say so, hold nothing
            await subscription.close()
            raise StreamError(503, "Streaming is unavailable right now; try again later") from error
        self.subscriptions.add(subscription)
        if heartbeats:
            self.needing_heartbeats.add(subscription)
        if self._timer is None:
            self._timer = asyncio.create_task(self._beat())
        return subscription

    async def close(self, subscription) -> None:
        self.subscriptions.discard(subscription)
        self.needing_heartbeats.discard(subscription)
        await subscription.close()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.rt.settings.streaming_heartbeat_seconds)
            for subscription in list(self.needing_heartbeats):
                subscription.wake()


def _runtime(scope_holder) -> Runtime:
    return scope_holder.app.state.runtime


def _open_streams(scope_holder) -> OpenStreams:
    state = scope_holder.app.state
    if not hasattr(state, "open_streams"):
        state.open_streams = OpenStreams(state.runtime)
    return state.open_streams


async def _grant(rt: Runtime, token: str | None) -> Grant | None:
    if not token:
        return None
    grant = await resolve(rt, token)
    if grant is None:
        raise StreamError(401, "Invalid access token")
    if not (scope_rules.allows(grant.scopes, "read") or any(s.startswith("read:") for s in grant.scopes)):
        raise StreamError(403, "This action is outside the authorized scopes")
    return grant


def _control_channels(grant: Grant | None) -> list[str]:
    if grant is None:
        return []
    channels = [events.token_channel(grant.token_id)]
    return channels + ([events.account_channel(grant.user_id)] if grant.user_id else [])


# --- Server-Sent Events -------------------------------------------------------------------------

async def health(_request: Request) -> Response:
    return PlainTextResponse("OK")


async def sse(request: Request) -> Response:
    rt = _runtime(request)
    name = request.path_params["stream"].strip("/").replace("/", ":")
    try:
        grant = await _grant(rt, bearer(request))
        stream = await resolve_stream(rt, grant, name, request.query_params.get("tag"),
                                      request.query_params.get("list"))
        open_streams = _open_streams(request)
        open_streams.admit()
        subscription = await open_streams.open([stream.channel] + _control_channels(grant), heartbeats=True)
    except StreamError as error:
        return error_response(error.status, error.message)

    async def body():
        try:
            yield b":)\n"
            async for item in _events(rt, grant, Listener(subscription, [stream]), []):
                if item is None:
                    yield b":thump\n"
                    continue
                _, event, payload = item
                yield f"event: {event}\ndata: {payload}\n\n".encode()
        finally:
            await open_streams.close(subscription)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
                             background=BackgroundTask(open_streams.close, subscription))  # if never started


class Listener:
    """One connection's subscription and streams. It listens on the channels of the followed accounts
    merged at read time (events.merged_author), whose posts are not sent to each follower, only while it
    has a home ("user") stream: the one stream those posts are for."""

    def __init__(self, subscription, streams: list[Stream]):
        self.subscription = subscription
        self.streams = streams
        self.merged: dict[str, int] = {}  # channel → account
        self._accounts: dict[int, bool] = {}
        self._lock = asyncio.Lock()

    async def follow_merged(self, accounts: dict[int, bool] | None = None) -> None:
        """Listen on the merged channels that the accounts followed (when given: they change with the
        rules) and the streams (a WebSocket changes them at any time) call for, and on no others."""
        if accounts is not None:
            self._accounts = accounts
        async with self._lock:  # the socket's reader and writer may both call this
            home = any(stream.name == "user" for stream in self.streams)
            wanted = {events.merged_author(a): a for a in self._accounts} if home else {}
            added = [c for c in wanted if c not in self.merged]
            removed = [c for c in self.merged if c not in wanted]
            self.merged = wanted
            if added:
                await self.subscription.subscribe(added)
            if removed:
                await self.subscription.unsubscribe(removed)


async def _events(rt: Runtime, grant: Grant | None, listener: Listener, ended: list[str]):
    """(stream, event, payload) for the connection, None for a heartbeat (see `OpenStreams`). Ends when the
    token is revoked or the listener fell too far behind, saying which in `ended`."""
    viewer_id = grant.user_id if grant else None
    rules = await live.rules_for(rt, viewer_id)
    await listener.follow_merged(rules.merged)
    async for channel, payload in listener.subscription:
        if not channel:
            yield None
            continue
        message = orjson.loads(payload)
        if message.get("event") == "revoked":
            ended.append("revoked")
            return
        if message.get("event") == "rules_changed" or rules.stale:
            rules = await live.rules_for(rt, viewer_id)
            await listener.follow_merged(rules.merged)
        author = listener.merged.get(channel)
        if author is not None and message.get("reblog") and not rules.merged.get(author):
            continue  # a repost by an account whose reposts the listener hides
        for stream in list(listener.streams):
            if stream.channel == channel or (author is not None and stream.name == "user"):
                rendered = await render(rt, grant, rules, stream, message)
                if rendered is not None:
                    yield (stream, *rendered)
    ended.append("overflow")


# --- WebSocket ----------------------------------------------------------------------------------

_frames: TTLCache = TTLCache(maxsize=20_000, ttl=60)  # the same event on the same stream, for many sockets


def _frame(stream: Stream, event: str, payload: str) -> str:
    key = (event, payload, stream.name, stream.param)
    text = _frames.get(key)
    if text is None:
        text = _frames[key] = orjson.dumps({"stream": stream.label, "event": event, "payload": payload}).decode()
    return text


def _ws_token(websocket: WebSocket) -> str | None:
    header = websocket.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    protocol = websocket.headers.get("sec-websocket-protocol")
    return websocket.query_params.get("access_token") or (protocol.strip() if protocol else None)


async def websocket_endpoint(websocket: WebSocket) -> None:
    rt = _runtime(websocket)
    protocol = websocket.headers.get("sec-websocket-protocol")
    try:
        grant = await _grant(rt, _ws_token(websocket))
        open_streams = _open_streams(websocket)
        open_streams.admit()
    except StreamError as error:
        await websocket.send_denial_response(error_response(error.status, error.message))
        return
    await websocket.accept(subprotocol=protocol.strip() if protocol else None)
    try:
        subscription = await open_streams.open(_control_channels(grant), heartbeats=False)
    except StreamError as error:
        await websocket.close(code=1011, reason=error.message)
        return
    try:
        await _serve_socket(rt, websocket, grant, subscription)
    finally:
        await open_streams.close(subscription)


async def _serve_socket(rt: Runtime, websocket: WebSocket, grant: Grant | None, subscription) -> None:
    streams: list[Stream] = []
    listener = Listener(subscription, streams)

    async def change(request: dict) -> None:
        name = str(request.get("stream") or "")
        stream = await resolve_stream(rt, grant, name, request.get("tag"),
                                      str(request["list"]) if request.get("list") is not None else None)
        if request.get("type") == "unsubscribe":
            for existing in [s for s in streams if s == stream]:
                streams.remove(existing)
            if all(s.channel != stream.channel for s in streams):
                await subscription.unsubscribe([stream.channel])
            await listener.follow_merged()
        elif stream not in streams:
            try:
                await subscription.subscribe([stream.channel])
                streams.append(stream)
                await listener.follow_merged()
            except Exception as error:  # noqa: BLE001 - e.g. Redis unreachable
                if stream in streams:  # refused: not half subscribed either
                    streams.remove(stream)
                raise StreamError(503, "Streaming is unavailable right now; try again later") from error

    async def receive() -> None:
        while True:
            try:
                request = orjson.loads(await websocket.receive_text())
                if not isinstance(request, dict) or request.get("type") not in ("subscribe", "unsubscribe"):
                    raise StreamError(400, "Unknown message type")
                await change(request)
            except StreamError as error:
                await websocket.send_text(orjson.dumps({"error": error.message, "status": error.status}).decode())
            except orjson.JSONDecodeError:
                await websocket.send_text('{"error":"Invalid JSON","status":400}')

    async def send() -> None:
        ended: list[str] = []
        async for item in _events(rt, grant, listener, ended):
            if item is None:
                continue  # uvicorn pings the socket itself
            stream, event, payload = item
            await websocket.send_text(_frame(stream, event, payload))
        code = CLOSE_REVOKED if ended == ["revoked"] else CLOSE_SLOW_CONSUMER
        reason = "access token revoked" if code == CLOSE_REVOKED else "too far behind: events were dropped"
        await websocket.close(code=code, reason=reason)

    if websocket.query_params.get("stream"):
        try:
            await change({"type": "subscribe", **dict(websocket.query_params)})
        except StreamError as error:
            await websocket.send_text(orjson.dumps({"error": error.message, "status": error.status}).decode())
    tasks = [asyncio.create_task(receive()), asyncio.create_task(send())]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            task.result()


routes = [
    Route("/api/v1/streaming/health", health),
    WebSocketRoute("/api/v1/streaming", websocket_endpoint),
    Route("/api/v1/streaming/{stream:path}", sse),
]
