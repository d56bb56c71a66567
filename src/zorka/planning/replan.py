"""Replanning: keep what is already uplinked, fit new (urgent) requests into the rest of the day.

Every acquisition that starts before the freeze time is kept as it is, and so is every downlink
that starts before it (first-in-first-out downlinks only carry data taken before their pass
begins, so images kept before the freeze give the same downlinks). The rest of the kept plan is
offered again together with the new requests' opportunities, and the planner refills the
timelines after the freeze: constructive insertion (new requests first when ``urgent``), then
the large-neighbourhood search, or CP-SAT.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from zorka.mission.model import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.cpsat_plan import solve_state_cpsat
from zorka.planning.greedy import QUOTA_SHARE, construct, density, improve, repair_quotas
from zorka.planning.opportunities import Opportunity, OpportunitySet, find_opportunities
from zorka.planning.plan import Plan, SolverStatistics
from zorka.planning.requests import RequestSet
from zorka.planning.timeline import PlanState, build_plan, new_state

__all__ = ["replan"]


def _merge(kept: RequestSet, new: RequestSet) -> RequestSet:
    """The kept plan's requests and the new ones (a new request replaces one of the same id)."""
    fresh = {r.id for r in new.requests}
    customers = {c.name: c for c in kept.customers}
    customers.update({c.name: c for c in new.customers})
    return RequestSet(
        description=kept.description,
        quota_tolerance=kept.quota_tolerance,
        customers=list(customers.values()),
        requests=[r for r in kept.requests if r.id not in fresh] + list(new.requests),
    )


def _frozen(
    plan: Plan, state: PlanState, opps: Sequence[Opportunity], freeze_s: float
) -> tuple[list[Opportunity], list[str]]:
    """The opportunities of the kept acquisitions before the freeze, and those not found."""
    index: dict[tuple[str, str, float], Opportunity] = {}
    for o in opps:
        for k in o.looks:
            index[(o.satellite, o.request.id, round(k.start_s, 3))] = o
    found: dict[int, Opportunity] = {}
    missing: list[str] = []
    for a in plan.acquisitions:
        start_s = (a.start - plan.start).total_seconds()
        if start_s >= freeze_s:
            continue
        match = index.get((a.satellite, a.request, round(start_s, 3)))
        if match is None:
            missing.append(a.id)
        else:
            found[id(match)] = match
    return list(found.values()), missing


def replan(
    mission: Mission,
    plan: Plan,
    freeze: datetime,
    new_requests: RequestSet | None = None,
    *,
    satellites: Sequence[Satellite] | None = None,
    time_limit_s: float = 5.0,
    solver: str = "greedy",
    urgent: bool = True,
    seed: int = 0,
    opportunities: OpportunitySet | None = None,
) -> Plan:
    """``plan`` kept up to ``freeze``, and the rest of its horizon planned again with
    ``new_requests`` added (first, when ``urgent``). ``solver``: ``"greedy"`` or ``"cpsat"``.
    ``opportunities``: those of the kept plan's requests, when known (only the new requests are
    then searched).

    Raises ``ValueError`` when an acquisition before the freeze is not one the geometry offers
    (a plan for another mission or horizon).
    """
    clock = time.perf_counter()
    if satellites is None:
        satellites, _ = mission.fleet()
    requests = _merge(plan.requests, new_requests or RequestSet())
    start, end = plan.start, plan.end
    freeze_s = (freeze - start).total_seconds()
    fresh_set = new_requests or RequestSet()
    if opportunities is None:
        opportunities = find_opportunities(mission, satellites, requests, start, end)
    else:
        # the kept plan's opportunities are known: search only the new requests
        added = find_opportunities(mission, satellites, fresh_set, start, end)
        fresh_ids = {r.id for r in fresh_set.requests}
        opportunities = OpportunitySet(
            [o for o in opportunities.opportunities if o.request.id not in fresh_ids]
            + added.opportunities,
            {k: v for k, v in opportunities.reasons.items() if k not in fresh_ids} | added.reasons,
        )
    state = new_state(mission, satellites, start, end)
    opps = [o for o in opportunities.opportunities if o.satellite in state.sats]
    frozen, missing = _frozen(plan, state, opps, freeze_s)
    if missing:
        raise ValueError(
            f"acquisitions {', '.join(missing[:5])} before the freeze are not opportunities of"
            " this mission and horizon: was the plan made for them?"
        )
    for o in frozen:
        if state.try_add(o) is not None:
            raise ValueError(f"the kept acquisitions of {o.request.id} do not fit together")
    state.frozen = {id(o) for o in frozen}
    later = [o for o in opps if o.looks[0].start_s >= freeze_s]
    if solver == "cpsat":
        outcome = solve_state_cpsat(
            state,
            later,
            requests,
            time_limit_s=max(0.5, time_limit_s - (time.perf_counter() - clock)),
            seed=seed,
        )
        state, name, bound = outcome.state, f"cp-sat ({outcome.status.lower()})", outcome.bound
        iterations = improvements = 0
    else:
        # the rest of the kept plan first, then the urgent requests, then everything else
        fresh = {r.id for r in (new_requests or RequestSet()).requests}
        kept = {(a.satellite, a.request) for a in plan.acquisitions}

        def rank(o: Opportunity) -> tuple[int, float]:
            first = urgent and o.request.id in fresh
            again = (o.satellite, o.request.id) in kept
            return (0 if first else 1 if again else 2, -density(o))

        construct(state, sorted(later, key=rank), requests)
        reserve = QUOTA_SHARE * time_limit_s if requests.quotas() else 0.0
        state, iterations, improvements = improve(
            state, later, requests, clock + time_limit_s - reserve, seed=seed, earliest_s=freeze_s
        )
        repair_quotas(
            state, later, requests, max(clock + time_limit_s, time.perf_counter() + reserve)
        )
        name, bound = "replan greedy+lns", None
    keep_ids = {
        (a.satellite, a.request, a.start): a.id
        for a in plan.acquisitions
        if (a.start - start).total_seconds() < freeze_s
    }
    return build_plan(
        mission,
        requests,
        start,
        end,
        state,
        opportunities,
        SolverStatistics(
            solver=name,
            seconds=time.perf_counter() - clock,
            opportunities=len(later),
            iterations=iterations,
            improvements=improvements,
        ),
        bound=bound,
        keep_ids=keep_ids,
    )
