"""Earth orientation: UT1-UTC from a bundled IERS table.

Earth-fixed coordinates need the Earth's rotation angle, which follows UT1, not UTC; the two differ
by up to 0.9 s (about 400 m on the equator). zorka ships the daily UT1-UTC of the IERS Rapid
Service (Bulletin A, with about a year of predictions; rebuilt by ``tools/build_eop.py``) and holds
the last value beyond the table's ends, where the error grows by a few milliseconds a day.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from zorka.time import DAY_S, TimeArray, julian_date

__all__ = ["eop_span_mjd", "ut1_utc_s"]


@cache
def _table() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    raw = resources.files("zorka").joinpath("data/eop/ut1-utc.csv.gz").read_bytes()
    text = gzip.decompress(raw).decode("ascii")
    rows = [line.split(",") for line in text.splitlines() if line and line[0].isdigit()]
    mjd = np.array([float(r[0]) for r in rows])
    dut1 = np.array([float(r[1]) for r in rows])
    return mjd, dut1


def eop_span_mjd() -> tuple[float, float]:
    """First and last MJD of the bundled table."""
    mjd, _ = _table()
    return float(mjd[0]), float(mjd[-1])


def ut1_utc_s(times: TimeArray) -> NDArray[np.float64]:
    """UT1-UTC in seconds at each instant (shape of ``times``).

    Interpolated linearly between days; across a leap second, where UT1-UTC jumps by one second
    at midnight, the day before still follows its own drift up to the jump.
    """
    mjd_table, dut1 = _table()
    jd0, fr0 = julian_date(times.t0)
    mjd = (jd0 - 2400000.5) + fr0 + times.seconds / DAY_S
    day = np.floor(mjd)
    i = np.clip(np.searchsorted(mjd_table, day, side="right") - 1, 0, mjd_table.size - 2)
    a, b = dut1[i], dut1[i + 1]
    # a leap second at the day's end makes UT1-UTC jump by a whole second at midnight: take the
    # jump out of the next value so that the day still interpolates its drift
    b = b - np.round(b - a)
    frac = np.clip(mjd - mjd_table[i], 0.0, 1.0)
    value = a + (b - a) * frac
    below = mjd < mjd_table[0]
    above = mjd > mjd_table[-1]
    return np.where(below, dut1[0], np.where(above, dut1[-1], value))
