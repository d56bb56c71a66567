"""The tasking service: products, opportunity searches and orders over one mission and one store.

The web API (:mod:`zorka.server.tasking_api`) is a thin layer over it, and the planner and the
processing chain move orders along with :meth:`TaskingService.advance`. Every change records who
made it (a user name, or a component such as ``planner``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zorka.mission import Mission
from zorka.tasking.opportunities import OpportunityReport, find_opportunities, first_opportunity
from zorka.tasking.orders import Order
from zorka.tasking.payloads import OpportunitySearch, OrderSpec
from zorka.tasking.products import ImagingProduct, fleet_products
from zorka.tasking.statuses import OrderStatusCode, StatusChange, check_transition
from zorka.tasking.store import ORDERS_FILE, OrderStore, SQLiteOrderStore
from zorka.time import format_utc

__all__ = ["TaskingService", "UnknownProductError"]

S = OrderStatusCode


class UnknownProductError(KeyError):
    """No product has this id."""


def _now() -> datetime:
    return datetime.now(UTC)


class TaskingService:
    """Products of a mission's fleet, opportunity searches, and orders kept in a store."""

    def __init__(
        self,
        mission: Mission,
        store: OrderStore,
        *,
        clock: Callable[[], datetime] = _now,
        on_change: Callable[[Order], object] | None = None,
    ) -> None:
        self.mission = mission
        self.store = store
        self.clock = clock
        #: called with the order after each of its status changes (the console's live feed)
        self.on_change = on_change
        satellites, self.fleet_errors = mission.fleet()
        self.products: dict[str, ImagingProduct] = {
            p.id: p for p in fleet_products(mission, satellites)
        }

    @classmethod
    def open(cls, mission: Mission, directory: str | Path | None = None) -> TaskingService:
        """The service with its orders in ``directory`` (default: the data directory)."""
        from zorka.datadir import data_dir

        return cls(mission, SQLiteOrderStore(data_dir(directory) / ORDERS_FILE))

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def product(self, product_id: str) -> ImagingProduct:
        """The product with this id; :class:`UnknownProductError` naming the known ones."""
        try:
            return self.products[product_id]
        except KeyError:
            known = ", ".join(self.products) or "none"
            raise UnknownProductError(
                f"no product {product_id!r}; the products are {known}"
            ) from None

    def search(self, product_id: str, search: OpportunitySearch) -> OpportunityReport:
        """The opportunities of a search, filtered by its CQL2 filter, at most its limit."""
        report = find_opportunities(self.product(product_id), search.spec)
        if search.filter is not None:
            from cql2 import Expr

            expr = Expr(search.filter)
            report.opportunities = [o for o in report.opportunities if expr.matches(o.to_feature())]
            if not report.opportunities and report.reason is None:
                report.reason = "no opportunity matches the filter"
        report.opportunities = report.opportunities[: search.limit]
        return report

    def place(self, product_id: str, spec: OrderSpec, user: str) -> Order:
        """Take an order: ``received``, then at once ``accepted`` if the fleet can image the
        target in its window, else ``rejected`` with the reason."""
        product = self.product(product_id)
        now = self.clock()
        received = StatusChange(S.received, now, user, reason_text=f"placed by {user}")
        order = Order(
            id=str(uuid.uuid4()),
            product_id=product.id,
            user=user,
            created=now,
            geometry=spec.geometry,
            start=spec.start,
            end=spec.end,
            parameters=spec.parameters,
            statuses=(received,),
        )
        self.store.add(order)
        if spec.end <= now:
            return self.advance(
                order.id,
                S.rejected,
                actor="tasking",
                reason_code="window_passed",
                reason_text=f"the window {order.datetime_interval} has already passed",
            )
        found = first_opportunity(product, spec)
        if not found.opportunities:
            return self.advance(
                order.id,
                S.rejected,
                actor="tasking",
                reason_code="no_access",
                reason_text=f"no opportunity in {order.datetime_interval}: {found.reason}",
            )
        first = found.opportunities[0]
        return self.advance(
            order.id,
            S.accepted,
            actor="tasking",
            reason_code="access",
            reason_text=f"first opportunity: {first.satellite} at"
            f" {format_utc(first.start, digits=0)}",
        )

    def get(self, order_id: str) -> Order:
        """The order with this id (:class:`~zorka.tasking.store.UnknownOrderError` if none)."""
        return self.store.get(order_id)

    def orders(
        self, *, user: str | None = None, limit: int = 10, after: str | None = None
    ) -> list[Order]:
        """Orders in the order they were placed (``user``'s only, if given)."""
        return self.store.list(user=user, limit=limit, after=after)

    def advance(
        self,
        order_id: str,
        code: OrderStatusCode,
        *,
        actor: str,
        reason_text: str | None = None,
        reason_code: str | None = None,
        links: Sequence[Mapping[str, Any]] = (),
        time: datetime | None = None,
    ) -> Order:
        """Move an order to ``code`` (checked against its life, see
        :mod:`~zorka.tasking.statuses`). A ``completed`` order needs a link to its STAC item
        (``rel`` ``item``)."""
        if code == S.completed and not any(link.get("rel") == "item" for link in links):
            # a change that is wrong anyway says so first
            check_transition(self.store.get(order_id).status.code, code)
            raise ValueError("a completed order needs a link with rel 'item' to its STAC item")
        change = StatusChange(
            code, time or self.clock(), actor, reason_code, reason_text, tuple(links)
        )
        order = self.store.append_status(order_id, change)
        if self.on_change is not None:
            self.on_change(order)
        return order

    def cancel(self, order_id: str, actor: str, reason: str | None = None) -> Order:
        """Cancel an order that has not been acquired yet."""
        return self.advance(
            order_id,
            S.cancelled,
            actor=actor,
            reason_code="cancelled",
            reason_text=reason or f"cancelled by {actor}",
        )

    def expire(self, now: datetime | None = None, actor: str = "tasking") -> list[Order]:
        """Expire every accepted or scheduled order whose window ended before ``now``."""
        now = now or self.clock()
        expired: list[Order] = []
        after: str | None = None
        while page := self.store.list(limit=500, after=after):
            for order in page:
                if order.status.code in (S.accepted, S.scheduled) and order.end <= now:
                    expired.append(
                        self.advance(
                            order.id,
                            S.expired,
                            actor=actor,
                            reason_code="window_passed",
                            reason_text=f"not imaged in {order.datetime_interval}",
                            time=now,
                        )
                    )
            after = page[-1].id
        return expired
