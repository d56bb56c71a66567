"""Cubic Hermite interpolation on grid brackets: starting guesses for Newton steps.

Between two grid samples where both a value and its time derivative are known, the cubic Hermite
interpolant is the cheapest good model of the function; zorka uses it only to start exact
searches, never as an answer.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["hermite", "hermite_argmax", "hermite_crossing"]

Array = NDArray[np.float64]


def hermite(t: Array, t0: Array, t1: Array, y0: Array, d0: Array, y1: Array, d1: Array) -> Array:
    h = t1 - t0
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(h > 0, (t - t0) / h, 0.0)
    x2, x3 = x * x, x * x * x
    return np.asarray(
        (2 * x3 - 3 * x2 + 1) * y0
        + (x3 - 2 * x2 + x) * h * d0
        + (-2 * x3 + 3 * x2) * y1
        + (x3 - x2) * h * d1
    )


def hermite_argmax(t0: Array, t1: Array, y0: Array, d0: Array, y1: Array, d1: Array) -> Array:
    """Where the cubic Hermite interpolant of each bracket peaks (a Newton starting guess).

    The interpolant's slope is a quadratic in the unit interval; its root where the slope turns
    from positive to negative is the peak.
    """
    h = t1 - t0
    m0, m1 = d0 * h, d1 * h
    # slope / 1 = a x^2 + b x + c on x in [0, 1]
    a = 6.0 * (y0 - y1) + 3.0 * (m0 + m1)
    b = -6.0 * (y0 - y1) - 4.0 * m0 - 2.0 * m1
    c = m0
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0))
        # at a root x of the slope the curvature is 2ax + b = +-disc: the peak takes -disc
        quad = np.where(a != 0, (-b - disc) / (2.0 * a), -c / b)
    x = np.where(np.isfinite(quad), np.clip(quad, 0.0, 1.0), 0.5)
    return np.asarray(t0 + x * h)


def hermite_crossing(
    t0: Array, t1: Array, y0: Array, d0: Array, y1: Array, d1: Array, level: Array
) -> Array:
    """Where the Hermite interpolant of each bracket crosses ``level`` (bisection on the cubic)."""
    lo, hi = t0.copy(), t1.copy()
    rising = y1 > y0
    for _ in range(18):  # 2^-18 of a grid step: a guess within milliseconds
        mid = 0.5 * (lo + hi)
        above = hermite(mid, t0, t1, y0, d0, y1, d1) >= level
        go_left = above == rising
        hi = np.where(go_left, mid, hi)
        lo = np.where(go_left, lo, mid)
    return 0.5 * (lo + hi)
