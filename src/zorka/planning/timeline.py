"""The fleet's timelines while a plan is being built: who images what, when, and what that costs.

Every planner (:mod:`zorka.planning.greedy`, :mod:`zorka.planning.cpsat_plan`,
:mod:`zorka.planning.replan`) fills a :class:`PlanState` and turns it into a
:class:`~zorka.planning.plan.Plan` with :func:`build_plan`.

Checks are incremental, so that inserting an image costs little more than finding its place:

- the timeline: a bisection among the images already there, and the slew from the one before and
  to the one after;
- the battery: adding ``E`` watt-hours of extra drain lowers the battery by at most ``E`` at any
  later time (charging is capped at full, which only ever narrows a difference), so while the
  lowest level of the current profile stays ``E`` above the floor nothing is recomputed;
- the memory: it can never hold more than everything imaged; only when that exceeds the
  capacity is the day replayed (first in first out through the downlink passes) from the first
  pass the new image could change.

Downlinks go first in first out: every pass over a payload station (each antenna and each
satellite given to one pass at a time) sends the oldest data on board that fits in it.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import shapely

from zorka.geometry.eclipses import find_eclipses
from zorka.geometry.passes import find_passes
from zorka.geometry.targets import AreaTarget
from zorka.mission.model import Mission, SatelliteSpec
from zorka.mission.station import CAPABILITY_PAYLOAD_DOWNLINK, band_capability
from zorka.orbits.satellite import Satellite
from zorka.planning.opportunities import Look, Opportunity, OpportunitySet
from zorka.planning.plan import (
    Acquisition,
    CustomerShare,
    Downlink,
    Plan,
    Sample,
    SatelliteProfile,
    Served,
    SolverStatistics,
    Unserved,
)
from zorka.planning.requests import FULL_COVERAGE, PRODUCT_RATE_FRACTION, Request, RequestSet
from zorka.planning.resources import (
    Activity,
    battery_profile,
    memory_profile,
    slew_angle_deg,
    slew_time_s,
)

__all__ = [
    "PLANNED_FULL_COVERAGE",
    "SLACK_S",
    "DownlinkSlot",
    "PlanState",
    "SatelliteTimeline",
    "build_plan",
    "downlink_slots",
    "new_state",
    "union_fraction",
    "upper_bound",
]

#: The planner keeps more margin than the checker: coverage for a whole area, and seconds
#: between images beyond the slew.
PLANNED_FULL_COVERAGE = 0.98
SLACK_S = 0.05
#: Battery margin kept above the floor, watt-hours.
BATTERY_MARGIN_WH = 1e-3


@dataclass(frozen=True)
class DownlinkSlot:
    """Pass time over a payload station given to one satellite, seconds from the plan start."""

    station: str
    start_s: float
    end_s: float


@dataclass
class _Entry:
    look: Look
    opp: Opportunity
    volume_gbit: float


@dataclass
class SatelliteTimeline:
    """One satellite's images in time order, and what its memory and battery allow."""

    name: str
    spec: SatelliteSpec
    shadows: list[tuple[float, float]]
    slots: list[DownlinkSlot]
    span_s: float
    entries: list[_Entry] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    imaged_gbit: float = 0.0
    #: lowest battery level of the current timeline, None when not known
    battery_low_wh: float | None = None

    def copy(self) -> SatelliteTimeline:
        return SatelliteTimeline(
            self.name,
            self.spec,
            self.shadows,
            self.slots,
            self.span_s,
            list(self.entries),
            list(self.starts),
            self.imaged_gbit,
            self.battery_low_wh,
        )

    @property
    def looks(self) -> list[tuple[Look, Opportunity]]:
        """The images, in time order."""
        return [(e.look, e.opp) for e in self.entries]

    def slew_s(self, a: Look, b: Look) -> float:
        """Time to turn from the end of ``a`` to the start of ``b``, settling included."""
        angle = slew_angle_deg(a.roll1_deg, a.pitch1_deg, b.roll0_deg, b.pitch0_deg)
        if self.spec.agility is None:
            return 0.0 if angle < 1e-6 else float("inf")
        return slew_time_s(angle, self.spec.agility)

    def blockers(self, look: Look) -> list[Opportunity]:
        """The images in the way of ``look`` (empty when it fits the timeline)."""
        i = bisect.bisect_left(self.starts, look.start_s)
        out = []
        if i > 0:
            prev = self.entries[i - 1]
            if prev.look.end_s + self.slew_s(prev.look, look) + SLACK_S > look.start_s:
                out.append(prev.opp)
        if i < len(self.entries):
            nxt = self.entries[i]
            if look.end_s + self.slew_s(look, nxt.look) + SLACK_S > nxt.look.start_s:
                out.append(nxt.opp)
        return out

    def _extra_wh(self, look: Look) -> float:
        """At most this much more energy is drawn once ``look`` is in (slews both sides)."""
        power = self.spec.power
        if power is None:
            return 0.0
        i = bisect.bisect_left(self.starts, look.start_s)
        slews = 0.0
        if i > 0:
            slews += self.slew_s(self.entries[i - 1].look, look)
        if i < len(self.entries):
            slews += self.slew_s(look, self.entries[i].look)
        imaging = look.end_s - look.start_s
        return (
            max(0.0, power.imaging_w - power.idle_w) * imaging
            + max(0.0, power.slew_w - power.idle_w) * slews
        ) / 3600.0

    def insert(self, look: Look, opp: Opportunity) -> None:
        i = bisect.bisect_left(self.starts, look.start_s)
        volume = _look_volume(look, opp)
        self.entries.insert(i, _Entry(look, opp, volume))
        self.starts.insert(i, look.start_s)
        self.imaged_gbit += volume

    def remove(self, opp: Opportunity) -> None:
        keep = [e for e in self.entries if e.opp is not opp]
        if len(keep) == len(self.entries):
            return
        self.entries = keep
        self.starts = [e.look.start_s for e in keep]
        self.imaged_gbit = sum(e.volume_gbit for e in keep)
        # the slew that now bridges the gap is not covered by the bound above: recompute later
        self.battery_low_wh = None

    def add(self, opp: Opportunity) -> str | list[Opportunity] | None:
        """Insert ``opp`` if it fits: None; else what is in the way, or ``"memory"`` or
        ``"energy"`` (the timeline is then unchanged)."""
        placed: list[Look] = []
        extra_wh = 0.0
        for look in opp.looks:
            found = self.blockers(look)
            if found:
                for done in placed:
                    self._pop(done)
                return found
            extra_wh += self._extra_wh(look)
            self.insert(look, opp)
            placed.append(look)
        why = self._resources_ok(extra_wh)
        if why is not None:
            for done in placed:
                self._pop(done)
            return why
        return None

    def _pop(self, look: Look) -> None:
        i = bisect.bisect_left(self.starts, look.start_s)
        while self.entries[i].look is not look:
            i += 1
        entry = self.entries.pop(i)
        self.starts.pop(i)
        self.imaged_gbit -= entry.volume_gbit

    def _resources_ok(self, extra_wh: float) -> str | None:
        memory = self.spec.memory_gbit
        # memory never holds more than everything imaged: replay the day only beyond that
        if memory is not None and self.imaged_gbit > memory and self.memory_peak() > memory:
            return "memory"
        power = self.spec.power
        if power is not None:
            floor = power.min_battery_fraction * power.battery_wh + BATTERY_MARGIN_WH
            low = self.battery_low_wh
            if low is not None and low - extra_wh >= floor:
                self.battery_low_wh = low - extra_wh
            else:
                low = min(v for _, v in self.battery())
                if low < floor:
                    return "energy"
                self.battery_low_wh = low
        return None

    def downlinks(self) -> list[tuple[DownlinkSlot, float, float, list[int]]]:
        """First in first out: ``(slot, start_s, end_s, indices of the images sent)``."""
        if self.spec.downlink is None:
            return []
        rate = self.spec.downlink.rate_mbps / 1000.0  # Gbit/s
        order = sorted(range(len(self.entries)), key=lambda j: self.entries[j].look.end_s)
        pending: list[int] = []
        nxt = 0
        out = []
        for slot in self.slots:
            while nxt < len(order) and self.entries[order[nxt]].look.end_s <= slot.start_s:
                pending.append(order[nxt])
                nxt += 1
            if not pending:
                continue
            room = (slot.end_s - slot.start_s) * rate
            chosen, kept = [], []
            for j in pending:
                volume = self.entries[j].volume_gbit
                if volume <= room + 1e-12:
                    chosen.append(j)
                    room -= volume
                else:
                    kept.append(j)
            pending = kept
            if chosen:
                volume = sum(self.entries[j].volume_gbit for j in chosen)
                out.append((slot, slot.start_s, slot.start_s + volume / rate, chosen))
        return out

    def memory(self) -> list[tuple[float, float]]:
        """Data on board (Gbit) after every change."""
        adds = [(e.look.start_s, e.volume_gbit) for e in self.entries]
        drains = [
            (end, sum(self.entries[j].volume_gbit for j in js))
            for _, _, end, js in self.downlinks()
        ]
        return memory_profile(adds, drains)

    def memory_peak(self) -> float:
        return max((v for _, v in self.memory()), default=0.0)

    def activities(self) -> list[Activity]:
        acts = [Activity(e.look.start_s, e.look.end_s, "imaging") for e in self.entries]
        for a, b in zip(self.entries, self.entries[1:], strict=False):
            need = self.slew_s(a.look, b.look)
            if need > 0:
                acts.append(Activity(b.look.start_s - need, b.look.start_s, "slewing"))
        return acts

    def battery(self) -> list[tuple[float, float]]:
        """Energy (Wh) at every change of load or light."""
        assert self.spec.power is not None
        return battery_profile(self.spec.power, self.span_s, self.activities(), self.shadows)


