"""A fast constructive planner, then a large-neighbourhood search while time remains.

Construction (:func:`construct_by_passes`) takes each pass's best path (a longest path over its
opportunities in time order), the most valuable pass first, then fills the gaps greedily and
re-solves each pass given the others while that helps; the plain greedy below is kept when it
does better. More starts come from the Lagrangian bound
(:func:`~zorka.planning.conflicts.lagrangian_bound`, run aimed at a few targets): the passes'
best paths under its multipliers at several rounds, most valuable images first, each period
served once and every image put in with the exact checks, the gaps filled greedily; the best few
have each pass re-solved given the others as above, and the best start is kept.
The greedy takes opportunities by value density (value per second of imaging,
slews counted roughly) and inserts each where it fits in its satellite's timeline
(:class:`~zorka.planning.timeline.SatelliteTimeline`: no overlap, time to slew from the image
before and to the image after, memory that the downlinks can empty, a battery that stays above
its floor). Customer quotas steer the order: while a customer's share of the served value is more
than the tolerance below its quota, its best opportunity goes first.

The improver removes the images of a random stretch of one satellite's day and refills it from
the opportunities of that stretch and of the requests removed, in a shuffled value order; a change
is kept when the plan's value rises (quota deviations not growing).

Last, :func:`repair_quotas` lifts customers more than the tolerance below their quota: their
left-out requests go in where they fit, or in place of images of customers above their quota
when that brings the shares nearer the quotas.
"""

from __future__ import annotations

import bisect
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from zorka.mission.model import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.conflicts import (
    Pass,
    best_path,
    find_passes,
    lagrangian_bound,
)
from zorka.planning.opportunities import Opportunity, OpportunitySet, find_opportunities
from zorka.planning.plan import Plan, SolverStatistics
from zorka.planning.requests import RequestSet
from zorka.planning.timeline import (
    PLANNED_FULL_COVERAGE,
    PlanState,
    build_plan,
    new_state,
    upper_bound,
)

__all__ = [
    "construct",
    "construct_by_passes",
    "density",
    "improve",
    "plan_requests",
    "repair_quotas",
    "resolve_passes",
]

#: The stretch of a satellite's day the improver empties, seconds either side of an image.
LNS_WIDTH_S = (60.0, 900.0)
#: Opportunities this far beyond the stretch may come back in, seconds (about the longest slew).
LNS_REACH_S = 150.0
#: The part of the time limit each run of the Lagrangian bound may take (its passes seed plans).
LAGRANGIAN_SHARE = 0.12
#: Its rounds per run, and the runs' Polyak targets: the greedy value, then this far from it
#: towards the bound.
LAGRANGIAN_ROUNDS = 200
LAGRANGIAN_AIMS = (0.0, 0.3, 0.6)
#: How many of the starts it gives are finished (each pass re-solved given the others).
LAGRANGIAN_STARTS = 4
#: Starts from the Lagrangian solutions stop at this part of the time limit.
LAGRANGIAN_END = 0.75
#: The part of the time limit kept for the quota repair, when customers have quotas.
QUOTA_SHARE = 0.1
#: Most moves of the quota repair.
QUOTA_MOVES = 10_000


def density(o: Opportunity) -> float:
    """Value per second of satellite time, a slew of about 30 s counted per look."""
    return o.value / (o.duration_s + 30.0 * len(o.looks))


