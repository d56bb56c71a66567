"""Vallado's SGP4 verification set, through both of zorka's propagators.

``SGP4-VER.TLE`` (33 element sets, each with start/stop/step minutes after column 69 of line 2) and
``tcppver.out`` (what Vallado's C++ SGP4 prints for them) come from Vallado, Crawford, Hujsak and
Kelso, "Revisiting Spacetrack Report #3" (AIAA 2006-6753), and ship inside the ``sgp4`` package,
which checks itself against them in ``sgp4/tests.py``. zorka reaches them through its public
calls: :func:`~zorka.orbits.propagation.propagate_pairs` (the C++ library) and
:class:`~zorka.orbits.sgp4batch.SGP4Batch` (its own numba kernel for near-Earth orbits, the C++
library for deep space).

Times. ``tcppver.out`` gives minutes since each satellite's epoch, and zorka takes instants as a
microsecond-resolution reference plus float seconds. A microsecond is 8 mm of track (and a metre
on the 0.995-eccentricity case), so each instant is built exactly: the reference is the epoch
floored to the microsecond, and the seconds carry the remainder, computed in rational arithmetic
from the epoch the ``Satrec`` holds (``jdsatepoch + jdsatepochF``). Whatever rounding is left is
zorka's own. (A TLE epoch, eight decimals of a day, is a whole multiple of 864 microseconds, so the
remainder is only the float rounding of ``jdsatepochF``; flooring it loses a whole microsecond on
a third of the cases, which is why the remainder is kept.)

Measured worst differences from ``tcppver.out`` (sgp4 2.27, numba 0.68), both paths: 5.0e-9 km
and 5.0e-10 km/s, the rounding of the file's 8 and 9 printed decimals, on every case but the last
one (SL-12 R/B 3.5 years after its epoch: 1.6e-7 km; the ``sgp4`` library's own ``sgp4_tsince``
is 1.2e-7 km off there, its resonance integration amplifying last-bit differences over ~2,500
half-day steps). The numba kernel and the C++ library agree to 1.9e-10 km and 2e-13 km/s.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sgp4
from numpy.typing import NDArray
from sgp4.api import SGP4_ERRORS, Satrec

from zorka.orbits.propagation import propagate, propagate_pairs
from zorka.orbits.satellite import Satellite
from zorka.orbits.sgp4batch import SGP4Batch
from zorka.time import TimeArray

SGP4_DIR = Path(sgp4.__file__).parent
UNIX = datetime(1970, 1, 1, tzinfo=UTC)
UNIX_JD = Fraction(4881175, 2)  # 2440587.5
MICROSECOND = timedelta(microseconds=1)

POSITION_TOL_KM = 1e-6  # the bound
VELOCITY_TOL_KM_S = 1e-9  # tcppver.out prints 9 decimals of km/s
PATHS_AGREE_KM = 1e-8  # numba kernel against the C++ library, same instants

# Cases where Vallado's run stops with an SGP4 error, keyed by (catalog number, start minute),
# with the code ``sgp4/tests.py`` expects: [1, 1, 6, 6, 4, 3, 6] in file order.
EXPECTED_ERRORS = {
    (22312, "54.2028672"): 1,  # SL-6 R/B(2), decayed 2006-04-04: mean eccentricity < 0
    (28350, "0.0"): 1,  # COSMOS 2405, perigee 127 km: mean eccentricity < 0
    (28872, "0.0"): 6,  # perigee -51 km, "lost in 50 minutes": decayed
    (29141, "0.0"): 6,  # SL-14 DEB, "lost in under 420 min": decayed
    (33333, "0.0"): 4,  # eccentricity 0.995: semilatus rectum < 0
    (33334, "0.0"): 3,  # 0.00001 rev/day: perturbed eccentricity out of range at epoch
    (20413, "1844000.0"): 6,  # SL-12 R/B 3.5 years on: decayed
}

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Case:
    """One element set of the verification set with the lines Vallado's program printed."""

    satellite: Satellite
    start: str  # as written in SGP4-VER.TLE, for ids and error keys
    minutes: list[Fraction]  # minutes since epoch of each printed line, exact as printed
    position_km: Array  # (n, 3)
    velocity_km_s: Array  # (n, 3)
    error_minute: Fraction | None  # where the run stopped with an error, if it did

    @property
    def id(self) -> str:
        return f"{self.satellite.norad_id:05d}@{self.start}"

    @property
    def expected_error(self) -> int | None:
        return EXPECTED_ERRORS.get((self.satellite.norad_id, self.start))


def _schedule(start: Fraction, stop: Fraction, step: Fraction) -> list[Fraction]:
    """The minutes Vallado's test driver visits (as rebuilt in ``sgp4/tests.py``)."""
    out = [Fraction(0)]
    t = start
    while t <= stop:
        if not t == start == 0:
            out.append(t)
        t += step
    if t - stop < step:  # the stop time itself when the steps miss it
        out.append(stop)
    return out


