"""Replanning: the frozen part of a plan stays as it was, urgent requests get in, the checker
passes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

import zorka.cli.commands  # noqa: F401  (registers the verbs)
from zorka.cli.app import app
from zorka.mission import Mission
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import check_plan
from zorka.planning.plan import Plan
from zorka.planning.replan import replan
from zorka.planning.requests import RequestSet, parse_requests


def _urgent(plan: Plan) -> RequestSet:
    """Urgent requests near served places (Maputo is seen on the pass that images Beira),
    worth more than anything else."""
    doc = {
        "customers": [{"name": "urgent"}],
        "requests": [
            {
                "id": f"urgent-{name}",
                "customer": "urgent",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "weight": 50,
                "earliest": plan.start.isoformat(),
                "latest": plan.end.isoformat(),
            }
            for name, lon, lat in (("maputo", 32.59, -25.97), ("manama", 50.58, 26.23))
        ],
    }
    requests, issues = parse_requests(doc)
    assert not issues
    return requests


def _content(plan: Plan, before: timedelta) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    cut = plan.start + before
    acq = [
        (a.id, a.satellite, a.request, a.start.isoformat(), a.end.isoformat())
        for a in plan.acquisitions
        if a.start < cut
    ]
    down = [
        (d.satellite, d.station, d.start.isoformat(), d.end.isoformat(), *d.acquisitions)
        for d in plan.downlinks
        if d.start < cut
    ]
    return acq, down


def test_replan_keeps_the_frozen_part(
    demo_plan: Plan, mission: Mission, fleet: list[Satellite]
) -> None:
    freeze = timedelta(hours=11)
    urgent = _urgent(demo_plan)
    new = replan(
        mission, demo_plan, demo_plan.start + freeze, urgent, satellites=fleet, time_limit_s=1.0
    )
    report = check_plan(new, mission, fleet)
    assert report.ok, [str(v) for v in report.violations]
    assert _content(new, freeze) == _content(demo_plan, freeze)
    assert _content(demo_plan, freeze)[0]
    served = {s.request for s in new.served}
    assert served & {r.id for r in urgent.requests}
    assert all(
        a.start >= demo_plan.start + freeze
        for a in new.acquisitions
        if a.request.startswith("urgent-")
    )
    assert new.statistics is not None and new.statistics.solver.startswith("replan")


def test_replan_cli(tmp_path: Path, demo_plan: Plan) -> None:
    kept = tmp_path / "plan.json"
    kept.write_text(demo_plan.to_json(), encoding="utf-8")
    urgent = tmp_path / "urgent.json"
    urgent.write_text(_urgent(demo_plan).model_dump_json(exclude_none=True), encoding="utf-8")
    out = tmp_path / "new.json"
    freeze = (demo_plan.start + timedelta(hours=11)).isoformat()
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "plan",
            "--keep",
            str(kept),
            "--freeze",
            freeze,
            "--requests",
            str(urgent),
            "--time-limit",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["plan", "check", str(out)]).exit_code == 0
    assert runner.invoke(app, ["plan", "--keep", str(kept)]).exit_code == 2