def construct(state: PlanState, order: Sequence[Opportunity], requests: RequestSet) -> None:
    """Insert opportunities in ``order`` where they fit, customers behind their quota first."""
    quotas = requests.quotas()
    tol = requests.quota_tolerance
    queues: dict[str, list[Opportunity]] = defaultdict(list)
    for o in order:
        queues[o.request.customer].append(o)
    heads = dict.fromkeys(queues, 0)
    added: list[Opportunity] = []
    while True:
        live = [c for c in queues if heads[c] < len(queues[c])]
        if not live:
            break

        def lag(c: str) -> float:
            total = state.total
            return quotas[c] - (state.shares.get(c, 0.0) / total if total > 0 else 0.0)

        behind = [c for c in live if c in quotas and lag(c) > tol]
        if behind:
            customer = max(behind, key=lag)
        else:
            customer = max(live, key=lambda c: density(queues[c][heads[c]]))
        o = queues[customer][heads[customer]]
        heads[customer] += 1
        if state.is_done(o):
            continue
        if state.try_add(o) is None:
            added.append(o)
    # areas that need the whole of it and did not get it give their time back
    for o in added:
        if o.request.is_area and o.request.id not in state.credits and id(o) not in state.frozen:
            state.drop(o)


def _residual(state: PlanState, o: Opportunity) -> float:
    """What ``o`` would still add to ``state``, roughly: nothing once its period is done, half
    for a strip that cannot cover its area alone when the area must be covered whole."""
    if state.is_done(o):
        return 0.0
    if o.request.is_area and not o.request.accept_partial and o.fraction < PLANNED_FULL_COVERAGE:
        return 0.5 * o.value
    return o.value


def _fill_pass(state: PlanState, opps: Sequence[Opportunity], p: Pass) -> None:
    """Put the best path of pass ``p`` (values as the state leaves them) into ``state``."""
    spec = state.sats[p.satellite].spec
    values = np.array([_residual(state, opps[i]) for i in p.members])
    for k in best_path(spec, opps, p.members, values):
        o = opps[p.members[k]]
        if not state.is_done(o):
            state.try_add(o)


def construct_by_passes(
    state: PlanState,
    opps: Sequence[Opportunity],
    requests: RequestSet,
    deadline: float = float("inf"),
) -> None:
    """Pass by pass, the most valuable first, the best path of each pass (a longest path over
    its opportunities, :func:`zorka.planning.conflicts.best_path`) with what the passes before
    left to earn; every image goes in with the exact checks. Then the gaps are filled greedily,
    and each pass is emptied and filled again with its best path given all the others, while
    that raises the value (quota deviations not growing)."""
    specs = {n: s.spec for n, s in state.sats.items()}
    opps = [o for o in opps if o.satellite in specs]
    passes = find_passes(specs, opps, matrices=False)
    todo = list(range(len(passes)))
    while todo and time.perf_counter() < deadline:
        scores = []
        for n in todo:
            p = passes[n]
            values = np.array([_residual(state, opps[i]) for i in p.members])
            path = best_path(specs[p.satellite], opps, p.members, values)
            scores.append(float(values[path].sum()))
        best = todo[int(np.argmax(scores))]
        todo.remove(best)
        _fill_pass(state, opps, passes[best])
    construct(state, sorted(opps, key=lambda o: -density(o)), requests)
    resolve_passes(state, opps, requests, passes, deadline)


def resolve_passes(
    state: PlanState,
    opps: Sequence[Opportunity],
    requests: RequestSet,
    passes: Sequence[Pass],
    deadline: float = float("inf"),
) -> None:
    """Empty each pass of ``passes`` (over ``opps``) and fill it again with its best path given
    all the others, then greedily, while that raises the value (quota deviations not growing)."""
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for p in passes:
            if time.perf_counter() >= deadline:
                break
            trial = state.copy()
            mine = {id(opps[i]) for i in p.members}
            for o in trial.chosen:
                if id(o) in mine and id(o) not in trial.frozen:
                    trial.drop(o)
            _fill_pass(trial, opps, p)
            construct(
                trial, sorted((opps[i] for i in p.members), key=lambda o: -density(o)), requests
            )
            if trial.value() > state.value() + 1e-9 and (
                trial.quota_excess(requests) <= state.quota_excess(requests) + 1e-9
            ):
                state.__dict__.update(trial.__dict__)
                improved = True


