"""The mission database as data: parameters, containers (packets) and commands.

These pydantic models are zorka's own YAML format (``zorka schema mdb`` prints its JSON Schema)
and what the XTCE importer produces. They hold definitions only; :mod:`zorka.control.mdb.check`
cross-checks the references between them, and the telemetry processor compiles them into
batched decoders.

The cut follows XTCE where XTCE is sound: a parameter has a *type* (kind, encoding, calibration,
unit, limits), named types are shared in ``parameter_types`` / ``argument_types``, a container
is a list of entries that inherits from a base container under restriction criteria, and a
command inherits from a base command with argument assignments. Aggregate parameters are not a
kind of their own: they are flattened into one parameter per member, named ``PARENT.member``.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, model_validator

from zorka.mission.fields import SPEC_CONFIG, UtcTime

__all__ = [
    "Argument",
    "ArgumentType",
    "Calibration",
    "Command",
    "CommandEntry",
    "Comparison",
    "Container",
    "ContextCalibration",
    "Encoding",
    "Entry",
    "LimitRange",
    "Limits",
    "MissionDatabase",
    "OnboardTime",
    "Parameter",
    "ParameterType",
    "Severity",
    "Value",
    "Verifier",
]

#: A literal value in the database: a number, a label (enumeration/boolean) or text.
Value = bool | int | float | str

ParameterKind = Literal["integer", "float", "enumerated", "boolean", "string", "binary"]
EncodingKind = Literal[
    "unsigned",
    "twos_complement",
    "sign_magnitude",
    "ones_complement",
    "ieee754",
    "string",
    "binary",
]
INTEGER_ENCODINGS = ("unsigned", "twos_complement", "sign_magnitude", "ones_complement")
Severity = Literal["warning", "critical"]
Operator = Literal["==", "!=", "<", "<=", ">", ">="]

_NAME = r"^[A-Za-z_][A-Za-z0-9_.:/\-]*$"
Name = Annotated[str, Field(pattern=_NAME, description="a name: letters, digits, _ . : / -")]


class Encoding(BaseModel):
    """How a value is laid out in bits.

    Integers: ``unsigned`` or a signed form, 1-64 bits. Floats: ``ieee754``, 32 or 64 bits.
    Strings and binary: a fixed ``bits`` size, or the size in bytes from a ``size_prefix_bits``
    field just before the value, or from a parameter decoded earlier (``size_from``: the size
    is ``raw * size_scale_bits + size_offset_bits`` bits).
    ``byte_order: little`` applies to whole-byte integers and floats.
    """

    model_config = SPEC_CONFIG

    kind: EncodingKind = Field(description="bit layout of the raw value")
    bits: Annotated[int, Field(ge=1, le=1 << 20)] | None = Field(
        default=None, description="size in bits (fixed-size values)"
    )
    byte_order: Literal["big", "little"] = Field(default="big", description="byte order")
    size_prefix_bits: Annotated[int, Field(ge=1, le=32)] | None = Field(
        default=None, description="strings/binary: a leading unsigned size field (bytes), bits"
    )
    size_from: Name | None = Field(
        default=None, description="strings/binary: a parameter decoded earlier gives the size"
    )
    size_scale_bits: int = Field(
        default=8, description="size_from: bits per unit of the size parameter's raw value"
    )
    size_offset_bits: int = Field(default=0, description="size_from: bits added to the size")
    charset: Literal["ascii", "utf-8", "utf-16"] = Field(
        default="utf-8", description="strings: character set"
    )
    terminator: Annotated[int, Field(ge=0, le=255)] | None = Field(
        default=None, description="strings: the text ends at this byte within its fixed size"
    )

    @model_validator(mode="after")
    def _sizes(self) -> Encoding:
        sized = [x is not None for x in (self.bits, self.size_prefix_bits, self.size_from)]
        if self.kind in INTEGER_ENCODINGS:
            if self.bits is None or self.bits > 64:
                raise ValueError(f"{self.kind} encoding needs bits between 1 and 64")
        elif self.kind == "ieee754":
            if self.bits not in (32, 64):
                raise ValueError("ieee754 encoding needs bits: 32 or 64")
        elif sum(sized) != 1:
            raise ValueError(f"{self.kind} encoding needs one of bits, size_prefix_bits, size_from")
        elif self.bits is not None and self.bits % 8:
            raise ValueError(f"{self.kind} encoding: bits must be whole bytes, got {self.bits}")
        if (
            self.byte_order == "little"
            and self.kind in (*INTEGER_ENCODINGS, "ieee754")
            and self.bits is not None
            and self.bits % 8
        ):
            raise ValueError("byte_order little needs a whole number of bytes")
        return self

    @property
    def is_integer(self) -> bool:
        """True for the integer encodings."""
        return self.kind in INTEGER_ENCODINGS

    @property
    def is_fixed(self) -> bool:
        """True when the size is known without looking at the packet."""
        return self.bits is not None


class SplinePoint(BaseModel):
    """One point of a spline calibration."""

    model_config = SPEC_CONFIG

    raw: float
    eng: float


class Calibration(BaseModel):
    """Raw to engineering: a ``polynomial`` (c0 + c1 x + c2 x^2 ...) or a ``spline``.

    A spline of ``order`` 1 interpolates linearly between its points (0: holds the left
    point's value); outside them it extrapolates only when ``extrapolate`` is true, else the
    sample is invalid.
    """

    model_config = SPEC_CONFIG

    polynomial: list[float] | None = Field(
        default=None, min_length=1, description="coefficients, constant term first"
    )
    spline: list[SplinePoint] | None = Field(
        default=None, min_length=2, description="points, sorted by raw value"
    )
    order: Literal[0, 1] = Field(default=1, description="spline: 0 step, 1 linear")
    extrapolate: bool = Field(default=False, description="spline: extend beyond the points")

    @model_validator(mode="after")
    def _one(self) -> Calibration:
        if (self.polynomial is None) == (self.spline is None):
            raise ValueError("a calibration is either a polynomial or a spline")
        if self.spline is not None:
            raws = [p.raw for p in self.spline]
            if any(b <= a for a, b in itertools.pairwise(raws)):
                raise ValueError("spline points must have strictly increasing raw values")
        return self


class Comparison(BaseModel):
    """``parameter operator value``; engineering value unless ``raw`` (labels for enumerations)."""

    model_config = SPEC_CONFIG

    parameter: Name
    operator: Operator = "=="
    value: Value
    raw: bool = Field(default=False, description="compare the raw value")


class ContextCalibration(BaseModel):
    """A calibration that applies while every comparison of ``when`` holds."""

    model_config = SPEC_CONFIG

    when: list[Comparison] = Field(min_length=1)
    calibration: Calibration


class LimitRange(BaseModel):
    """Inclusive bounds of the normal values; either may be left out."""

    model_config = SPEC_CONFIG

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _order(self) -> LimitRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


class Limits(BaseModel):
    """Limits of a parameter, in engineering units, applying while ``when`` holds (always if empty).

    A value outside ``warning`` raises a warning, outside ``critical`` a critical alarm;
    ``states`` gives the severity of enumeration labels (``{SAFE: warning}``).
    """

    model_config = SPEC_CONFIG

    when: list[Comparison] = Field(default_factory=list, description="context; all must hold")
    warning: LimitRange | None = None
    critical: LimitRange | None = None
    states: dict[str, Severity] = Field(default_factory=dict, description="enumeration alarms")


class ParameterType(BaseModel):
    """What a parameter is: kind, encoding, calibration, unit, limits."""

    model_config = SPEC_CONFIG

    kind: ParameterKind = Field(description="engineering value kind")
    encoding: Encoding
    unit: str | None = None
    description: str | None = None
    calibration: Calibration | None = None
    context_calibrations: list[ContextCalibration] = Field(default_factory=list)
    enumeration: dict[str, int] | None = Field(
        default=None, description="enumerated: label -> raw value"
    )
    true_label: str = Field(default="True", description="boolean: label of raw values != 0")
    false_label: str = Field(default="False", description="boolean: label of raw value 0")
    limits: list[Limits] = Field(
        default_factory=list, description="first entry whose context holds applies"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ParameterType:
        enc = self.encoding.kind
        if self.kind in ("integer", "float", "enumerated", "boolean"):
            if not (self.encoding.is_integer or enc == "ieee754"):
                raise ValueError(f"a {self.kind} parameter needs an integer or ieee754 encoding")
            if self.kind != "float" and enc == "ieee754":
                raise ValueError(f"a {self.kind} parameter cannot have an ieee754 encoding")
        elif enc != self.kind:
            raise ValueError(f"a {self.kind} parameter needs a {self.kind} encoding")
        if (self.kind == "enumerated") != (self.enumeration is not None):
            raise ValueError("enumeration is required for, and only for, enumerated parameters")
        numeric = self.kind in ("integer", "float")
        if (self.calibration or self.context_calibrations) and not numeric:
            raise ValueError("only integer and float parameters take a calibration")
        for limits in self.limits:
            if (limits.warning or limits.critical) and not numeric:
                raise ValueError("warning/critical ranges need an integer or float parameter")
            if limits.states and self.kind != "enumerated":
                raise ValueError("states alarms need an enumerated parameter")
            unknown = set(limits.states) - set(self.enumeration or {})
            if unknown:
                raise ValueError(f"states name labels not in the enumeration: {sorted(unknown)}")
        return self


class ArgumentType(ParameterType):
    """A command argument's type: a parameter type with the range of values accepted."""

    valid_range: LimitRange | None = Field(default=None, description="engineering values accepted")


class Parameter(BaseModel):
    """A named measurement; ``type`` names an entry of ``parameter_types`` or is written inline."""

    model_config = SPEC_CONFIG

    name: Name
    type: Name | ParameterType
    description: str | None = None


class Entry(BaseModel):
    """One entry of a container: a ``parameter``, a ``container`` inlined, or ``spare`` bits.

    ``location_bits`` places the entry at an absolute bit position from the start of the
    packet (``reference: container_start``) or after a gap from the previous entry.
    """

    model_config = SPEC_CONFIG

    parameter: Name | None = None
    container: Name | None = None
    spare: Annotated[int, Field(ge=1)] | None = Field(default=None, description="unused bits")
    location_bits: int | None = None
    reference: Literal["previous_entry", "container_start"] = "previous_entry"

    @model_validator(mode="after")
    def _one(self) -> Entry:
        if sum(x is not None for x in (self.parameter, self.container, self.spare)) != 1:
            raise ValueError("an entry is exactly one of parameter, container, spare")
        return self


class Container(BaseModel):
    """A packet layout (XTCE sequence container).

    The entries of a container follow those of its ``base``; a packet is of this container when
    it matches the base and every comparison of ``restriction``. ``abstract`` containers are
    never the final match of a packet.
    """

    model_config = SPEC_CONFIG

    name: Name
    description: str | None = None
    base: Name | None = None
    restriction: list[Comparison] = Field(default_factory=list)
    abstract: bool = False
    entries: list[Name | Entry] = Field(default_factory=list, description="a name: a parameter")


class Argument(BaseModel):
    """A command argument; ``type`` names an entry of ``argument_types`` or is written inline."""

    model_config = SPEC_CONFIG

    name: Name
    type: Name | ArgumentType
    default: Value | None = None
    description: str | None = None


class CommandEntry(BaseModel):
    """One field of a command packet: an ``argument`` or a ``fixed`` value of ``bits`` bits."""

    model_config = SPEC_CONFIG

    argument: Name | None = None
    fixed: int | None = Field(default=None, ge=0, description="unsigned value")
    bits: Annotated[int, Field(ge=1, le=64)] | None = None
    name: str | None = Field(default=None, description="fixed fields: what it is")

    @model_validator(mode="after")
    def _one(self) -> CommandEntry:
        if (self.argument is None) == (self.fixed is None):
            raise ValueError("a command entry is either an argument or a fixed value")
        if self.fixed is not None and self.bits is None:
            raise ValueError("a fixed command entry needs bits")
        if self.fixed is not None and self.bits is not None and self.fixed >= 1 << self.bits:
            raise ValueError(f"fixed value {self.fixed} does not fit in {self.bits} bits")
        return self


class Verifier(BaseModel):
    """A stage of command verification.

    The stage passes when a packet of ``container`` arrives (for PUS, a service 1 report that
    carries the command's request ID) and every comparison of ``when`` holds, between
    ``start_s`` and ``stop_s`` seconds after release; ``failed`` stages fail the command instead.
    """

    model_config = SPEC_CONFIG

    stage: Literal["received", "accepted", "queued", "started", "progress", "completed", "failed"]
    container: Name | None = None
    when: list[Comparison] = Field(default_factory=list)
    start_s: float = Field(default=0.0, ge=0)
    stop_s: float = Field(gt=0, description="the stage times out after this many seconds")

    @model_validator(mode="after")
    def _something(self) -> Verifier:
        if self.container is None and not self.when:
            raise ValueError("a verifier needs a container, a condition (when), or both")
        if self.stop_s <= self.start_s:
            raise ValueError("stop_s must be after start_s")
        return self


class Command(BaseModel):
    """A telecommand (XTCE meta-command).

    Its packet is its base command's entries followed by its own; ``assignments`` fix arguments
    of the base commands. ``time_taggable`` commands may be stored on board for execution at a
    given time (PUS service 11).
    """

    model_config = SPEC_CONFIG

    name: Name
    description: str | None = None
    base: Name | None = None
    abstract: bool = False
    assignments: dict[str, Value] = Field(default_factory=dict)
    arguments: list[Argument] = Field(default_factory=list)
    entries: list[Name | CommandEntry] = Field(
        default_factory=list, description="a name: an argument"
    )
    verifiers: list[Verifier] = Field(default_factory=list)
    time_taggable: bool = False
    critical: bool = Field(default=False, description="needs an operator's confirmation")


class OnboardTime(BaseModel):
    """Where telemetry packets carry their on-board time, and its default correlation to UTC.

    A packet's on-board time is ``coarse + fine * fine_resolution_s`` seconds, from the raw values
    of the two parameters (a CUC time code). UTC is ``epoch + rate * on-board time``: ``epoch`` is
    the UTC instant at which the on-board counter read zero and ``rate`` the UTC seconds per
    on-board second (1 for a perfect clock). Operations refine both from time-correlation
    measurements; the values here are the starting point.
    """

    model_config = SPEC_CONFIG

    coarse: Name = Field(description="parameter holding whole on-board seconds")
    fine: Name | None = Field(default=None, description="parameter holding the fraction")
    fine_resolution_s: float = Field(
        default=1.0 / 65536, gt=0, description="seconds per unit of the fine parameter"
    )
    epoch: UtcTime = Field(description="UTC when the on-board counter read zero")
    rate: float = Field(default=1.0, gt=0, description="UTC seconds per on-board second")


class MissionDatabase(BaseModel):
    """Everything a control centre knows about one spacecraft's telemetry and telecommands."""

    model_config = SPEC_CONFIG

    name: Name
    description: str | None = None
    version: str | None = None
    parameter_types: dict[str, ParameterType] = Field(default_factory=dict)
    parameters: list[Parameter] = Field(default_factory=list)
    containers: list[Container] = Field(default_factory=list)
    argument_types: dict[str, ArgumentType] = Field(default_factory=dict)
    commands: list[Command] = Field(default_factory=list)
    onboard_time: OnboardTime | None = Field(
        default=None, description="telemetry time fields; without it samples take reception time"
    )

    _parameters: dict[str, Parameter] = PrivateAttr(default_factory=dict)
    _containers: dict[str, Container] = PrivateAttr(default_factory=dict)
    _commands: dict[str, Command] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._parameters = {p.name: p for p in self.parameters}
        self._containers = {c.name: c for c in self.containers}
        self._commands = {c.name: c for c in self.commands}

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``."""
        try:
            return self._parameters[name]
        except KeyError:
            raise KeyError(f"no parameter {name!r} in the database {self.name!r}") from None

    def parameter_type(self, name: str) -> ParameterType:
        """The type of parameter ``name``, named types resolved."""
        ptype = self.parameter(name).type
        return self.parameter_types[ptype] if isinstance(ptype, str) else ptype

    def container(self, name: str) -> Container:
        """The container called ``name``."""
        try:
            return self._containers[name]
        except KeyError:
            raise KeyError(f"no container {name!r} in the database {self.name!r}") from None

    def command(self, name: str) -> Command:
        """The command called ``name``."""
        try:
            return self._commands[name]
        except KeyError:
            raise KeyError(f"no command {name!r} in the database {self.name!r}") from None

    def argument_type(self, argument: Argument) -> ArgumentType:
        """An argument's type, named types resolved."""
        atype = argument.type
        return self.argument_types[atype] if isinstance(atype, str) else atype

    def container_chain(self, name: str) -> list[Container]:
        """``name`` and its base containers, root first."""
        chain: list[Container] = []
        current: str | None = name
        while current is not None:
            if any(c.name == current for c in chain):
                raise ValueError(f"container {name!r}: its bases form a cycle")
            container = self.container(current)
            chain.append(container)
            current = container.base
        return chain[::-1]

    def command_chain(self, name: str) -> list[Command]:
        """``name`` and its base commands, root first."""
        chain: list[Command] = []
        current: str | None = name
        while current is not None:
            if any(c.name == current for c in chain):
                raise ValueError(f"command {name!r}: its bases form a cycle")
            command = self.command(current)
            chain.append(command)
            current = command.base
        return chain[::-1]