def _read_cases() -> list[Case]:
    tle = (SGP4_DIR / "SGP4-VER.TLE").read_text(encoding="ascii").splitlines()
    pairs = [
        (line1.rstrip(), line2.rstrip())
        for line1, line2 in itertools.pairwise(tle)
        if line1.startswith("1 ") and line2.startswith("2 ")
    ]
    blocks: list[tuple[int, list[list[str]]]] = []
    for line in (SGP4_DIR / "tcppver.out").read_text(encoding="ascii").splitlines():
        fields = line.split()
        if fields[1:] == ["xx"]:
            blocks.append((int(fields[0]), []))
        elif fields:
            blocks[-1][1].append(fields[:7])
    assert len(pairs) == len(blocks)
    cases = []
    previous_last: list[str] | None = None
    for (line1, line2), (number, rows) in zip(pairs, blocks, strict=True):
        satellite = Satellite.from_tle((line1, line2[:69]))
        assert satellite.norad_id == number
        start, stop, step = line2[69:].split()
        schedule = _schedule(Fraction(start), Fraction(stop), Fraction(step))
        if len(rows) == 1 and previous_last is not None and rows[0][1:] == previous_last[1:]:
            # Vallado's driver prints the previous satellite's last state when the very first
            # step fails: nothing here to compare
            rows = []
        minutes = [Fraction(r[0]) for r in rows]
        assert minutes == schedule[: len(minutes)], number
        values = np.array([[float(x) for x in r[1:]] for r in rows]).reshape(-1, 6)
        cases.append(
            Case(
                satellite,
                start,
                minutes,
                values[:, :3],
                values[:, 3:],
                schedule[len(rows)] if len(rows) < len(schedule) else None,
            )
        )
        previous_last = rows[-1] if rows else previous_last
    return cases


CASES = _read_cases()


