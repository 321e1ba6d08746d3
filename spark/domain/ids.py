"""Time-sortable 64-bit ids: milliseconds since the epoch << 16 | a sequence."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

_lock = threading.Lock()
_last_ms = 0
# Start each process at a random point of the sequence so that several processes
# writing in the same millisecond are unlikely to collide.
_seq = int.from_bytes(os.urandom(2), "big")


def new_id(at_ms: int | None = None) -> int:
    """A new unique id; ids made later sort after ids made earlier in this process."""
    global _last_ms, _seq
    with _lock:
        now = int(time.time() * 1000) if at_ms is None else at_ms
        if at_ms is None and now <= _last_ms:
            now = _last_ms
            _seq = (_seq + 1) & 0xFFFF
            if _seq == 0:
                now += 1
        else:
            _seq = (_seq + 1 + (os.urandom(1)[0] & 0x0F)) & 0xFFFF
        if at_ms is None:
            _last_ms = now
        return (now << 16) | _seq


def id_for_time(moment: datetime) -> int:
    """The smallest id at a moment: lets `max_id`/`since_id` compare with times."""
    return int(moment.timestamp() * 1000) << 16


def id_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp((snowflake >> 16) / 1000, tz=UTC)
