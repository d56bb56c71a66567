"""Passes, cliques and best paths: the compact model says what the pairwise one says, and the
passes' bound holds every plan."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from zorka.mission import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import check_plan
from zorka.planning.conflicts import (
    best_path,
    clique_cover,
    find_passes,
    lagrangian_bound,
    pass_bound,
)
from zorka.planning.cpsat_plan import _conflicts, solve_state_cpsat
from zorka.planning.greedy import plan_requests
from zorka.planning.opportunities import Look, Opportunity, find_opportunities
from zorka.planning.requests import Request, RequestSet, parse_requests
from zorka.planning.timeline import new_state


def test_clique_cover_covers_exactly_the_clashes() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        m = int(rng.integers(2, 30))
        clash = rng.random((m, m)) < 0.4
        clash = np.triu(clash, 1)
        clash |= clash.T
        cliques, pairs = clique_cover(clash)
        got = np.zeros_like(clash)
        for c in cliques:
            for a in c:
                for b in c:
                    if a != b:
                        assert clash[a, b]
                        got[a, b] = True
        for a, b in pairs:
            got[a, b] = got[b, a] = True
        assert (got == clash).all()


def test_passes_hold_the_pairwise_clashes(
    mission: Mission, fleet: list[Satellite], demo_requests: RequestSet
) -> None:
    assert mission.demo is not None
    start = mission.demo.start
    end = start + timedelta(hours=48)
    opps = find_opportunities(mission, fleet, demo_requests, start, end).opportunities
    state = new_state(mission, fleet, start, end)
    opps = [o for o in opps if o.satellite in state.sats]
    specs = {n: s.spec for n, s in state.sats.items()}
    pairs = set()
    for p in find_passes(specs, opps):
        for a, b in np.argwhere(np.triu(p.clash, 1)):
            i, j = p.members[a], p.members[b]
            pairs.add((min(i, j), max(i, j)))
    assert pairs == _conflicts(state, opps)
    # a best path fits its satellite's timeline image by image
    for p in find_passes(specs, opps, matrices=False):
        values = np.array([opps[i].value for i in p.members])
        fresh = new_state(mission, fleet, start, end)
        for k in best_path(specs[p.satellite], opps, p.members, values):
            assert fresh.sats[p.satellite].blockers(opps[p.members[k]].looks[0]) == []
            fresh.sats[p.satellite].insert(opps[p.members[k]].looks[0], opps[p.members[k]])


def test_compact_model_and_pass_bound(
    mission: Mission, fleet: list[Satellite], demo_requests: RequestSet
) -> None:
    assert mission.demo is not None
    start = mission.demo.start
    end = start + timedelta(hours=48)
    found = find_opportunities(mission, fleet, demo_requests, start, end)
    opps = found.opportunities
    pairwise = solve_state_cpsat(new_state(mission, fleet, start, end), opps, demo_requests)
    compact = solve_state_cpsat(
        new_state(mission, fleet, start, end), opps, demo_requests, compact=True
    )
    assert pairwise.optimal and compact.optimal
    assert abs(pairwise.objective - compact.objective) < 1e-9
    state = new_state(mission, fleet, start, end)
    bound = pass_bound({n: s.spec for n, s in state.sats.items()}, opps)
    assert bound >= pairwise.objective - 1e-9
    plan = plan_requests(
        mission, demo_requests, start, end, satellites=fleet, time_limit_s=1.0, opportunities=found
    )
    assert check_plan(plan, mission, fleet).ok
    assert plan.upper_bound is not None
    assert plan.objective <= bound + 1e-6
    assert plan.objective <= plan.upper_bound + 1e-6
    # the Lagrangian bound: never above the passes' one, never below the optimum or a plan
    specs = {n: s.spec for n, s in state.sats.items()}
    lag = lagrangian_bound(specs, opps, lower=plan.objective)
    assert lag.bound <= bound + 1e-9
    assert lag.bound >= pairwise.objective - 1e-6
    assert lag.bound >= plan.objective - 1e-6
    assert plan.upper_bound <= bound + 1e-6
    assert all(0.0 <= m <= 1.0 for m in lag.multipliers.values())
    # with no target (lower 0) the bound still holds
    assert lagrangian_bound(specs, opps, iterations=50).bound >= pairwise.objective - 1e-6


def test_lagrangian_bound_is_tight_where_a_request_spans_two_passes(mission: Mission) -> None:
    """A (5) can be imaged in two passes, B (3) only in the second, at the same time as A: the
    passes' bound counts A twice (10), the multiplier on A brings it down to the optimum 8."""
    doc = {
        "requests": [
            {
                "id": rid,
                "customer": "c",
                "geometry": {"type": "Point", "coordinates": [27.5, 53.9]},
                "weight": w,
                "earliest": "2024-01-01T00:00:00Z",
                "latest": "2024-01-02T00:00:00Z",
            }
            for rid, w in (("A", 5), ("B", 3))
        ]
    }
    requests, issues = parse_requests(doc, "hand")
    assert issues == []
    a, b = requests.requests
    spec = mission.satellites[0]
    assert spec.agility is not None

    def opp(request: Request, t: float, roll: float) -> Opportunity:
        look = Look(t, t + 5.0, roll, 0.0, roll, 0.0)
        return Opportunity(request, 0, spec.name, "point", (look,), 1.0)

    opps = [opp(a, 0.0, 0.0), opp(a, 10_000.0, 0.0), opp(b, 10_002.0, 10.0)]
    specs = {spec.name: spec}
    assert pass_bound(specs, opps) == pytest.approx(10.0)
    for lower in (0.0, 8.0):
        lag = lagrangian_bound(specs, opps, lower=lower, iterations=500)
        assert lag.bound == pytest.approx(8.0, abs=1e-3)
        assert lag.bound >= 8.0 - 1e-9
