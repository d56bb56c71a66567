"""``zorka plan`` and ``zorka plan check`` on the embedded mission with the demo requests."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import zorka.cli.commands  # noqa: F401  (registers the verbs)
from zorka.cli.app import app

runner = CliRunner()


def test_plan_then_check(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app,
        ["plan", "--requests", "demo", "--hours", "48", "--time-limit", "0.5", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "served" in result.output and "per customer" in result.output
    assert "partners" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["mission"] == "by" and data["acquisitions"]
    checked = runner.invoke(app, ["plan", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "valid" in checked.output

    data["objective"] *= 3
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    rejected = runner.invoke(app, ["plan", "check", str(bad)])
    assert rejected.exit_code == 1
    assert "objective" in rejected.output


def test_schemas_are_published() -> None:
    for name in ("requests", "plan", "clouds"):
        result = runner.invoke(app, ["schema", name])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["$schema"].startswith("https://json-schema.org")


def test_bad_inputs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 2
    empty = tmp_path / "r.yaml"
    empty.write_text("requests: [{id: x, customer: c}]\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", "--requests", str(empty)])
    assert result.exit_code == 2
    assert "request x" in result.output
    junk = tmp_path / "p.json"
    junk.write_text("{}", encoding="utf-8")
    assert runner.invoke(app, ["plan", "check", str(junk)]).exit_code == 2


def test_plan_both_prints_the_gap(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app,
        [
            "plan",
            "--requests",
            "demo",
            "--hours",
            "48",
            "--time-limit",
            "2",
            "--solver",
            "both",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "CP-SAT" in result.output and "gap" in result.output
    exact = runner.invoke(
        app, ["plan", "--requests", "demo", "--hours", "48", "--solver", "cpsat", "--out", str(out)]
    )
    assert exact.exit_code == 0, exact.output
    assert "cp-sat" in exact.output
    assert runner.invoke(app, ["plan", "check", str(out)]).exit_code == 0


def test_plan_with_a_cloud_forecast(tmp_path: Path) -> None:
    clouds = tmp_path / "clouds.csv"
    # overcast everywhere the demo looks, for the whole demo period
    rows = ["lat,lon,time,probability"]
    for lat in (-90, 90):
        for lon in (-180, 180):
            rows.append(f"{lat},{lon},2024-09-05T00:00:00Z,0.75")
    clouds.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    args = ["plan", "--requests", "demo", "--hours", "48", "--time-limit", "0.5"]
    result = runner.invoke(app, [*args, "--clouds", str(clouds), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    given = {r["id"]: r.get("cloud_probability") for r in data["requests"]["requests"]}
    assert 0.75 in given.values()
    for s in data["served"]:
        r = next(r for r in data["requests"]["requests"] if r["id"] == s["request"])
        assert s["value"] <= r["weight"] * (1 - r["cloud_probability"]) + 1e-6
    bad = tmp_path / "bad.csv"
    bad.write_text("lat,lon\n1,2\n", encoding="utf-8")
    rejected = runner.invoke(app, [*args, "--clouds", str(bad)])
    assert rejected.exit_code != 0
    assert "lat,lon,time,probability" in rejected.output
