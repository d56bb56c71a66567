"""ISO-8601 text, Julian dates and time arrays (``zorka.time``): the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from sgp4.api import jday

from zorka.time import J2000, TimeArray, format_utc, julian_date, parse_utc

MOSCOW = timezone(timedelta(hours=3))


@pytest.mark.parametrize(
    "text",
    [
        "2024-09-05T00:00:00Z",
        "2024-09-05T00:00:00z",
        "2024-09-05T00:00:00+00:00",
        "2024-09-05T03:00:00+03:00",
        "2024-09-04T18:30:00-05:30",
        "2024-09-05T00:00:00",  # naive: UTC
        "2024-09-05T00:00Z",
        "2024-09-05",  # a date: its midnight
        "  2024-09-05T00:00:00.000Z\n",
        "20240905T000000Z",
    ],
)
def test_parse_utc_forms(text: str) -> None:
    value = parse_utc(text)
    assert value == datetime(2024, 9, 5, tzinfo=UTC)
    assert value.tzinfo is UTC


def test_parse_utc_keeps_microseconds() -> None:
    assert parse_utc("2004-04-06T07:51:28.386009Z") == datetime(
        2004, 4, 6, 7, 51, 28, 386009, tzinfo=UTC
    )


def test_parse_utc_of_python_values() -> None:
    assert parse_utc(datetime(2024, 9, 5, 3, tzinfo=MOSCOW)) == datetime(2024, 9, 5, tzinfo=UTC)
    assert parse_utc(datetime(2024, 9, 5, 3, tzinfo=MOSCOW)).tzinfo is UTC
    assert parse_utc(datetime(2024, 9, 5)) == datetime(2024, 9, 5, tzinfo=UTC)  # naive: UTC
    assert parse_utc(date(2024, 9, 5)) == datetime(2024, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["tomorrow", "", "2024-13-01T00:00:00Z", "2024-09-05T25:00Z", "2016-12-31T23:59:60Z"],
)
def test_bad_text_names_the_field(text: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_utc(text, field="--start")
    message = str(excinfo.value)
    assert message.startswith(f"--start: {text!r} is not an ISO-8601 time")
    assert "2024-09-05T00:00:00Z" in message  # and shows what to write
    with pytest.raises(ValueError, match=r"^time: "):
        parse_utc(text)


@pytest.mark.parametrize(
    ("micro", "text"),
    [
        (0, "2016-12-31T23:59:59.000Z"),
        (499, "2016-12-31T23:59:59.000Z"),
        (500, "2016-12-31T23:59:59.001Z"),  # half a millisecond rounds up
        (123_456, "2016-12-31T23:59:59.123Z"),
        (999_499, "2016-12-31T23:59:59.999Z"),
        (999_500, "2017-01-01T00:00:00.000Z"),  # 999.5 ms carries into the next second, year
        (999_999, "2017-01-01T00:00:00.000Z"),
    ],
)
def test_format_utc_milliseconds(micro: int, text: str) -> None:
    assert format_utc(datetime(2016, 12, 31, 23, 59, 59, micro, tzinfo=UTC)) == text


@pytest.mark.parametrize(
    ("micro", "text"),
    [
        (0, "2016-12-31T23:59:59Z"),
        (499_999, "2016-12-31T23:59:59Z"),
        (500_000, "2017-01-01T00:00:00Z"),
    ],
)
def test_format_utc_whole_seconds(micro: int, text: str) -> None:
    assert format_utc(datetime(2016, 12, 31, 23, 59, 59, micro, tzinfo=UTC), digits=0) == text


def test_format_utc_microseconds_and_zones() -> None:
    value = datetime(2004, 4, 6, 7, 51, 28, 386009, tzinfo=UTC)
    assert format_utc(value, digits=6) == "2004-04-06T07:51:28.386009Z"
    assert format_utc(value.astimezone(MOSCOW)) == "2004-04-06T07:51:28.386Z"
    assert format_utc(value.replace(tzinfo=None)) == "2004-04-06T07:51:28.386Z"  # naive: UTC
    with pytest.raises(ValueError, match="digits must be 0, 3 or 6, not 2"):
        format_utc(value, digits=2)


def test_text_round_trip() -> None:
    rng = np.random.default_rng(3)
    base = datetime(1957, 10, 4, tzinfo=UTC)
    for offset_us in rng.integers(0, 100 * 365 * 86400 * 10**6, 200):
        value = base + timedelta(microseconds=int(offset_us))
        assert parse_utc(format_utc(value, digits=6)) == value
        assert abs(parse_utc(format_utc(value)) - value) <= timedelta(microseconds=500)


def test_time_array_text_rounds_float_offsets() -> None:
    t0 = datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    times = TimeArray.from_offsets(t0, [0.0005, 0.9994, 0.9995, 0.9999995, 3600.0])
    assert times.iso() == [
        "2016-12-31T23:59:59.001Z",
        "2016-12-31T23:59:59.999Z",
        "2017-01-01T00:00:00.000Z",
        "2017-01-01T00:00:00.000Z",
        "2017-01-01T00:59:59.000Z",  # a UTC array does not count the leap second
    ]
    assert times.iso(digits=0)[2] == "2017-01-01T00:00:00Z"


def test_julian_date_against_sgp4_jday() -> None:
    assert julian_date(J2000) == (2451544.5, 0.5)
    rng = np.random.default_rng(4)
    base = datetime(1957, 10, 4, tzinfo=UTC)
    for offset_us in rng.integers(0, 100 * 365 * 86400 * 10**6, 200):
        value = base + timedelta(microseconds=int(offset_us))
        jd, fr = julian_date(value)
        second = value.second + value.microsecond / 1e6
        want_jd, want_fr = jday(
            value.year, value.month, value.day, value.hour, value.minute, second
        )
        assert jd == want_jd
        assert fr == pytest.approx(want_fr, abs=1e-15)
    # an aware non-UTC instant is the same instant
    assert julian_date(datetime(2000, 1, 1, 15, tzinfo=MOSCOW)) == (2451544.5, 0.5)


def test_time_array_linspace_and_julian_dates() -> None:
    start = datetime(2024, 9, 5, tzinfo=UTC)
    times = TimeArray.linspace(start, start + timedelta(hours=1), 60.0)
    assert len(times) == 61 and times.seconds[0] == 0.0 and times.seconds[-1] == 3600.0
    jd, fr = times.jd_fr()
    assert (jd == 2460558.5).all()
    np.testing.assert_allclose(fr, times.seconds / 86400.0, rtol=0, atol=1e-16)
    assert times.datetimes()[-1] == start + timedelta(hours=1)
    # a window shorter than a step still has both ends
    short = TimeArray.linspace(start, start + timedelta(seconds=10), 60.0)
    assert short.seconds.tolist() == [0.0, 10.0]
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        TimeArray.linspace(start, start - timedelta(seconds=1), 60.0)


def test_time_array_from_datetimes_and_offsets() -> None:
    values = [datetime(2024, 9, 5, tzinfo=UTC), "2024-09-05T00:00:01.5Z", date(2024, 9, 6)]
    times = TimeArray.from_datetimes(values)  # type: ignore[arg-type]
    assert times.t0 == datetime(2024, 9, 5, tzinfo=UTC)
    assert times.seconds.tolist() == [0.0, 1.5, 86400.0]
    assert times.offset_of(["2024-09-04T23:59:59Z"]).tolist() == [-1.0]
    assert times.at([2.0]).datetimes() == [datetime(2024, 9, 5, 0, 0, 2, tzinfo=UTC)]
    with pytest.raises(ValueError, match="no times given"):
        TimeArray.from_datetimes([])


def test_centuries_since_j2000() -> None:
    times = TimeArray.from_offsets(J2000, [0.0, 36525 * 86400.0])
    np.testing.assert_allclose(times.centuries_since_j2000(), [0.0, 1.0], rtol=0, atol=1e-15)
