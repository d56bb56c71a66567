"""The exact model on the demo: its plan passes the checker, and its bound holds the greedy plan."""

from __future__ import annotations

from datetime import timedelta

from zorka.mission import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import check_plan
from zorka.planning.cpsat_plan import plan_requests_cpsat, solve_state_cpsat
from zorka.planning.greedy import plan_requests
from zorka.planning.opportunities import find_opportunities
from zorka.planning.requests import RequestSet
from zorka.planning.timeline import new_state


def test_cpsat_is_optimal_and_bounds_the_greedy_plan(
    mission: Mission, fleet: list[Satellite], demo_requests: RequestSet
) -> None:
    assert mission.demo is not None
    start = mission.demo.start
    end = start + timedelta(hours=48)
    opps = find_opportunities(mission, fleet, demo_requests, start, end)
    greedy = plan_requests(
        mission, demo_requests, start, end, satellites=fleet, time_limit_s=0.5, opportunities=opps
    )
    exact = plan_requests_cpsat(
        mission,
        demo_requests,
        start,
        end,
        satellites=fleet,
        time_limit_s=20.0,
        opportunities=opps,
        hint=greedy,
    )
    report = check_plan(exact, mission, fleet)
    assert report.ok, [str(v) for v in report.violations]
    assert exact.statistics is not None and "optimal" in exact.statistics.solver
    assert exact.upper_bound is not None
    assert greedy.objective <= exact.upper_bound + 1e-6
    assert exact.objective >= greedy.objective - 1e-6
    assert exact.objective <= exact.upper_bound + 1e-6


def test_cpsat_under_tight_memory_and_quotas(
    mission: Mission, fleet: list[Satellite], demo_requests: RequestSet
) -> None:
    tight = mission.model_copy(deep=True)
    tight.satellites[0].memory_gbit = 0.7
    assert tight.demo is not None
    start = tight.demo.start
    end = start + timedelta(hours=48)
    opps = find_opportunities(tight, fleet, demo_requests, start, end)
    plan = plan_requests_cpsat(
        tight, demo_requests, start, end, satellites=fleet, time_limit_s=20.0, opportunities=opps
    )
    assert check_plan(plan, tight, fleet).ok
    assert max(s.value for p in plan.profiles for s in p.memory_gbit) <= 0.7
    # hard quotas can only lower the optimum
    free = solve_state_cpsat(new_state(tight, fleet, start, end), opps.opportunities, demo_requests)
    held = solve_state_cpsat(
        new_state(tight, fleet, start, end), opps.opportunities, demo_requests, quotas=True
    )
    assert held.optimal and free.optimal
    assert held.objective <= free.objective + 1e-9
