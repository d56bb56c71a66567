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
    for name in ("requests", "plan"):
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
