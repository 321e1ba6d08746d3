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
from dataclasses import dataclass

import orjson
from cachetools import TTLCache
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from spark.api.auth import bearer
from spark.api.mastodon.notifications import notification_json
from spark.api.presenters import filter_result_json, status_json
from spark.api.responses import error_response
from spark.domain import scopes as scope_rules
from spark.domain.errors import NotFound
from spark.runtime import Runtime
from spark.services import events, live
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

    @property
    def label(self) -> list[str]:
        return [self.name, self.param] if self.param else [self.name]

    def wants(self, event: str) -> bool:
        if self.name == "user:notification":
            return event == "notification"
        if event in ("notification", "filters_changed"):
            return self.name == "user"
        return True


PUBLIC = {"public": ("timeline:public", False), "public:local": ("timeline:public:local", False),
          "public:remote": ("timeline:public:remote", False), "public:media": ("timeline:public", True),
          "public:local:media": ("timeline:public:local", True),
          "public:remote:media": ("timeline:public:remote", True)}


async def resolve_stream(rt: Runtime, grant: Grant | None, name: str, tag: str | None,
                         list_id: str | None) -> Stream:
    """The stream a client asked for, or StreamError saying why not."""
    user_id = grant.user_id if grant else None
    if name in PUBLIC:
        channel, _ = PUBLIC[name]
        return Stream(name, channel, "public")
    if name in ("hashtag", "hashtag:local"):
        tag = (tag or "").strip().lstrip("#").lower()
        if not tag:
            raise StreamError(400, "No tag for stream provided")
        return Stream(name, f"timeline:hashtag:{tag}" + (":local" if name == "hashtag:local" else ""), "public", tag)
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
        return Stream(name, f"timeline:list:{list_id}", "home", list_id)
    raise StreamError(400, "The direct stream is not available yet")


def _require(grant: Grant, scope: str) -> None:
    if not scope_rules.allows(grant.scopes, scope):
        raise StreamError(403, "This action is outside the authorized scopes")


# A new public post is rendered once per process for all its listeners (see live.shared_view).
_shared: TTLCache = TTLCache(maxsize=10_000, ttl=60)


async def _load_shared(rt: Runtime, status_id: int):
    view = await live.shared_view(rt, status_id)
    return (view, status_json(rt, view, None)) if view is not None else None


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
    media_only = PUBLIC.get(stream.name, (None, False))[1]
    if event == "delete":
        return "delete", str(message["status_id"])
    if event == "filters_changed":
        return "filters_changed", ""
    if event == "notification":
        item = await live.notification_for(rt, viewer_id, message["notification_id"])
        return ("notification", orjson.dumps(notification_json(rt, item, viewer_id)).decode()) if item else None
    if event == "update":
        shared = await _shared_render(rt, message["status_id"])
        if shared is not None:
            view, base = shared
            matches = rules.check(view, stream.context)
            if matches is None or (media_only and not view.media):
                return None
            return event, orjson.dumps(_for_listener(rt, view, base, viewer_id, matches)).decode()
    if event in ("update", "status.update"):
        view = await live.status_for(rt, viewer_id, rules, message["status_id"], stream.context)
        if view is None or (media_only and not (view.reblog or view).media):
            return None
        return event, orjson.dumps(status_json(rt, view, viewer_id)).decode()
    return None


class Admission:
    """Counts this process's open streams against the cap."""

    def __init__(self, limit: int):
        self.limit = limit
        self.open = 0

    @contextlib.contextmanager
    def slot(self):
        if self.open >= self.limit:
            raise StreamError(503, "Too many streaming connections; try again later")
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1


def _runtime(scope_holder) -> Runtime:
    return scope_holder.app.state.runtime


def _admission(scope_holder) -> Admission:
    state = scope_holder.app.state
    if not hasattr(state, "stream_admission"):
        state.stream_admission = Admission(state.runtime.settings.streaming_max_connections)
    return state.stream_admission


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
        slot = _admission(request).slot()
        slot.__enter__()
    except StreamError as error:
        return error_response(error.status, error.message)
    subscription = await rt.pubsub.subscription()
    channels = [stream.channel] + _control_channels(grant)
    await subscription.subscribe(channels)

    async def body():
        try:
            yield b":)\n"
            async for item in _events(rt, grant, subscription, [stream], []):
                if item is None:
                    yield b":thump\n"
                    continue
                _, event, payload = item
                yield f"event: {event}\ndata: {payload}\n\n".encode()
        finally:
            await subscription.close()
            slot.__exit__(None, None, None)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _events(rt: Runtime, grant: Grant | None, subscription, streams: list[Stream], ended: list[str]):
    """(stream, event, payload) for the connection, None as a heartbeat when idle. Ends when the token is
    revoked or the listener fell too far behind, saying which in `ended`."""
    viewer_id = grant.user_id if grant else None
    rules = await live.rules_for(rt, viewer_id)
    iterator = aiter(subscription)
    pending = None
    while True:
        if pending is None:
            pending = asyncio.ensure_future(anext(iterator, None))
        done, _ = await asyncio.wait({pending}, timeout=rt.settings.streaming_heartbeat_seconds)
        if not done:
            yield None
            continue
        item, pending = pending.result(), None
        if item is None:
            ended.append("overflow")
            return
        channel, payload = item
        message = orjson.loads(payload)
        if message.get("event") == "revoked":
            ended.append("revoked")
            return
        if message.get("event") == "rules_changed" or rules.stale:
            rules = await live.rules_for(rt, viewer_id)
        for stream in list(streams):
            if stream.channel == channel:
                rendered = await render(rt, grant, rules, stream, message)
                if rendered is not None:
                    yield (stream, *rendered)


# --- WebSocket ----------------------------------------------------------------------------------

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
        slot = _admission(websocket).slot()
        slot.__enter__()
    except StreamError as error:
        await websocket.send_denial_response(error_response(error.status, error.message))
        return
    try:
        await websocket.accept(subprotocol=protocol.strip() if protocol else None)
        await _serve_socket(rt, websocket, grant)
    finally:
        slot.__exit__(None, None, None)


async def _serve_socket(rt: Runtime, websocket: WebSocket, grant: Grant | None) -> None:
    subscription = await rt.pubsub.subscription()
    streams: list[Stream] = []
    await subscription.subscribe(_control_channels(grant))

    async def change(request: dict) -> None:
        name = str(request.get("stream") or "")
        stream = await resolve_stream(rt, grant, name, request.get("tag"),
                                      str(request["list"]) if request.get("list") is not None else None)
        if request.get("type") == "unsubscribe":
            for existing in [s for s in streams if s == stream]:
                streams.remove(existing)
            if all(s.channel != stream.channel for s in streams):
                await subscription.unsubscribe([stream.channel])
        elif stream not in streams:
            streams.append(stream)
            await subscription.subscribe([stream.channel])

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
        async for item in _events(rt, grant, subscription, streams, ended):
            if item is None:
                continue  # uvicorn pings the socket itself
            stream, event, payload = item
            await websocket.send_text(orjson.dumps({"stream": stream.label, "event": event,
                                                    "payload": payload}).decode())
        code = CLOSE_REVOKED if ended == ["revoked"] else CLOSE_SLOW_CONSUMER
        reason = "access token revoked" if code == CLOSE_REVOKED else "too far behind: events were dropped"
        await websocket.close(code=code, reason=reason)

    try:
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
    finally:
        await subscription.close()


routes = [
    Route("/api/v1/streaming/health", health),
    WebSocketRoute("/api/v1/streaming", websocket_endpoint),
    Route("/api/v1/streaming/{stream:path}", sse),
]
