"""One demo plan for the planning tests: the embedded mission, the demo requests, 48 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest

from zorka.mission import Mission, default_mission
from zorka.orbits.satellite import Satellite
from zorka.planning.greedy import plan_requests
from zorka.planning.plan import Plan
from zorka.planning.requests import RequestSet, demo_requests_path, read_requests


@pytest.fixture(scope="session")
def mission() -> Mission:
    return default_mission("by")


@pytest.fixture(scope="session")
def fleet(mission: Mission) -> list[Satellite]:
    satellites, problems = mission.fleet()
    assert not problems
    return satellites


@pytest.fixture(scope="session")
def demo_requests() -> RequestSet:
    requests, issues = read_requests(demo_requests_path())
    assert issues == []
    return requests


@pytest.fixture(scope="session")
def demo_plan(mission: Mission, fleet: list[Satellite], demo_requests: RequestSet) -> Plan:
    assert mission.demo is not None
    start = mission.demo.start
    return plan_requests(
        mission,
        demo_requests,
        start,
        start + timedelta(hours=48),
        satellites=fleet,
        time_limit_s=1.0,
    )
