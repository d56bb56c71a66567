"""The exact planning model on OR-Tools CP-SAT: optimal plans, or a bound to measure heuristics by.

One Boolean per opportunity (a point dwell, a stereo pair, an area strip), over the same
opportunities and timelines the constructive planner uses (:mod:`zorka.planning.timeline`):

- **one image per period**: at most one opportunity per period of a point request (a stereo pair
  is one opportunity); an area earns the part its strips cover, counted as the sum of their
  parts (an overestimate where strips overlap, so the bound stays a bound), all of it or
  nothing when it does not accept partial coverage;
- **one image at a time, with time to turn**: a clause for every two images of one satellite
  closer than the slew between them (rest-to-rest with the satellite's rate and acceleration,
  plus settling). Pairs suffice: turning through a third image never takes less time, because the
  slew time is subadditive in the angle and angles obey the triangle inequality. With
  ``compact=True`` the same clashes are stated as cliques pass by pass
  (:func:`zorka.planning.conflicts.clique_cover`): a tighter linear relaxation, but on a day
  of thousands of opportunities no better bound within minutes on few cores, so pairs stay the
  default;
- **memory**: a reservoir per satellite, filled by each image when it starts and emptied by its
  downlink passes, each carrying at most its length times the downlink rate of data taken
  before it starts. Data is treated as a fluid that any pass may split, which only relaxes the
  first-in-first-out downlinks of the written plan;
- **battery**: in each eclipse the extra power of imaging must fit in what the battery holds above
  its floor beyond the idle drain (charged full at best when the eclipse begins): a relaxation;
- **quotas** (``quotas=True``): each customer's share of the served value stays within the
  tolerance of its quota where the demand allows it (a customer whose reachable demand is below
  its lower limit has no lower limit; one that the others' demand cannot balance has no upper
  limit). Off by default: the constructive planner only steers by quotas, and the bound must
  hold for its plans too.

The solution is then put into the timelines image by image with every exact check (first in
first out downlinks, the battery profile); anything the relaxations let through that does not fit
is left out, and the gaps are filled greedily. The written plan is therefore always valid, and
CP-SAT's bound is a bound on every valid plan. :func:`plan_requests_cpsat` writes the lower of
it and :func:`zorka.planning.conflicts.lagrangian_bound` (each pass's best path, requests coupled
across passes by Lagrangian multipliers), which is much the tighter on a big day.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from ortools.sat.python import cp_model

from zorka.mission.model import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.conflicts import clique_cover, find_passes, lagrangian_bound
from zorka.planning.greedy import construct, density
from zorka.planning.opportunities import Opportunity, OpportunitySet, find_opportunities
from zorka.planning.plan import Plan, SolverStatistics
from zorka.planning.requests import RequestSet
from zorka.planning.timeline import PLANNED_FULL_COVERAGE, SLACK_S, PlanState, build_plan, new_state

__all__ = ["CpsatOutcome", "plan_requests_cpsat", "solve_state_cpsat"]

#: Values are scaled to integers: a request of weight 1 is worth this many units.
VALUE_SCALE = 1000
#: Area credit is counted in these steps (percent).
AREA_STEPS = 100
#: Data volumes are counted in megabits.
MBIT_PER_GBIT = 1000


@dataclass
class CpsatOutcome:
    """What CP-SAT found: the state with its solution, the model's objective and bound."""

    state: PlanState
    status: str
    objective: float
    bound: float
    seconds: float
    optimal: bool


def _slew_times(agility_rate: float, accel: float, settle: float, angle: np.ndarray) -> np.ndarray:
    """Vectorised :func:`zorka.planning.resources.slew_time_s`."""
    tri = 2.0 * np.sqrt(angle / accel)
    trap = angle / agility_rate + agility_rate / accel
    turn = np.where(angle <= agility_rate * agility_rate / accel, tri, trap)
    return np.where(angle < 1e-6, 0.0, turn + settle)


def _unit(roll: np.ndarray, pitch: np.ndarray) -> np.ndarray:
    r, p = np.radians(roll), np.radians(pitch)
    return np.column_stack((np.sin(p), np.cos(p) * np.sin(r), np.cos(p) * np.cos(r)))


