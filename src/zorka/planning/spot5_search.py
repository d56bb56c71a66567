"""A constructive planner and a ruin-and-recreate local search for SPOT5 instances.

Neither proves anything; they give a good selection in milliseconds to a second, for CP-SAT to
start from (as a hint) and for the instances where CP-SAT does not prove quickly.

Every (photograph, value) pair is an *option*. Two options conflict when they belong to the same
photograph or a binary constraint forbids them together; a ternary constraint forbids a triple.
The search keeps, for each option, how many selected options conflict with it, so that testing an
insertion costs its ternary triples and one lookup.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from zorka.planning.spot5 import Spot5Instance, Spot5Solution

__all__ = ["greedy", "local_search"]


@dataclass
class _Options:
    """The instance compiled to options: arrays indexed by option number."""

    photo: list[int]  # photograph index (position in instance.photographs)
    value: list[int]
    weight: list[int]
    units: list[int]
    conflicts: list[list[int]]  # options that cannot be selected with this one
    triples: list[list[tuple[int, int]]]  # (b, c): options a, b and c cannot all be selected
    capacity: int | None
    order: list[int]  # the constructive order: heaviest first, then cheapest, least constrained

    @classmethod
    def of(cls, instance: Spot5Instance) -> _Options:
        index: dict[tuple[int, int], int] = {}
        photo: list[int] = []
        value: list[int] = []
        weight: list[int] = []
        units: list[int] = []
        capacity = instance.capacity_units
        for i, p in enumerate(instance.photographs):
            for v in p.values:
                index[p.id, v] = len(photo)
                photo.append(i)
                value.append(v)
                weight.append(p.weight)
                units.append(p.consumption_units(v) if capacity is not None else 0)
        n = len(photo)
        conflict_sets: list[set[int]] = [set() for _ in range(n)]
        by_photo: dict[int, list[int]] = {}
        for k in range(n):
            by_photo.setdefault(photo[k], []).append(k)
        for same in by_photo.values():
            for a in same:
                conflict_sets[a].update(b for b in same if b != a)
        triples: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for c in instance.constraints:
            for tup in c.forbidden:
                ks = [index[pid, v] for pid, v in zip(c.photographs, tup, strict=True)]
                if len(ks) == 2:
                    conflict_sets[ks[0]].add(ks[1])
                    conflict_sets[ks[1]].add(ks[0])
                else:
                    a, b, d = ks
                    triples[a].append((b, d))
                    triples[b].append((a, d))
                    triples[d].append((a, b))
        conflicts = [sorted(s) for s in conflict_sets]
        order = sorted(
            range(n), key=lambda k: (-weight[k], units[k], len(conflicts[k]) + len(triples[k]), k)
        )
        return cls(photo, value, weight, units, conflicts, triples, capacity, order)


class _State:
    """A feasible selection with incremental conflict counts."""

    def __init__(self, options: _Options, photographs: int) -> None:
        self.o = options
        self.chosen = [-1] * photographs  # photograph index → selected option, or -1
        self.selected = [False] * len(options.photo)
        self.blocked = [0] * len(options.photo)  # selected options conflicting with each option
        self.used = 0
        self.objective = 0

    def can_add(self, k: int) -> bool:
        o = self.o
        if self.blocked[k] or self.chosen[o.photo[k]] >= 0:
            return False
        if o.capacity is not None and self.used + o.units[k] > o.capacity:
            return False
        sel = self.selected
        return not any(sel[b] and sel[c] for b, c in o.triples[k])

    def add(self, k: int) -> None:
        o = self.o
        self.chosen[o.photo[k]] = k
        self.selected[k] = True
        for j in o.conflicts[k]:
            self.blocked[j] += 1
        self.used += o.units[k]
        self.objective += o.weight[k]

    def remove(self, k: int) -> None:
        o = self.o
        self.chosen[o.photo[k]] = -1
        self.selected[k] = False
        for j in o.conflicts[k]:
            self.blocked[j] -= 1
        self.used -= o.units[k]
        self.objective -= o.weight[k]

    def fill(self, order: list[int]) -> None:
        for k in order:
            if self.can_add(k):
                self.add(k)

    def options(self) -> list[int]:
        return [k for k in self.chosen if k >= 0]

    def reset_to(self, options: list[int]) -> None:
        for k in self.options():
            self.remove(k)
        for k in options:
            self.add(k)


def _solution(
    instance: Spot5Instance, o: _Options, options: list[int], started: float, solver: str
) -> Spot5Solution:
    selected = {instance.photographs[o.photo[k]].id: o.value[k] for k in options}
    return Spot5Solution(
        instance=instance.name,
        selected=selected,
        objective=sum(o.weight[k] for k in options),
        seconds=time.perf_counter() - started,
        solver=solver,
    )


def greedy(instance: Spot5Instance) -> Spot5Solution:
    """Heaviest photographs first, each with its cheapest value that breaks no rule."""
    started = time.perf_counter()
    o = _Options.of(instance)
    state = _State(o, len(instance.photographs))
    state.fill(o.order)
    return _solution(instance, o, state.options(), started, "greedy")


def local_search(
    instance: Spot5Instance,
    time_limit_s: float = 1.0,
    *,
    seed: int = 0,
    start: Spot5Solution | None = None,
    max_stall: int = 5000,
) -> Spot5Solution:
    """Ruin and recreate from the greedy selection (or ``start``) until the time limit.

    Each move forces one left-out option in, drops what conflicts with it and a few random
    selected options more, then refills greedily in a slightly shuffled order; it is kept when
    the objective does not fall. It stops early after ``max_stall`` moves without improvement,
    or when the selection holds every photograph.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    rng = random.Random(seed)
    o = _Options.of(instance)
    n_photos = len(instance.photographs)
    state = _State(o, n_photos)
    if start is not None:
        index = {(instance.photographs[o.photo[k]].id, o.value[k]): k for k in range(len(o.photo))}
        for pid, v in start.selected.items():
            k = index[pid, v]
            if not state.can_add(k):
                raise ValueError(f"{instance.name}: the start selection breaks a rule at {pid}={v}")
            state.add(k)
    state.fill(o.order)
    best = state.options()
    best_value = state.objective
    total = instance.total_weight
    stall = 0
    n_options = len(o.photo)
    while n_options and best_value < total and stall < max_stall:
        if not stall % 64 and time.perf_counter() >= deadline:
            break
        stall += 1
        before = state.options()
        before_value = state.objective
        k = rng.randrange(n_options)
        if state.selected[k]:
            continue
        # ruin: make room for k
        current = state.chosen[o.photo[k]]
        if current >= 0:
            state.remove(current)
        for j in o.conflicts[k]:
            if state.selected[j]:
                state.remove(j)
        for b, c in o.triples[k]:
            if state.selected[b] and state.selected[c]:
                state.remove(b if rng.random() < 0.5 else c)
        if o.capacity is not None:
            while state.used + o.units[k] > o.capacity:
                heavy = [j for j in state.options() if o.units[j]]
                state.remove(rng.choice(heavy))
        for j in rng.sample(state.options(), min(rng.randint(0, 2), len(state.options()))):
            state.remove(j)
        state.add(k)
        # recreate: the constructive order with a little noise so that ties are broken differently
        order = sorted(o.order, key=lambda j: -o.weight[j] * (1.0 + 0.3 * rng.random()))
        state.fill(order)
        if state.objective < before_value:
            state.reset_to(before)
            continue
        if state.objective > best_value:
            best = state.options()
            best_value = state.objective
            stall = 0
    return _solution(instance, o, best, started, "local search")
