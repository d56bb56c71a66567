"""The life of an order: its status codes, which may follow which, and one change of status.

::

    received ─┬─> accepted ─> scheduled ─> acquired ─> processing ─> completed
              └─> rejected       │  ^          │            │
                                 └──┘          └──── failed ┘
    cancelled: before acquisition; expired: the window passed unimaged; failed: from any open state

A scheduled order goes back to ``accepted`` when a new plan drops it (it waits for the next one).
The codes are STAPI's, plus ``acquired``, which STAPI v0.1 does not have and the operations loop
needs: the image is on board (or on the ground) but not yet a product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from zorka.time import format_utc, parse_utc

__all__ = [
    "NEXT",
    "TERMINAL",
    "OrderStatusCode",
    "StatusChange",
    "TransitionError",
    "check_transition",
]


class OrderStatusCode(StrEnum):
    """Where an order stands."""

    received = "received"
    accepted = "accepted"
    rejected = "rejected"
    scheduled = "scheduled"
    acquired = "acquired"
    processing = "processing"
    completed = "completed"
    failed = "failed"
    expired = "expired"
    cancelled = "cancelled"


S = OrderStatusCode

#: The statuses each open status may move to; the others are final.
NEXT: Mapping[OrderStatusCode, frozenset[OrderStatusCode]] = {
    S.received: frozenset({S.accepted, S.rejected, S.cancelled, S.failed}),
    S.accepted: frozenset({S.scheduled, S.expired, S.cancelled, S.failed}),
    S.scheduled: frozenset({S.acquired, S.accepted, S.expired, S.cancelled, S.failed}),
    S.acquired: frozenset({S.processing, S.failed}),
    S.processing: frozenset({S.completed, S.failed}),
}

#: Final statuses: nothing follows them.
TERMINAL = frozenset(code for code in OrderStatusCode if code not in NEXT)


class TransitionError(ValueError):
    """A change of status the life of an order does not allow (``completed`` to ``cancelled``)."""


def check_transition(current: OrderStatusCode, new: OrderStatusCode) -> None:
    """Raise :class:`TransitionError`, saying what is possible, unless ``current -> new`` is
    allowed."""
    allowed = NEXT.get(current, frozenset())
    if new in allowed:
        return
    if not allowed:
        raise TransitionError(
            f"the order is {current.value}, which is final: it cannot become {new.value}"
        )
    options = ", ".join(sorted(code.value for code in allowed))
    raise TransitionError(
        f"an order that is {current.value} cannot become {new.value}; it can become {options}"
    )


@dataclass(frozen=True)
class StatusChange:
    """One change of status: when, why, who made it, and links (the STAC item of a completed
    order)."""

    code: OrderStatusCode
    time: datetime
    actor: str
    reason_code: str | None = None
    reason_text: str | None = None
    links: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, in STAPI's names (``status_code``, ``timestamp``) plus ``actor``."""
        data: dict[str, Any] = {
            "timestamp": format_utc(self.time, digits=6),
            "status_code": self.code.value,
            "reason_code": self.reason_code,
            "reason_text": self.reason_text,
            "actor": self.actor,
            "links": [dict(link) for link in self.links],
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatusChange:
        """The inverse of :meth:`to_dict`."""
        return cls(
            code=OrderStatusCode(data["status_code"]),
            time=parse_utc(data["timestamp"], field="timestamp"),
            actor=str(data["actor"]),
            reason_code=data.get("reason_code"),
            reason_text=data.get("reason_text"),
            links=tuple(dict(link) for link in data.get("links") or ()),
        )
