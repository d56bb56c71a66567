"""The constructive planner and its improver: every plan it writes passes the checker."""

from __future__ import annotations

from datetime import timedelta

from zorka.mission import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import check_plan
from zorka.planning.greedy import plan_requests
from zorka.planning.plan import Plan
from zorka.planning.requests import RequestSet


def test_demo_plan_accounts_for_every_request(demo_plan: Plan, demo_requests: RequestSet) -> None:
    served = {s.request for s in demo_plan.served}
    unserved = {u.request: u for u in demo_plan.unserved}
    assert served | set(unserved) == {r.id for r in demo_requests.requests}
    assert not served & set(unserved)
    assert demo_plan.upper_bound is not None
    assert 0 < demo_plan.objective <= demo_plan.upper_bound + 1e-9
    assert unserved["night-gomel-thermal"].reason == "no_access"
    assert "infrared" in unserved["night-gomel-thermal"].detail
    assert unserved["city-minsk-nadir"].reason == "no_access"
    assert {c.customer for c in demo_plan.customers} == {"agro", "cities", "partners"}
    assert demo_plan.statistics is not None and demo_plan.statistics.opportunities > 0
    # the improver never makes the plan worse than the construction; only the quota repair may
    # trade value for shares, and it runs only while a customer is outside its tolerance
    if demo_plan.objective < (demo_plan.statistics.greedy_objective or 0.0) - 1e-9:
        assert any(not c.within_tolerance for c in demo_plan.customers)


def test_plans_under_tight_resources_pass_the_checker(
    mission: Mission, fleet: list[Satellite], demo_requests: RequestSet
) -> None:
    tight = mission.model_copy(deep=True)
    spec = tight.satellites[0]
    spec.memory_gbit = 0.7
    assert spec.power is not None
    spec.power.battery_wh = 300.0
    spec.power.min_battery_fraction = 0.5
    assert tight.demo is not None
    start = tight.demo.start
    plan = plan_requests(
        tight,
        demo_requests,
        start,
        start + timedelta(hours=48),
        satellites=fleet,
        time_limit_s=0.3,
        seed=1,
    )
    report = check_plan(plan, tight, fleet)
    assert report.ok, [str(v) for v in report.violations]
    assert plan.acquisitions
    peak = max(s.value for p in plan.profiles for s in p.memory_gbit)
    assert peak <= 0.7
    reasons = {u.reason for u in plan.unserved}
    assert "memory" in reasons or "energy" in reasons


def test_short_horizon_without_access(
    mission: Mission, fleet: list[Satellite], demo_requests: RequestSet
) -> None:
    assert mission.demo is not None
    start = mission.demo.start
    plan = plan_requests(
        mission,
        demo_requests,
        start,
        start + timedelta(minutes=30),
        satellites=fleet,
        time_limit_s=0.1,
    )
    assert check_plan(plan, mission, fleet).ok
    assert plan.objective == 0 and not plan.acquisitions
    assert all(u.reason == "no_access" for u in plan.unserved)