def _look_volume(look: Look, opp: Opportunity) -> float:
    return opp.volume_gbit * (look.end_s - look.start_s) / opp.duration_s


def union_fraction(request: Request, opps: Sequence[Opportunity]) -> float:
    """The part of an area the strips of ``opps`` cover together (the sum without footprints)."""
    prints = [o.local_footprint for o in opps if o.local_footprint is not None]
    target = request.target
    if not prints or not isinstance(target, AreaTarget):
        return sum(o.fraction for o in opps)
    covered = shapely.intersection(shapely.union_all(prints), target.local).area
    return float(covered) / target.area_km2


class PlanState:
    """The timelines of the fleet and the value they earn, kept up to date at every change."""

    def __init__(self, sats: dict[str, SatelliteTimeline], span_s: float) -> None:
        self.sats = sats
        self.span_s = span_s
        self.got: dict[tuple[str, int], list[Opportunity]] = {}
        self.credits: dict[str, float] = {}
        self.requests: dict[str, Request] = {}
        self.shares: dict[str, float] = defaultdict(float)
        self.total = 0.0
        #: opportunities that stay whatever happens (replanning: the part before the freeze)
        self.frozen: set[int] = set()

    def copy(self) -> PlanState:
        other = PlanState({n: s.copy() for n, s in self.sats.items()}, self.span_s)
        other.got = {k: list(v) for k, v in self.got.items()}
        other.credits = dict(self.credits)
        other.requests = dict(self.requests)
        other.shares = defaultdict(float, self.shares)
        other.total = self.total
        other.frozen = self.frozen
        return other

    @property
    def chosen(self) -> list[Opportunity]:
        """Every opportunity in the plan."""
        return [o for opps in self.got.values() for o in opps]

    def is_done(self, opp: Opportunity) -> bool:
        """True when ``opp``'s period needs nothing more (a point imaged, an area covered)."""
        have = self.got.get((opp.request.id, opp.occurrence))
        if not have:
            return False
        if not opp.request.is_area:
            return True
        if opp.request.accept_partial:
            return False
        return union_fraction(opp.request, have) >= PLANNED_FULL_COVERAGE

    def _recredit(self, request: Request) -> None:
        parts = []
        for k in range(len(request.occurrences())):
            opps = self.got.get((request.id, k), [])
            if request.is_area:
                frac = union_fraction(request, opps) if opps else 0.0
                if not request.accept_partial and frac < PLANNED_FULL_COVERAGE:
                    frac = 0.0
                parts.append(min(frac, 1.0))
            else:
                parts.append(1.0 if opps else 0.0)
        credit = sum(parts) / len(parts)
        old = self.credits.get(request.id, 0.0)
        delta = request.expected_weight * (credit - old)
        self.shares[request.customer] += delta
        self.total += delta
        if credit > 0:
            self.credits[request.id] = credit
            self.requests[request.id] = request
        else:
            self.credits.pop(request.id, None)

    def value(self) -> float:
        """The value of the plan."""
        return self.total

    def try_add(
        self, opp: Opportunity, commit: bool = True
    ) -> tuple[str, list[Opportunity]] | None:
        """Add ``opp`` if it fits (or only test it); else the reason and what is in the way."""
        sat = self.sats[opp.satellite]
        found = sat.add(opp)
        if isinstance(found, list):
            return "conflict", found
        if isinstance(found, str):
            return found, []
        if not commit:
            for look in opp.looks:
                sat._pop(look)
            return None
        self.got.setdefault((opp.request.id, opp.occurrence), []).append(opp)
        self._recredit(opp.request)
        return None

    def drop(self, opp: Opportunity) -> None:
        self.sats[opp.satellite].remove(opp)
        key = (opp.request.id, opp.occurrence)
        have = [o for o in self.got.get(key, []) if o is not opp]
        if have:
            self.got[key] = have
        else:
            self.got.pop(key, None)
        self._recredit(opp.request)

    def quota_excess(self, requests: RequestSet) -> float:
        """How far the customers' shares are outside their quota tolerances, summed."""
        if self.total <= 0:
            return 0.0
        return sum(
            max(0.0, abs(self.shares.get(c, 0.0) / self.total - q) - requests.quota_tolerance)
            for c, q in requests.quotas().items()
        )


