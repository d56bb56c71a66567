"""The exact SPOT5 model on OR-Tools CP-SAT, and :func:`solve_spot5`, the front solver.

One Boolean per (photograph, value); at most one per photograph; a clause per forbidden tuple
(CP-SAT's presolve merges the binary ones into cliques, which is what makes the single-orbit
instances prove in a fraction of a second); one linear capacity constraint in the units of the
published results; maximise the sum of weights.

:func:`solve_spot5` hands the constructive selection to CP-SAT as a hint, so CP-SAT starts from a
good solution and spends its time on the bound; when it does not prove quickly, a local search
improves the best selection and CP-SAT resumes from there. A solution is called optimal only when
CP-SAT proves it.

No symmetry breaking is added by hand: CP-SAT's presolve finds the orbits of identical
photographs itself, and every sample instance proves in well under a second without more.
"""

from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from zorka.planning.spot5 import Spot5Instance, Spot5Solution, check
from zorka.planning.spot5_search import greedy, local_search

__all__ = ["solve_cpsat", "solve_spot5"]


def solve_cpsat(
    instance: Spot5Instance,
    time_limit_s: float = 10.0,
    *,
    hint: Spot5Solution | None = None,
    num_workers: int = 2,
    seed: int = 0,
    log: bool = False,
) -> Spot5Solution:
    """Solve ``instance`` with CP-SAT within ``time_limit_s``.

    The result is optimal when CP-SAT proves it; otherwise its ``upper_bound`` is CP-SAT's best
    bound. When CP-SAT finds no solution in time, the result is ``hint`` (or the empty selection)
    with that bound.
    """
    started = time.perf_counter()
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    capacity = instance.capacity_units
    load = []
    objective = []
    for p in instance.photographs:
        options = []
        for v in p.values:
            var = model.new_bool_var(f"p{p.id}_v{v}")
            x[p.id, v] = var
            options.append(var)
            objective.append(p.weight * var)
            if capacity is not None and (units := p.consumption_units(v)):
                load.append(units * var)
        if len(options) > 1:
            model.add_at_most_one(options)
    for c in instance.constraints:
        for tup in c.forbidden:
            model.add_bool_or([~x[pid, v] for pid, v in zip(c.photographs, tup, strict=True)])
    if capacity is not None and load:
        model.add(sum(load) <= capacity)
    model.maximize(sum(objective))
    if hint is not None:
        for (pid, v), var in x.items():
            model.add_hint(var, hint.selected.get(pid) == v)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit_s)
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = log
    status = solver.solve(model)
    seconds = time.perf_counter() - started

    # CP-SAT's bound means something only once it has a solution: on UNKNOWN it reads 0
    bound = solver.best_objective_bound
    upper = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and math.isfinite(bound):
        upper = math.floor(bound + 1e-6)
    if status == cp_model.OPTIMAL:
        selected = {pid: v for (pid, v), var in x.items() if solver.boolean_value(var)}
        value = round(solver.objective_value)
        return Spot5Solution(instance.name, selected, value, True, value, seconds, "cp-sat")
    if status == cp_model.FEASIBLE:
        selected = {pid: v for (pid, v), var in x.items() if solver.boolean_value(var)}
        value = round(solver.objective_value)
        if hint is None or value >= hint.objective:
            return Spot5Solution(instance.name, selected, value, False, upper, seconds, "cp-sat")
    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        # the empty selection is always feasible, so this is a bug in the model, never the data
        raise RuntimeError(f"{instance.name}: CP-SAT says {solver.status_name(status)}")
    base = hint.selected if hint is not None else {}
    value = hint.objective if hint is not None else 0
    proven = upper is not None and upper <= value
    return Spot5Solution(
        instance.name, dict(base), value, proven, upper, seconds, hint.solver if hint else "none"
    )


def solve_spot5(
    instance: Spot5Instance,
    time_limit_s: float = 10.0,
    *,
    num_workers: int = 2,
    seed: int = 0,
    first_s: float | None = None,
) -> Spot5Solution:
    """The best selection zorka finds within ``time_limit_s``, checked, with CP-SAT's bound.

    CP-SAT starts from the constructive selection and has ``first_s`` (default: a fifth of the
    limit, at least a second) to prove it; most instances end there. Otherwise a local search
    improves CP-SAT's best selection for a tenth of the limit (at most a second), and CP-SAT
    resumes from it for the rest. The bound is the tighter of the two runs'. The returned
    selection has passed :func:`check`.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    if first_s is None:
        first_s = min(time_limit_s, max(1.0, 0.2 * time_limit_s))
    best = solve_cpsat(
        instance,
        first_s,
        hint=greedy(instance),
        num_workers=num_workers,
        seed=seed,
    )
    bound = best.upper_bound
    if not best.optimal and deadline - time.perf_counter() > 0.5:
        search_s = min(1.0, 0.1 * time_limit_s, deadline - time.perf_counter() - 0.2)
        improved = local_search(instance, search_s, seed=seed, start=best)
        second = solve_cpsat(
            instance,
            deadline - time.perf_counter(),
            hint=improved if improved.objective > best.objective else best,
            num_workers=num_workers,
            seed=seed + 1,
        )
        bounds = [b for b in (bound, second.upper_bound) if b is not None]
        bound = min(bounds) if bounds else None
        best = max(best, improved, second, key=lambda s: s.objective)
    objective = check(instance, best.selected)
    if objective != best.objective:
        raise RuntimeError(
            f"{instance.name}: the solver reports {best.objective}, the checker finds {objective}"
        )
    # optimal only on CP-SAT's word: its proof, or its bound reached by the selection
    optimal = best.optimal or (bound is not None and bound <= objective)
    return Spot5Solution(
        instance.name,
        best.selected,
        objective,
        optimal,
        objective if optimal else bound,
        time.perf_counter() - started,
        best.solver,
    )
