"""The plan checker on hand-made plans: the planner's demo plan, then copies that each break one
rule, and the checker must name it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from zorka.mission import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import check_plan
from zorka.planning.plan import Acquisition, Downlink, Plan
from zorka.planning.resources import slew_time_s


def _copy(plan: Plan) -> Plan:
    return Plan.from_json(plan.to_json())


def _strips(plan: Plan) -> list[Acquisition]:
    return [a for a in plan.acquisitions if a.kind == "strip"]


def _points(plan: Plan) -> list[Acquisition]:
    return [a for a in plan.acquisitions if a.kind == "point"]


def test_demo_plan_passes(demo_plan: Plan, mission: Mission, fleet: list[Satellite]) -> None:
    report = check_plan(demo_plan, mission, fleet)
    assert report.ok, [str(v) for v in report.violations]
    assert report.value == pytest.approx(demo_plan.objective, rel=0.02)
    assert len(demo_plan.acquisitions) >= 3 and demo_plan.downlinks


def _late(plan: Plan) -> None:
    a = _points(plan)[0]
    a.start += timedelta(days=3)
    a.end += timedelta(days=3)


def _wrong_roll(plan: Plan) -> None:
    _points(plan)[0].roll_deg += 1.0


def _too_oblique(plan: Plan) -> None:
    # the request accepts less than the geometry needs
    a = _points(plan)[0]
    request = plan.requests.by_id()[a.request]
    request.max_off_nadir_deg = 1.0
    request._target = None


def _dark(plan: Plan) -> None:
    a = _points(plan)[0]
    request = plan.requests.by_id()[a.request]
    request.min_sun_elevation_deg = 89.0


def _overlap(plan: Plan) -> None:
    a, b = _points(plan)[:2]
    b.start, b.end = a.start, a.end


def _no_slew_time(plan: Plan) -> None:
    # two strips (or images) of one satellite moved next to each other, with a big roll between
    strips = _strips(plan)
    if len(strips) < 2:
        first = plan.acquisitions[0].satellite
        strips = [x for x in plan.acquisitions if x.satellite == first]
    a, b = sorted(strips, key=lambda x: x.start)[-2:]
    b.roll_deg = b.end_roll_deg = -a.roll_deg
    gap = timedelta(seconds=1.0)
    length = b.end - b.start
    b.start = a.end + gap
    b.end = b.start + length


def _volume(plan: Plan) -> None:
    plan.acquisitions[0].volume_gbit *= 0.5


def _short_dwell(plan: Plan) -> None:
    a = _points(plan)[0]
    a.end = a.start + timedelta(seconds=1)


def _unknown_request(plan: Plan) -> None:
    plan.acquisitions[0].request = "nope"


def _downlink_outside_pass(plan: Plan) -> None:
    d = plan.downlinks[0]
    d.start -= timedelta(hours=2)
    d.end -= timedelta(hours=2)


def _downlink_too_fast(plan: Plan) -> None:
    d = plan.downlinks[0]
    d.end = d.start + timedelta(seconds=0.01)


def _downlink_before_data(plan: Plan) -> None:
    d = plan.downlinks[0]
    later = plan.acquisitions[-1]
    d.acquisitions.append(later.id)
    d.volume_gbit += later.volume_gbit
    d.end += timedelta(seconds=later.volume_gbit * 1000 / 122.88 + 1)


def _two_on_one_antenna(plan: Plan) -> None:
    d = plan.downlinks[0]
    plan.downlinks.append(
        Downlink(
            id="intruder",
            satellite=d.satellite,
            station=d.station,
            start=d.start,
            end=d.end,
            volume_gbit=0.0,
            acquisitions=[],
        )
    )


def _wrong_station(plan: Plan) -> None:
    plan.downlinks[0].station = "Logoisk"


def _inflated(plan: Plan) -> None:
    plan.objective *= 2


def _duplicate(plan: Plan) -> None:
    a = _points(plan)[0]
    plan.acquisitions.append(a.model_copy(update={"id": "again"}))


def _bad_period(plan: Plan) -> None:
    _points(plan)[0].occurrence = 5


def _half_stereo(plan: Plan) -> None:
    _points(plan)[0].look = 1


BREAKS: dict[str, Callable[[Plan], None]] = {
    "window": _late,
    "angle": _wrong_roll,
    "sun": _dark,
    "overlap": _overlap,
    "slew": _no_slew_time,
    "volume": _volume,
    "duration": _short_dwell,
    "request": _unknown_request,
    "downlink-pass": _downlink_outside_pass,
    "downlink-rate": _downlink_too_fast,
    "downlink-data": _downlink_before_data,
    "antenna": _two_on_one_antenna,
    "downlink-station": _wrong_station,
    "objective": _inflated,
    "duplicate": _duplicate,
    "repeat": _bad_period,
    "stereo": _half_stereo,
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_broken_rule_is_named(
    rule: str, demo_plan: Plan, mission: Mission, fleet: list[Satellite]
) -> None:
    plan = _copy(demo_plan)
    BREAKS[rule](plan)
    report = check_plan(plan, mission, fleet)
    assert rule in report.rules(), [str(v) for v in report.violations]


def test_off_nadir_limit_of_the_request(
    demo_plan: Plan, mission: Mission, fleet: list[Satellite]
) -> None:
    plan = _copy(demo_plan)
    _too_oblique(plan)
    assert "angle" in check_plan(plan, mission, fleet).rules()


def test_memory_overflow(demo_plan: Plan, mission: Mission, fleet: list[Satellite]) -> None:
    small = mission.model_copy(deep=True)
    small.satellites[0].memory_gbit = 0.5
    report = check_plan(demo_plan, small, fleet)
    assert report.rules() == {"memory"}, [str(v) for v in report.violations]


def test_battery_floor(demo_plan: Plan, mission: Mission, fleet: list[Satellite]) -> None:
    weak = mission.model_copy(deep=True)
    power = weak.satellites[0].power
    assert power is not None
    power.sunlit_charge_w = 100.0  # less than the idle load: the battery only drains
    report = check_plan(demo_plan, weak, fleet)
    assert "battery" in report.rules()


def test_slew_profile() -> None:
    from zorka.mission import Agility

    agility = Agility(max_slew_rate_deg_s=1.0, max_slew_accel_deg_s2=0.05, settling_time_s=15)
    # triangular below rate²/accel = 20°: 2 sqrt(θ/α); trapezoidal above: θ/ω + ω/α
    assert slew_time_s(5.0, agility) == pytest.approx(2 * (5 / 0.05) ** 0.5 + 15)
    assert slew_time_s(20.0, agility) == pytest.approx(40 + 15)
    assert slew_time_s(30.0, agility) == pytest.approx(30 + 20 + 15)
    assert slew_time_s(0.0, agility) == 0.0
