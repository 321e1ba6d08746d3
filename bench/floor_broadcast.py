"""B3's floor: the same server stack holding SSE and WebSocket connections and writing one
pre-rendered message to every one of them — no auth, no rendering, no pub/sub.

Run as: uvicorn --factory bench.floor_broadcast:create_app
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute


def create_app() -> Starlette:
    queues: set[asyncio.Queue] = set()

    async def stream(_request):
        queue: asyncio.Queue = asyncio.Queue()
        queues.add(queue)

        async def body():
            try:
                yield b":)\n"
                while True:
                    yield b"event: update\ndata: " + await queue.get() + b"\n\n"
            finally:
                queues.discard(queue)

        return StreamingResponse(body(), media_type="text/event-stream")

    async def socket(websocket):
        await websocket.accept()
        queue: asyncio.Queue = asyncio.Queue()
        queues.add(queue)
        try:
            while True:
                payload = (await queue.get()).decode()
                await websocket.send_text('{"stream":["user"],"event":"update","payload":' + _quote(payload) + "}")
        finally:
            queues.discard(queue)

    async def publish(request):
        body = await request.body()
        for queue in list(queues):
            queue.put_nowait(body)
        return PlainTextResponse(str(len(queues)))

    return Starlette(routes=[Route("/floor/stream", stream), WebSocketRoute("/floor/ws", socket),
                             Route("/floor/publish", publish, methods=["POST"])])


def _quote(text: str) -> str:
    import json

    return json.dumps(text)
