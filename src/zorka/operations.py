"""Continuous operations: orders placed while the fleet flies are planned, uplinked, imaged,
downlinked, processed and delivered, without stopping the clock.

:class:`ContinuousOperations` runs beside a :class:`~zorka.live.LiveOperations` (the simulated
fleet behind the console). Whenever accepted orders wait (or every ``period_s`` of simulated
time), it plans them over the next ``horizon_h`` hours, starting after everything already
committed (so that uplinked commands are never changed), turns the plan into time-tagged commands
and uplinks them through the live commanders; the spacecraft executes them on its own clock.
When an image has come down, its order goes through processing into the catalog
(:func:`zorka.loop.deliver`); an image whose downlink time passed without it fails its order,
and accepted orders whose window ended without a plan expire.

Simplifications, stated: commands go up at once over the loopback link (a real uplink waits for
a contact), and each campaign starts from empty memory and a full battery (the plan drains what
it records).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zorka.mission import Mission
from zorka.tasking.statuses import TransitionError
from zorka.time import format_utc

if TYPE_CHECKING:
    from zorka.live import LiveOperations
    from zorka.planning.plan import Plan
    from zorka.tasking import TaskingService

__all__ = ["ContinuousOperations", "Pending"]

log = logging.getLogger(__name__)

_MATCH_S = 30.0  # a simulated image belongs to the nearest planned one starting this close


@dataclass
class Pending:
    """A planned image not delivered yet: its plan acquisition, order and downlink's end."""

    satellite: str
    acquisition_id: str
    order_id: str
    start: datetime
    downlink_end: datetime | None
    matched: Any = None  # the simulator's acquisition, once taken


