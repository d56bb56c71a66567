"""CelesTrak GP API client and ``zorka fleet update`` (zorka.orbits.celestrak, zorka.cli.fleet).

No network: httpx.MockTransport answers with recorded CelesTrak texts (tests/data/orbits: a
3-line TLE answer of 2018 and the MARIO record in JSON), or fails the way networks fail.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from zorka.cli import fleet
from zorka.cli.app import app
from zorka.orbits.celestrak import (
    CelesTrakError,
    cache_path,
    count_elements,
    fetch_gp,
    gp_params,
)
from zorka.orbits.omm import parse_omm

DATA = Path(__file__).parent / "data" / "orbits"
TLE_ANSWER = (DATA / "celestrak_stations_2018.tle").read_text()
JSON_ANSWER = (DATA / "mario.json").read_text()


class Recorder:
    """A MockTransport that answers with ``respond`` and remembers every request."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self.respond = respond
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)


def answering(text: str, status: int = 200) -> Recorder:
    return Recorder(lambda request: httpx.Response(status, text=text))


def offline() -> Recorder:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    return Recorder(fail)


def make_stale(path: Path, hours: float = 3.0) -> None:
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def test_group_download_is_cached(tmp_path: Path) -> None:
    net = answering(TLE_ANSWER)
    (result,) = fetch_gp("stations", cache_dir=tmp_path, transport=net.transport)
    (request,) = net.requests
    assert request.url.host == "celestrak.org"
    assert request.url.path == "/NORAD/elements/gp.php"
    assert dict(request.url.params) == {"GROUP": "stations", "FORMAT": "TLE"}
    assert result.downloaded and result.warning is None
    assert result.query == "GROUP=stations"
    assert result.count == 2
    assert result.path == cache_path(tmp_path, "stations") == tmp_path / "gp-group-stations.tle"
    assert result.path.read_text() == TLE_ANSWER

    # asked again within two hours: CelesTrak is left alone
    (again,) = fetch_gp("stations", cache_dir=tmp_path, transport=net.transport)
    assert len(net.requests) == 1
    assert not again.downloaded and again.warning is None and again.text == TLE_ANSWER


def test_catalog_numbers_in_json(tmp_path: Path) -> None:
    net = answering(JSON_ANSWER)
    results = fetch_gp([55123], "json", cache_dir=tmp_path, transport=net.transport)
    assert dict(net.requests[0].url.params) == {"CATNR": "55123", "FORMAT": "JSON"}
    assert [r.count for r in results] == [1]
    sats, errors = parse_omm(results[0].text)
    assert errors == [] and sats[0].name == "MARIO"
    assert results[0].path.name == "gp-catnr-55123.json"


def test_offline_keeps_the_cached_copy(tmp_path: Path) -> None:
    fetch_gp("stations", cache_dir=tmp_path, transport=answering(TLE_ANSWER).transport)
    path = cache_path(tmp_path, "stations")
    make_stale(path)
    before = path.stat().st_mtime
    (result,) = fetch_gp("stations", cache_dir=tmp_path, transport=offline().transport)
    assert not result.downloaded
    assert result.text == TLE_ANSWER
    assert result.warning is not None
    assert "CelesTrak unreachable (ConnectError" in result.warning
    assert "using the cached copy (3.0 h old" in result.warning
    assert path.stat().st_mtime == before


def test_offline_without_cache_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(CelesTrakError, match=r"no cached copy.*zorka fleet update") as info:
        fetch_gp("stations", cache_dir=tmp_path, transport=offline().transport)
    assert info.value.results == []


def test_refusal_stops_further_requests(tmp_path: Path) -> None:
    for number in (25544, 41483):
        path = cache_path(tmp_path, number)
        path.write_text(TLE_ANSWER)
        make_stale(path)
    net = answering("Forbidden", status=403)
    with pytest.raises(CelesTrakError, match=r"CATNR=99999: not asked: .*HTTP 403") as info:
        fetch_gp([25544, 41483, 99999], cache_dir=tmp_path, transport=net.transport)
    assert len(net.requests) == 1  # CelesTrak's rule: stop at the first non-200 answer
    first, second = info.value.results
    assert first.warning is not None and "HTTP 403 Forbidden" in first.warning
    assert second.warning is not None and "not asked" in second.warning


def test_answers_without_data(tmp_path: Path) -> None:
    with pytest.raises(CelesTrakError, match="no GP data for this query"):
        fetch_gp(
            "nosuchgroup", cache_dir=tmp_path, transport=answering("No GP data found").transport
        )
    assert not cache_path(tmp_path, "nosuchgroup").exists()

    fetch_gp("stations", cache_dir=tmp_path, transport=answering(TLE_ANSWER).transport)
    make_stale(cache_path(tmp_path, "stations"))
    html = "<html><body>Service Unavailable</body></html>"
    (result,) = fetch_gp("stations", cache_dir=tmp_path, transport=answering(html).transport)
    assert result.text == TLE_ANSWER
    assert result.warning is not None and "holds no TLE element set" in result.warning


def test_queries_are_checked_before_asking() -> None:
    assert gp_params(38708) == {"CATNR": "38708", "FORMAT": "TLE"}
    assert gp_params("resource", "json") == {"GROUP": "resource", "FORMAT": "JSON"}
    with pytest.raises(ValueError, match="not a CelesTrak group name"):
        gp_params("stations&FORMAT=xml")
    with pytest.raises(ValueError, match="tle or json"):
        gp_params("stations", "xml")  # type: ignore[arg-type]
    assert count_elements("[]", "json") == 0
    assert count_elements(JSON_ANSWER, "json") == 1


def test_cli_fleet_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    cache = tmp_path / "cache"
    out = tmp_path / "fleet.tle"
    monkeypatch.setattr(fleet, "transport", answering(TLE_ANSWER).transport)
    args = ["fleet", "update", "--group", "stations", "--cache-dir", str(cache), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "GROUP=stations: 2 element sets, downloaded" in result.output
    assert out.read_text() == TLE_ANSWER

    make_stale(cache_path(cache, "stations"))
    monkeypatch.setattr(fleet, "transport", offline().transport)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "CelesTrak unreachable" in result.output
    assert "cached" in result.output

    result = runner.invoke(app, [*args, "--norad", "38708"])
    assert result.exit_code == 1
    assert "CATNR=38708: CelesTrak unreachable" in result.output

    result = runner.invoke(app, ["fleet", "update", "--cache-dir", str(cache)])
    assert result.exit_code == 2
    assert "--group" in result.output


def test_cli_merges_json_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet, "transport", answering(JSON_ANSWER).transport)
    out = tmp_path / "fleet.json"
    args = ["fleet", "update", "--norad", "55123", "--norad", "55124", "--format", "json"]
    result = CliRunner().invoke(app, [*args, "--cache-dir", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())) == 2
