"""An order: what a customer asked for, who asked, and every change of its status since.

An accepted order becomes a planning request (:meth:`Order.to_request`) with the order's id, so
that the plan, the acquisition and the product can be traced back to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from zorka.planning.requests import Request
from zorka.tasking.payloads import parse_geometry
from zorka.tasking.products import OrderParameters
from zorka.tasking.statuses import TERMINAL, OrderStatusCode, StatusChange
from zorka.time import format_utc, parse_utc

__all__ = ["Order"]


@dataclass(frozen=True)
class Order:
    """One order and its status history (oldest first, never empty)."""

    id: str
    product_id: str
    user: str
    created: datetime
    geometry: Mapping[str, Any]
    start: datetime
    end: datetime
    parameters: OrderParameters
    statuses: Sequence[StatusChange]

    @property
    def status(self) -> StatusChange:
        """The latest change of status."""
        return self.statuses[-1]

    @property
    def is_open(self) -> bool:
        """Whether anything can still happen to it."""
        return self.status.code not in TERMINAL

    @property
    def datetime_interval(self) -> str:
        """The window as STAPI writes it, ``START/END``."""
        return f"{format_utc(self.start, digits=0)}/{format_utc(self.end, digits=0)}"

    def with_status(self, change: StatusChange) -> Order:
        """This order after ``change`` (the store checks that the change is allowed)."""
        return replace(self, statuses=(*self.statuses, change))

    def to_request(self, weight: float = 1.0) -> Request:
        """The planning request of this order: its id, customer, target, product and limits."""
        params = self.parameters
        return Request.model_validate(
            {
                "id": self.id,
                "customer": self.user,
                "geometry": dict(self.geometry),
                "product": self.product_id,
                "weight": weight,
                "earliest": self.start,
                "latest": self.end,
                "max_off_nadir_deg": params.max_off_nadir_deg,
                "min_sun_elevation_deg": params.min_sun_elevation_deg,
                "max_cloud_pct": params.max_cloud_pct,
                "accept_partial": self.geometry.get("type") != "Point",
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; :meth:`from_dict` reads it back."""
        return {
            "id": self.id,
            "product_id": self.product_id,
            "user": self.user,
            "created": format_utc(self.created, digits=6),
            "geometry": dict(self.geometry),
            "datetime": f"{format_utc(self.start, digits=6)}/{format_utc(self.end, digits=6)}",
            "order_parameters": self.parameters.model_dump(mode="json", exclude_none=True),
            "statuses": [s.to_dict() for s in self.statuses],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Order:
        """An order from :meth:`to_dict`'s form."""
        geometry, _ = parse_geometry(data["geometry"], str(data["id"]))
        first, _, second = str(data["datetime"]).partition("/")
        statuses = tuple(StatusChange.from_dict(s) for s in data["statuses"])
        if not statuses:
            raise ValueError(f"order {data['id']}: no status")
        return cls(
            id=str(data["id"]),
            product_id=str(data["product_id"]),
            user=str(data["user"]),
            created=parse_utc(data["created"], field="created"),
            geometry=geometry,
            start=parse_utc(first, field="start"),
            end=parse_utc(second, field="end"),
            parameters=OrderParameters.model_validate(data.get("order_parameters") or {}),
            statuses=statuses,
        )

    def status_of(self, code: OrderStatusCode) -> StatusChange | None:
        """The latest change to ``code``, if the order went through it."""
        for change in reversed(self.statuses):
            if change.code == code:
                return change
        return None
