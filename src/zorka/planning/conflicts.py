"""Who clashes with whom on one satellite, pass by pass: conflict matrices, cliques, best paths.

Two images of one satellite clash when the second starts before the first ends plus the slew
between them (rest-to-rest, settling included) plus :data:`~zorka.planning.timeline.SLACK_S`.
No slew takes longer than a half turn, so the opportunities of a satellite fall into *passes*:
runs in time order separated by gaps no slew can bridge, with no clash between two passes.

Within a pass the clash relation is held as a dense matrix, from which

- :func:`clique_cover` finds cliques (sets of opportunities that clash pairwise) in time order,
  covering every clash: one *at most one* per clique says the same as the pairwise clauses, and
  its linear relaxation is much tighter (a pass over a country holds a handful of images, not
  half of all its opportunities);
- :func:`best_path` finds the most valuable set of opportunities that can all be taken in a pass:
  a longest path in time order. Checking consecutive images suffices, because turning through a
  third image never takes less time (the slew time is subadditive in the angle, and angles obey
  the triangle inequality).

The sum of the passes' best paths bounds every plan (:func:`pass_bound`), but counts a request
once per pass; :func:`lagrangian_bound` puts "each request period once" back with multipliers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zorka.mission.model import SatelliteSpec
from zorka.planning.opportunities import Opportunity
from zorka.planning.requests import FULL_COVERAGE
from zorka.planning.timeline import SLACK_S

__all__ = [
    "LagrangianBound",
    "Pass",
    "best_path",
    "clique_cover",
    "find_passes",
    "lagrangian_bound",
    "pass_bound",
    "slew_times",
    "unit_vectors",
]

Array = np.ndarray[Any, np.dtype[Any]]


def slew_times(spec: SatelliteSpec, angle: Array) -> Array:
    """Vectorised :func:`zorka.planning.resources.slew_time_s` (infinite for a fixed sensor)."""
    if spec.agility is None:
        return np.where(angle < 1e-6, 0.0, np.inf)
    ag = spec.agility
    rate, accel = ag.max_slew_rate_deg_s, ag.max_slew_accel_deg_s2
    tri = 2.0 * np.sqrt(angle / accel)
    trap = angle / rate + rate / accel
    turn = np.where(angle <= rate * rate / accel, tri, trap)
    return np.where(angle < 1e-6, 0.0, turn + ag.settling_time_s)


def unit_vectors(roll: Array, pitch: Array) -> Array:
    """Lines of sight in the satellite's frame, one row per roll and pitch (degrees)."""
    r, p = np.radians(roll), np.radians(pitch)
    return np.column_stack((np.sin(p), np.cos(p) * np.sin(r), np.cos(p) * np.cos(r)))


def _reach(spec: SatelliteSpec) -> float:
    """The longest slew, seconds (0 for a fixed sensor: it never turns)."""
    if spec.agility is None:
        return 0.0
    return float(slew_times(spec, np.array([180.0]))[0])


@dataclass
class Pass:
    """Opportunities of one satellite close enough in time to clash, in order of first start.

    ``members``: indices into the caller's list; ``clash[a, b]``: members ``a`` and ``b``
    cannot both be taken."""

    satellite: str
    members: list[int]
    clash: Array


def _look_rows(opps: Sequence[Opportunity], members: Sequence[int]) -> Array:
    rows = [
        (k.start_s, k.end_s, k.roll0_deg, k.pitch0_deg, k.roll1_deg, k.pitch1_deg, n)
        for n, i in enumerate(members)
        for k in opps[i].looks
    ]
    return np.array(sorted(rows), dtype=float).reshape(-1, 7)


def _clash_matrix(spec: SatelliteSpec, opps: Sequence[Opportunity], members: list[int]) -> Array:
    a = _look_rows(opps, members)
    start, end, owner = a[:, 0], a[:, 1], a[:, 6].astype(np.int64)
    u0, u1 = unit_vectors(a[:, 2], a[:, 3]), unit_vectors(a[:, 4], a[:, 5])
    angle = np.degrees(np.arccos(np.clip(u1 @ u0.T, -1.0, 1.0)))  # [p, q]: end p -> start q
    need = slew_times(spec, angle)
    n = len(a)
    later = np.triu(np.ones((n, n), dtype=bool), 1)  # q after p in start order
    looks = later & (start[None, :] < end[:, None] + need + SLACK_S)
    looks |= looks.T
    m = len(members)
    out = np.zeros((m, m), dtype=bool)
    pi, qi = np.nonzero(looks)
    out[owner[pi], owner[qi]] = True
    np.fill_diagonal(out, False)
    return out