def _conflicts(state: PlanState, opps: Sequence[Opportunity]) -> set[tuple[int, int]]:
    """Pairs of opportunity indices whose images cannot both be on their satellite's timeline."""
    out: set[tuple[int, int]] = set()
    by_sat: dict[str, list[tuple[float, float, float, float, float, float, int]]] = defaultdict(
        list
    )
    for i, o in enumerate(opps):
        for k in o.looks:
            by_sat[o.satellite].append(
                (k.start_s, k.end_s, k.roll0_deg, k.pitch0_deg, k.roll1_deg, k.pitch1_deg, i)
            )
    for name, rows in by_sat.items():
        spec = state.sats[name].spec
        a = np.array(sorted(rows))
        start, end, owner = a[:, 0], a[:, 1], a[:, 6].astype(np.int64)
        u0, u1 = _unit(a[:, 2], a[:, 3]), _unit(a[:, 4], a[:, 5])
        if spec.agility is not None:
            ag = spec.agility
            widest = 2.0 * 90.0
            reach = float(
                _slew_times(
                    ag.max_slew_rate_deg_s,
                    ag.max_slew_accel_deg_s2,
                    ag.settling_time_s,
                    np.array([widest]),
                )[0]
            )
        else:
            reach = 0.0
        last = np.searchsorted(start, end + reach + SLACK_S, side="left")
        for i in range(len(a)):
            j = np.arange(i + 1, last[i])
            if j.size == 0:
                continue
            j = j[owner[j] != owner[i]]
            if j.size == 0:
                continue
            cos = np.clip(u0[j] @ u1[i], -1.0, 1.0)
            angle = np.degrees(np.arccos(cos))
            if spec.agility is None:
                need = np.where(angle < 1e-6, 0.0, np.inf)
            else:
                ag = spec.agility
                need = _slew_times(
                    ag.max_slew_rate_deg_s, ag.max_slew_accel_deg_s2, ag.settling_time_s, angle
                )
            clash = start[j] < end[i] + need + SLACK_S
            for other in owner[j[clash]].tolist():
                mine = int(owner[i])
                out.add((min(mine, other), max(mine, other)))
    return out


def _customer_limits(
    requests: RequestSet, reachable: dict[str, float]
) -> dict[str, tuple[float | None, float | None]]:
    """Each quota's lower and upper share limits, where the reachable demand allows them."""
    total = sum(reachable.values())
    tol = requests.quota_tolerance
    out: dict[str, tuple[float | None, float | None]] = {}
    if total <= 0:
        return out
    for c, q in requests.quotas().items():
        lo = q - tol if q - tol > 0 and reachable.get(c, 0.0) >= (q - tol) * total else None
        others = total - reachable.get(c, 0.0)
        hi = q + tol if q + tol < 1 and others >= (1 - q - tol) * total else None
        out[c] = (lo, hi)
    return out


