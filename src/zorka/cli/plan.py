"""``zorka plan``: plan acquisitions and downlinks for a set of requests, and check a plan.

Thin: :func:`zorka.planning.greedy.plan_requests` plans (``--solver greedy``),
:func:`zorka.planning.cpsat_plan.plan_requests_cpsat` solves the exact model (``--solver cpsat``;
``both`` prints the greedy plan's gap to CP-SAT's bound), :func:`zorka.planning.replan.replan`
replans (``--keep PLAN --freeze ISO``), :func:`zorka.planning.checker.check_plan` checks; a plan
the checker rejects is reported and never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from zorka.cli.app import app
from zorka.cli.mission import MissionOption, load_mission_option
from zorka.cli.passes import _console, _fail, err
from zorka.mission import Mission, default_mission, list_default_missions
from zorka.orbits.satellite import Satellite
from zorka.planning.checker import check_plan
from zorka.planning.clouds import apply_clouds
from zorka.planning.plan import Plan
from zorka.planning.requests import RequestSet
from zorka.time import parse_utc

__all__ = ["Solver", "plan_app"]


class Solver(StrEnum):
    """Which planner ``zorka plan`` runs."""

    greedy = "greedy"
    cpsat = "cpsat"
    both = "both"


plan_app = typer.Typer(
    name="plan",
    help="Plan acquisitions and downlinks for requests (`zorka plan --requests FILE`), or check"
    " a plan (`zorka plan check PLAN`).",
    invoke_without_command=True,
)
app.add_typer(plan_app, name="plan")


@plan_app.callback()
def plan(
    ctx: typer.Context,
    requests: Annotated[
        Path | None,
        typer.Option(
            "--requests", "-r", help="request file (YAML or GeoJSON); 'demo' for the demo set"
        ),
    ] = None,
    mission: MissionOption = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="horizon start, ISO-8601 UTC; default: the demo clock"),
    ] = None,
    hours: Annotated[float, typer.Option("--hours", help="horizon length, hours")] = 24.0,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="planning time limit, seconds")
    ] = 10.0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the plan (JSON)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the improver")] = 0,
    solver: Annotated[
        Solver,
        typer.Option(
            "--solver",
            help="greedy (construction + local search), cpsat (exact model), or both: the"
            " greedy plan, and its gap to CP-SAT's bound",
        ),
    ] = Solver.greedy,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="replan: keep this plan (JSON) up to --freeze"),
    ] = None,
    freeze: Annotated[
        str | None,
        typer.Option("--freeze", help="replan: keep everything that starts before, ISO-8601 UTC"),
    ] = None,
    clouds: Annotated[
        Path | None,
        typer.Option(
            "--clouds",
            help="cloud forecast grid (JSON, NPZ or CSV lat,lon,time,probability); lowers the"
            " value of requests without their own cloud_probability",
        ),
    ] = None,
) -> None:
    """Plan which requests each satellite images, when, and when the data comes down."""
    if ctx.invoked_subcommand is not None:
        return
    from zorka.planning.requests import RequestSet, demo_requests_path, read_requests

    if (keep is None) != (freeze is None):
        raise _fail("replanning needs both --keep PLAN and --freeze ISO")
    if requests is None and keep is None:
        raise _fail("give --requests FILE (or --requests demo), or use `zorka plan check PLAN`")
    if hours <= 0:
        raise _fail(f"--hours must be positive, not {hours:g}")
    request_set = RequestSet()
    path = None
    if requests is not None:
        path = demo_requests_path() if str(requests) == "demo" else requests
        request_set, issues = read_requests(path)
        for issue in issues:
            err.print(f"[yellow]warning:[/yellow] {issue}", markup=False, highlight=False)
        if not request_set.requests:
            raise _fail(f"{path}: no valid request")
    forecast = None
    if clouds is not None:
        from zorka.planning.clouds import read_clouds

        try:
            forecast = read_clouds(clouds)
        except ValueError as exc:
            raise _fail(f"{clouds}: {exc}") from None
    if keep is not None:
        kept = read_plan_file(keep)
        chosen = plan_mission(kept, mission)
    else:
        chosen = load_mission_option(mission)
    satellites, problems = chosen.fleet()
    for message in problems:
        err.print(f"[yellow]warning:[/yellow] {message}")
    if keep is not None:
        from zorka.planning.replan import replan

        assert freeze is not None
        try:
            at = parse_utc(freeze, field="--freeze")
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if not kept.start <= at <= kept.end:
            raise _fail(f"--freeze {freeze} is outside the kept plan's horizon")
        if forecast is not None:
            request_set = apply_clouds(request_set, forecast, kept.start, kept.end)
        try:
            result = replan(
                chosen,
                kept,
                at,
                request_set,
                satellites=satellites,
                time_limit_s=time_limit,
                solver="cpsat" if solver == Solver.cpsat else "greedy",
                seed=seed,
            )
        except ValueError as exc:
            raise _fail(f"{keep}: {exc}") from None
    else:
        default = chosen.demo.start if chosen.demo else datetime.now(UTC)
        try:
            t0 = parse_utc(start, field="--start") if start else default
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if forecast is not None:
            request_set = apply_clouds(request_set, forecast, t0, t0 + timedelta(hours=hours))
        result = _solve(
            chosen,
            request_set,
            t0,
            t0 + timedelta(hours=hours),
            satellites,
            solver,
            time_limit,
            seed,
        )
    report = check_plan(result, chosen, satellites)
    if not report.ok:
        for v in report.violations:
            err.print(f"[red]violation:[/red] {v}", highlight=False)
        err.print("[red]error:[/red] the plan breaks the rules above; it is not written")
        raise typer.Exit(1)
    _summary(result)
    for u in result.unserved:
        err.print(f"{u.request}: not served ({u.reason}) — {u.detail}", highlight=False)
    if out is not None:
        out.write_text(result.to_json() + "\n", encoding="utf-8")
        err.print(f"plan written to {out}")


def _solve(
    mission: Mission,
    requests: RequestSet,
    t0: datetime,
    t1: datetime,
    satellites: Sequence[Satellite],
    solver: Solver,
    time_limit: float,
    seed: int,
) -> Plan:
    from zorka.planning.cpsat_plan import plan_requests_cpsat
    from zorka.planning.greedy import plan_requests
    from zorka.planning.opportunities import find_opportunities

    opportunities = find_opportunities(mission, satellites, requests, t0, t1)
    common = {"satellites": satellites, "seed": seed, "opportunities": opportunities}
    if solver == Solver.cpsat:
        return plan_requests_cpsat(
            mission,
            requests,
            t0,
            t1,
            time_limit_s=time_limit,
            **common,  # type: ignore[arg-type]
        )
    greedy = plan_requests(mission, requests, t0, t1, time_limit_s=time_limit, **common)  # type: ignore[arg-type]
    if solver == Solver.greedy:
        return greedy
    exact = plan_requests_cpsat(
        mission,
        requests,
        t0,
        t1,
        time_limit_s=time_limit,
        hint=greedy,
        **common,  # type: ignore[arg-type]
    )
    bound = exact.upper_bound if exact.upper_bound is not None else exact.objective
    gap = 100.0 * (bound - greedy.objective) / bound if bound > 0 else 0.0
    _console().print(
        f"CP-SAT ({exact.statistics.solver if exact.statistics else 'cp-sat'}): value"
        f" {exact.objective:.2f}, bound {bound:.2f}; greedy {greedy.objective:.2f}:"
        f" gap {gap:.2f}% to the bound",
        highlight=False,
    )
    greedy.upper_bound = round(bound, 6)
    return greedy


def read_plan_file(path: Path) -> Plan:
    """The plan in ``path``, or an exit with every field error it holds."""
    try:
        return Plan.read(path)
    except OSError as exc:
        raise _fail(f"{path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        for e in exc.errors()[:20]:
            where = ".".join(str(x) for x in e["loc"])
            err.print(f"{path}: {where}: {e['msg']}", markup=False, highlight=False)
        raise _fail(f"{path}: not a valid plan") from None


def plan_mission(plan: Plan, mission: Path | None) -> Mission:
    """``--mission``, or else the embedded mission the plan names, or else the default."""
    if mission is None and plan.mission in list_default_missions():
        return default_mission(plan.mission)
    return load_mission_option(mission)


def _summary(plan: Plan) -> None:
    console = _console()
    total = len(plan.requests.requests)
    bound = plan.upper_bound
    gap = ""
    if bound:
        gap = f", gap to bound {100 * (bound - plan.objective) / bound:.1f}%"
    stats = plan.statistics
    solver = f" ({stats.solver}, {stats.seconds:.1f} s)" if stats else ""
    console.print(
        f"Plan {plan.start:%Y-%m-%d %H:%M} – {plan.end:%Y-%m-%d %H:%M} UTC{solver}:"
        f" served {len(plan.served)}/{total}, value {plan.objective:.2f}"
        + (f" of at most {bound:.2f}{gap}" if bound is not None else ""),
        highlight=False,
    )
    sats = Table(title="per satellite", header_style="bold")
    for column in ("satellite", "images", "imaging s", "Gbit", "downlinks", "sent Gbit"):
        sats.add_column(column, justify="left" if column == "satellite" else "right")
    for profile in plan.profiles:
        mine = [a for a in plan.acquisitions if a.satellite == profile.satellite]
        down = [d for d in plan.downlinks if d.satellite == profile.satellite]
        sats.add_row(
            profile.satellite,
            str(len(mine)),
            f"{sum(a.duration_s for a in mine):.1f}",
            f"{sum(a.volume_gbit for a in mine):.2f}",
            str(len(down)),
            f"{sum(d.volume_gbit for d in down):.2f}",
        )
    console.print(sats)
    customers = Table(title="per customer", header_style="bold")
    for column in ("customer", "served", "value", "demand", "share", "quota"):
        customers.add_column(column, justify="left" if column == "customer" else "right")
    for c in plan.customers:
        customers.add_row(
            c.customer,
            f"{c.served}/{c.requests}",
            f"{c.value:.2f}",
            f"{c.demand:.2f}",
            f"{100 * c.share:.1f}%",
            f"{100 * c.quota:.0f}%" if c.quota is not None else "–",
        )
    console.print(customers)


@plan_app.command("check")
def check(
    plan_file: Annotated[Path, typer.Argument(help="plan (JSON) to check", dir_okay=False)],
    mission: MissionOption = None,
) -> None:
    """Check a plan against every constraint, recomputing the geometry from the mission."""
    plan = read_plan_file(plan_file)
    chosen = plan_mission(plan, mission)
    report = check_plan(plan, chosen)
    for v in report.violations:
        typer.echo(f"violation: {v}")
    if not report.ok:
        typer.echo(f"{plan_file}: {len(report.violations)} violations")
        raise typer.Exit(1)
    typer.echo(
        f"{plan_file}: valid: {len(plan.acquisitions)} acquisitions, {len(plan.downlinks)}"
        f" downlinks, value {report.value:.2f} (the plan claims {plan.objective:.2f})"
    )
