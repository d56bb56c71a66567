"""RFC 3339 times and STAC intervals: what the item-search ``datetime`` parameter accepts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zorka.catalog import FilterError, compile_filter, parse_filter, parse_interval, parse_rfc3339


def epoch(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-07-23T00:00:00Z", epoch(2020, 7, 23)),
        ("2020-07-23t00:00:00.5z", epoch(2020, 7, 23) + 0.5),
        ("2020-07-23T03:00:00+03:00", epoch(2020, 7, 23)),
        ("2020-07-22T16:00:00-08:00", epoch(2020, 7, 23)),
        ("2020-07-23T00:00:00.012345678Z", epoch(2020, 7, 23) + 0.012345678),
        ("2016-12-31T23:59:60Z", epoch(2017, 1, 1)),  # a leap second
    ],
)
def test_rfc3339_times(text: str, expected: float) -> None:
    assert parse_rfc3339(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "1985-04-12",
        "1985-12-12T23:20:50.52",
        "1937-01-01T12:00:27.87+0100",
        "37-01-01T12:00:27.87Z",
        "1985-13-12T23:20:50Z",
        "1985-12-01T24:20:50Z",
        "1985-12-01T00:06:61Z",
        "1985-04-12T23:20:50.Z",
        "1985-04-12T23:20:50,52Z",
        "1985-04-12 23:20:50Z",
    ],
)
def test_not_rfc3339(text: str) -> None:
    with pytest.raises(FilterError, match="invalid datetime"):
        parse_rfc3339(text)


def test_intervals() -> None:
    t0, t1 = "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"
    assert parse_interval(f"{t0}/{t1}") == (epoch(2020, 1, 1), epoch(2021, 1, 1))
    assert parse_interval(f"../{t1}") == (None, epoch(2021, 1, 1))
    assert parse_interval(f"{t0}/") == (epoch(2020, 1, 1), None)
    assert parse_interval(t0) == (epoch(2020, 1, 1),) * 2
    for bad in ("/", "../..", "/..", f"{t1}/{t0}", f"/{t0}/{t1}", f"{t0}/{t1}/"):
        with pytest.raises(FilterError, match="invalid datetime"):
            parse_interval(bad)


def test_between_with_its_bounds_in_an_array() -> None:
    # The form the STAC filter extension's examples (and stac-api-validator) still use.
    legacy = {"op": "between", "args": [{"property": "eo:cloud_cover"}, [0, 50]]}
    standard = {"op": "between", "args": [{"property": "eo:cloud_cover"}, 0, 50]}
    assert parse_filter(legacy) == parse_filter(standard)
    assert compile_filter({"op": "not", "args": [legacy]}).params[-2:] == (0.0, 50.0)
