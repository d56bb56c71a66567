"""SPOT5 daily photograph scheduling instances: reading, writing, solutions and their checker.

The benchmark of Bensana, Lemaître and Verfaillie (Constraints 4, 1999), built by CNES from real
SPOT5 planning days. Each candidate photograph has a weight and a few candidate values: 1, 2 or 3
when one of the front, middle or rear instruments takes it (mono), 13 when front and rear take it
together (stereo). Leaving a photograph out is value 0, which the files never list. Binary and
ternary constraints forbid tuples of values on photographs that are all selected; the multi-orbit
instances (ids above 1000) add a recorder capacity. The objective is the sum of the weights of the
selected photographs.

The capacity is checked in the units of the published best-known values: each consumption is
rounded to a multiple of :data:`CONSUMPTION_UNIT` (451, the size of one mono photograph), and the
recorder's 90000 becomes 200. The raw figures stay on the instance for anyone who wants them.

:func:`check` shares nothing with the solvers: it walks the instance's own constraints, so a
solver's mistake cannot hide behind its own data structures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = [
    "CONSUMPTION_UNIT",
    "MONO",
    "STEREO",
    "VALUES",
    "Constraint",
    "Photograph",
    "Spot5CheckError",
    "Spot5FormatError",
    "Spot5Instance",
    "Spot5Solution",
    "Violation",
    "check",
    "read_spot5",
]

MONO = (1, 2, 3)
STEREO = 13
VALUES = (*MONO, STEREO)
CONSUMPTION_UNIT = 451
_EXTRA_FIELDS = (0, 2)  # some multi-orbit files carry two more integers per photograph


class Spot5FormatError(ValueError):
    """A SPOT5 file that does not follow the format, naming its file, line and field."""

    def __init__(self, source: str, line: int | None, field: str, message: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {field}: {message}")
        self.source = source
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Photograph:
    """One candidate photograph: its weight and, per candidate value, the recorder consumption."""

    id: int
    weight: int
    values: tuple[int, ...]
    consumption: tuple[float, ...]  # raw, in the file's units, one per value
    line: int = field(default=0, compare=False)

    def consumption_units(self, value: int) -> int:
        """Consumption of ``value`` in the units of the published results (round(c / 451))."""
        return round(self.consumption[self.values.index(value)] / CONSUMPTION_UNIT)


@dataclass(frozen=True)
class Constraint:
    """Forbidden value tuples on two or three photographs; it binds only when all are selected."""

    index: int  # 0-based position among the file's constraints
    photographs: tuple[int, ...]
    forbidden: tuple[tuple[int, ...], ...]
    line: int = field(default=0, compare=False)

    @property
    def arity(self) -> int:
        return len(self.photographs)

    @property
    def kind(self) -> str:
        return "binary" if self.arity == 2 else "ternary"

    def describe(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.kind} constraint #{self.index}{where} on photographs {self.photographs}"


@dataclass(frozen=True)
class Spot5Instance:
    """A SPOT5 instance as read: photographs, constraints and, for multi-orbit days, a capacity."""

    name: str
    photographs: tuple[Photograph, ...]
    constraints: tuple[Constraint, ...]
    capacity: int | None = None  # raw recorder capacity; None on single-orbit instances
    source: str = field(default="<string>", compare=False)
    capacity_line: int = field(default=0, compare=False)

    @cached_property
    def by_id(self) -> dict[int, Photograph]:
        """The photographs by id."""
        return {p.id: p for p in self.photographs}

    @property
    def multi_orbit(self) -> bool:
        return self.capacity is not None

    @property
    def capacity_units(self) -> int | None:
        """The capacity in the units of the published results (200 for the 90000 of the files)."""
        return None if self.capacity is None else round(self.capacity / CONSUMPTION_UNIT)

    @property
    def total_weight(self) -> int:
        """The sum of all weights: a trivial upper bound on the objective."""
        return sum(p.weight for p in self.photographs)

    @classmethod
    def from_file(cls, path: str | Path) -> Spot5Instance:
        """Read a ``.spot`` file; the instance is named after the file (``503.spot`` → ``503``)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="ascii")
        except UnicodeDecodeError as exc:
            raise Spot5FormatError(str(path), None, "file", f"not ASCII text ({exc})") from None
        return cls.from_text(text, name=path.stem, source=str(path))

    @classmethod
    def from_text(cls, text: str, name: str = "spot5", source: str = "<string>") -> Spot5Instance:
        """Parse the text of a ``.spot`` file; errors name ``source``, the line and the field."""
        return _Parser(text, name, source).parse()

    def to_text(self) -> str:
        """The instance in the ``.spot`` format (the ignored extra integers are not written)."""
        out = [str(len(self.photographs))]
        for p in self.photographs:
            pairs = " ".join(
                f"{v} {_number(c)}" for v, c in zip(p.values, p.consumption, strict=True)
            )
            out.append(f"{p.id} {p.weight} {len(p.values)} {pairs}")
        out.append(str(len(self.constraints) + (1 if self.capacity is not None else 0)))
        for c in self.constraints:
            flat = " ".join(str(v) for t in c.forbidden for v in t)
            out.append(f"{c.arity} {' '.join(map(str, c.photographs))} {flat}")
        if self.capacity is not None:
            out.append(str(self.capacity))
        return "\n".join(out) + "\n"