def _matrix(
    spec: SatelliteSpec, opps: Sequence[Opportunity], members: list[int], wanted: bool
) -> Array:
    if wanted:
        return _clash_matrix(spec, opps, members)
    return np.zeros((0, 0), dtype=bool)


def find_passes(
    specs: dict[str, SatelliteSpec], opps: Sequence[Opportunity], *, matrices: bool = True
) -> list[Pass]:
    """The passes of every satellite, each with its clash matrix (empty unless ``matrices``)."""
    by_sat: dict[str, list[int]] = defaultdict(list)
    for i, o in enumerate(opps):
        by_sat[o.satellite].append(i)
    out = []
    for name, idx in by_sat.items():
        spec = specs[name]
        reach = _reach(spec) + SLACK_S
        idx.sort(key=lambda i: (opps[i].looks[0].start_s, i))
        run: list[int] = []
        last_end = float("-inf")
        for i in idx:
            o = opps[i]
            if run and o.looks[0].start_s >= last_end + reach:
                out.append(Pass(name, run, _matrix(spec, opps, run, matrices)))
                run, last_end = [], float("-inf")
            run.append(i)
            last_end = max(last_end, o.looks[-1].end_s)
        if run:
            out.append(Pass(name, run, _matrix(spec, opps, run, matrices)))
    return out


def clique_cover(clash: Array, seeds: int = 1) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """Cliques of ``clash`` (lists of member indices, two or more), and the clashing pairs no
    clique covers: together they say exactly what the clash matrix says.

    Each member in turn seeds up to ``seeds`` cliques with the first later member it clashes
    with that no clique covers yet; the clique grows with later members clashing with all of it,
    earliest first: in a pass these are the images of one stretch of time."""
    m = len(clash)
    covered = np.zeros((m, m), dtype=bool)
    cliques: list[list[int]] = []
    order = np.arange(m)
    for i in range(m):
        later = clash[i] & (order > i)
        for _ in range(seeds):
            todo = np.flatnonzero(later & ~covered[i])
            if todo.size == 0:
                break
            clique = [i, int(todo[0])]
            mask = later & clash[todo[0]]
            mask[: todo[0] + 1] = False
            while True:
                nxt = np.flatnonzero(mask)
                if nxt.size == 0:
                    break
                j = int(nxt[0])
                clique.append(j)
                mask &= clash[j]
                mask[j] = False
            ix = np.array(clique)
            covered[np.ix_(ix, ix)] = True
            cliques.append(clique)
    left = np.argwhere(np.triu(clash, 1) & ~covered)
    return cliques, [(int(a), int(b)) for a, b in left]


def best_path(
    spec: SatelliteSpec,
    opps: Sequence[Opportunity],
    members: Sequence[int],
    values: Array,
    *,
    tolerance: float = 0.0,
) -> list[int]:
    """The members (indices into ``members``) of most total value that one satellite can take
    one after the other: a longest path in order of first start. Multi-look opportunities are
    taken as a block (nothing between their looks). ``tolerance`` (seconds) lets paths a little
    tighter than the timeline's checks through: for bounds, against rounding."""
    m = len(members)
    if m == 0:
        return []
    first = [opps[i].looks[0] for i in members]
    last = [opps[i].looks[-1] for i in members]
    start = np.array([k.start_s for k in first])
    end = np.array([k.end_s for k in last])
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    u0 = unit_vectors(
        np.array([first[i].roll0_deg for i in order]),
        np.array([first[i].pitch0_deg for i in order]),
    )
    u1 = unit_vectors(
        np.array([last[i].roll1_deg for i in order]), np.array([last[i].pitch1_deg for i in order])
    )
    val = np.asarray(values, dtype=float)[order]
    best = np.zeros(m)
    back = np.full(m, -1, dtype=np.int64)
    for j in range(m):
        if j:
            angle = np.degrees(np.arccos(np.clip(u1[:j] @ u0[j], -1.0, 1.0)))
            ok = end[:j] + slew_times(spec, angle) + SLACK_S <= start[j] + tolerance
            if ok.any():
                cand = np.where(ok, best[:j], -np.inf)
                k = int(np.argmax(cand))
                if cand[k] > 0:
                    best[j], back[j] = cand[k], k
        best[j] += val[j]
    j = int(np.argmax(best))
    path = []
    while j >= 0 and best[j] > 0:
        if val[j] > 0:
            path.append(int(order[j]))
        j = int(back[j])
    return path[::-1]


