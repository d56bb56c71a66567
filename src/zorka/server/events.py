"""Live updates for the console: an in-memory bus of events, streamed as server-sent events.

Whatever changes the ground segment's state (the loop's progress, an order's status, telemetry
archived, an alarm, a command's stage, a product catalogued, the clock) is published as
``(kind, data)``. Each event gets a sequence number; a client of ``/console/api/events`` reads
from the number it last saw (``Last-Event-ID`` on reconnect), so that nothing is lost across a
dropped connection as long as the bus still holds it (the last ``keep`` events).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Event", "EventBus", "sse_stream"]


@dataclass(frozen=True)
class Event:
    """One change: its sequence number, kind and JSON-able data."""

    seq: int
    kind: str
    data: dict[str, Any]

    def sse(self) -> str:
        """The event in the text/event-stream format."""
        return f"id: {self.seq}\nevent: {self.kind}\ndata: {json.dumps(self.data, default=str)}\n\n"


class EventBus:
    """Thread-safe: publishers are worker threads, readers the server's event loop."""

    def __init__(self, keep: int = 2000) -> None:
        self._events: deque[Event] = deque(maxlen=keep)
        self._seq = 0
        self._lock = threading.Lock()
        self.closed = False

    @property
    def last(self) -> int:
        """The sequence number of the newest event (0 before any)."""
        return self._seq

    def publish(self, kind: str, data: dict[str, Any] | None = None) -> Event:
        """Add an event; returns it."""
        with self._lock:
            self._seq += 1
            event = Event(self._seq, kind, dict(data or {}))
            self._events.append(event)
        return event

    def since(self, seq: int) -> list[Event]:
        """The events after ``seq`` that the bus still holds, oldest first."""
        with self._lock:
            if not self._events or self._events[-1].seq <= seq:
                return []
            return [e for e in self._events if e.seq > seq]

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        self.closed = True


async def sse_stream(
    bus: EventBus,
    start: int,
    disconnected: Any,
    *,
    visible: Callable[[Event], bool] | None = None,
    alive: Callable[[], bool] | None = None,
    poll_s: float = 0.25,
    keepalive_s: float = 15.0,
    check_s: float = 5.0,
) -> AsyncIterator[str]:
    """The events after ``start`` as text/event-stream chunks until the client goes away.

    ``disconnected`` is the request's ``is_disconnected`` coroutine function; ``visible``
    picks the events this client may see; ``alive`` is asked every ``check_s`` seconds whether
    the client's session still stands (the stream ends when it does not). A comment line goes
    out every ``keepalive_s`` so that proxies keep the connection open.
    """
    seq = start
    idle = 0.0
    since_check = 0.0
    yield "retry: 2000\n\n"
    while not bus.closed:
        events = bus.since(seq)
        if events:
            seq = events[-1].seq
            idle = 0.0
            shown = [e for e in events if visible is None or visible(e)]
            if shown:
                yield "".join(e.sse() for e in shown)
            continue
        if await disconnected():
            return
        await asyncio.sleep(poll_s)
        idle += poll_s
        since_check += poll_s
        if alive is not None and since_check >= check_s:
            since_check = 0.0
            if not alive():
                return
        if idle >= keepalive_s:
            idle = 0.0
            yield ": keep-alive\n\n"
