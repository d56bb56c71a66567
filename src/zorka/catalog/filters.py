"""CQL2 filters (text and JSON) compiled to SQLite SQL over the catalog's item table.

Parsing and validation are the ``cql2`` library's; this module turns its CQL2-JSON tree into a
parameterised SQL expression. Properties are read from the stored item JSON with
``json_extract``; ``id``, ``collection`` and ``datetime`` map to indexed columns, ``geometry`` to
the stored WKB, tested exactly by shapely through functions the store registers
(``zorka_s_<op>``).

Supported: ``and or not``, ``= <> < <= > >=``, ``like``, ``between``, ``in``, ``isNull``,
``s_intersects s_within s_contains s_disjoint s_equals s_overlaps s_touches s_crosses``, and
``t_before t_after t_intersects t_equals`` on ``datetime`` against timestamps and intervals.
Anything else raises :class:`FilterError` naming the operator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cql2
from shapely.errors import ShapelyError
from shapely.geometry import box, shape

__all__ = ["SPATIAL_OPS", "CompiledFilter", "FilterError", "compile_filter", "parse_filter"]

#: The spatial operators the store implements as SQLite functions.
SPATIAL_OPS = (
    "s_intersects",
    "s_within",
    "s_contains",
    "s_disjoint",
    "s_equals",
    "s_overlaps",
    "s_touches",
    "s_crosses",
)
_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_COLUMNS = {"id": "items.id", "collection": "items.collection"}


class FilterError(ValueError):
    """A filter that does not parse, or uses what the catalog cannot evaluate."""


@dataclass(frozen=True)
class CompiledFilter:
    """A SQL boolean expression and its parameters."""

    sql: str
    params: tuple[Any, ...]


# cql2's validate() checks a filter against the CQL2 JSON schema and costs 20-30 ms a call,
# more than all the rest of a search. Filters recur (every page of a search repeats one, and a
# parsed tree is compiled again), so validated filters are kept by their text.
_VALIDATED: dict[str, str] = {}
_VALIDATED_MAX = 1024


def parse_filter(filter_: str | dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """Parse and validate a CQL2 filter (``lang`` ``cql2-text`` or ``cql2-json``; guessed from
    the type if ``None``); return it as CQL2-JSON. Parse errors keep the library's position
    marker."""
    json_form = isinstance(filter_, dict) or lang == "cql2-json"
    try:
        if json_form:
            given = json.loads(filter_) if isinstance(filter_, str) else filter_
            key = "json:" + json.dumps(_modern(given), sort_keys=True)
        else:
            key = "text:" + str(filter_)
        known = _VALIDATED.get(key)
        if known is not None:
            return dict(json.loads(known))
        expr = cql2.parse_json(key[5:]) if json_form else cql2.parse_text(str(filter_))
        expr.validate()
        tree = expr.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError, TypeError, RecursionError) as error:
        raise FilterError(f"invalid CQL2 filter: {error}") from None
    if not isinstance(tree, dict):
        raise FilterError(f"invalid CQL2 filter: expected a predicate, found {tree!r}"[:120])
    if len(_VALIDATED) >= _VALIDATED_MAX:
        _VALIDATED.clear()
    text = json.dumps(tree)
    _VALIDATED[key] = text
    # The tree itself is valid too, and is what the catalog compiles next.
    _VALIDATED["json:" + json.dumps(tree, sort_keys=True)] = text
    return tree


def _modern(node: Any) -> Any:
    """CQL2-JSON with drafts' forms replaced by the standard's: ``between`` with its bounds in
    one array (``[x, [low, high]]``, as the STAC filter extension's examples still write it)
    becomes ``[x, low, high]``."""
    if isinstance(node, list):
        return [_modern(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _modern(v) for k, v in node.items()}
    args = out.get("args")
    if (
        out.get("op") == "between"
        and isinstance(args, list)
        and len(args) == 2
        and isinstance(args[1], list)
        and len(args[1]) == 2
    ):
        out["args"] = [args[0], *args[1]]
    return out


def compile_filter(filter_: str | dict[str, Any], lang: str | None = None) -> CompiledFilter:
    """Parse a CQL2 filter (see :func:`parse_filter`) and compile it to SQL."""
    params: list[Any] = []
    sql = _compile(parse_filter(filter_, lang), params)
    return CompiledFilter(sql, tuple(params))


def _timestamp(value: Any) -> float | None:
    if isinstance(value, dict) and ("timestamp" in value or "date" in value):
        text = value.get("timestamp") or value["date"]
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    return None


def _operand(node: Any, params: list[Any]) -> str:
    if isinstance(node, dict) and "property" in node:
        name = node["property"]
        if name in _COLUMNS:
            return _COLUMNS[name]
        if name == "datetime":
            return "items.start_s"
        if name in ("geometry", "footprint"):
            return "items.geometry"
        # A quoted JSON path label, so that names like "eo:cloud_cover" work.
        params.append('$."' + str(name).replace('"', '\\"') + '"')
        return "json_extract(items.properties, ?)"
    stamp = _timestamp(node)
    if stamp is not None:
        params.append(stamp)
        return "?"
    try:
        if (
            isinstance(node, dict)
            and "type" in node
            and ("coordinates" in node or "geometries" in node)
        ):
            params.append(shape(node).wkb)
            return "?"
        if isinstance(node, dict) and "bbox" in node:
            params.append(box(*node["bbox"][:2], *node["bbox"][-2:]).wkb)
            return "?"
    except (TypeError, ValueError, IndexError, AttributeError, KeyError, ShapelyError) as error:
        raise FilterError(f"invalid geometry in CQL2 filter: {error}") from None
    if isinstance(node, bool):
        params.append(1 if node else 0)
        return "?"
    if isinstance(node, str | int | float):
        params.append(node)
        return "?"
    raise FilterError(f"unsupported CQL2 operand: {json.dumps(node)[:80]}")


def _compile(node: Any, params: list[Any]) -> str:
    if isinstance(node, bool):
        return "1" if node else "0"
    if not isinstance(node, dict) or "op" not in node:
        raise FilterError(f"expected a CQL2 predicate, found {json.dumps(node)[:80]}")
    op, args = node["op"], node.get("args", [])
    if op in ("and", "or"):
        return "(" + f" {op.upper()} ".join(_compile(a, params) for a in args) + ")"
    if op == "not":
        return f"(NOT {_compile(args[0], params)})"
    if op in _COMPARISONS:
        left = _operand(args[0], params)
        right = _operand(args[1], params)
        return f"({left} {_COMPARISONS[op]} {right})"
    if op == "like":
        left = _operand(args[0], params)
        right = _operand(args[1], params)
        # CQL2 LIKE is case-sensitive; SQLite's GLOB is, LIKE is not: use LIKE with the pragma
        # off and '\\' as the escape, which the store sets.
        return f"({left} LIKE {right} ESCAPE '\\')"
    if op == "between":
        value = _operand(args[0], params)
        low = _operand(args[1], params)
        high = _operand(args[2], params)
        return f"({value} BETWEEN {low} AND {high})"
    if op == "in":
        value = _operand(args[0], params)
        options = ", ".join(_operand(a, params) for a in args[1])
        return f"({value} IN ({options}))"
    if op == "isNull":
        return f"({_operand(args[0], params)} IS NULL)"
    if op in SPATIAL_OPS:
        left = _operand(args[0], params)
        right = _operand(args[1], params)
        return f"zorka_{op}({left}, {right})"
    if op in ("t_before", "t_after", "t_intersects", "t_equals"):
        return _temporal(op, args, params)
    raise FilterError(f"CQL2 operator {op!r} is not supported by the SQLite catalog")


def _temporal(op: str, args: list[Any], params: list[Any]) -> str:
    prop = args[0]
    if not (isinstance(prop, dict) and prop.get("property") == "datetime"):
        raise FilterError(f"{op} is supported on the datetime property only")
    other = args[1]
    if isinstance(other, dict) and "interval" in other:
        start, end = (_timestamp(v) if v != ".." else None for v in other["interval"])
    else:
        start = end = _timestamp(other)
    lo = float("-inf") if start is None else start
    hi = float("inf") if end is None else end
    if op == "t_before":
        params.append(lo)
        return "(items.end_s < ?)"
    if op == "t_after":
        params.append(hi)
        return "(items.start_s > ?)"
    if op == "t_equals":
        params.extend([lo, hi])
        return "(items.start_s = ? AND items.end_s = ?)"
    params.extend([hi, lo])
    return "(items.start_s <= ? AND items.end_s >= ?)"
