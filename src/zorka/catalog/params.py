"""STAC API search parameters in their text and JSON forms, parsed for :class:`SearchQuery`.

The same parameters reach the catalog from a GET query string (``bbox=1,2,3,4``,
``sortby=-datetime``), from a POST body (``"sortby": [{"field": ..., "direction": ...}]``) and
from the command line. Each parser raises :class:`ParameterError` naming the parameter, so that
the server answers 400 and the command line a usage error, with the same words.

Also here: the query extension (``{"eo:cloud_cover": {"lt": 10}}``), translated into CQL2-JSON
so that one filter compiler serves both, and the fields extension (``include``/``exclude``)
applied to an item.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from zorka.catalog.filters import FilterError

__all__ = [
    "ParameterError",
    "apply_fields",
    "parse_bbox",
    "parse_fields",
    "parse_list",
    "parse_sortby",
    "query_to_cql2",
]

# The query extension's operators and their CQL2 equivalents.
_QUERY_OPS = {"eq": "=", "neq": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

# Fields an item always keeps whatever the fields extension asks: without them it is no item.
_ALWAYS = ("type", "stac_version", "id", "collection", "links")


class ParameterError(FilterError):
    """A search parameter that cannot be used; :attr:`parameter` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


def parse_list(parameter: str, value: str | Sequence[str] | None) -> list[str] | None:
    """A comma-separated list (or a list already); ``None`` and empty stay ``None``."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    out = [p.strip() for p in parts if isinstance(p, str) and p.strip()]
    if not isinstance(value, str) and len(out) != len(parts):
        raise ParameterError(parameter, "expected a list of non-empty strings")
    return out or None


def parse_bbox(value: str | Sequence[Any] | None) -> list[float] | None:
    """``west,south,east,north`` (or with min and max height: six numbers) as floats.

    A bbox crossing the antimeridian (west > east) is refused: the catalog does not split it.
    """
    if value is None or value == "":
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        numbers = [float(p) for p in parts]
    except (TypeError, ValueError):
        raise ParameterError("bbox", f"expected 4 or 6 numbers, got {value!r}") from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise ParameterError("bbox", f"expected 4 or 6 finite numbers, got {value!r}")
    half = len(numbers) // 2
    west, south, east, north = numbers[0], numbers[1], numbers[half], numbers[half + 1]
    if south > north:
        raise ParameterError("bbox", f"south {south} is north of north {north}")
    if west > east:
        raise ParameterError("bbox", "west is east of east (antimeridian boxes are not supported)")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ParameterError("bbox", "latitudes must be within -90..90")
    return numbers


def parse_sortby(value: str | Sequence[Any] | None) -> list[tuple[str, str]]:
    """``-datetime,+properties.gsd`` or ``[{"field": ..., "direction": "asc"|"desc"}]`` as
    ``(field, direction)`` pairs. In a URL an unescaped ``+`` arrives as a space: read as ``+``.
    """
    if value is None or value == "":
        return []
    terms: list[tuple[str, str]] = []
    if isinstance(value, str):
        for raw in value.split(","):
            term = raw.strip() if not raw.startswith(" ") else "+" + raw.strip()
            if not term:
                continue
            direction = "desc" if term.startswith("-") else "asc"
            name = term.lstrip("+-").strip()
            if not name:
                raise ParameterError("sortby", f"{raw!r} names no field")
            terms.append((name, direction))
        return terms
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("field"), str):
            raise ParameterError("sortby", f"expected {{field, direction}} objects, got {entry!r}")
        direction = str(entry.get("direction", "asc")).lower()
        if direction not in ("asc", "desc"):
            raise ParameterError("sortby", f"direction {direction!r} is not asc or desc")
        terms.append((entry["field"], direction))
    return terms


def parse_fields(value: str | dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """``id,-properties.gsd`` or ``{"include": [...], "exclude": [...]}`` as
    ``(include, exclude)`` lists of dotted field names."""
    if value is None or value == "":
        return [], []
    if isinstance(value, str):
        include, exclude = [], []
        for raw in value.split(","):
            term = raw.strip()
            if term.startswith("-"):
                exclude.append(term[1:])
            elif term:
                include.append(term.lstrip("+"))
        return include, exclude
    if not isinstance(value, dict):
        raise ParameterError("fields", "expected an object with include and exclude lists")
    lists = []
    for key in ("include", "exclude"):
        names = value.get(key) or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ParameterError(f"fields.{key}", "expected a list of field names")
        lists.append(list(names))
    return lists[0], lists[1]


def apply_fields(item: dict[str, Any], include: Iterable[str], exclude: Iterable[str]) -> Any:
    """``item`` with only the ``include`` fields (all, if none) minus ``exclude``: a copy, or
    ``item`` itself when both are empty.

    Names are dotted paths (``properties.gsd``); ``type``, ``stac_version``, ``id``,
    ``collection`` and ``links`` are always kept.
    """
    include, exclude = list(include), list(exclude)
    if not include and not exclude:
        return item
    if include:
        out: dict[str, Any] = {k: item[k] for k in _ALWAYS if k in item}
        for name in include:
            _copy_path(item, out, name.split("."))
    else:
        out = copy.deepcopy(item)
    for name in exclude:
        if name in _ALWAYS:
            continue
        _drop_path(out, name.split("."))
    return out


def _copy_path(source: dict[str, Any], target: dict[str, Any], path: list[str]) -> None:
    head, rest = path[0], path[1:]
    if head not in source:
        return
    if not rest:
        target[head] = copy.deepcopy(source[head])
    elif isinstance(source[head], dict):
        sub = target.setdefault(head, {})
        if isinstance(sub, dict):
            _copy_path(source[head], sub, rest)


def _drop_path(target: dict[str, Any], path: list[str]) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        target.pop(head, None)
    elif isinstance(target.get(head), dict):
        _drop_path(target[head], rest)


def query_to_cql2(query: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """The query extension's object (or its JSON text) as one CQL2-JSON ``and`` expression.

    Operators: ``eq neq lt lte gt gte startsWith endsWith contains in``.
    """
    if query is None or query == "":
        return None
    if isinstance(query, str):
        try:
            query = json.loads(query)
        except ValueError as error:
            raise ParameterError("query", f"not JSON: {error}") from None
    if not isinstance(query, dict):
        raise ParameterError("query", "expected an object of {property: {operator: value}}")
    args: list[dict[str, Any]] = []
    for name, conditions in query.items():
        if not isinstance(conditions, dict) or not conditions:
            raise ParameterError(f"query.{name}", "expected an object of {operator: value}")
        prop = {"property": str(name).removeprefix("properties.")}
        for op, value in conditions.items():
            args.append(_query_term(f"query.{name}.{op}", prop, op, value))
    return args[0] if len(args) == 1 else {"op": "and", "args": args}


def _query_term(where: str, prop: dict[str, Any], op: str, value: Any) -> dict[str, Any]:
    if op in _QUERY_OPS:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ParameterError(where, f"expected a string or number, got {value!r}")
        return {"op": _QUERY_OPS[op], "args": [prop, value]}
    if op in ("startsWith", "endsWith", "contains"):
        if not isinstance(value, str):
            raise ParameterError(where, f"expected a string, got {value!r}")
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = {"startsWith": "{}%", "endsWith": "%{}", "contains": "%{}%"}[op]
        return {"op": "like", "args": [prop, pattern.format(escaped)]}
    if op == "in":
        if not isinstance(value, list) or not value:
            raise ParameterError(where, "expected a non-empty list")
        return {"op": "in", "args": [prop, value]}
    known = ", ".join([*_QUERY_OPS, "startsWith", "endsWith", "contains", "in"])
    raise ParameterError(where, f"unknown operator {op!r} (known: {known})")