def downlink_slots(
    mission: Mission, satellites: Sequence[Satellite], start: datetime, end: datetime
) -> dict[str, list[DownlinkSlot]]:
    """Pass time over payload stations, each antenna and satellite given to one pass at once."""
    specs = {s.name: s for s in mission.satellites}
    stations = [
        s for s in mission.ground_stations() if CAPABILITY_PAYLOAD_DOWNLINK in s.capabilities
    ]
    out: dict[str, list[DownlinkSlot]] = defaultdict(list)
    talkers = [s for s in satellites if s.name in specs and specs[s.name].downlink is not None]
    if not stations or not talkers:
        return out
    report = find_passes(talkers, stations, start, end)
    busy_station: dict[str, float] = defaultdict(lambda: -1e18)
    busy_sat: dict[str, float] = defaultdict(lambda: -1e18)
    by_name = {s.name: s for s in stations}
    for p in sorted(report.passes, key=lambda p: p.aos):
        downlink = specs[p.satellite].downlink
        assert downlink is not None
        bands = {c for c in by_name[p.station].capabilities if c.startswith("band:")}
        if bands and band_capability(downlink.band) not in bands:
            continue
        a = max((p.aos - start).total_seconds(), busy_station[p.station], busy_sat[p.satellite])
        b = (p.los - start).total_seconds()
        # a margin at both ends keeps the checker's own pass search inside
        a, b = a + 1.0, b - 1.0
        if b - a < 10.0:
            continue
        out[p.satellite].append(DownlinkSlot(p.station, a, b))
        busy_station[p.station] = b + 1.0
        busy_sat[p.satellite] = b + 1.0
    return out