def improve(
    state: PlanState,
    opportunities: Sequence[Opportunity],
    requests: RequestSet,
    deadline: float,
    seed: int = 0,
    earliest_s: float = float("-inf"),
) -> tuple[PlanState, int, int]:
    """Large-neighbourhood search until ``time.perf_counter()`` passes ``deadline``: the best
    state, the rounds and the rounds that improved it. Frozen images stay, and nothing new
    starts before ``earliest_s``."""
    rng = random.Random(seed)
    by_sat: dict[str, list[Opportunity]] = defaultdict(list)
    by_request: dict[str, list[Opportunity]] = defaultdict(list)
    for o in opportunities:
        if o.looks[0].start_s >= earliest_s:
            by_sat[o.satellite].append(o)
            by_request[o.request.id].append(o)
    starts = {}
    for name, opps in by_sat.items():
        opps.sort(key=lambda o: o.looks[0].start_s)
        starts[name] = [o.looks[0].start_s for o in opps]
    iterations = improvements = 0
    while time.perf_counter() < deadline:
        names = [
            n
            for n, s in state.sats.items()
            if any(id(e.opp) not in state.frozen for e in s.entries)
        ]
        if not names:
            break
        iterations += 1
        trial = state.copy()
        name = rng.choice(names)
        entries = [e for e in trial.sats[name].entries if id(e.opp) not in state.frozen]
        centre = rng.choice(entries).look.start_s
        width = rng.uniform(*LNS_WIDTH_S)
        dropped = {
            id(e.opp): e.opp for e in entries if abs(e.look.start_s - centre) < width
        }.values()
        for opp in dropped:
            trial.drop(opp)
        lo = bisect.bisect_left(starts.get(name, []), centre - width - LNS_REACH_S)
        hi = bisect.bisect_right(starts.get(name, []), centre + width + LNS_REACH_S)
        pool = {id(o): o for o in by_sat[name][lo:hi]}
        for opp in dropped:
            pool.update((id(o), o) for o in by_request[opp.request.id])
        shuffled = sorted(pool.values(), key=lambda o: -density(o) * rng.uniform(0.7, 1.3))
        construct(trial, shuffled, requests)
        if trial.value() > state.value() + 1e-9 and (
            trial.quota_excess(requests) <= state.quota_excess(requests) + 1e-9
        ):
            state = trial
            improvements += 1
    return state, iterations, improvements


def repair_quotas(
    state: PlanState,
    opportunities: Sequence[Opportunity],
    requests: RequestSet,
    deadline: float = float("inf"),
) -> int:
    """While a customer's share of the served value is more than the tolerance below its quota
    and it has requests left with opportunities, put them in (its most valuable first): where one
    fits, as it is; where it clashes only with images of customers at or above their quota (or
    without one), those images out, when that brings the shares nearer their quotas. Every image
    goes in with the exact checks; frozen images stay. Returns the moves made."""
    quotas = requests.quotas()
    tol = requests.quota_tolerance
    if not quotas:
        return 0
    mine: dict[str, list[Opportunity]] = defaultdict(list)
    for o in opportunities:
        if o.satellite in state.sats and o.request.customer in quotas:
            mine[o.request.customer].append(o)
    for opps in mine.values():
        opps.sort(key=lambda o: -o.value)

    def share(c: str, s: PlanState) -> float:
        return s.shares.get(c, 0.0) / s.total if s.total > 0 else 0.0

    moves = 0
    stuck: set[str] = set()
    while moves < QUOTA_MOVES and time.perf_counter() < deadline:
        under = [c for c, q in quotas.items() if c not in stuck and q - share(c, state) > tol]
        if not under:
            break
        c = max(under, key=lambda c: quotas[c] - share(c, state))
        before = share(c, state)
        excess = state.quota_excess(requests)
        moved = False
        for o in mine[c]:
            if time.perf_counter() >= deadline:
                break
            if state.is_done(o):
                continue
            trial = state.copy()
            found = trial.try_add(o)
            swapped = found is not None
            if found is not None:
                reason, blockers = found
                if reason != "conflict" or not blockers:
                    continue
                if any(
                    id(b) in state.frozen
                    or b.request.customer == c
                    or share(b.request.customer, state) < quotas.get(b.request.customer, 0.0)
                    for b in blockers
                ):
                    continue
                for b in {id(b): b for b in blockers}.values():
                    trial.drop(b)
                if trial.try_add(o) is not None:
                    continue
            if share(c, trial) <= before + 1e-12:
                continue
            if swapped and trial.quota_excess(requests) >= excess - 1e-12:
                continue
            state.__dict__.update(trial.__dict__)
            moves += 1
            moved = True
            break
        if moved:
            stuck.clear()
        else:
            stuck.add(c)
    return moves