def _bound_value(o: Opportunity) -> float:
    """What ``o`` can earn at most, counted alone: an area that must be covered whole earns
    nothing below :data:`~zorka.planning.requests.FULL_COVERAGE`, so at most its part over that."""
    if o.request.is_area and not o.request.accept_partial:
        return o.value / FULL_COVERAGE
    return o.value


def pass_bound(specs: dict[str, SatelliteSpec], opps: Sequence[Opportunity]) -> float:
    """An upper bound on the value of any plan made of ``opps``: the sum over passes of each
    pass's best path.

    The relaxation: each request period may be served once *per pass* (not once in all), an
    area earns the sum of its strips' parts (over the coverage threshold when it must be covered
    whole), and memory, battery, downlinks and quotas are dropped. What is kept exactly is the
    timeline: the images of a plan in one pass are a path of :func:`best_path` (its looks taken
    one by one, the value on the first, so images between the looks of a stereo pair are
    allowed too), and no image clashes with one of another pass."""
    looks: list[Opportunity] = []
    values: list[float] = []
    for o in opps:
        for n, k in enumerate(o.looks):
            looks.append(
                Opportunity(o.request, o.occurrence, o.satellite, o.kind, (k,), o.volume_gbit)
            )
            values.append(_bound_value(o) if n == 0 else 0.0)
    value = np.array(values)
    total = 0.0
    for p in find_passes(specs, looks, matrices=False):
        path = best_path(specs[p.satellite], looks, p.members, value[p.members], tolerance=1e-6)
        total += float(value[p.members][path].sum())
    return total


@dataclass
class _Chain:
    """The first looks of one pass in order of start, ready for many best paths: every
    look before ``cut[j]`` may precede look ``j``, and of the later ones those in ``band[j]``."""

    satellite: str
    owner: list[int]
    cut: list[int]
    band: list[list[int]]


def _chains(specs: dict[str, SatelliteSpec], opps: Sequence[Opportunity]) -> list[_Chain]:
    firsts = [
        Opportunity(o.request, o.occurrence, o.satellite, o.kind, (o.looks[0],), o.volume_gbit)
        for o in opps
    ]
    out = []
    for p in find_passes(specs, firsts, matrices=False):
        spec = specs[p.satellite]
        looks = [firsts[i].looks[0] for i in p.members]
        order = sorted(range(len(looks)), key=lambda n: looks[n].start_s)
        start = np.array([looks[n].start_s for n in order])
        end = np.array([looks[n].end_s for n in order])
        u0 = unit_vectors(
            np.array([looks[n].roll0_deg for n in order]),
            np.array([looks[n].pitch0_deg for n in order]),
        )
        u1 = unit_vectors(
            np.array([looks[n].roll1_deg for n in order]),
            np.array([looks[n].pitch1_deg for n in order]),
        )
        reach = _reach(spec) + SLACK_S
        top = np.maximum.accumulate(end) if len(end) else end
        cuts = np.searchsorted(top + reach, start + 1e-6, side="right")
        cut, band = [], []
        for j in range(len(order)):
            c = min(int(cuts[j]), j)
            angle = np.degrees(np.arccos(np.clip(u1[c:j] @ u0[j], -1.0, 1.0)))
            ok = end[c:j] + slew_times(spec, angle) + SLACK_S <= start[j] + 1e-6
            cut.append(c)
            band.append([c + int(k) for k in np.flatnonzero(ok)])
        out.append(_Chain(p.satellite, [p.members[n] for n in order], cut, band))
    return out


def _chain_path(chain: _Chain, val: Sequence[float]) -> tuple[float, list[int]]:
    """The best path of a chain under values ``val`` (in chain order): value and positions."""
    m = len(val)
    best = [0.0] * m
    back = [-1] * m
    top = [0.0] * m  # best of best[: j + 1]
    arg = [-1] * m
    cut, band = chain.cut, chain.band
    for j in range(m):
        v = val[j]
        if v > 0:
            b, k = 0.0, -1
            c = cut[j]
            if c and top[c - 1] > b:
                b, k = top[c - 1], arg[c - 1]
            for q in band[j]:
                if best[q] > b:
                    b, k = best[q], q
            best[j], back[j] = b + v, k
        if j and top[j - 1] >= best[j]:
            top[j], arg[j] = top[j - 1], arg[j - 1]
        else:
            top[j], arg[j] = best[j], j
    if not m or arg[-1] < 0:
        return 0.0, []
    path = []
    j = arg[-1]
    while j >= 0:
        path.append(j)
        j = back[j]
    return top[-1], path[::-1]