def new_state(
    mission: Mission, satellites: Sequence[Satellite], start: datetime, end: datetime
) -> PlanState:
    """Empty timelines for the fleet over ``[start, end]``: eclipses and downlink passes found."""
    specs = {s.name: s for s in mission.satellites}
    span = (end - start).total_seconds()
    shadows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for e in find_eclipses(list(satellites), start, end) if satellites else []:
        shadows[e.satellite].append(
            ((e.penumbra_start - start).total_seconds(), (e.penumbra_end - start).total_seconds())
        )
    slots = downlink_slots(mission, satellites, start, end)
    return PlanState(
        {
            s.name: SatelliteTimeline(
                s.name, specs[s.name], shadows[s.name], slots.get(s.name, []), span
            )
            for s in satellites
            if s.name in specs
        },
        span,
    )


def upper_bound(opportunities: OpportunitySet, requests: RequestSet) -> float:
    """No plan earns more than every request served as far as its opportunities allow."""
    by_request: dict[str, list[Opportunity]] = defaultdict(list)
    for o in opportunities.opportunities:
        by_request[o.request.id].append(o)
    bound = 0.0
    for r in requests.requests:
        opps = by_request.get(r.id, [])
        if not opps:
            continue
        parts = []
        for k in range(len(r.occurrences())):
            mine = [o for o in opps if o.occurrence == k]
            if r.is_area:
                frac = min(1.0, union_fraction(r, mine)) if mine else 0.0
                parts.append(frac if r.accept_partial else (1.0 if frac >= FULL_COVERAGE else 0.0))
            else:
                parts.append(1.0 if mine else 0.0)
        bound += r.expected_weight * sum(parts) / len(parts)
    return bound