def _by_multiplied_value(
    opps: Sequence[Opportunity],
    chosen: Sequence[int],
    multipliers: dict[tuple[str, int], float],
) -> list[Opportunity]:
    """``opps[i]`` for ``i`` in ``chosen``, most valuable under the multipliers first."""

    def worth(o: Opportunity) -> float:
        return multipliers.get((o.request.id, o.occurrence), 1.0) * o.value

    return sorted((opps[i] for i in chosen), key=lambda o: -worth(o))


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
    if opportunities is None:
        opportunities = find_opportunities(mission, satellites, requests, start, end)
    opps = [o for o in opportunities.opportunities if o.satellite in specs]
    state = new_state(mission, satellites, start, end)
    order = sorted(opps, key=lambda o: (-density(o), o.looks[0].start_s))
    by_density = state.copy()
    construct(by_density, order, requests)
    # the passes' best paths, unless the greedy order does better (or time is short)
    construct_by_passes(state, opps, requests, deadline=clock + 0.5 * time_limit_s)
    if by_density.value() > state.value():
        state = by_density
    # the Lagrangian bound's passes, repaired: each period once, every image with the checks;
    # the plans of its snapshots differ a good deal, so it runs aimed at a few targets (the
    # greedy value, and higher) and the best few starts are finished
    specs_ = {n: s.spec for n, s in state.sats.items()}
    value0 = state.value()
    bound = float("inf")
    starts: list[PlanState] = []
    for aim in LAGRANGIAN_AIMS:
        target = value0 + aim * (bound - value0) if bound < float("inf") else value0
        lag = lagrangian_bound(
            specs_,
            opps,
            lower=target,
            iterations=LAGRANGIAN_ROUNDS,
            deadline=time.perf_counter() + LAGRANGIAN_SHARE * time_limit_s,
        )
        bound = min(bound, lag.bound)
        for chosen_ix, multipliers in lag.snapshots:
            trial = new_state(mission, satellites, start, end)
            construct(trial, _by_multiplied_value(opps, chosen_ix, multipliers) + order, requests)
            starts.append(trial)
    passes = find_passes(specs_, opps, matrices=False)
    excess = state.quota_excess(requests)
    starts.sort(key=lambda t: -t.value())
    for trial in starts[:LAGRANGIAN_STARTS]:
        if time.perf_counter() >= clock + LAGRANGIAN_END * time_limit_s:
            break
        resolve_passes(trial, opps, requests, passes, clock + LAGRANGIAN_END * time_limit_s)
        if trial.value() > state.value() + 1e-9 and trial.quota_excess(requests) <= excess + 1e-9:
            state = trial
    greedy_value = state.value()
    reserve = QUOTA_SHARE * time_limit_s if requests.quotas() else 0.0
    state, iterations, improvements = improve(
        state, opps, requests, clock + time_limit_s - reserve, seed=seed
    )
    # its share of the time, even when the phases before ran over
    repair_quotas(state, opps, requests, max(clock + time_limit_s, time.perf_counter() + reserve))
    return build_plan(
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
        bound=max(
            state.value(),
            min(upper_bound(opportunities, requests), bound),
        ),
    )