def solve_state_cpsat(
    state: PlanState,
    opportunities: Sequence[Opportunity],
    requests: RequestSet,
    *,
    time_limit_s: float = 30.0,
    hint: Sequence[Opportunity] = (),
    earliest_s: float = float("-inf"),
    quotas: bool = False,
    num_workers: int = 0,
    seed: int = 0,
    log: bool = False,
    compact: bool = False,
) -> CpsatOutcome:
    """Choose opportunities for ``state`` with CP-SAT; what is in ``state`` already stays.

    ``quotas`` makes the customer quota limits hard constraints. ``compact``: the clashes as
    cliques pass by pass (:func:`zorka.planning.conflicts.clique_cover`, the same constraint
    with a much tighter relaxation) rather than one clause per pair.

    Only opportunities starting at ``earliest_s`` or later are new candidates. ``hint`` is a
    solution to start from (a greedy plan's opportunities).
    """
    clock = time.perf_counter()
    fixed = state.chosen
    fixed_ids = {id(o) for o in fixed}
    opps = list(fixed) + [
        o
        for o in opportunities
        if id(o) not in fixed_ids and o.looks[0].start_s >= earliest_s and o.satellite in state.sats
    ]
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"o{i}") for i in range(len(opps))]
    for i in range(len(fixed)):
        model.add(x[i] == 1)
    if compact:
        specs = {n: sat.spec for n, sat in state.sats.items()}
        for p in find_passes(specs, opps):
            cliques, pairs = clique_cover(p.clash)
            for clique in cliques:
                model.add_at_most_one(x[p.members[k]] for k in clique)
            for a, b in pairs:
                model.add_bool_or([x[p.members[a]].Not(), x[p.members[b]].Not()])
    else:
        for a, b in _conflicts(state, opps):
            model.add_bool_or([x[a].Not(), x[b].Not()])

    # credit per request period
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, o in enumerate(opps):
        groups[(o.request.id, o.occurrence)].append(i)
    by_customer: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
    reachable: dict[str, float] = defaultdict(float)
    for (_, _), members in groups.items():
        request = opps[members[0]].request
        per = request.expected_weight / len(request.occurrences())
        units = math.ceil(VALUE_SCALE * per)
        if units <= 0:
            continue
        if not request.is_area:
            model.add_at_most_one(x[i] for i in members)
            by_customer[request.customer].append(units * sum(x[i] for i in members))
            reachable[request.customer] += per
            continue
        parts = [round(AREA_STEPS * min(1.0, opps[i].fraction)) for i in members]
        covered = sum(p * x[i] for p, i in zip(parts, members, strict=True))
        if request.accept_partial:
            credit = model.new_int_var(
                0, AREA_STEPS, f"c_{request.id}_{opps[members[0]].occurrence}"
            )
            model.add(credit <= covered)
            by_customer[request.customer].append(math.ceil(units / AREA_STEPS) * credit)
            reachable[request.customer] += per * min(1.0, sum(parts) / AREA_STEPS)
        else:
            if sum(parts) < PLANNED_FULL_COVERAGE * AREA_STEPS:
                for i in members:
                    if id(opps[i]) not in fixed_ids:
                        model.add(x[i] == 0)
                continue
            done = model.new_bool_var(f"z_{request.id}_{opps[members[0]].occurrence}")
            model.add(covered >= math.ceil(PLANNED_FULL_COVERAGE * AREA_STEPS) * done)
            # strips that do not complete the area earn nothing: do not take them
            for i in members:
                if id(opps[i]) not in fixed_ids:
                    model.add_implication(x[i], done)
            by_customer[request.customer].append(units * done)
            reachable[request.customer] += per
    values = {c: sum(terms) for c, terms in by_customer.items()}
    total = sum(values.values())

    if quotas:
        for c, (lo, hi) in _customer_limits(requests, reachable).items():
            mine = values.get(c, 0)
            if lo is not None:
                model.add(VALUE_SCALE * mine >= round(VALUE_SCALE * lo) * total)
            if hi is not None:
                model.add(VALUE_SCALE * mine <= round(VALUE_SCALE * hi) * total)

    _memory(model, state, opps, x)
    _battery(model, state, opps, x)
    model.maximize(total)

    chosen_hint = {id(o) for o in hint} | fixed_ids
    for i, o in enumerate(opps):
        model.add_hint(x[i], id(o) in chosen_hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - clock))
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = log
    status = solver.solve(model)
    name = solver.status_name(status)
    result = state.copy()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        picked = [o for i, o in enumerate(opps) if i >= len(fixed) and solver.boolean_value(x[i])]
        objective = solver.objective_value / VALUE_SCALE
        bound = solver.best_objective_bound / VALUE_SCALE
    else:
        picked = [o for o in hint if id(o) not in fixed_ids]
        objective = 0.0
        bound = float("inf") if status == cp_model.UNKNOWN else 0.0
    # the exact checks: whatever a relaxation let through and does not fit stays out
    picked.sort(key=lambda o: -o.value)
    for o in picked:
        result.try_add(o)
    fill = sorted(
        (o for o in opps[len(fixed) :] if not result.is_done(o)), key=lambda o: -density(o)
    )
    construct(result, fill, requests)
    return CpsatOutcome(
        result,
        name,
        objective,
        bound,
        time.perf_counter() - clock,
        status == cp_model.OPTIMAL,
    )


def _memory(
    model: cp_model.CpModel, state: PlanState, opps: Sequence[Opportunity], x: list[cp_model.IntVar]
) -> None:
    by_sat: dict[str, list[int]] = defaultdict(list)
    for i, o in enumerate(opps):
        by_sat[o.satellite].append(i)
    for name, members in by_sat.items():
        sat = state.sats[name]
        capacity = sat.spec.memory_gbit
        if capacity is None:
            continue
        volume = {i: math.ceil(opps[i].volume_gbit * MBIT_PER_GBIT) for i in members}
        if sum(volume.values()) <= capacity * MBIT_PER_GBIT:
            continue
        rate = sat.spec.downlink.rate_mbps if sat.spec.downlink else 0.0
        sent: list[cp_model.IntVar] = []
        for slot in sat.slots:
            room = math.floor((slot.end_s - slot.start_s) * rate)
            taken = [volume[i] * x[i] for i in members if opps[i].looks[-1].end_s <= slot.start_s]
            before = [volume[i] * x[i] for i in members if opps[i].looks[0].start_s < slot.start_s]
            if sent:
                model.add(sum(before) - sum(sent) <= math.floor(capacity * MBIT_PER_GBIT))
            d = model.new_int_var(0, room, f"down_{name}_{slot.start_s:.0f}")
            sent.append(d)
            model.add(sum(sent) <= sum(taken))
        model.add(
            sum(volume[i] * x[i] for i in members) - sum(sent)
            <= math.floor(capacity * MBIT_PER_GBIT)
        )


