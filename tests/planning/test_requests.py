"""Request files: both forms, the schema, and bad requests named by id and field."""

from __future__ import annotations

import json

import jsonschema
import yaml

from zorka.mission.schemas import json_schema
from zorka.planning.requests import RequestSet, demo_requests_path, read_requests

GOOD = {
    "id": "ok",
    "customer": "c",
    "geometry": {"type": "Point", "coordinates": [27.56, 53.9]},
    "earliest": "2024-09-05T00:00:00Z",
    "latest": "2024-09-06T00:00:00Z",
}


def test_demo_requests_are_valid_against_the_schema(demo_requests: RequestSet) -> None:
    doc = yaml.safe_load(demo_requests_path().read_text(encoding="utf-8"))
    # the schema describes the JSON form: timestamps are text
    doc = json.loads(json.dumps(doc, default=str))
    jsonschema.validate(doc, json_schema("requests"))
    assert len(demo_requests.requests) == 29
    assert {c.name for c in demo_requests.customers} == {"agro", "cities", "partners"}
    ids = demo_requests.by_id()
    assert ids["mz-maputo"].customer == "partners" and ids["bh-manama"].customer == "partners"
    assert ids["field-nesvizh"].is_area and not ids["city-minsk"].is_area
    assert "SYNTHETIC" in (demo_requests.description or "")


def test_one_bad_request_does_not_stop_the_others() -> None:
    bad = [
        {**GOOD, "id": "late", "latest": "2024-09-04T00:00:00Z"},
        {**GOOD, "id": "heavy", "weight": -1},
        {**GOOD, "id": "where", "geometry": {"type": "Point", "coordinates": [27.0, 95.0]}},
        {**GOOD, "id": "what", "product": "radar"},
        {
            **GOOD,
            "id": "stereo-area",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[27, 53], [27.1, 53], [27.1, 53.1], [27, 53.1], [27, 53]]],
            },
            "stereo": {},
        },
        {**GOOD, "id": "who", "customer": "nobody"},
        {**GOOD, "id": "typo", "wieght": 3},
        GOOD,
        {**GOOD},
    ]
    doc = {"customers": [{"name": "c", "quota": 0.5}], "requests": bad}
    requests, issues = read_requests(doc)
    assert [r.id for r in requests.requests] == ["ok"]
    found = {(i.request, i.field.split(".")[0]) for i in issues}
    assert ("late", "") in found
    assert ("heavy", "weight") in found
    assert ("where", "geometry") in found
    assert ("what", "product") in found
    assert ("stereo-area", "") in found
    assert ("who", "customer") in found
    assert ("typo", "wieght") in found
    assert ("ok", "id") in found  # the duplicate
    text = "\n".join(str(i) for i in issues)
    assert "request heavy: weight:" in text and "latitude" in text


def test_geojson_form_and_repeat_periods() -> None:
    feature = {
        "type": "Feature",
        "id": "field",
        "properties": {
            "customer": "c",
            "earliest": "2024-09-05T00:00:00Z",
            "latest": "2024-09-06T12:00:00Z",
            "repeat": {"every_hours": 12},
            "accept_partial": True,
        },
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[27, 53], [27.1, 53], [27.1, 53.1], [27, 53.1], [27, 53]]],
        },
    }
    text = json.dumps({"type": "FeatureCollection", "features": [feature]})
    requests, issues = read_requests(text)
    assert issues == []
    (request,) = requests.requests
    assert request.is_area and len(request.occurrences()) == 3
    assert request.credit([1.0, 0.5, 0.0]) == 0.5


def test_unreadable_file_is_one_issue(tmp_path) -> None:  # type: ignore[no-untyped-def]
    requests, issues = read_requests(tmp_path / "missing.yaml")
    assert not requests.requests and len(issues) == 1 and "cannot read" in str(issues[0])