def _exact_seconds(satellite: Satellite, t0: datetime, minutes: list[Fraction]) -> Array:
    """Seconds from ``t0`` to each ``epoch + minutes`` (the Satrec's epoch), rounded once."""
    c = satellite.satrec
    epoch_days = Fraction(c.jdsatepoch) + Fraction(c.jdsatepochF) - UNIX_JD
    t0_days = Fraction((t0 - UNIX) // MICROSECOND, 86_400_000_000)
    offset_s = (epoch_days - t0_days) * 86400
    return np.array([float(offset_s + m * 60) for m in minutes])


def _epoch_floor(satellite: Satellite) -> datetime:
    c = satellite.satrec
    epoch_days = Fraction(c.jdsatepoch) + Fraction(c.jdsatepochF) - UNIX_JD
    return UNIX + MICROSECOND * int(epoch_days * 86_400_000_000)


def _since_epoch(satellite: Satellite, minutes: list[Fraction]) -> TimeArray:
    t0 = _epoch_floor(satellite)
    return TimeArray(t0, _exact_seconds(satellite, t0, minutes))


def _run(path: str, satellites: list[Satellite], index: NDArray[np.intp], times: TimeArray):
    if path == "cpp":
        return propagate_pairs(satellites, index, times)
    return SGP4Batch(satellites).pairs(index, times)


def test_the_verification_set_is_read_whole() -> None:
    assert len(CASES) == 33
    assert sum(len(c.minutes) for c in CASES) + len(CASES) == 700 - 1  # 33334 prints a stale line
    assert {c.id for c in CASES if c.error_minute is not None} == {
        f"{n:05d}@{s}" for n, s in EXPECTED_ERRORS
    }
    # both kinds of orbit are in it, so both of SGP4Batch's branches are checked
    assert {c.satellite.satrec.method for c in CASES} == {"n", "d"}


@pytest.mark.parametrize("path", ["cpp", "numba"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_tcppver(case: Case, path: str) -> None:
    minutes = case.minutes + ([case.error_minute] if case.error_minute is not None else [])
    times = _since_epoch(case.satellite, minutes)
    n = len(case.minutes)
    r, v, e = _run(path, [case.satellite], np.zeros(len(minutes), dtype=np.intp), times)
    assert not e[:n].any()
    np.testing.assert_allclose(r[:n], case.position_km, rtol=0, atol=POSITION_TOL_KM)
    np.testing.assert_allclose(v[:n], case.velocity_km_s, rtol=0, atol=VELOCITY_TOL_KM_S)
    if case.error_minute is not None:
        assert int(e[n]) == case.expected_error, SGP4_ERRORS.get(int(e[n]))
        assert np.isnan(r[n]).all() and np.isnan(v[n]).all()


NEAR_EARTH = [c for c in CASES if c.satellite.satrec.method == "n" and c.minutes]


@pytest.mark.parametrize("case", NEAR_EARTH, ids=[c.id for c in NEAR_EARTH])
def test_numba_kernel_matches_the_cpp_library(case: Case) -> None:
    # beyond the printed digits: the two paths at the same instants, every line of the case
    # (deep-space satellites take the C++ path in both)
    times = _since_epoch(case.satellite, case.minutes)
    index = np.zeros(len(case.minutes), dtype=np.intp)
    r_c, v_c, e_c = _run("cpp", [case.satellite], index, times)
    r_n, v_n, e_n = _run("numba", [case.satellite], index, times)
    assert (e_c == e_n).all()
    np.testing.assert_allclose(r_n, r_c, rtol=0, atol=PATHS_AGREE_KM)
    np.testing.assert_allclose(v_n, v_c, rtol=0, atol=PATHS_AGREE_KM * 1e-2)


# The 2005-2006 element sets, near-Earth and deep space mixed: epochs within 13 months (and SL-12
# R/B's last line 3.5 years on), so one shared reference keeps every offset to a few nanoseconds;
# the other six (1980 to 2004) would be up to 26 years of float seconds away, 0.1 us per step.
FLEET = [c for c in CASES if c.satellite.epoch.year >= 2005]


@pytest.mark.parametrize("path", ["cpp", "numba"])
def test_fleet_in_one_call_reports_errors_per_satellite(path: str) -> None:
    """Every line of 27 satellites (7 failing) in one shuffled batch: codes per pair, no raise."""
    assert len(FLEET) == 27
    assert sum(c.error_minute is not None for c in FLEET) == 7
    t0 = datetime(2006, 1, 1, tzinfo=UTC)
    satellites = [c.satellite for c in FLEET]
    index, seconds, want_r, want_v, want_e = [], [], [], [], []
    for k, case in enumerate(FLEET):
        minutes = case.minutes + ([case.error_minute] if case.error_minute is not None else [])
        index += [k] * len(minutes)
        seconds.append(_exact_seconds(case.satellite, t0, minutes))
        failed = np.full((len(minutes) - len(case.minutes), 3), np.nan)
        want_r.append(np.vstack((case.position_km, failed)))
        want_v.append(np.vstack((case.velocity_km_s, failed)))
        want_e += [0] * len(case.minutes) + (
            [case.expected_error] if case.error_minute is not None else []
        )
    order = np.random.default_rng(2006).permutation(len(index))
    times = TimeArray(t0, np.concatenate(seconds)[order])
    r, v, e = _run(path, satellites, np.array(index, dtype=np.intp)[order], times)
    np.testing.assert_array_equal(e, np.array(want_e)[order])
    np.testing.assert_allclose(r, np.vstack(want_r)[order], rtol=0, atol=POSITION_TOL_KM)
    np.testing.assert_allclose(v, np.vstack(want_v)[order], rtol=0, atol=VELOCITY_TOL_KM_S)


def test_grid_of_a_fleet_with_a_decaying_member() -> None:
    """``propagate`` and ``SGP4Batch.grid``: the decayed satellite is named, the rest go on."""
    chosen = {29141, 6251, 28057, 8195, 23599}  # SL-14 DEB decays; near-Earth and deep space
    fleet = [c.satellite for c in CASES if c.satellite.norad_id in chosen]
    decaying = next(s for s in fleet if s.norad_id == 29141)
    t0 = _epoch_floor(decaying)
    times = TimeArray(t0, np.arange(0.0, 12 * 3600.0 + 1.0, 600.0))
    eph = propagate(fleet, times)
    assert list(eph.errors()) == [decaying.name]
    assert "decayed" in eph.errors()[decaying.name]
    k = fleet.index(decaying)
    # the failure starts between the last good line of tcppver.out (420 min) and the next (440)
    bad = np.flatnonzero(eph.error[k])
    assert 420 * 60 < times.seconds[bad[0]] <= 440 * 60
    assert (eph.error[k, bad[0] :] == 6).all() and np.isnan(eph.position_km[k, bad]).all()
    others = [i for i in range(len(fleet)) if i != k]
    assert not eph.error[others].any() and np.isfinite(eph.position_km[others]).all()
    # the C++ library called directly, one satellite at a time
    jd, fr = times.jd_fr()
    for i in others:
        _, r, v = fleet[i].satrec.sgp4_array(jd, fr)
        np.testing.assert_array_equal(eph.position_km[i], r)
        np.testing.assert_array_equal(eph.velocity_km_s[i], v)
    # the numba grid kernel agrees, codes included
    r_g, v_g, e_g = SGP4Batch(fleet).grid(np.arange(len(fleet)), times)
    np.testing.assert_array_equal(e_g, eph.error)
    np.testing.assert_allclose(r_g, eph.position_km, rtol=0, atol=PATHS_AGREE_KM)
    np.testing.assert_allclose(v_g, eph.velocity_km_s, rtol=0, atol=PATHS_AGREE_KM * 1e-2)


def test_satrec_epoch_is_what_the_times_are_built_on() -> None:
    # The construction above relies on the Satrec's split epoch; check it against the TLE text
    # for one case: 00179.78495062 is 2000-06-27 18:50:19.733568 UTC.
    case = CASES[0]
    assert isinstance(case.satellite.satrec, Satrec)
    assert _epoch_floor(case.satellite) == datetime(2000, 6, 27, 18, 50, 19, 733568, tzinfo=UTC)
