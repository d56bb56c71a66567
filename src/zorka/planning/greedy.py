"""A fast constructive planner, then a large-neighbourhood search while time remains.

Construction takes opportunities by value density (value per second of imaging, slews counted
roughly) and inserts each where it fits in its satellite's timeline: no overlap, time to slew
from the image before and to the image after, memory that the downlinks can empty, and a battery
that stays above its floor. Customer quotas steer the order: while a customer's share of the
served value is more than the tolerance below its quota, its best opportunity goes first.

Downlinks are assigned after each change, first in first out: every pass over a payload
station (each antenna and each satellite used by one pass at a time) sends the oldest data on
board that fits in it.

The improver removes the images of a random stretch of one satellite's day and refills the
timeline from every opportunity in a shuffled value order; a change is kept when the plan's
value rises (quota deviations not growing).
"""

from __future__ import annotations

import bisect
import json
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import shapely

from zorka.geometry.eclipses import find_eclipses
from zorka.geometry.passes import find_passes
from zorka.geometry.targets import AreaTarget
from zorka.mission.model import Mission, SatelliteSpec
from zorka.mission.station import CAPABILITY_PAYLOAD_DOWNLINK, band_capability
from zorka.orbits.satellite import Satellite
from zorka.planning.opportunities import Look, Opportunity, OpportunitySet, find_opportunities
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

__all__ = ["plan_requests"]

#: The planner keeps more margin than the checker: coverage for a whole area, and seconds
#: between images beyond the slew.
PLANNED_FULL_COVERAGE = 0.98
SLACK_S = 0.05


@dataclass
class _Slot:
    station: str
    start_s: float
    end_s: float


@dataclass
class _Satellite:
    """One satellite's timeline and what its resources allow."""

    name: str
    spec: SatelliteSpec
    shadows: list[tuple[float, float]]
    slots: list[_Slot]
    looks: list[tuple[Look, Opportunity]] = field(default_factory=list)

    def copy(self) -> _Satellite:
        return _Satellite(self.name, self.spec, self.shadows, self.slots, list(self.looks))

    def slew_s(self, a: Look, b: Look) -> float:
        if self.spec.agility is None:
            angle = slew_angle_deg(a.roll1_deg, a.pitch1_deg, b.roll0_deg, b.pitch0_deg)
            return 0.0 if angle < 1e-6 else float("inf")
        angle = slew_angle_deg(a.roll1_deg, a.pitch1_deg, b.roll0_deg, b.pitch0_deg)
        return slew_time_s(angle, self.spec.agility)

    def fits(self, look: Look) -> list[Opportunity] | None:
        """None if the look fits the timeline; else the opportunities in its way."""
        starts = [k.start_s for k, _ in self.looks]
        i = bisect.bisect_left(starts, look.start_s)
        blockers = []
        if i > 0:
            prev, opp = self.looks[i - 1]
            if prev.end_s + self.slew_s(prev, look) + SLACK_S > look.start_s:
                blockers.append(opp)
        if i < len(self.looks):
            nxt, opp = self.looks[i]
            if look.end_s + self.slew_s(look, nxt) + SLACK_S > nxt.start_s:
                blockers.append(opp)
        return blockers or None

    def insert(self, look: Look, opp: Opportunity) -> None:
        starts = [k.start_s for k, _ in self.looks]
        self.looks.insert(bisect.bisect_left(starts, look.start_s), (look, opp))

    def remove(self, opp: Opportunity) -> None:
        self.looks = [(k, o) for k, o in self.looks if o is not opp]

    def downlinks(self) -> list[tuple[_Slot, float, float, list[int]]]:
        """FIFO assignment: ``(slot, start_s, end_s, indices of looks sent)``."""
        if self.spec.downlink is None:
            return []
        rate = self.spec.downlink.rate_mbps / 1000.0  # Gbit/s
        queue = sorted(range(len(self.looks)), key=lambda j: self.looks[j][0].end_s)
        sent: set[int] = set()
        out = []
        for slot in self.slots:
            room = (slot.end_s - slot.start_s) * rate
            chosen = []
            for j in queue:
                look, opp = self.looks[j]
                if j in sent or look.end_s > slot.start_s:
                    continue
                volume = _look_volume(look, opp)
                if volume <= room + 1e-12:
                    chosen.append(j)
                    sent.add(j)
                    room -= volume
            if chosen:
                volume = sum(_look_volume(*self.looks[j]) for j in chosen)
                out.append((slot, slot.start_s, slot.start_s + volume / rate, chosen))
        return out

    def activities(self) -> list[Activity]:
        acts = [Activity(k.start_s, k.end_s, "imaging") for k, _ in self.looks]
        for (a, _), (b, _) in zip(self.looks, self.looks[1:], strict=False):
            need = self.slew_s(a, b)
            if need > 0:
                acts.append(Activity(b.start_s - need, b.start_s, "slewing"))
        return acts

    def memory(self) -> list[tuple[float, float]]:
        adds = [(k.start_s, _look_volume(k, o)) for k, o in self.looks]
        drains = [
            (end, sum(_look_volume(*self.looks[j]) for j in js))
            for _, _, end, js in self.downlinks()
        ]
        return memory_profile(adds, drains)

    def battery(self, span_s: float) -> list[tuple[float, float]]:
        assert self.spec.power is not None
        return battery_profile(self.spec.power, span_s, self.activities(), self.shadows)

    def resources_ok(self, span_s: float) -> str | None:
        """None when memory and battery hold; else ``"memory"`` or ``"energy"``."""
        if self.spec.memory_gbit is not None:
            peak = max((v for _, v in self.memory()), default=0.0)
            if peak > self.spec.memory_gbit:
                return "memory"
        if self.spec.power is not None:
            floor = self.spec.power.min_battery_fraction * self.spec.power.battery_wh
            if min(v for _, v in self.battery(span_s)) < floor + 1e-3:
                return "energy"
        return None


