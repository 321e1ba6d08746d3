"""CPython's garbage collector, paced for a server that holds many long-lived objects (`spark serve` and
`spark worker` run it).

A full collection walks every tracked object. With 10,000 open streams that is about two million, which
took a second, and the objects each delivery left behind for a moment set one off every second or two
while posts were being delivered (B3: p50 1.3 s, p99 2.2 s; a GC callback logged 0.8–1.1 s per full
collection). So:

- a young collection runs every YOUNG_THRESHOLD net allocations instead of 700: most of a request's or a
  delivery's objects are freed by reference counting before one runs, so fewer are promoted;
- whatever survived a full collection is long-lived (connections, caches, compiled statements): it is
  frozen, and the next full collections walk only what came after it;
- every THAW_SECONDS the frozen objects are thawed and collected once, so that garbage cycles among them
  (those of a connection closed since it was frozen, say) are reclaimed: one long pause every ten minutes
  instead of one a second, and memory held by such garbage for ten minutes at most.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

logger = logging.getLogger(__name__)
YOUNG_THRESHOLD = 10_000  # a young collection then takes ~5-10 ms
THAW_SECONDS = 600.0


class Collector:
    def __init__(self, *, thaw_seconds: float = THAW_SECONDS):
        self.thaw_seconds = thaw_seconds
        self._survivors = False  # a full collection ran since the last freeze

    def _noticed(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            self._survivors = True  # frozen by run(), not here: this may be any thread, mid-allocation

    async def run(self, check_seconds: float = 1.0) -> None:
        """Pace collections for as long as the process serves (cancel to stop)."""
        before = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
        gc.freeze()  # what exists at start-up (modules, routes, compiled statements) lives as long as we do
        gc.callbacks.append(self._noticed)
        thawed_at = time.monotonic()
        try:
            while True:
                await asyncio.sleep(check_seconds)
                if time.monotonic() - thawed_at >= self.thaw_seconds:
                    self.thaw()
                    thawed_at = time.monotonic()
                elif self._survivors:
                    self._survivors = False
                    gc.freeze()
        finally:
            gc.callbacks.remove(self._noticed)
            gc.set_threshold(*before)

    def thaw(self) -> int:
        """Collect everything once, frozen objects included, then freeze the survivors again."""
        started = time.perf_counter()
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        self._survivors = False
        logger.info("full garbage collection: %s objects freed in %.0f ms", collected,
                    (time.perf_counter() - started) * 1000)
        return collected
