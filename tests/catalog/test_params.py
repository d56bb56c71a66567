"""Search parameters in their text and JSON forms: parsed, or refused naming the parameter."""

from __future__ import annotations

import pytest

from zorka.catalog import (
    ParameterError,
    apply_fields,
    compile_filter,
    parse_bbox,
    parse_fields,
    parse_list,
    parse_sortby,
    query_to_cql2,
)


def test_bbox() -> None:
    assert parse_bbox("1,2,3,4") == [1.0, 2.0, 3.0, 4.0]
    assert parse_bbox([1, 2, 0, 3, 4, 10]) == [1.0, 2.0, 0.0, 3.0, 4.0, 10.0]
    assert parse_bbox(None) is None
    for bad in ("1,2,3", "a,b,c,d", "1,5,3,4", "3,2,1,4", "0,-95,1,1", "nan,1,2,3"):
        with pytest.raises(ParameterError, match=r"^bbox: "):
            parse_bbox(bad)


def test_sortby_and_lists() -> None:
    assert parse_sortby("-datetime, properties.gsd,+id") == [
        ("datetime", "desc"),
        ("properties.gsd", "asc"),
        ("id", "asc"),
    ]
    # An unescaped "+" in a URL arrives as a space.
    assert parse_sortby(" gsd") == [("gsd", "asc")]
    assert parse_sortby([{"field": "gsd", "direction": "DESC"}]) == [("gsd", "desc")]
    with pytest.raises(ParameterError, match="sortby"):
        parse_sortby([{"field": "gsd", "direction": "up"}])
    with pytest.raises(ParameterError, match="sortby"):
        parse_sortby(["gsd"])
    assert parse_list("ids", "a, b,,c") == ["a", "b", "c"]
    assert parse_list("ids", "") is None
    with pytest.raises(ParameterError, match=r"^ids: "):
        parse_list("ids", ["a", 3])  # type: ignore[list-item]


def test_fields() -> None:
    item = {
        "type": "Feature",
        "id": "x",
        "links": [],
        "geometry": {"type": "Point", "coordinates": [0, 0]},
        "properties": {"gsd": 2.0, "datetime": "2020-01-01T00:00:00Z", "platform": "bka"},
        "assets": {"data": {"href": "a.tif"}},
    }
    include, exclude = parse_fields("properties.gsd,-assets,id")
    assert (include, exclude) == (["properties.gsd", "id"], ["assets"])
    assert apply_fields(item, include, exclude) == {
        "type": "Feature",
        "id": "x",
        "links": [],
        "properties": {"gsd": 2.0},
    }
    kept = apply_fields(item, *parse_fields({"exclude": ["properties.platform", "id"]}))
    assert "platform" not in kept["properties"] and kept["id"] == "x"
    assert item["properties"]["platform"] == "bka"  # the original is untouched
    with pytest.raises(ParameterError, match=r"fields\.include"):
        parse_fields({"include": "id"})


def test_query_extension_becomes_cql2() -> None:
    cql = query_to_cql2({"eo:cloud_cover": {"lt": 10, "gte": 0}, "platform": {"in": ["bka"]}})
    assert cql == {
        "op": "and",
        "args": [
            {"op": "<", "args": [{"property": "eo:cloud_cover"}, 10]},
            {"op": ">=", "args": [{"property": "eo:cloud_cover"}, 0]},
            {"op": "in", "args": [{"property": "platform"}, ["bka"]]},
        ],
    }
    compile_filter(cql)  # the filter compiler takes it
    assert query_to_cql2('{"id": {"startsWith": "40_"}}') == {
        "op": "like",
        "args": [{"property": "id"}, "40\\_%"],
    }
    with pytest.raises(ParameterError, match=r"query\.gsd\.near"):
        query_to_cql2({"gsd": {"near": 3}})
    with pytest.raises(ParameterError, match=r"^query: not JSON"):
        query_to_cql2("{")