def _look_volume(look: Look, opp: Opportunity) -> float:
    return opp.volume_gbit * (look.end_s - look.start_s) / opp.duration_s


def _downlink_slots(
    mission: Mission, satellites: Sequence[Satellite], start: datetime, end: datetime
) -> dict[str, list[_Slot]]:
    """Pass time over payload stations, each antenna and satellite given to one pass at once."""
    specs = {s.name: s for s in mission.satellites}
    stations = [
        s for s in mission.ground_stations() if CAPABILITY_PAYLOAD_DOWNLINK in s.capabilities
    ]
    out: dict[str, list[_Slot]] = defaultdict(list)
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
        out[p.satellite].append(_Slot(p.station, a, b))
        busy_station[p.station] = b + 1.0
        busy_sat[p.satellite] = b + 1.0
    return out


class _State:
    def __init__(self, sats: dict[str, _Satellite], span_s: float) -> None:
        self.sats = sats
        self.span_s = span_s
        self.chosen: list[Opportunity] = []

    def copy(self) -> _State:
        other = _State({n: s.copy() for n, s in self.sats.items()}, self.span_s)
        other.chosen = list(self.chosen)
        return other

    def credit(self) -> dict[str, float]:
        """The fraction of each request served (areas: union of strips)."""
        got: dict[tuple[str, int], list[Opportunity]] = defaultdict(list)
        for o in self.chosen:
            got[(o.request.id, o.occurrence)].append(o)
        requests = {o.request.id: o.request for o in self.chosen}
        out = {}
        for rid, request in requests.items():
            parts = []
            for k in range(len(request.occurrences())):
                opps = got.get((rid, k), [])
                if request.is_area:
                    frac = _union_fraction(request, opps)
                    if not request.accept_partial and frac < PLANNED_FULL_COVERAGE:
                        frac = 0.0
                    parts.append(min(frac, 1.0))
                else:
                    parts.append(1.0 if opps else 0.0)
            out[rid] = sum(parts) / len(parts)
        return out

    def value(self) -> float:
        return sum(self.request_of(rid).expected_weight * f for rid, f in self.credit().items())

    def request_of(self, rid: str) -> Request:
        return next(o.request for o in self.chosen if o.request.id == rid)

    def by_customer(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for rid, f in self.credit().items():
            r = self.request_of(rid)
            out[r.customer] += r.expected_weight * f
        return out

    def try_add(
        self, opp: Opportunity, commit: bool = True
    ) -> tuple[str, list[Opportunity]] | None:
        """Add ``opp`` if it fits (or only test it); else the reason and what is in the way."""
        sat = self.sats[opp.satellite]
        trial = sat.copy()
        for look in opp.looks:
            blockers = trial.fits(look)
            if blockers:
                return "conflict", blockers
            trial.insert(look, opp)
        why = trial.resources_ok(self.span_s)
        if why is not None:
            return why, []
        if not commit:
            return None
        self.sats[opp.satellite] = trial
        self.chosen.append(opp)
        return None

    def drop(self, opp: Opportunity) -> None:
        self.sats[opp.satellite].remove(opp)
        self.chosen = [o for o in self.chosen if o is not opp]


def _union_fraction(request: Request, opps: list[Opportunity]) -> float:
    prints = [o.local_footprint for o in opps if o.local_footprint is not None]
    target = request.target
    if not prints or not isinstance(target, AreaTarget):
        return sum(o.fraction for o in opps)
    covered = shapely.intersection(shapely.union_all(prints), target.local).area
    return float(covered) / target.area_km2


def _density(o: Opportunity) -> float:
    return o.value / (o.duration_s + 30.0 * len(o.looks))


def _construct(
    state: _State,
    order: list[Opportunity],
    requests: RequestSet,
) -> None:
    """Insert opportunities in ``order``, steered by quotas."""
    quotas = requests.quotas()
    tol = requests.quota_tolerance
    queues: dict[str, list[Opportunity]] = defaultdict(list)
    for o in order:
        queues[o.request.customer].append(o)
    heads = dict.fromkeys(queues, 0)
    done_points: set[tuple[str, int]] = {
        (o.request.id, o.occurrence) for o in state.chosen if not o.request.is_area
    }
    by_customer = state.by_customer()
    total = sum(by_customer.values())
    while True:
        live = [c for c in queues if heads[c] < len(queues[c])]
        if not live:
            break
        behind = [
            c
            for c in live
            if c in quotas and quotas[c] - (by_customer.get(c, 0.0) / total if total else 0.0) > tol
        ]
        pool = behind or live
        customer = max(pool, key=lambda c: _density(queues[c][heads[c]]))
        if behind:
            customer = max(
                behind,
                key=lambda c: quotas[c] - (by_customer.get(c, 0.0) / total if total else 0.0),
            )
        o = queues[customer][heads[customer]]
        heads[customer] += 1
        key = (o.request.id, o.occurrence)
        if key in done_points:
            continue
        if o.request.is_area and not o.request.accept_partial:
            already = [c for c in state.chosen if (c.request.id, c.occurrence) == key]
            if already and _union_fraction(o.request, already) >= PLANNED_FULL_COVERAGE:
                continue
        if state.try_add(o) is not None:
            continue
        if not o.request.is_area:
            done_points.add(key)
        by_customer = state.by_customer()
        total = sum(by_customer.values())
    # areas that need the whole of it and did not get it give their time back
    credit = state.credit()
    for o in list(state.chosen):
        if o.request.is_area and credit.get(o.request.id, 0.0) <= 0.0:
            state.drop(o)


def _quota_excess(state: _State, requests: RequestSet) -> float:
    shares = state.by_customer()
    total = sum(shares.values())
    if not total:
        return 0.0
    return sum(
        max(0.0, abs(shares.get(c, 0.0) / total - q) - requests.quota_tolerance)
        for c, q in requests.quotas().items()
    )


def plan_requests(
    mission: Mission,
    requests: RequestSet,
    start: datetime,
    end: datetime,
    *,
    satellites: Sequence[Satellite] | None = None,
    time_limit_s: float = 10.0,
    seed: int = 0,
    opportunities: OpportunitySet | None = None,
) -> Plan:
    """A plan for ``requests`` over ``[start, end]``: greedy construction, then improvement by
    large-neighbourhood search until ``time_limit_s`` (counted from the call) runs out."""
    clock = time.perf_counter()
    if satellites is None:
        satellites, _ = mission.fleet()
    specs = {s.name: s for s in mission.satellites}
    span = (end - start).total_seconds()
    if opportunities is None:
        opportunities = find_opportunities(mission, satellites, requests, start, end)
    opps = [o for o in opportunities.opportunities if o.satellite in specs]
    shadows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for e in find_eclipses(list(satellites), start, end) if satellites else []:
        shadows[e.satellite].append(
            ((e.penumbra_start - start).total_seconds(), (e.penumbra_end - start).total_seconds())
        )
    slots = _downlink_slots(mission, satellites, start, end)
    state = _State(
        {
            s.name: _Satellite(s.name, specs[s.name], shadows[s.name], slots.get(s.name, []))
            for s in satellites
            if s.name in specs
        },
        span,
    )
    order = sorted(opps, key=lambda o: (-_density(o), o.looks[0].start_s))
    _construct(state, order, requests)
    greedy_value = state.value()

    rng = random.Random(seed)
    iterations = improvements = 0
    names = [n for n, s in state.sats.items() if s.looks]
    while names and time.perf_counter() - clock < time_limit_s:
        iterations += 1
        trial = state.copy()
        name = rng.choice(names)
        looks = trial.sats[name].looks
        centre = rng.choice(looks)[0].start_s
        width = rng.uniform(60.0, 900.0)
        for opp in {id(o): o for k, o in looks if abs(k.start_s - centre) < width}.values():
            trial.drop(opp)
        shuffled = sorted(opps, key=lambda o: -_density(o) * rng.uniform(0.7, 1.3))
        _construct(trial, shuffled, requests)
        better = trial.value() > state.value() + 1e-9
        if better and _quota_excess(trial, requests) <= _quota_excess(state, requests) + 1e-9:
            state = trial
            improvements += 1
            names = [n for n, s in state.sats.items() if s.looks]
    return _to_plan(
        mission,
        requests,
        start,
        end,
        state,
        opportunities,
        SolverStatistics(
            solver="greedy+lns",
            seconds=time.perf_counter() - clock,
            opportunities=len(opps),
            iterations=iterations,
            improvements=improvements,
            greedy_objective=round(greedy_value, 6),
        ),
    )


def _upper_bound(opportunities: OpportunitySet, requests: RequestSet) -> float:
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
                frac = min(1.0, _union_fraction(r, mine)) if mine else 0.0
                parts.append(frac if r.accept_partial else (1.0 if frac >= FULL_COVERAGE else 0.0))
            else:
                parts.append(1.0 if mine else 0.0)
        bound += r.expected_weight * sum(parts) / len(parts)
    return bound


def _to_plan(
    mission: Mission,
    requests: RequestSet,
    start: datetime,
    end: datetime,
    state: _State,
    opportunities: OpportunitySet,
    statistics: SolverStatistics,
) -> Plan:
    def at(seconds: float) -> datetime:
        return start + timedelta(microseconds=round(seconds * 1e6))

    acquisitions: list[Acquisition] = []
    downlinks: list[Downlink] = []
    profiles: list[SatelliteProfile] = []
    for name, sat in state.sats.items():
        ids: list[str] = []
        for look, opp in sat.looks:
            aid = f"a{len(acquisitions) + 1}"
            ids.append(aid)
            t0, t1 = at(look.start_s), at(look.end_s)
            duration = (t1 - t0).total_seconds()
            assert sat.spec.sensor is not None
            rate = sat.spec.sensor.imaging_rate_mbps * PRODUCT_RATE_FRACTION[opp.request.product]
            acquisitions.append(
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
        by_index = {j: acquisitions[-len(sat.looks) + j] for j in range(len(sat.looks))}
        for slot, s0, s1, chosen in sat.downlinks():
            sent = [by_index[j] for j in chosen]
            downlinks.append(
                Downlink(
                    id=f"d{len(downlinks) + 1}",
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
            [Sample(time=at(t), value=round(v, 4)) for t, v in sat.battery(state.span_s)]
            if sat.spec.power is not None
            else []
        )
        profiles.append(SatelliteProfile(satellite=name, memory_gbit=memory, battery_wh=battery))

    credit = state.credit()
    served = [
        Served(
            request=rid,
            customer=state.request_of(rid).customer,
            fraction=round(min(1.0, f), 6),
            value=round(state.request_of(rid).expected_weight * f, 6),
        )
        for rid, f in credit.items()
        if f > 0
    ]
    weights = {r.id: r.expected_weight for r in requests.requests}
    unserved: list[Unserved] = []
    for r in requests.requests:
        if credit.get(r.id, 0.0) > 0:
            continue
        if r.id in opportunities.reasons:
            unserved.append(
                Unserved(
                    request=r.id,
                    customer=r.customer,
                    reason="no_access",
                    detail=opportunities.reasons[r.id],
                )
            )
            continue
        # why now: each opportunity tried against the final plan
        tried = [
            found
            for o in opportunities.opportunities
            if o.request is r and (found := state.try_add(o, commit=False)) is not None
        ]
        if not tried:
            unserved.append(
                Unserved(
                    request=r.id,
                    customer=r.customer,
                    reason="conflict",
                    detail="its strips do not cover the whole area together, and it does not"
                    " accept partial coverage",
                )
            )
            continue
        kinds = {k for k, _ in tried}
        if "memory" in kinds:
            reason, detail = "memory", "the memory would overflow before a downlink empties it"
        elif "energy" in kinds:
            reason, detail = "energy", "the battery would fall below its floor"
        else:
            blockers = sorted({o.request.id for _, bs in tried for o in bs} - {r.id})
            higher = all(weights.get(b, 0.0) >= r.expected_weight for b in blockers)
            reason = "lower_value" if blockers and higher else "conflict"
            detail = (
                f"its opportunities clash with {', '.join(blockers[:5])}"
                + (" (worth more)" if reason == "lower_value" else "")
                if blockers
                else "no opportunity could be completed"
            )
        unserved.append(Unserved(request=r.id, customer=r.customer, reason=reason, detail=detail))
    values = {s.request: s.value for s in served}
    total = sum(values.values())
    customers = []
    names = [c.name for c in requests.customers] + sorted(
        {r.customer for r in requests.requests} - {c.name for c in requests.customers}
    )
    quotas = requests.quotas()
    for c in names:
        mine = [r for r in requests.requests if r.customer == c]
        value = sum(values.get(r.id, 0.0) for r in mine)
        customers.append(
            CustomerShare(
                customer=c,
                quota=quotas.get(c),
                demand=round(sum(r.expected_weight for r in mine), 6),
                value=round(value, 6),
                share=round(value / total, 6) if total else 0.0,
                requests=len(mine),
                served=sum(1 for r in mine if r.id in values),
            )
        )
    return Plan(
        mission=mission.name,
        start=start,
        end=end,
        objective=round(total, 6),
        upper_bound=round(_upper_bound(opportunities, requests), 6),
        acquisitions=sorted(acquisitions, key=lambda a: (a.start, a.satellite)),
        downlinks=sorted(downlinks, key=lambda d: (d.start, d.satellite)),
        profiles=profiles,
        served=served,
        unserved=unserved,
        customers=customers,
        statistics=statistics,
        requests=requests,
    )
