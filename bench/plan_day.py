"""A realistic day of planning: 2,000 requests, 6 satellites, 2 stations, 24 hours.

SYNTHETIC load: the requests are made up with a fixed seed (points and small areas spread over
Belarus, Mozambique and Bahrain; three customers with quotas). The orbits are real: six low-orbit
satellites of the November 2019 science TLE set (tests/data/orbits/science-2019-11.tle), each
given the Kanopus-V spacecraft model of the embedded mission `by` (sensor, agility, memory,
power, X-band downlink) and its stations Minsk (payload reception) and Logoisk.
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from zorka.mission import Mission, default_mission  # noqa: E402
from zorka.mission.orbit_source import TLEOrbit  # noqa: E402
from zorka.orbits.satellite import Satellite  # noqa: E402
from zorka.orbits.tle import read_tle  # noqa: E402
from zorka.planning.requests import RequestSet, parse_requests  # noqa: E402

TLE_FILE = ROOT / "tests" / "data" / "orbits" / "science-2019-11.tle"
#: Six low orbits of the real 2019 set, between about 450 and 720 km.
FLEET = ("RESURS P2", "ZHANGZHENG-1 (CSES)", "SWARM A", "CRYOSAT 2", "FLYING LAPTOP", "OCO 2")
START = datetime(2019, 11, 18, tzinfo=UTC)
HOURS = 24.0
SEED = 20191118
#: Replanning keeps the plan before this hour of the day.
FREEZE_H = 6.0
N_REQUESTS = 2000
#: Country boxes (lon0, lat0, lon1, lat1) and their share of the requests.
COUNTRIES = {
    "Belarus": ((23.2, 51.3, 32.7, 56.1), 0.6),
    "Mozambique": ((30.3, -26.8, 40.8, -10.6), 0.3),
    "Bahrain": ((50.38, 25.8, 50.82, 26.3), 0.1),
}
CUSTOMERS = (("agro", 0.4), ("cities", 0.3), ("partners", 0.3))


def fleet_mission() -> tuple[Mission, list[Satellite]]:
    """Mission `by` with its one Kanopus-V replaced by six real 2019 orbits of that model."""
    base = default_mission("by")
    model = base.satellites[0]
    tles, errors = read_tle(TLE_FILE)
    assert not errors, errors
    by_name = {t.name.strip(): t for t in tles}
    specs = []
    for name in FLEET:
        tle = by_name[name]
        spec = model.model_copy(deep=True)
        spec.name = name
        spec.norad_id = tle.norad_id
        spec.cospar_id = None
        spec.orbit = TLEOrbit.model_validate(
            {
                "kind": "tle",
                "line1": tle.line1,
                "line2": tle.line2,
                "provenance": f"{TLE_FILE.name} (real TLE, November 2019)",
            }
        )
        specs.append(spec)
    mission = base.model_copy(update={"name": "bench-day", "satellites": specs, "demo": None})
    satellites, problems = mission.fleet()
    assert not problems, problems
    return mission, satellites


def synthetic_requests(n: int = N_REQUESTS, seed: int = SEED) -> RequestSet:
    """``n`` made-up requests over the partner countries for the day from :data:`START`."""
    rng = np.random.default_rng(seed)
    names = list(COUNTRIES)
    shares = np.array([COUNTRIES[c][1] for c in names])
    day_end = START + timedelta(hours=HOURS)
    out: list[dict[str, Any]] = []
    for k in range(n):
        country = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        (lon0, lat0, lon1, lat1), _ = COUNTRIES[country]
        lon, lat = float(rng.uniform(lon0, lon1)), float(rng.uniform(lat0, lat1))
        customer = (
            "partners" if country != "Belarus" else ("agro" if rng.random() < 0.55 else "cities")
        )
        area = rng.random() < 0.25
        if area:
            w_km, h_km = rng.uniform(2.0, 12.0, 2)
            dlon = float(w_km) / (111.32 * math.cos(math.radians(lat)))
            dlat = float(h_km) / 110.57
            ring = [
                [round(lon, 5), round(lat, 5)],
                [round(lon + dlon, 5), round(lat, 5)],
                [round(lon + dlon, 5), round(lat + dlat, 5)],
                [round(lon, 5), round(lat + dlat, 5)],
                [round(lon, 5), round(lat, 5)],
            ]
            geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
        else:
            geometry = {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
        earliest, latest = START, day_end
        if rng.random() < 0.2:  # a narrower window: half a day
            half = int(rng.integers(0, 2))
            earliest = START + timedelta(hours=12 * half)
            latest = earliest + timedelta(hours=12)
        request: dict[str, Any] = {
            "id": f"r{k:04d}",
            "customer": customer,
            "geometry": geometry,
            "product": str(rng.choice(["pan", "ms", "pan+ms"], p=[0.5, 0.2, 0.3])),
            "weight": int(rng.integers(1, 11)),
            "earliest": earliest.isoformat().replace("+00:00", "Z"),
            "latest": latest.isoformat().replace("+00:00", "Z"),
        }
        if area:
            request["accept_partial"] = bool(rng.random() < 0.5)
        else:
            request["duration_s"] = float(rng.choice([3.0, 5.0, 8.0]))
        if rng.random() < 0.3:
            request["max_off_nadir_deg"] = float(rng.choice([20.0, 25.0, 30.0]))
        if rng.random() < 0.3:
            request["cloud_probability"] = round(float(rng.uniform(0.0, 0.6)), 2)
        out.append(request)
    doc = {
        "description": f"SYNTHETIC bench requests (seed {seed}): made up, not real orders",
        "quota_tolerance": 0.1,
        "customers": [{"name": c, "quota": q} for c, q in CUSTOMERS],
        "requests": out,
    }
    requests, issues = parse_requests(doc, "plan_day")
    assert not issues, issues[:3]
    return requests


def problem() -> tuple[Mission, list[Satellite], RequestSet, datetime, datetime]:
    """The bench day: mission, its satellites, the requests and the horizon."""
    mission, satellites = fleet_mission()
    return mission, satellites, synthetic_requests(), START, START + timedelta(hours=HOURS)


def urgent_requests(n: int = 20, seed: int = SEED + 1) -> RequestSet:
    """``n`` made-up urgent requests (weight 20, points) from :data:`FREEZE_H` to the day's end
    (daylight passes over these countries are in the UTC morning)."""
    rng = np.random.default_rng(seed)
    noon = START + timedelta(hours=FREEZE_H)
    day_end = START + timedelta(hours=HOURS)
    out = []
    names = list(COUNTRIES)
    for k in range(n):
        (lon0, lat0, lon1, lat1), _ = COUNTRIES[names[k % len(names)]]
        out.append(
            {
                "id": f"urgent{k:02d}",
                "customer": "partners" if k % len(names) else "cities",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(rng.uniform(lon0, lon1)), 5),
                        round(float(rng.uniform(lat0, lat1)), 5),
                    ],
                },
                "weight": 20,
                "earliest": noon.isoformat().replace("+00:00", "Z"),
                "latest": day_end.isoformat().replace("+00:00", "Z"),
            }
        )
    requests, issues = parse_requests({"requests": out}, "urgent")
    assert not issues, issues[:3]
    return requests


def main() -> None:
    """Plan the day, bound it with CP-SAT, replan 20 urgent requests; print every figure."""
    import time

    from zorka.planning.checker import check_plan
    from zorka.planning.cpsat_plan import plan_requests_cpsat
    from zorka.planning.greedy import plan_requests
    from zorka.planning.opportunities import find_opportunities
    from zorka.planning.replan import replan

    mission, satellites, requests, start, end = problem()
    print(f"bench plan_day: {len(requests.requests)} SYNTHETIC requests (seed {SEED}),")
    print(f"  {len(satellites)} satellites (real 2019 TLEs, Kanopus-V model): {', '.join(FLEET)}")
    print(f"  stations {', '.join(s.name for s in mission.stations)}; {start:%Y-%m-%d} 24 h")
    clock = time.perf_counter()
    opps = find_opportunities(mission, satellites, requests, start, end)
    found_s = time.perf_counter() - clock
    print(f"opportunities: {len(opps.opportunities)} in {found_s:.1f} s")
    budget = 60.0 - found_s - 2.0
    plan = plan_requests(
        mission,
        requests,
        start,
        end,
        satellites=satellites,
        time_limit_s=budget,
        opportunities=opps,
    )
    planned_s = time.perf_counter() - clock
    stats = plan.statistics
    assert stats is not None
    print(f"bound (passes' best paths, Lagrangian multipliers per request): {plan.upper_bound}")
    print(
        f"greedy+LNS: value {plan.objective:.2f}, served {len(plan.served)}, in {planned_s:.1f} s"
        f" (opportunities included; construction {stats.greedy_objective}, {stats.iterations}"
        f" LNS rounds)"
    )
    report = check_plan(plan, mission, satellites)
    print(f"checker: {'valid' if report.ok else report.violations[:3]}")
    t = time.perf_counter()
    exact = plan_requests_cpsat(
        mission,
        requests,
        start,
        end,
        satellites=satellites,
        time_limit_s=CPSAT_LIMIT_S,
        opportunities=opps,
        hint=plan,
    )
    bound = exact.upper_bound
    solver = exact.statistics.solver if exact.statistics else "cp-sat"
    print(
        f"CP-SAT ({solver}, {time.perf_counter() - t:.1f} s): value {exact.objective:.2f},"
        f" bound {bound} (the lower of CP-SAT's and the Lagrangian one)"
    )
    if bound is not None and bound != float("inf") and bound > 0:
        print(
            f"gap of greedy+LNS to the CP-SAT bound: {100 * (bound - plan.objective) / bound:.2f}%"
        )
    else:
        print("gap: CP-SAT gave no bound in its time limit")
    urgent = urgent_requests()
    t = time.perf_counter()
    again = replan(
        mission,
        plan,
        start + timedelta(hours=FREEZE_H),
        urgent,
        satellites=satellites,
        time_limit_s=3.0,
        opportunities=opps,
    )
    took = time.perf_counter() - t
    got = {s.request for s in again.served} & {r.id for r in urgent.requests}
    print(
        f"replan 20 urgent requests, frozen before {FREEZE_H:g}:00 UTC: {took:.1f} s,"
        f" {len(got)} of them served, value {again.objective:.2f}"
    )
    report = check_plan(again, mission, satellites)
    print(f"checker: {'valid' if report.ok else report.violations[:3]}")


#: CP-SAT's time on the whole day, seconds.
CPSAT_LIMIT_S = 120.0

if __name__ == "__main__":
    main()