@dataclass
class ContinuousOperations:
    """Plans and delivers the orders of ``tasking`` on the fleet of ``live``; state in
    ``folder`` (the plan, the catalog, the products)."""

    mission: Mission
    live: LiveOperations
    tasking: TaskingService
    folder: Path
    horizon_h: float = 24.0
    lead_s: float = 120.0
    period_s: float = 1800.0
    plan_time_limit_s: float = 2.0
    publish: Callable[[str, dict[str, Any]], object] = field(default=lambda kind, data: None)
    pending: list[Pending] = field(default_factory=list)
    committed_until: datetime | None = None
    campaigns: int = 0
    delivered: int = 0
    _attitude: dict[str, tuple[float, float]] = field(default_factory=dict)
    _planned_at: datetime | None = None
    _waiting: frozenset[str] = frozenset()
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------------

    def start(self) -> ContinuousOperations:
        """Run in a background thread. Orders left ``scheduled`` by an earlier run (whose
        commands went with it) are accepted again, to be planned anew."""
        from zorka.tasking import OrderStatusCode as S

        now = self.live.now()
        known = {p.order_id for p in self.pending}
        for order in self.tasking.orders(limit=100_000):
            if order.status.code == S.scheduled and order.id not in known:
                if now is not None and order.end <= now:
                    continue  # expire() settles it
                try:
                    self.tasking.advance(
                        order.id, S.accepted, actor="planner", reason_code="replan",
                        reason_text="its commands were lost with a restart: planned again",
                        time=now,
                    )  # fmt: skip
                except TransitionError as exc:
                    log.warning("order %s: %s", order.id, exc)
        self._thread = threading.Thread(target=self._run, name="operations", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog

        catalog = SQLiteCatalog(self.folder / CATALOG_FILE)
        try:
            while not self._stop.wait(0.25):
                now = self.live.now()
                if now is None:
                    continue
                try:
                    self.step(now, catalog)
                except Exception:  # one bad step must not stop operations
                    log.exception("operations step at %s", now)
        finally:
            catalog.close()

    def step(self, now: datetime, catalog: Any) -> None:
        """One round: plan what waits, deliver what came down, expire what cannot be done."""
        from zorka.tasking import OrderStatusCode as S

        orders = self.tasking.orders(limit=100_000)  # once a round: the rest reads this list
        self.expire(now, orders)
        waiting = [o for o in orders if o.status.code == S.accepted and o.end > now]
        due = self._planned_at is None or now - self._planned_at >= timedelta(seconds=self.period_s)
        ids = frozenset(o.id for o in waiting)
        if waiting and (due or ids != self._waiting):
            # what could not be planned waits for new orders or the next period, not a round
            self._planned_at, self._waiting = now, ids
            self.plan(now, waiting)
        self.deliver(now, catalog)

    # -- planning --------------------------------------------------------------------------

    def plan(self, now: datetime, orders: list[Any]) -> Plan | None:
        """Plan ``orders`` after what is committed and uplink the commands; the plan made."""
        from zorka.control.timeline import (
            TimelineConventions,
            command_timeline,
            held_attitude,
            issue_timeline,
        )
        from zorka.planning.greedy import plan_requests
        from zorka.planning.requests import RequestSet
        from zorka.tasking import OrderStatusCode as S

        start = now + timedelta(seconds=self.lead_s)
        if self.committed_until is not None and self.committed_until > start:
            start = self.committed_until
        end = now + timedelta(hours=self.horizon_h)
        if end <= start:
            return None
        requests = RequestSet(requests=[o.to_request() for o in orders])
        plan = plan_requests(
            self.mission, requests, start, end, time_limit_s=self.plan_time_limit_s, seed=0
        )
        if not plan.acquisitions:
            return plan
        # commands run on the spacecraft's control cycle: the downlink's tail needs that long
        period = max(live.simulator.hk_period_s for live in self.live.satellites.values())
        conventions = TimelineConventions(downlink_margin_s=2.0 * period + 0.5)
        timeline = command_timeline(
            plan, self.mission, conventions=conventions, initial_attitude=self._attitude
        )
        with self.live.lock:
            for name, commands in timeline.items():
                live = self.live.satellites.get(name)
                if live is None:
                    continue
                issue_timeline(live.commander, commands, origin="operations")
        downlink_end: dict[str, datetime] = {}
        for d in plan.downlinks:
            for carried in d.acquisitions:
                downlink_end[carried] = d.end
        for a in plan.acquisitions:
            self.pending.append(
                Pending(a.satellite, a.id, a.request, a.start, downlink_end.get(a.id))
            )
            self._attitude[a.satellite] = held_attitude(a)
        ends = [a.end for a in plan.acquisitions] + [d.end for d in plan.downlinks]
        self.committed_until = max(ends) + timedelta(seconds=self.lead_s)
        for order_id in sorted({a.request for a in plan.acquisitions}):
            try:
                self.tasking.advance(
                    order_id, S.scheduled, actor="planner", reason_code="planned",
                    reason_text=f"campaign {self.campaigns + 1}, planned at {format_utc(now)}",
                    time=now,
                )  # fmt: skip
            except TransitionError:  # cancelled while it was being planned: its images go on
                log.info("order %s changed while it was planned", order_id)
        self.campaigns += 1
        self._save(plan)
        self.publish("plan", {"acquisitions": len(plan.acquisitions),
                              "downlinks": len(plan.downlinks)})  # fmt: skip
        return plan

    def _save(self, plan: Plan) -> None:
        """Merge ``plan`` into the data directory's plan (what the console's timeline shows)."""
        from zorka.loop import PLAN_FILE, write_atomically
        from zorka.planning.plan import Plan as PlanModel
        from zorka.planning.requests import RequestSet

        path = self.folder / PLAN_FILE
        try:
            old = PlanModel.read(path)
        except (OSError, ValueError):
            write_atomically(path, plan.to_json())
            return
        taken = {a.id for a in old.acquisitions} | {d.id for d in old.downlinks}
        n = self.campaigns
        while any(x.startswith(f"c{n}-") for x in taken):  # a restart counts from 0 again
            n += 1
        acquisitions = [a.model_copy(update={"id": f"c{n}-{a.id}"}) if a.id in taken else a
                        for a in plan.acquisitions]  # fmt: skip
        renamed = {a.id: b.id for a, b in zip(plan.acquisitions, acquisitions, strict=True)}
        downlinks = [
            d.model_copy(update={
                "id": f"c{n}-{d.id}" if d.id in taken else d.id,
                "acquisitions": [renamed.get(x, x) for x in d.acquisitions],
            })
            for d in plan.downlinks
        ]  # fmt: skip
        ids = {r.id for r in old.requests.requests}
        merged = old.model_copy(
            update={
                "start": min(old.start, plan.start),
                "end": max(old.end, plan.end),
                "acquisitions": [*old.acquisitions, *acquisitions],
                "downlinks": [*old.downlinks, *downlinks],
                "served": [*old.served, *plan.served],
                "requests": RequestSet(
                    description=old.requests.description,
                    quota_tolerance=old.requests.quota_tolerance,
                    customers=old.requests.customers,
                    requests=[
                        *old.requests.requests,
                        *(r for r in plan.requests.requests if r.id not in ids),
                    ],
                ),
                "objective": old.objective + plan.objective,
            }
        )
        write_atomically(path, merged.to_json())

    # -- delivering ------------------------------------------------------------------------

    def deliver(self, now: datetime, catalog: Any) -> None:
        """Deliver each order whose images are all down; fail those whose downlink passed."""
        from zorka.tasking import OrderStatusCode as S
        from zorka.tasking import UnknownOrderError

        claimed = {id(p.matched) for p in self.pending if p.matched is not None}
        for p in self.pending:
            if p.matched is not None or p.satellite not in self.live.satellites:
                continue
            model = self.live.satellites[p.satellite].simulator.model
            # the nearest image not claimed yet: on a loaded machine a command runs late
            near = [a for a in list(model.acquisitions) if id(a) not in claimed
                    and abs((a.start - p.start).total_seconds()) <= _MATCH_S]  # fmt: skip
            if near:
                p.matched = min(near, key=lambda a: abs((a.start - p.start).total_seconds()))
                claimed.add(id(p.matched))
        by_order: dict[str, list[Pending]] = {}
        for p in self.pending:
            by_order.setdefault(p.order_id, []).append(p)
        satellites = {name: live.simulator.satellite for name, live in self.live.satellites.items()}
        done: set[str] = set()
        for order_id, mine in by_order.items():
            try:
                if self.tasking.get(order_id).status.code not in (S.scheduled, S.acquired):
                    done.add(order_id)  # cancelled (or settled elsewhere): nothing to deliver
                    continue
                if self._settle(order_id, mine, now, satellites, catalog):
                    done.add(order_id)
            except (TransitionError, UnknownOrderError) as exc:
                log.warning("order %s: %s", order_id, exc)
                done.add(order_id)
        if done:
            self.pending = [p for p in self.pending if p.order_id not in done]

    def _settle(
        self,
        order_id: str,
        mine: list[Pending],
        now: datetime,
        satellites: dict[str, Any],
        catalog: Any,
    ) -> bool:
        """Deliver or fail one order when its images are down or overdue; whether it is
        settled."""
        from zorka.loop import deliver
        from zorka.tasking import OrderStatusCode as S

        taken = [p.matched for p in mine if p.matched is not None]
        down = all(p.matched is not None and p.matched.downlinked for p in mine)
        late = all(
            p.downlink_end is None or now > p.downlink_end + timedelta(seconds=60) for p in mine
        )
        if down or (late and taken):
            outcome, items = deliver(
                self.tasking, order_id, taken, satellites, self.folder, catalog
            )
            if outcome == "completed":
                self.delivered += 1
                for item in items:
                    self.publish("product", {"item": item["id"], "collection": item["collection"]})
            return True
        if late and now > max(p.start for p in mine) + timedelta(seconds=60):
            self.tasking.advance(
                order_id, S.failed, actor="simulator", reason_code="not_acquired",
                reason_text="the spacecraft took no image at the planned time", time=now,
            )  # fmt: skip
            return True
        return False

    def expire(self, now: datetime, orders: list[Any] | None = None) -> None:
        """Expire accepted orders whose window has ended, and scheduled ones with no image on
        the way (those with one are settled by it); ``orders``: the orders as just read."""
        from zorka.tasking import OrderStatusCode as S

        waiting = {p.order_id for p in self.pending}
        for order in orders if orders is not None else self.tasking.orders(limit=100_000):
            open_ = order.status.code == S.accepted or (
                order.status.code == S.scheduled and order.id not in waiting
            )
            if open_ and order.end <= now:
                self.tasking.advance(
                    order.id, S.expired, actor="tasking", reason_code="window_passed",
                    reason_text=f"not imaged in {order.datetime_interval}", time=now,
                )  # fmt: skip