def _battery(
    model: cp_model.CpModel, state: PlanState, opps: Sequence[Opportunity], x: list[cp_model.IntVar]
) -> None:
    by_sat: dict[str, list[int]] = defaultdict(list)
    for i, o in enumerate(opps):
        by_sat[o.satellite].append(i)
    for name, members in by_sat.items():
        sat = state.sats[name]
        power = sat.spec.power
        if power is None or power.imaging_w <= power.idle_w:
            continue
        extra_w = power.imaging_w - power.idle_w
        above = power.battery_wh * (1.0 - power.min_battery_fraction)
        for s0, s1 in sat.shadows:
            room_j = above - power.idle_w * max(0.0, min(s1, sat.span_s) - max(s0, 0.0)) / 3600.0
            inside = []
            for i in members:
                seconds = sum(
                    max(0.0, min(k.end_s, s1) - max(k.start_s, s0)) for k in opps[i].looks
                )
                if seconds > 0:
                    inside.append((math.floor(extra_w * seconds), i))
            if sum(j for j, _ in inside) <= room_j * 3600.0:
                continue
            model.add(sum(j * x[i] for j, i in inside) <= math.floor(max(0.0, room_j) * 3600.0))


def plan_requests_cpsat(
    mission: Mission,
    requests: RequestSet,
    start: datetime,
    end: datetime,
    *,
    satellites: Sequence[Satellite] | None = None,
    time_limit_s: float = 30.0,
    seed: int = 0,
    opportunities: OpportunitySet | None = None,
    hint: Plan | None = None,
) -> Plan:
    """A plan for ``requests`` over ``[start, end]`` from the exact model, with the lower of
    CP-SAT's bound and :func:`~zorka.planning.conflicts.lagrangian_bound` as the plan's
    ``upper_bound``. ``hint``: a plan (the greedy one) for CP-SAT to start from."""
    clock = time.perf_counter()
    if satellites is None:
        satellites, _ = mission.fleet()
    if opportunities is None:
        opportunities = find_opportunities(mission, satellites, requests, start, end)
    state = new_state(mission, satellites, start, end)
    opps = [o for o in opportunities.opportunities if o.satellite in state.sats]
    chosen: list[Opportunity] = []
    if hint is not None:
        chosen = _matching(hint, opps, start)
    remaining = time_limit_s - (time.perf_counter() - clock)
    outcome = solve_state_cpsat(
        state, opps, requests, time_limit_s=max(0.5, remaining), hint=chosen, seed=seed
    )
    value = outcome.state.value()
    # the passes' best paths (requests coupled by Lagrangian multipliers) bound it too, often
    # far more tightly than CP-SAT in its time
    specs = {n: s.spec for n, s in state.sats.items()}
    bound = min(outcome.bound, lagrangian_bound(specs, opps, lower=value).bound)
    return build_plan(
        mission,
        requests,
        start,
        end,
        outcome.state,
        opportunities,
        SolverStatistics(
            solver=f"cp-sat ({outcome.status.lower()})",
            seconds=time.perf_counter() - clock,
            opportunities=len(opps),
        ),
        bound=max(bound, value),
    )


def _matching(plan: Plan, opps: Sequence[Opportunity], start: datetime) -> list[Opportunity]:
    """The opportunities of ``plan``'s acquisitions (matched by satellite, request and start)."""
    index: dict[tuple[str, str, float], Opportunity] = {}
    for o in opps:
        for k in o.looks:
            index[(o.satellite, o.request.id, round(k.start_s, 3))] = o
    out: dict[int, Opportunity] = {}
    for a in plan.acquisitions:
        key = (a.satellite, a.request, round((a.start - start).total_seconds(), 3))
        if key in index:
            out[id(index[key])] = index[key]
    return list(out.values())
