"""Vectorised event search: many independent brackets refined at once.

Ground-segment geometry asks the same question of thousands of satellite/station pairs: where in
this bracket does a function cross zero? Each step here evaluates every open bracket in one batch
(one propagation call per satellite, not per bracket), so the cost is a few dozen batched calls
whatever the number of events.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["Evaluate", "EvaluateWithSlope", "newton_roots", "refine_roots"]

Array = NDArray[np.float64]
#: ``evaluate(rows, t)`` returns the function of bracket ``rows[k]`` at time ``t[k]`` (seconds).
Evaluate = Callable[[NDArray[np.intp], Array], Array]
#: like :data:`Evaluate`, returning the function and its time derivative
EvaluateWithSlope = Callable[[NDArray[np.intp], Array], tuple[Array, Array]]


def refine_roots(
    evaluate: Evaluate,
    lo: Array,
    hi: Array,
    f_lo: Array,
    f_hi: Array,
    *,
    tol_s: float = 1e-3,
    max_iter: int = 60,
) -> Array:
    """Zero of each bracket ``[lo, hi]`` whose ends have opposite signs (Illinois method).

    Illinois regula falsi converges superlinearly on the smooth functions of orbit geometry and
    never leaves its bracket; when a side is kept twice its weight is halved, and every fourth step
    is a bisection so that a badly curved function still shrinks its bracket. Brackets whose ends
    do not differ in sign return the end nearer to zero.
    """
    lo = np.array(lo, dtype=np.float64)
    hi = np.array(hi, dtype=np.float64)
    f_lo = np.array(f_lo, dtype=np.float64)
    f_hi = np.array(f_hi, dtype=np.float64)
    n = lo.size
    root = np.where(np.abs(f_lo) <= np.abs(f_hi), lo, hi)
    active = np.flatnonzero((np.sign(f_lo) * np.sign(f_hi) < 0) & (hi - lo > tol_s))
    exact_lo = f_lo == 0
    exact_hi = f_hi == 0
    root[exact_lo] = lo[exact_lo]
    root[exact_hi] = hi[exact_hi]
    side = np.zeros(n, dtype=np.int8)  # which end was kept last: -1 lo, +1 hi
    for iteration in range(max_iter):
        if active.size == 0:
            break
        a, b, fa, fb = lo[active], hi[active], f_lo[active], f_hi[active]
        if iteration % 4 == 3:
            t = 0.5 * (a + b)
        else:
            t = (a * fb - b * fa) / (fb - fa)
            # keep clear of the ends so that the bracket always shrinks
            eps = 1e-3 * (b - a)
            t = np.clip(t, a + eps, b - eps)
        ft = evaluate(active, t)
        bad = ~np.isfinite(ft)
        ft = np.where(bad, 0.0, ft)
        same_as_lo = np.sign(ft) == np.sign(fa)
        # replace the end with the same sign; Illinois: halve the kept end's value if kept twice
        lo_new = np.where(same_as_lo, t, a)
        hi_new = np.where(same_as_lo, b, t)
        flo_new = np.where(same_as_lo, ft, fa)
        fhi_new = np.where(same_as_lo, fb, ft)
        s = side[active]
        flo_new = np.where(~same_as_lo & (s == -1), 0.5 * flo_new, flo_new)
        fhi_new = np.where(same_as_lo & (s == 1), 0.5 * fhi_new, fhi_new)
        side[active] = np.where(same_as_lo, 1, -1)
        lo[active], hi[active], f_lo[active], f_hi[active] = lo_new, hi_new, flo_new, fhi_new
        root[active] = t
        done = (ft == 0) | bad | (hi_new - lo_new <= tol_s)
        active = active[~done]
    return root


def newton_roots(
    evaluate: EvaluateWithSlope,
    lo: Array,
    hi: Array,
    guess: Array,
    *,
    sign_lo: Array | None = None,
    tol_s: float = 1e-3,
    accept_s: float = 0.0,
    max_iter: int = 40,
) -> Array:
    """Zero of each bracket by Newton steps kept inside the bracket (``rtsafe``).

    The function must change sign over ``[lo, hi]``. Newton converges in three or four steps from
    a fair guess when the slope is exact (as for elevation, whose rate follows from the SGP4
    velocity); a step that would leave the bracket, or that shrinks it too slowly, is replaced
    by bisection, so convergence is guaranteed. ``sign_lo``, the sign of the function at ``lo``
    when the caller knows it already, saves one evaluation per bracket. A Newton step shorter
    than ``accept_s`` is taken without evaluating the function again: near a simple root the
    error left after a step is of the order of the step squared over the function's time scale
    (plus, when the slope is approximate, the slope's relative error times the step), so a
    0.3 s step on orbit geometry leaves well under a millisecond.
    """
    lo = np.array(lo, dtype=np.float64)
    hi = np.array(hi, dtype=np.float64)
    x = np.clip(np.array(guess, dtype=np.float64), lo, hi)
    n = x.size
    if n == 0:
        return x
    rows = np.arange(n)
    f_lo = np.sign(sign_lo) if sign_lo is not None else np.sign(evaluate(rows, lo)[0])
    active = rows.copy()
    for _ in range(max_iter):
        if active.size == 0:
            break
        xa = x[active]
        f, df = evaluate(active, xa)
        bad = ~np.isfinite(f)
        f = np.where(bad, 0.0, f)
        # shrink the bracket to the side that keeps the sign change
        same = np.sign(f) == np.sign(f_lo[active])
        lo[active] = np.where(same, xa, lo[active])
        f_lo[active] = np.where(same, f, f_lo[active])
        hi[active] = np.where(same, hi[active], xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = f / df
        new = xa - step
        a, b = lo[active], hi[active]
        outside = ~np.isfinite(new) | (new <= a) | (new >= b)
        new = np.where(outside, 0.5 * (a + b), new)
        x[active] = new
        small = ~outside & (np.abs(new - xa) <= max(tol_s, accept_s))
        done = bad | (f == 0) | small | (b - a <= tol_s)
        active = active[~done]
    return x
