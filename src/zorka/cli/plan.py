"""``zorka plan``: plan acquisitions and downlinks for a set of requests, and check a plan.

Thin: :func:`zorka.planning.greedy.plan_requests` plans, :func:`zorka.planning.checker.check_plan`
checks; a plan the checker rejects is reported and never written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from zorka.cli.app import app
from zorka.cli.mission import MissionOption, load_mission_option
from zorka.cli.passes import _console, _fail, err
from zorka.mission import Mission, default_mission, list_default_missions
from zorka.planning.checker import check_plan
from zorka.planning.plan import Plan
from zorka.time import parse_utc

__all__ = ["plan_app"]

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
) -> None:
    """Plan which requests each satellite images, when, and when the data comes down."""
    if ctx.invoked_subcommand is not None:
        return
    if requests is None:
        raise _fail("give --requests FILE (or --requests demo), or use `zorka plan check PLAN`")
    from zorka.planning.greedy import plan_requests
    from zorka.planning.requests import demo_requests_path, read_requests

    if hours <= 0:
        raise _fail(f"--hours must be positive, not {hours:g}")
    chosen = load_mission_option(mission)
    path = demo_requests_path() if str(requests) == "demo" else requests
    request_set, issues = read_requests(path)
    for issue in issues:
        err.print(f"[yellow]warning:[/yellow] {issue}", markup=False, highlight=False)
    if not request_set.requests:
        raise _fail(f"{path}: no valid request")
    satellites, problems = chosen.fleet()
    for message in problems:
        err.print(f"[yellow]warning:[/yellow] {message}")
    default = chosen.demo.start if chosen.demo else datetime.now(UTC)
    try:
        t0 = parse_utc(start, field="--start") if start else default
    except ValueError as exc:
        raise _fail(str(exc)) from None
    t1 = t0 + timedelta(hours=hours)
    result = plan_requests(
        chosen, request_set, t0, t1, satellites=satellites, time_limit_s=time_limit, seed=seed
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
    try:
        plan = Plan.read(plan_file)
    except OSError as exc:
        raise _fail(f"{plan_file}: {exc.strerror}") from None
    except ValidationError as exc:
        for e in exc.errors()[:20]:
            where = ".".join(str(x) for x in e["loc"])
            err.print(f"{plan_file}: {where}: {e['msg']}", markup=False, highlight=False)
        raise _fail(f"{plan_file}: not a valid plan") from None
    chosen: Mission
    if mission is None and plan.mission in list_default_missions():
        chosen = default_mission(plan.mission)
    else:
        chosen = load_mission_option(mission)
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