def _unserved_reason(
    state: PlanState, opportunities: OpportunitySet, r: Request, weights: dict[str, float]
) -> Unserved:
    if r.id in opportunities.reasons:
        return Unserved(
            request=r.id,
            customer=r.customer,
            reason="no_access",
            detail=opportunities.reasons[r.id],
        )
    # why now: each opportunity tried against the final plan
    tried = [
        found
        for o in opportunities.opportunities
        if o.request is r and (found := state.try_add(o, commit=False)) is not None
    ]
    fits = len(tried) < sum(1 for o in opportunities.opportunities if o.request is r) and (
        not r.is_area or r.accept_partial
    )
    if not tried:
        return Unserved(
            request=r.id,
            customer=r.customer,
            reason="conflict" if r.is_area else "lower_value",
            detail="its strips do not cover the whole area together, and it does not accept"
            " partial coverage"
            if r.is_area
            else "it fits, but was left out for others",
            fits=fits,
        )
    kinds = {k for k, _ in tried}
    if "memory" in kinds:
        return Unserved(
            request=r.id,
            customer=r.customer,
            reason="memory",
            detail="the memory would overflow before a downlink empties it",
        )
    if "energy" in kinds:
        return Unserved(
            request=r.id,
            customer=r.customer,
            reason="energy",
            detail="the battery would fall below its floor",
        )
    blockers = sorted({o.request.id for _, bs in tried for o in bs} - {r.id})
    higher = all(weights.get(b, 0.0) >= r.expected_weight for b in blockers)
    reason = "lower_value" if blockers and higher else "conflict"
    detail = (
        f"its opportunities clash with {', '.join(blockers[:5])}"
        + (" (worth more)" if reason == "lower_value" else "")
        if blockers
        else "no opportunity could be completed"
    )
    return Unserved(request=r.id, customer=r.customer, reason=reason, detail=detail, fits=fits)


