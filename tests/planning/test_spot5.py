"""SPOT5: the reader on every shared instance, the checker on broken selections, the solvers on
the proven optima of Bensana, Lemaître and Verfaillie (1999, Table 1), and ``zorka spot5``.

The instances are the sample in ``../shared/data/spot5`` (see its README for the source).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import zorka.cli.commands  # noqa: F401  (registers the verbs on the app)
from zorka.cli.app import app
from zorka.planning.cpsat_spot5 import solve_cpsat, solve_spot5
from zorka.planning.spot5 import (
    Spot5CheckError,
    Spot5FormatError,
    Spot5Instance,
    Spot5Solution,
    check,
    read_spot5,
)
from zorka.planning.spot5_search import greedy, local_search

SPOT5 = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "spot5"

# id: (photographs, constraints as the paper counts them, proven optimum)
OPTIMA = {
    "8": (8, 7, 10),
    "54": (67, 204, 70),
    "29": (82, 380, 12032),
    "404": (100, 610, 49),
    "503": (143, 492, 9096),
    "1502": (209, 203, 61158),
}

runner = CliRunner()


def _path(name: str) -> Path:
    path = SPOT5 / f"{name}.spot"
    if not path.is_file():
        pytest.fail(f"shared SPOT5 instance not found at {path}")
    return path


@pytest.fixture(scope="module")
def instances() -> dict[str, Spot5Instance]:
    return {name: read_spot5(_path(name)) for name in OPTIMA}


def test_every_shared_instance_is_listed() -> None:
    assert sorted(p.stem for p in SPOT5.glob("*.spot")) == sorted(OPTIMA)


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_reader_counts_match_the_paper(name: str, instances: dict[str, Spot5Instance]) -> None:
    instance = instances[name]
    photographs, constraints, _ = OPTIMA[name]
    assert instance.name == name
    assert len(instance.photographs) == photographs
    # the paper counts the capacity of a multi-orbit day as one constraint
    assert len(instance.constraints) + instance.multi_orbit == constraints
    assert instance.multi_orbit == (int(name) > 1000)
    for c in instance.constraints:
        assert c.arity in (2, 3)
        assert all(len(t) == c.arity for t in c.forbidden)
        assert all(pid in instance.by_id for pid in c.photographs)


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_text_round_trip(name: str, instances: dict[str, Spot5Instance]) -> None:
    instance = instances[name]
    again = Spot5Instance.from_text(instance.to_text(), name=name)
    assert again == instance


def test_reader_details_of_instance_8(instances: dict[str, Spot5Instance]) -> None:
    instance = instances["8"]
    assert instance.by_id[0].weight == 1
    assert instance.by_id[0].values == (1, 2, 3)
    assert instance.by_id[4].values == (13,)
    assert instance.capacity is None and instance.capacity_units is None
    first = instance.constraints[0]
    assert first.photographs == (1, 0)
    assert first.forbidden == ((3, 3), (2, 2), (1, 1))
    assert first.line == 11


def test_multi_orbit_capacity_and_units(instances: dict[str, Spot5Instance]) -> None:
    instance = instances["1502"]
    assert instance.capacity == 90000
    assert instance.capacity_units == 200  # the unit of the published best-known values
    assert instance.capacity_line == 414
    photo = instance.by_id[0]
    assert photo.values == (2,)
    assert photo.consumption_units(2) == 1  # 451.15 in the file


# --- bad files name their file, line and field ---


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("x\n", 1, "photograph count"),
        ("1\n0 1 1 4 0\n0\n", 2, "value 1 of photograph 0"),
        ("1\n0 1 2 1 0\n0\n", 2, "domain of photograph 0"),
        ("1\n0 1 1 1 -3\n0\n", 2, "consumption of value 1 of photograph 0"),
        ("2\n0 1 1 1 0\n0 2 1 2 0\n0\n", 3, "photograph id"),
        ("2\n0 1 1 1 0\n1 1 1 2 0\n1\n4 0 1 1 2\n", 5, "arity of constraint 0"),
        ("2\n0 1 1 1 0\n1 1 1 2 0\n1\n2 0 7 1 2\n", 5, "photograph 2 of constraint 0"),
        ("2\n0 1 1 1 0\n1 1 1 2 0\n1\n2 0 1 1 2 1\n", 5, "forbidden tuples of constraint 0"),
        ("2\n0 1 1 1 0\n1 1 1 2 0\n1\n2 0 1 1 3\n", 5, "tuple 1 of constraint 0"),
        ("2\n0 1 1 1 0\n1 1 1 2 0\n2\n2 0 1 1 2\n", 5, "constraint 1 of 2"),
        ("1\n0 1 1 1 0\n1\n200\n300\n", 5, "capacity"),
    ],
)
def test_format_errors_name_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(Spot5FormatError) as info:
        Spot5Instance.from_text(text, name="bad", source="bad.spot")
    assert info.value.line == line
    assert info.value.field == field
    assert str(info.value).startswith(f"bad.spot:{line}: {field}: ")


def test_format_error_from_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.spot"
    path.write_text("2\n0 1 1 1 0\n")
    with pytest.raises(Spot5FormatError, match=r"broken\.spot:2: photograph 1: the file ends"):
        read_spot5(path)


# --- the checker ---


def _violation(instance: Spot5Instance, selection: dict[int, int]) -> Spot5CheckError:
    with pytest.raises(Spot5CheckError) as info:
        check(instance, selection)
    return info.value


def test_check_accepts_and_scores(instances: dict[str, Spot5Instance]) -> None:
    instance = instances["8"]
    assert check(instance, {}) == 0
    assert check(instance, {0: 2, 4: 13, 5: 0}) == 3  # value 0 leaves a photograph out


def test_check_rejects_a_binary_conflict(instances: dict[str, Spot5Instance]) -> None:
    instance = instances["8"]
    error = _violation(instance, {0: 3, 1: 3})
    [v] = error.violations
    assert v.kind == "binary"
    assert v.line == 11
    assert "binary constraint #0 (line 11) on photographs (1, 0) forbids values (3, 3)" in str(
        error
    )


def test_check_rejects_a_stereo_pair(instances: dict[str, Spot5Instance]) -> None:
    [v] = _violation(instances["8"], {4: 13, 5: 13}).violations
    assert v.kind == "binary" and "(5, 4)" in v.message


def test_check_rejects_a_ternary_conflict(instances: dict[str, Spot5Instance]) -> None:
    instance = instances["503"]
    ternary = next(c for c in instance.constraints if c.arity == 3)
    selection = dict(zip(ternary.photographs, ternary.forbidden[0], strict=True))
    error = _violation(instance, selection)
    kinds = {v.kind for v in error.violations}
    assert "ternary" in kinds
    assert f"ternary constraint #{ternary.index} (line {ternary.line})" in str(error)


def test_check_rejects_over_capacity(instances: dict[str, Spot5Instance]) -> None:
    instance = instances["1502"]
    # every photograph at its costliest value: far beyond 200 units, plus many conflicts
    selection = {p.id: max(p.values, key=p.consumption_units) for p in instance.photographs}
    error = _violation(instance, selection)
    [capacity] = [v for v in error.violations if v.kind == "capacity"]
    assert capacity.line == 414
    assert "capacity constraint (line 414)" in capacity.message
    assert "recorder holds 200 (90000)" in capacity.message


def test_check_rejects_unknown_photograph_and_value(instances: dict[str, Spot5Instance]) -> None:
    instance = instances["8"]
    error = _violation(instance, {99: 1, 4: 2})
    assert [v.kind for v in error.violations] == ["photograph", "value"]
    assert "photograph 99 is not in the instance" in str(error)
    assert "photograph 4 (line 6) cannot take value 2; its candidates are 13" in str(error)


def test_check_lists_every_violation(instances: dict[str, Spot5Instance]) -> None:
    # three photographs on the same instrument: three pairwise conflicts, all reported
    error = _violation(instances["8"], {0: 1, 1: 1, 2: 1})
    assert len(error.violations) == 3
    assert "breaks 3 rule(s)" in str(error)


# --- solvers ---


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_greedy_and_local_search_are_feasible(
    name: str, instances: dict[str, Spot5Instance]
) -> None:
    instance = instances[name]
    optimum = OPTIMA[name][2]
    start = greedy(instance)
    assert check(instance, start.selected) == start.objective <= optimum
    better = local_search(instance, 0.3, seed=1, start=start)
    assert check(instance, better.selected) == better.objective
    assert start.objective <= better.objective <= optimum
    assert not better.optimal and better.upper_bound is None  # heuristics prove nothing


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_cpsat_proves_the_published_optimum(name: str, instances: dict[str, Spot5Instance]) -> None:
    instance = instances[name]
    solution = solve_cpsat(instance, 10.0, hint=greedy(instance))
    assert solution.optimal, f"{name}: not proven in 10 s"
    assert solution.objective == solution.upper_bound == OPTIMA[name][2]
    assert check(instance, solution.selected) == solution.objective
    assert solution.seconds < 5.0


@pytest.mark.parametrize("name", ["54", "503", "1502"])
def test_solve_with_the_local_search_phase(name: str, instances: dict[str, Spot5Instance]) -> None:
    # a first CP-SAT run too short to prove anything sends solve_spot5 through its local search
    instance = instances[name]
    solution = solve_spot5(instance, 3.0, first_s=0.001)
    assert solution.objective == OPTIMA[name][2]
    assert solution.optimal and solution.upper_bound == solution.objective
    assert check(instance, solution.selected) == solution.objective


def test_solution_json_round_trip(instances: dict[str, Spot5Instance]) -> None:
    solution = solve_spot5(instances["8"], 2.0)
    data = json.loads(json.dumps(solution.to_json()))
    assert list(data) == ["instance", "objective", "selected", "optimal", "upper_bound", "seconds"]
    again = Spot5Solution.from_json(data)
    assert again.selected == solution.selected
    assert again.objective == solution.objective
    assert again.optimal is solution.optimal
    assert again.upper_bound == solution.upper_bound


# --- zorka spot5 ---


def test_cli_json(instances: dict[str, Spot5Instance]) -> None:
    result = runner.invoke(app, ["spot5", str(_path("503")), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["instance", "objective", "selected", "optimal", "upper_bound", "seconds"]
    assert data["instance"] == "503"
    assert data["objective"] == 9096
    assert data["optimal"] is True
    assert data["upper_bound"] == 9096
    assert set(data["selected"].values()) <= {1, 2, 3, 13}
    selection = {int(pid): v for pid, v in data["selected"].items()}
    assert check(instances["503"], selection) == 9096


def test_cli_table() -> None:
    result = runner.invoke(app, ["spot5", str(_path("1502")), "--time-limit", "10"])
    assert result.exit_code == 0, result.output
    assert "61158" in result.stdout
    assert "proven" in result.stdout


def test_cli_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.spot"
    path.write_text("1\n0 1 1 7 0\n0\n")
    result = runner.invoke(app, ["spot5", str(path)])
    assert result.exit_code == 2
    assert "bad.spot:2: value 1 of photograph 0: 7 is not one of 1, 2, 3, 13" in result.stderr
    missing = runner.invoke(app, ["spot5", str(tmp_path / "none.spot")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr


def test_cli_never_prints_a_rejected_selection(
    monkeypatch: pytest.MonkeyPatch, instances: dict[str, Spot5Instance]
) -> None:
    import zorka.planning.cpsat_spot5 as cpsat_spot5

    real = cpsat_spot5.solve_cpsat

    def broken(instance: Spot5Instance, *args: object, **kwargs: object) -> Spot5Solution:
        good = real(instance, 5.0)
        # a solver bug: both photographs of a forbidden stereo pair
        return Spot5Solution(instance.name, {**good.selected, 4: 13, 5: 13}, 99, True, 99)

    monkeypatch.setattr(cpsat_spot5, "solve_cpsat", broken)
    result = runner.invoke(app, ["spot5", str(_path("8")), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "fails the check" in result.stderr
    assert "binary constraint" in result.stderr


def test_cli_never_prints_a_misreported_objective(monkeypatch: pytest.MonkeyPatch) -> None:
    import zorka.planning.cpsat_spot5 as cpsat_spot5

    real = cpsat_spot5.solve_cpsat

    def boastful(instance: Spot5Instance, *args: object, **kwargs: object) -> Spot5Solution:
        good = real(instance, 5.0)
        return Spot5Solution(instance.name, good.selected, good.objective + 1, True, 11)

    monkeypatch.setattr(cpsat_spot5, "solve_cpsat", boastful)
    result = runner.invoke(app, ["spot5", str(_path("8")), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "the solver reports 11, the checker finds 10" in result.stderr