@dataclass
class LagrangianBound:
    """What :func:`lagrangian_bound` found: the bound, the multipliers that give it (one per
    request period, ``(request id, occurrence)``), and the opportunities (indices into the
    caller's list) of every pass's best path under them."""

    bound: float
    multipliers: dict[tuple[str, int], float]
    chosen: list[int]
    iterations: int
    #: earlier bests, every :data:`SNAPSHOT_ROUNDS` rounds, as (chosen, multipliers): the
    #: heuristic starts from each, their plans differ more than their bounds
    snapshots: list[tuple[list[int], dict[tuple[str, int], float]]] = field(default_factory=list)


#: How often :func:`lagrangian_bound` keeps its best solution so far, rounds.
SNAPSHOT_ROUNDS = 25


def lagrangian_bound(
    specs: dict[str, SatelliteSpec],
    opps: Sequence[Opportunity],
    *,
    lower: float = 0.0,
    iterations: int = 300,
    deadline: float = float("inf"),
) -> LagrangianBound:
    """An upper bound on the value of any plan made of ``opps``, at most :func:`pass_bound`:
    the pass decomposition with "each request period earns at most its value" put back by
    Lagrangian multipliers.

    Period ``g`` earns ``min(W_g, Σ v_o x_o)`` at most (``W_g`` its share of the request's
    expected weight, ``v_o`` what opportunity ``o`` can earn counted alone, as in
    :func:`pass_bound`). With a multiplier ``μ_g`` in ``[0, 1]`` on ``y_g ≤ Σ v_o x_o``, any
    plan earns at most ``Σ_g (1 − μ_g) W_g + Σ_passes best path with values μ_g v_o``, for
    every ``μ``: ``μ = 1`` is :func:`pass_bound`, and subgradient steps (Polyak's rule aimed at
    ``lower``, the best plan known) lower it for ``iterations`` rounds or until
    ``time.perf_counter()`` passes ``deadline``. The best value seen is returned."""
    import time

    keys: list[tuple[str, int]] = []
    index: dict[tuple[str, int], int] = {}
    weight: list[float] = []
    group = np.zeros(len(opps), dtype=np.int64)
    value = np.zeros(len(opps))
    for n, o in enumerate(opps):
        key = (o.request.id, o.occurrence)
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
            weight.append(o.request.expected_weight / len(o.request.occurrences()))
        group[n] = index[key]
        value[n] = _bound_value(o)
    w = np.array(weight)
    chains = _chains(specs, opps)
    mu = np.ones(len(keys))
    best_bound, best_mu, best_chosen = float("inf"), mu.copy(), []
    theta, stall, rounds = 2.0, 0, 0
    snapshots: list[tuple[list[int], dict[tuple[str, int], float]]] = []
    last: list[int] | None = None
    for _ in range(max(1, iterations)):
        rounds += 1
        chosen: list[int] = []
        total = float(((1.0 - mu) * w).sum())
        scaled = mu[group] * value
        for chain in chains:
            got, path = _chain_path(chain, scaled[chain.owner].tolist())
            total += got
            chosen.extend(chain.owner[k] for k in path)
        if total < best_bound - 1e-9:
            best_bound, best_mu, best_chosen, stall = total, mu.copy(), chosen, 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2.0, 0
        if rounds % SNAPSHOT_ROUNDS == 0 and best_chosen and best_chosen is not last:
            snapshots.append((best_chosen, dict(zip(keys, best_mu.tolist(), strict=True))))
            last = best_chosen
        earned = np.bincount(group[chosen], weights=value[chosen], minlength=len(keys))
        grad = earned - w  # of the bound in μ
        # only directions that stay inside [0, 1] count
        grad = np.where(((mu <= 0.0) & (grad > 0)) | ((mu >= 1.0) & (grad < 0)), 0.0, grad)
        norm = float(grad @ grad)
        if norm <= 1e-12 or total <= lower + 1e-9 or theta < 1e-4:
            break
        if time.perf_counter() >= deadline:
            break
        step = theta * max(total - lower, 1e-3 * max(total, 1.0)) / norm
        mu = np.clip(mu - step * grad, 0.0, 1.0)
    multipliers = dict(zip(keys, best_mu.tolist(), strict=True))
    if best_chosen is not last:
        snapshots.append((best_chosen, multipliers))
    return LagrangianBound(best_bound, multipliers, best_chosen, rounds, snapshots)
