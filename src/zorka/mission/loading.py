"""Reading mission files: YAML to :class:`Mission`, with every problem named by path and line.

Pydantic reports errors by location tuples such as ``('satellites', 1, 'orbit', 'tle', 'line1')``;
here they become ``satellites[1].orbit.line1`` (the ``tle`` is pydantic's name for the union
member, not a key in the file), get the YAML line they came from, and a message that says what is
allowed. Every error is reported, never just the first.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from zorka.mission.errors import MissionError, MissionIssue
from zorka.mission.model import Mission, consistency_issues

__all__ = ["check_mission", "load_mission", "parse_mission", "read_mission"]

PathElem = str | int


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text.

    Pydantic parses them, and the data read then has the same types the JSON Schema describes
    (an ISO string), so one file passes or fails both in the same way.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def format_path(path: Sequence[PathElem]) -> str:
    """``['satellites', 1, 'sensor']`` as ``satellites[1].sensor``."""
    out = ""
    for elem in path:
        if isinstance(elem, int):
            out += f"[{elem}]"
        else:
            out += f".{elem}" if out else str(elem)
    return out


def _split_path(text: str) -> list[PathElem]:
    return [int(i) if i else key for key, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", text)]


# -- YAML nodes: line numbers and duplicate keys ------------------------------------------------


def _line_of(node: yaml.Node | None, path: Sequence[PathElem]) -> int | None:
    """1-based line of the deepest node along ``path`` (the parent's, for a key that is missing)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for elem in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(elem):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(elem, int):
            if not 0 <= elem < len(node.value):
                return line
            node = node.value[elem]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _duplicate_keys(node: yaml.Node, path: list[PathElem], source: str) -> list[MissionIssue]:
    # PyYAML keeps the last of two equal keys without a word; in a mission file that hides a typo.
    issues: list[MissionIssue] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            line = key.start_mark.line + 1
            if name in seen:
                issues.append(
                    MissionIssue(
                        format_path([*path, name]),
                        f"key {name!r} appears twice (first on line {seen[name]}); keep one",
                        line,
                        source,
                    )
                )
            seen.setdefault(name, line)
            issues += _duplicate_keys(value, [*path, name], source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            issues += _duplicate_keys(item, [*path, i], source)
    return issues


def _read_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None, list[MissionIssue]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        return None, None, [MissionIssue("", f"not valid YAML: {message}", line, source)]
    except yaml.YAMLError as exc:
        return None, None, [MissionIssue("", f"not valid YAML: {exc}", None, source)]
    finally:
        loader.dispose()
    if node is None:
        return (
            None,
            None,
            [MissionIssue("", "the file is empty; a mission needs at least a name", 1, source)],
        )
    return data, node, _duplicate_keys(node, [], source)


# -- pydantic errors as messages ----------------------------------------------------------------


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes (or other types) an annotation stands for, Optional/Annotated removed."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                out += _unwrap(arg)
        return out
    return [annotation]


def _models_at(path: Sequence[PathElem], data: Any) -> list[type[BaseModel]]:
    """The model classes that can stand at ``path`` of the mission file (several for a union)."""
    candidates: list[Any] = [Mission]
    node = data
    for elem in path:
        node = _child(node, elem)
        if isinstance(elem, int):
            candidates = [typing.get_args(c)[0] for c in candidates if typing.get_origin(c) is list]
            continue
        following: list[Any] = []
        for cls in candidates:
            if isinstance(cls, type) and issubclass(cls, BaseModel) and elem in cls.model_fields:
                following += _unwrap(cls.model_fields[elem].annotation)
        candidates = [c for a in following for c in _unwrap(a)]
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    if len(models) > 1 and isinstance(node, dict) and "kind" in node:
        tagged = [m for m in models if _kind_of(m) == node["kind"]]
        models = tagged or models
    return models


def _kind_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("kind")
    if field is None:
        return None
    args = typing.get_args(field.annotation)
    return str(args[0]) if args else None


def _child(node: Any, elem: PathElem) -> Any:
    if isinstance(node, dict):
        return node.get(elem)
    if isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node):
        return node[elem]
    return None


def _file_path(loc: Sequence[PathElem], data: Any) -> list[PathElem]:
    """Pydantic's location as a path in the file: union member names are dropped."""
    out: list[PathElem] = []
    node = data
    for elem in loc:
        if isinstance(node, dict) and elem not in node and node.get("kind") == elem:
            continue  # pydantic names the union member by its tag; the file has no such key
        out.append(elem)
        node = _child(node, elem)
    return out


def _got(value: Any) -> str:
    if isinstance(value, dict | list):
        return ""
    text = repr(value)
    return f" (got {text if len(text) <= 60 else text[:57] + '...'})"


def _message(error: ErrorDetails, path: list[PathElem], data: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        allowed = sorted({f for m in _models_at(path[:-1], data) for f in m.model_fields})
        near = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return f"unknown field {key!r}{hint} Allowed here: {', '.join(allowed)}"
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        tags = [_kind_of(m) for m in _models_at(path, data)]
        choices = ", ".join(t for t in tags if t)
        if kind == "union_tag_not_found":
            return f"needs 'kind': one of {choices}"
        return f"kind {ctx.get('tag')!r} is not known; use one of {choices}"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    message = error["msg"].replace("Input should be", "should be")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        message = "should be a mapping of keys to values"
    return message + _got(error.get("input"))


def _validation_issues(
    exc: ValidationError, data: Any, node: yaml.Node | None, source: str
) -> list[MissionIssue]:
    issues = []
    for error in exc.errors():
        path = _file_path(error["loc"], data)
        issues.append(
            MissionIssue(
                format_path(path), _message(error, path, data), _line_of(node, path), source
            )
        )
    return issues


# -- the public functions -----------------------------------------------------------------------


def _parse(
    text: str, source: str, base_dir: Path | None
) -> tuple[Mission | None, list[MissionIssue], yaml.Node | None]:
    data, node, issues = _read_yaml(text, source)
    if node is None:
        return None, issues, None
    if not isinstance(data, dict):
        issues.append(
            MissionIssue(
                "", "a mission file is a mapping with name, satellites and stations", 1, source
            )
        )
        return None, issues, node
    mission: Mission | None = None
    try:
        mission = Mission.model_validate(data)
    except ValidationError as exc:
        issues += _validation_issues(exc, data, node, source)
    else:
        mission.located(source, base_dir)
    # Checked on the data as read, so that these come out together with any field errors.
    issues += [_placed(issue, node) for issue in consistency_issues(data, source)]
    issues.sort(key=lambda issue: issue.line or 0)
    return mission, issues, node


def _placed(issue: MissionIssue, node: yaml.Node | None) -> MissionIssue:
    line = _line_of(node, _split_path(issue.path))
    return MissionIssue(issue.path, issue.message, line, issue.source, issue.severity)


def parse_mission(text: str, *, source: str = "<string>", base_dir: Path | None = None) -> Mission:
    """A mission from YAML (or JSON) text; raises :class:`MissionError` listing every problem.

    ``base_dir`` is where relative orbit-file paths start.
    """
    mission, issues, _ = _parse(text, source, base_dir)
    if issues or mission is None:
        raise MissionError(issues)
    return mission


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MissionError(
            [MissionIssue("", f"cannot read: {exc.strerror or exc}", None, str(path))]
        ) from None
    except UnicodeDecodeError as exc:
        raise MissionError(
            [
                MissionIssue(
                    "",
                    f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
                    None,
                    str(path),
                )
            ]
        ) from None


def load_mission(path: str | Path) -> Mission:
    """Read a mission file; relative orbit-file paths in it start at the file's folder."""
    path = Path(path)
    return parse_mission(_read_text(path), source=str(path), base_dir=path.resolve().parent)


def read_mission(path: str | Path) -> tuple[Mission | None, list[MissionIssue]]:
    """Everything :command:`zorka mission check` reports: every error and warning in a file.

    Unlike :func:`load_mission` this also builds each orbit, so a bad TLE line, a missing orbit
    file or an epoch far from the demo clock is found too. The mission is returned when it
    loaded (even with orbit errors), ``None`` when it did not.
    """
    path = Path(path)
    try:
        text = _read_text(path)
    except MissionError as exc:
        return None, exc.issues
    return check_mission(text, source=str(path), base_dir=path.resolve().parent)


def check_mission(
    text: str, *, source: str = "<string>", base_dir: Path | None = None
) -> tuple[Mission | None, list[MissionIssue]]:
    """Like :func:`read_mission`, on text."""
    mission, issues, node = _parse(text, source, base_dir)
    if mission is None:
        return None, issues
    loaded = None if issues else mission
    # Orbits are built even after other errors, so that one run reports everything to fix.
    satellites, orbit_issues = mission.build_fleet()
    issues += [_placed(issue, node) for issue in orbit_issues]
    issues += [_placed(issue, node) for issue in mission.warnings(satellites)]
    return loaded, issues