def build_plan(
    mission: Mission,
    requests: RequestSet,
    start: datetime,
    end: datetime,
    state: PlanState,
    opportunities: OpportunitySet,
    statistics: SolverStatistics,
    *,
    bound: float | None = None,
    keep_ids: dict[tuple[str, str, datetime], str] | None = None,
) -> Plan:
    """The plan of ``state``: acquisitions, FIFO downlinks, profiles, served and left out.

    ``bound`` is the solver's upper bound (default: every request served as far as its
    opportunities allow); ``keep_ids`` names acquisitions by ``(satellite, request, start)``
    (replanning keeps the ids of the frozen part).
    """

    def at(seconds: float) -> datetime:
        return start + timedelta(microseconds=round(seconds * 1e6))

    keep_ids = keep_ids or {}
    taken = set(keep_ids.values())
    counter = 0

    def fresh(prefix: str) -> str:
        nonlocal counter
        while True:
            counter += 1
            name = f"{prefix}{counter}"
            if name not in taken:
                taken.add(name)
                return name

    acquisitions: list[Acquisition] = []
    downlinks: list[Downlink] = []
    profiles: list[SatelliteProfile] = []
    for name, sat in state.sats.items():
        mine: list[Acquisition] = []
        for e in sat.entries:
            look, opp = e.look, e.opp
            t0, t1 = at(look.start_s), at(look.end_s)
            duration = (t1 - t0).total_seconds()
            assert sat.spec.sensor is not None
            rate = sat.spec.sensor.imaging_rate_mbps * PRODUCT_RATE_FRACTION[opp.request.product]
            aid = keep_ids.get((name, opp.request.id, t0)) or fresh("a")
            mine.append(
                Acquisition(
                    id=aid,
                    satellite=name,
                    request=opp.request.id,
                    kind="strip" if opp.kind == "strip" else "point",
                    start=t0,
                    end=t1,
                    roll_deg=round(look.roll0_deg, 6),
                    pitch_deg=round(look.pitch0_deg, 6),
                    end_roll_deg=round(look.roll1_deg, 6),
                    end_pitch_deg=round(look.pitch1_deg, 6),
                    volume_gbit=rate * duration / 1000.0,
                    occurrence=opp.occurrence,
                    look=1 if len(opp.looks) == 2 and look is opp.looks[1] else 0,
                    covered_km2=opp.covered_km2,
                    strip=json.loads(json.dumps(opp.strip)) if opp.strip else None,
                )
            )
        acquisitions.extend(mine)
        for slot, s0, s1, chosen in sat.downlinks():
            sent = [mine[j] for j in chosen]
            downlinks.append(
                Downlink(
                    id="pending",
                    satellite=name,
                    station=slot.station,
                    start=at(s0),
                    end=at(s1),
                    volume_gbit=sum(a.volume_gbit for a in sent),
                    acquisitions=[a.id for a in sent],
                )
            )
        memory = [Sample(time=at(t), value=round(v, 6)) for t, v in sat.memory()] or [
            Sample(time=start, value=0.0)
        ]
        battery = (
            [Sample(time=at(t), value=round(v, 4)) for t, v in sat.battery()]
            if sat.spec.power is not None
            else []
        )
        profiles.append(SatelliteProfile(satellite=name, memory_gbit=memory, battery_wh=battery))
    downlinks.sort(key=lambda d: (d.start, d.satellite))
    counter = 0
    for d in downlinks:
        d.id = fresh("d")

    served = [
        Served(
            request=rid,
            customer=state.requests[rid].customer,
            fraction=round(min(1.0, f), 6),
            value=round(state.requests[rid].expected_weight * f, 6),
        )
        for rid, f in state.credits.items()
        if f > 0
    ]
    weights = {r.id: r.expected_weight for r in requests.requests}
    unserved = [
        _unserved_reason(state, opportunities, r, weights)
        for r in requests.requests
        if state.credits.get(r.id, 0.0) <= 0
    ]
    return Plan(
        mission=mission.name,
        start=start,
        end=end,
        objective=round(sum(s.value for s in served), 6),
        upper_bound=round(bound if bound is not None else upper_bound(opportunities, requests), 6),
        acquisitions=sorted(acquisitions, key=lambda a: (a.start, a.satellite)),
        downlinks=downlinks,
        profiles=profiles,
        served=served,
        unserved=unserved,
        customers=customer_shares(requests, served),
        statistics=statistics,
        requests=requests,
    )


def customer_shares(requests: RequestSet, served: Iterable[Served]) -> list[CustomerShare]:
    """What each customer asked for and got, against its quota."""
    values = {s.request: s.value for s in served}
    total = sum(values.values())
    names = [c.name for c in requests.customers] + sorted(
        {r.customer for r in requests.requests} - {c.name for c in requests.customers}
    )
    quotas = requests.quotas()
    tol = requests.quota_tolerance
    out = []
    for c in names:
        mine = [r for r in requests.requests if r.customer == c]
        value = sum(values.get(r.id, 0.0) for r in mine)
        demand = sum(r.expected_weight for r in mine)
        quota = quotas.get(c)
        share = value / total if total else 0.0
        within = allows = None
        if quota is not None:
            within = total <= 0 or abs(share - quota) <= tol + 1e-9
            # all of its demand served, the others' value as it is
            best = total - value + demand
            allows = best > 0 and demand / best >= quota - tol - 1e-9
        out.append(
            CustomerShare(
                customer=c,
                quota=quota,
                demand=round(demand, 6),
                value=round(value, 6),
                share=round(share, 6),
                requests=len(mine),
                served=sum(1 for r in mine if r.id in values),
                within_tolerance=within,
                demand_allows=allows,
            )
        )
    return out
