"""UT1-UTC from zorka's bundled IERS table (``zorka.orbits.eop``) against Skyfield's timescales.

Two oracles, both Skyfield's code (interpolation and leap seconds done its own way):

- ``load.timescale()``, with the Earth-orientation data Skyfield bundles (its own IERS extract, of
  another vintage than zorka's): agreement to a microsecond while both hold final values, which
  for Skyfield 1.55 is until October 2024 (later, Skyfield has predictions).
- a timescale read from ``finals2000A.all`` of the ``skyfield-data`` package, the file zorka's
  table was built from (``tools/build_eop.py``): agreement to a nanosecond over the whole table,
  predictions included.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import skyfield_data
from skyfield.api import Loader, load
from skyfield.timelib import Timescale

from zorka.orbits.eop import eop_span_mjd, ut1_utc_s
from zorka.time import TimeArray


@pytest.fixture(scope="module")
def builtin_ts() -> Timescale:
    return load.timescale()


@pytest.fixture(scope="module")
def finals_ts() -> Timescale:
    return Loader(skyfield_data.get_skyfield_data_path(), verbose=False).timescale(builtin=False)


def _ours(instants: list[datetime]) -> np.ndarray:
    return ut1_utc_s(TimeArray.from_datetimes(instants))


def _theirs(ts: Timescale, instants: list[datetime]) -> np.ndarray:
    return np.asarray(ts.from_datetimes(instants).dut1)


def _days(start: datetime, end: datetime, seed: int) -> list[datetime]:
    """One instant at a random time of day on every day of a span."""
    n = (end - start).days
    fraction = np.random.default_rng(seed).uniform(0.0, 86400.0, n)
    return [start + timedelta(days=k, seconds=float(s)) for k, s in enumerate(fraction)]


def _off_leap_days(instants: list[datetime]) -> list[datetime]:
    # the last day before each leap second is checked on its own (test_day_before_a_leap_second)
    return [t for t in instants if (t.month, t.day) not in ((6, 30), (12, 31))]


def test_several_dates_against_skyfield(builtin_ts: Timescale) -> None:
    instants = [
        datetime(1990, 1, 1, tzinfo=UTC),
        datetime(1995, 7, 14, 3, 25, 7, tzinfo=UTC),
        datetime(2000, 1, 1, 12, tzinfo=UTC),
        datetime(2004, 4, 6, 7, 51, 28, 386009, tzinfo=UTC),  # AIAA 2006-6753, Appendix C
        datetime(2012, 7, 1, 0, 0, 1, tzinfo=UTC),
        datetime(2019, 11, 18, 18, tzinfo=UTC),
        datetime(2024, 9, 5, tzinfo=UTC),
    ]
    ours, theirs = _ours(instants), _theirs(builtin_ts, instants)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-6)
    # Vallado's example takes the day's value at 0h, from the EOP series of 2006: -0.4399619 s;
    # today's finals2000A gives -0.4399498 s for that day
    assert _ours([datetime(2004, 4, 6, tzinfo=UTC)])[0] == pytest.approx(-0.4399619, abs=2e-5)


def test_every_day_1990_to_2024_against_skyfield(builtin_ts: Timescale) -> None:
    instants = _off_leap_days(
        _days(datetime(1990, 1, 1, tzinfo=UTC), datetime(2024, 10, 1, tzinfo=UTC), 1)
    )
    diff = _ours(instants) - _theirs(builtin_ts, instants)
    assert np.abs(diff).max() < 2e-6  # measured 6.1e-7 s


def test_every_day_of_the_table_against_the_same_file(finals_ts: Timescale) -> None:
    first, last = eop_span_mjd()
    mjd0 = datetime(1858, 11, 17, tzinfo=UTC)
    start = max(mjd0 + timedelta(days=first), datetime(1973, 1, 2, tzinfo=UTC))
    instants = _off_leap_days(_days(start, mjd0 + timedelta(days=last), 2))
    assert instants[-1].year >= 2026  # 2025 included, and the predictions after it
    diff = _ours(instants) - _theirs(finals_ts, instants)
    assert np.abs(diff).max() < 1e-9  # measured 1.2e-12 s


@pytest.mark.parametrize(
    "leap",
    [datetime(2015, 7, 1, tzinfo=UTC), datetime(2017, 1, 1, tzinfo=UTC)],
    ids=["2015-06-30", "2016-12-31"],
)
def test_jump_at_a_leap_second(leap: datetime, builtin_ts: Timescale) -> None:
    before = [leap - timedelta(seconds=s) for s in (1.0, 0.001)]
    after = [leap, leap + timedelta(seconds=0.001), leap + timedelta(seconds=1)]
    ours_before, ours_after = _ours(before), _ours(after)
    # one second up at the leap, continuous on either side of it
    assert ours_after[0] - ours_before[-1] == pytest.approx(1.0, abs=2e-3)
    assert np.ptp(ours_before) < 1e-6 and np.ptp(ours_after) < 1e-6
    np.testing.assert_allclose(ours_after, _theirs(builtin_ts, after), rtol=0, atol=2e-6)
    # the jump is as Skyfield has it, to the ~1 ms that the day before the leap differs by
    np.testing.assert_allclose(ours_before, _theirs(builtin_ts, before), rtol=0, atol=1.5e-3)


@pytest.mark.parametrize(
    "day",
    [datetime(2015, 6, 30, tzinfo=UTC), datetime(2016, 12, 31, tzinfo=UTC)],
    ids=["2015-06-30", "2016-12-31"],
)
def test_day_before_a_leap_second(day: datetime, finals_ts: Timescale) -> None:
    # UT1-UTC keeps drifting (-0.6 to -1 ms a day then) right up to the leap: interpolating
    # towards the next day's value minus the inserted second is what the table says
    instants = [day + timedelta(hours=h) for h in (0.0, 6.0, 12.0, 18.0, 23.9997)]
    diff = _ours(instants) - _theirs(finals_ts, instants)
    assert np.abs(diff).max() < 1e-6  # measured 6.0e-4 s (2015), 9.6e-4 s (2016)


def test_beyond_the_table_holds_its_ends() -> None:
    first, last = eop_span_mjd()
    mjd0 = datetime(1858, 11, 17, tzinfo=UTC)
    early = [mjd0 + timedelta(days=first - 400), mjd0 + timedelta(days=first)]
    late = [mjd0 + timedelta(days=last), mjd0 + timedelta(days=last + 400)]
    assert _ours(early)[0] == _ours(early)[1]
    assert _ours(late)[0] == _ours(late)[1]
    assert np.all(np.abs(_ours(early + late)) < 0.9)  # UT1-UTC is kept within 0.9 s by design