def read_spot5(path: str | Path) -> Spot5Instance:
    """Read a SPOT5 ``.spot`` file (same as :meth:`Spot5Instance.from_file`)."""
    return Spot5Instance.from_file(path)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


class _Parser:
    """Line-based reader: the format is integers, but its lines carry the structure."""

    def __init__(self, text: str, name: str, source: str) -> None:
        self.name = name
        self.source = source
        # blank lines are skipped, but every error keeps the line number of the original text
        self.lines: list[tuple[int, list[str]]] = [
            (n, line.split()) for n, line in enumerate(text.splitlines(), 1) if line.strip()
        ]
        self.pos = 0

    def error(self, line: int | None, field_name: str, message: str) -> Spot5FormatError:
        return Spot5FormatError(self.source, line, field_name, message)

    def next_line(self, what: str) -> tuple[int, list[str]]:
        if self.pos >= len(self.lines):
            last = self.lines[-1][0] if self.lines else None
            raise self.error(last, what, "the file ends here; expected " + what)
        item = self.lines[self.pos]
        self.pos += 1
        return item

    def integer(self, line: int, token: str, field_name: str, minimum: int | None = None) -> int:
        try:
            value = int(token)
        except ValueError:
            raise self.error(line, field_name, f"{token!r} is not an integer") from None
        if minimum is not None and value < minimum:
            raise self.error(line, field_name, f"{value} is below {minimum}")
        return value

    def number(self, line: int, token: str, field_name: str) -> float:
        try:
            value = float(token)
        except ValueError:
            raise self.error(line, field_name, f"{token!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise self.error(line, field_name, f"{token} is not a finite non-negative number")
        return value

    def parse(self) -> Spot5Instance:
        line, tokens = self.next_line("the number of photographs")
        if len(tokens) != 1:
            raise self.error(line, "photograph count", f"expected one integer, got {len(tokens)}")
        n = self.integer(line, tokens[0], "photograph count", minimum=0)
        photographs = [self.photograph(k) for k in range(n)]
        by_id: dict[int, Photograph] = {}
        for p in photographs:
            if p.id in by_id:
                raise self.error(
                    p.line, "photograph id", f"{p.id} already defined on line {by_id[p.id].line}"
                )
            by_id[p.id] = p

        line, tokens = self.next_line("the number of constraints")
        if len(tokens) != 1:
            raise self.error(line, "constraint count", f"expected one integer, got {len(tokens)}")
        m = self.integer(line, tokens[0], "constraint count", minimum=0)
        constraints: list[Constraint] = []
        capacity: int | None = None
        capacity_line = 0
        # Multi-orbit files count their capacity line among the M lines; accept it after them too.
        for _ in range(m):
            line, tokens = self.next_line(f"constraint {len(constraints)} of {m}")
            if len(tokens) == 1:
                capacity, capacity_line = self.capacity(line, tokens, capacity_line)
            else:
                constraints.append(self.constraint(line, tokens, len(constraints), by_id))
        if self.pos < len(self.lines):
            line, tokens = self.next_line("the recorder capacity")
            if len(tokens) != 1:
                raise self.error(
                    line,
                    "capacity",
                    f"expected one integer (the recorder capacity) after the {m} constraints, "
                    f"got {len(tokens)} fields; is the constraint count {m} right?",
                )
            capacity, capacity_line = self.capacity(line, tokens, capacity_line)
        if self.pos < len(self.lines):
            line, _ = self.lines[self.pos]
            raise self.error(line, "end of file", "unexpected data after the recorder capacity")
        return Spot5Instance(
            name=self.name,
            photographs=tuple(photographs),
            constraints=tuple(constraints),
            capacity=capacity,
            source=self.source,
            capacity_line=capacity_line,
        )

    def capacity(self, line: int, tokens: list[str], previous: int) -> tuple[int, int]:
        if previous:
            raise self.error(
                line, "capacity", f"a second capacity; the first is on line {previous}"
            )
        return self.integer(line, tokens[0], "capacity", minimum=0), line

    def photograph(self, k: int) -> Photograph:
        line, tokens = self.next_line(f"photograph {k}")
        if len(tokens) < 3:
            raise self.error(
                line, f"photograph {k}", "expected 'id weight dsize {value consumption} x dsize'"
            )
        pid = self.integer(line, tokens[0], "photograph id", minimum=0)
        weight = self.integer(line, tokens[1], f"weight of photograph {pid}", minimum=0)
        dsize = self.integer(line, tokens[2], f"domain size of photograph {pid}", minimum=1)
        extra = len(tokens) - 3 - 2 * dsize
        if extra not in _EXTRA_FIELDS:
            raise self.error(
                line,
                f"domain of photograph {pid}",
                f"domain size {dsize} needs {2 * dsize} fields after it (value, consumption), "
                f"found {len(tokens) - 3}",
            )
        values: list[int] = []
        consumption: list[float] = []
        for j in range(dsize):
            label = f"value {j + 1} of photograph {pid}"
            value = self.integer(line, tokens[3 + 2 * j], label)
            if value not in VALUES:
                raise self.error(
                    line, label, f"{value} is not one of {', '.join(map(str, VALUES))}"
                )
            if value in values:
                raise self.error(line, label, f"value {value} listed twice")
            values.append(value)
            consumption.append(
                self.number(
                    line, tokens[4 + 2 * j], f"consumption of value {value} of photograph {pid}"
                )
            )
        return Photograph(pid, weight, tuple(values), tuple(consumption), line)

    def constraint(
        self, line: int, tokens: list[str], index: int, by_id: Mapping[int, Photograph]
    ) -> Constraint:
        label = f"constraint {index}"
        arity = self.integer(line, tokens[0], f"arity of {label}")
        if arity not in (2, 3):
            raise self.error(line, f"arity of {label}", f"{arity}; only 2 and 3 occur in SPOT5")
        if len(tokens) < 1 + arity:
            raise self.error(line, label, f"arity {arity} but only {len(tokens) - 1} fields")
        photographs = tuple(
            self.integer(line, t, f"photograph {j + 1} of {label}")
            for j, t in enumerate(tokens[1 : 1 + arity])
        )
        for j, pid in enumerate(photographs):
            if pid not in by_id:
                raise self.error(line, f"photograph {j + 1} of {label}", f"no photograph {pid}")
        if len(set(photographs)) != arity:
            raise self.error(line, label, f"a photograph appears twice in {photographs}")
        flat = tokens[1 + arity :]
        if not flat or len(flat) % arity:
            raise self.error(
                line,
                f"forbidden tuples of {label}",
                f"{len(flat)} values do not make whole tuples of {arity}",
            )
        forbidden: list[tuple[int, ...]] = []
        for t in range(0, len(flat), arity):
            tup: list[int] = []
            for j in range(arity):
                pid = photographs[j]
                name = f"tuple {t // arity + 1} of {label}"
                value = self.integer(line, flat[t + j], name)
                if value not in by_id[pid].values:
                    raise self.error(
                        line,
                        name,
                        f"value {value} is not a candidate of photograph {pid} "
                        f"(it has {', '.join(map(str, by_id[pid].values))})",
                    )
                tup.append(value)
            forbidden.append(tuple(tup))
        return Constraint(index, photographs, tuple(forbidden), line)


@dataclass(frozen=True)
class Violation:
    """One broken rule of a selection: its kind, the constraint or photograph, and why."""

    kind: str  # "photograph", "value", "binary", "ternary" or "capacity"
    message: str
    line: int = 0  # line of the instance file the rule comes from, when it has one

    def __str__(self) -> str:
        return self.message


class Spot5CheckError(ValueError):
    """A selection that breaks the instance's rules; ``violations`` lists every broken one."""

    def __init__(self, instance: str, violations: list[Violation]) -> None:
        head = f"{instance}: the selection breaks {len(violations)} rule(s)"
        shown = "\n  ".join(str(v) for v in violations[:20])
        more = f"\n  ... and {len(violations) - 20} more" if len(violations) > 20 else ""
        super().__init__(f"{head}:\n  {shown}{more}")
        self.violations = violations


def check(instance: Spot5Instance, selection: Mapping[int, int]) -> int:
    """Verify every rule of ``instance`` on ``selection`` (id → value) and return its objective.

    Value 0 means the photograph is left out, as does leaving it out of the mapping. Raises
    :class:`Spot5CheckError` listing every violation, each naming its constraint and line.
    """
    violations: list[Violation] = []
    chosen: dict[int, int] = {}
    for pid, value in selection.items():
        photograph = instance.by_id.get(pid)
        if photograph is None:
            violations.append(Violation("photograph", f"photograph {pid} is not in the instance"))
        elif value == 0:
            continue
        elif value not in photograph.values:
            violations.append(
                Violation(
                    "value",
                    f"photograph {pid} (line {photograph.line}) cannot take value {value}; "
                    f"its candidates are {', '.join(map(str, photograph.values))}",
                    photograph.line,
                )
            )
        else:
            chosen[pid] = value
    for constraint in instance.constraints:
        if not all(pid in chosen for pid in constraint.photographs):
            continue
        values = tuple(chosen[pid] for pid in constraint.photographs)
        if values in constraint.forbidden:
            violations.append(
                Violation(
                    constraint.kind,
                    f"{constraint.describe()} forbids values {values}",
                    constraint.line,
                )
            )
    if instance.capacity is not None:
        units = sum(instance.by_id[pid].consumption_units(v) for pid, v in chosen.items())
        limit = instance.capacity_units
        if limit is not None and units > limit:
            violations.append(
                Violation(
                    "capacity",
                    f"capacity constraint (line {instance.capacity_line}): the selection records "
                    f"{units} units of {CONSUMPTION_UNIT}, the recorder holds {limit} "
                    f"({instance.capacity})",
                    instance.capacity_line,
                )
            )
    if violations:
        raise Spot5CheckError(instance.name, violations)
    return sum(instance.by_id[pid].weight for pid in chosen)


@dataclass(frozen=True)
class Spot5Solution:
    """A selection with its objective and, when a solver proves one, its upper bound."""

    instance: str
    selected: dict[int, int]  # photograph id → value (1, 2, 3 or 13); left-out ones absent
    objective: int
    optimal: bool = False
    upper_bound: int | None = None
    seconds: float = 0.0
    solver: str = field(default="", compare=False)

    @property
    def gap(self) -> float | None:
        """Relative gap to the upper bound (0 when optimal), None without a bound."""
        if self.upper_bound is None:
            return None
        if self.upper_bound == 0:
            return 0.0
        return (self.upper_bound - self.objective) / self.upper_bound

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``zorka spot5 --format json`` prints (ids become string keys)."""
        return {
            "instance": self.instance,
            "objective": self.objective,
            "selected": {str(pid): v for pid, v in sorted(self.selected.items())},
            "optimal": self.optimal,
            "upper_bound": self.upper_bound,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Spot5Solution:
        """The solution of a :meth:`to_json` object."""
        bound = data["upper_bound"]
        return cls(
            instance=str(data["instance"]),
            selected={int(pid): int(v) for pid, v in data["selected"].items()},
            objective=int(data["objective"]),
            optimal=bool(data["optimal"]),
            upper_bound=None if bound is None else int(bound),
            seconds=float(data["seconds"]),
        )
