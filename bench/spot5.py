"""SPOT5: zorka's solver on every instance of the shared sample against the published values.

    python bench/spot5.py [--data ../shared/data/spot5] [--single 10] [--multi 60] [NAME ...]

Each instance runs once with its time limit (single-orbit 10 s, multi-orbit 60 s; the solver
stops earlier when CP-SAT proves optimality). The reference values are the proven optima and
best-known values of Bensana, Lemaître and Verfaillie (1999, Table 1), read from the table in the
sample's README. Every selection passes ``zorka.planning.spot5.check`` before it is counted.

Targets (issue 4): every single-orbit instance at its proven optimum in under 10 s; every
multi-orbit instance at or above its best-known value in 60 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
from pathlib import Path

from ortools import __version__ as ortools_version

from zorka.planning.cpsat_spot5 import solve_spot5
from zorka.planning.spot5 import check, read_spot5

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "spot5"
_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*\d+\s*\|\s*\d+\s*\|\s*(\d+)\s*\|\s*$")


def reference_values(readme: Path) -> dict[str, int]:
    """Instance id → proven optimum or best-known value, from the README's table."""
    values: dict[str, int] = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        if match := _ROW.match(line.strip()):
            values[match.group(1)] = int(match.group(2))
    return values


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*", help="only these instances (default: all)")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--single", type=float, default=10.0, help="single-orbit time limit, s")
    ap.add_argument("--multi", type=float, default=60.0, help="multi-orbit time limit, s")
    args = ap.parse_args()

    reference = reference_values(args.data / "README.md")
    paths = sorted(args.data.glob("*.spot"), key=lambda p: (int(p.stem) > 1000, int(p.stem)))
    if args.names:
        paths = [p for p in paths if p.stem in args.names]
    py = f"{platform.python_implementation()} {platform.python_version()}"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {py}, OR-Tools {ortools_version}"
    )
    print("CP-SAT: 2 workers, hint from the constructive planner; local search if not proven")
    print()
    header = (
        f"{'instance':>8} {'kind':>6} {'limit s':>7} {'reference':>10} {'zorka':>10} "
        f"{'bound':>10} {'proven':>6} {'seconds':>8}  verdict"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    for path in paths:
        instance = read_spot5(path)
        limit = args.multi if instance.multi_orbit else args.single
        solution = solve_spot5(instance, limit)
        assert check(instance, solution.selected) == solution.objective
        ref = reference.get(instance.name)
        if ref is None:
            verdict = "no reference"
        elif solution.objective > ref:
            verdict = "above reference"
        elif solution.objective == ref:
            verdict = "reached"
        else:
            verdict = f"BELOW by {ref - solution.objective}"
            failures += 1
        if not instance.multi_orbit and not solution.optimal:
            verdict += ", NOT PROVEN"
            failures += 1
        bound = "-" if solution.upper_bound is None else str(solution.upper_bound)
        print(
            f"{instance.name:>8} {'multi' if instance.multi_orbit else 'single':>6} "
            f"{limit:>7.0f} {ref if ref is not None else '?':>10} {solution.objective:>10} "
            f"{bound:>10} {'yes' if solution.optimal else 'no':>6} {solution.seconds:>8.2f}  "
            f"{verdict}"
        )
    print()
    print(f"{len(paths)} instances, {failures} short of the target")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
