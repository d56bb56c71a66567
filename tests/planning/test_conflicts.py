"""Passes, cliques and best paths: the compact model says what the pairwise one says, and the
passes' bound holds every plan."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from zorka.mission import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import check_plan
from zorka.planning.conflicts import best_path, clique_cover, find_passes, pass_bound
from zorka.planning.cpsat_plan import _conflicts, solve_state_cpsat
from zorka.planning.greedy import plan_requests
from zorka.planning.opportunities import find_opportunities
from zorka.planning.requests import RequestSet
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
