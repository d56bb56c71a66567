"""Packets to parameter samples with a mission database, in batches.

:class:`PacketDecoder` compiles a :class:`~zorka.control.mdb.MissionDatabase` once, then decodes
many packets at a time: packets of one length are stacked into a 2-D byte array and every
parameter is extracted for all of them with a handful of numpy operations, so that the cost is
per field and per batch, not per field and per packet. The container tree is walked the same
way: a root container's entries are decoded for all packets, each child's restriction criteria
select the rows that go on to it, and every packet ends at the deepest container it matches.

Each parameter gives raw values, engineering values, a validity mask (false when the field runs
past the packet's end, an enumeration has no label for the raw value, or a spline does not cover
it) and the monitoring level of its limits (0 in limits, 1 warning, 2 critical).

Bit positions: an entry's ``location_bits`` with ``reference: container_start`` counts from the
first bit of the packet, as Yamcs does for inherited containers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from zorka.control.mdb.model import (
    Calibration,
    Comparison,
    Container,
    Entry,
    Limits,
    MissionDatabase,
    ParameterType,
)

__all__ = [
    "LEVEL_CRITICAL",
    "LEVEL_OK",
    "LEVEL_WARNING",
    "ContainerBatch",
    "PacketDecoder",
    "Samples",
]

LEVEL_OK = 0
LEVEL_WARNING = 1
LEVEL_CRITICAL = 2
_PAD = 9  # a field of up to 64 bits at any bit offset spans at most 9 bytes

Array = npt.NDArray[Any]
Mask = npt.NDArray[np.bool_]


@dataclass
class Samples:
    """One parameter over the packets of a batch: raw, engineering, validity, limit level."""

    raw: Array
    eng: Array
    valid: Mask
    level: npt.NDArray[np.int8]

    def take(self, mask: Mask | npt.NDArray[np.intp]) -> Samples:
        """The samples of the rows ``mask`` selects."""
        return Samples(self.raw[mask], self.eng[mask], self.valid[mask], self.level[mask])


@dataclass
class ContainerBatch:
    """Packets that decoded as one container: their input positions and every parameter."""

    container: str
    index: npt.NDArray[np.intp]
    parameters: dict[str, Samples] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.index)

    def row(self, i: int) -> dict[str, Any]:
        """The engineering values of the ``i``-th packet of the batch, as plain Python values."""
        return {
            name: s.eng[i].item() if hasattr(s.eng[i], "item") else s.eng[i]
            for name, s in self.parameters.items()
        }


@dataclass
class _State:
    """Rows being decoded: their bytes, packet lengths, positions and the samples so far."""

    buf: npt.NDArray[np.uint8]  # rows x (length + _PAD), zero padded
    length_bits: int
    index: npt.NDArray[np.intp]
    pos: npt.NDArray[np.int64]
    samples: dict[str, Samples]

    def take(self, mask: Mask) -> _State:
        return _State(
            self.buf[mask],
            self.length_bits,
            self.index[mask],
            self.pos[mask].copy(),
            {k: v.take(mask) for k, v in self.samples.items()},
        )


class PacketDecoder:
    """Decodes space packets into parameter samples with a mission database."""

    def __init__(self, mdb: MissionDatabase) -> None:
        self.mdb = mdb
        self._children: dict[str | None, list[Container]] = {}
        for container in mdb.containers:
            self._children.setdefault(container.base, []).append(container)
        self._types = {p.name: mdb.parameter_type(p.name) for p in mdb.parameters}
        #: packets that matched no concrete container, by the last call of :meth:`decode`
        self.unmatched: npt.NDArray[np.intp] = np.zeros(0, np.intp)

    def decode(self, packets: Sequence[bytes]) -> list[ContainerBatch]:
        """Decode packets; one batch per (container, packet length) found among them."""
        lengths = np.fromiter((len(p) for p in packets), np.int64, len(packets))
        batches: list[ContainerBatch] = []
        unmatched: list[npt.NDArray[np.intp]] = []
        for length in np.unique(lengths):
            index = np.flatnonzero(lengths == length)
            joined = b"".join(packets[int(i)] for i in index)
            rows = np.frombuffer(joined, np.uint8).reshape(len(index), int(length))
            buf = np.zeros((len(index), int(length) + _PAD), np.uint8)
            buf[:, : int(length)] = rows
            state = _State(buf, int(length) * 8, index, np.zeros(len(index), np.int64), {})
            for root in self._children.get(None, []):
                if len(state.index) == 0:
                    break
                taken = self._walk(root, state, batches)
                state = state.take(~taken)
            unmatched.append(state.index)
        self.unmatched = np.sort(np.concatenate(unmatched)) if unmatched else self.unmatched
        return batches

    # -- the container tree -------------------------------------------------------------

    def _walk(self, container: Container, state: _State, out: list[ContainerBatch]) -> Mask:
        """Decode ``container`` for the rows of ``state``; returns the rows it took."""
        match = self._condition(container.restriction, state.samples, len(state.index))
        if not match.any():
            return match
        sub = state.take(match) if not match.all() else state
        self._entries(container.entries, sub)
        remaining = np.ones(len(sub.index), bool)
        for child in self._children.get(container.name, []):
            if not remaining.any():
                break
            rows = np.flatnonzero(remaining)
            child_state = sub.take(remaining) if not remaining.all() else sub
            taken = self._walk(child, child_state, out)
            remaining[rows[taken]] = False
        if not container.abstract and remaining.any():
            rest = sub.take(remaining) if not remaining.all() else sub
            self._levels(rest)
            out.append(ContainerBatch(container.name, rest.index, rest.samples))
            remaining[:] = False
        taken_here = np.zeros(len(state.index), bool)
        taken_here[np.flatnonzero(match)[~remaining]] = True
        return taken_here

    def _entries(self, entries: Sequence[str | Entry], state: _State) -> None:
        for entry in entries:
            ref = Entry(parameter=entry) if isinstance(entry, str) else entry
            if ref.location_bits is not None:
                if ref.reference == "container_start":
                    state.pos[:] = ref.location_bits
                else:
                    state.pos += ref.location_bits
            if ref.spare is not None:
                state.pos += ref.spare
            elif ref.container is not None:
                self._entries(self.mdb.container(ref.container).entries, state)
            elif ref.parameter is not None:
                state.samples[ref.parameter] = self._field(ref.parameter, state)

    # -- one field ----------------------------------------------------------------------

    def _field(self, name: str, state: _State) -> Samples:
        ptype = self._types[name]
        enc = ptype.encoding
        n = len(state.index)
        if enc.kind in ("string", "binary"):
            raw, valid = self._bytes(ptype, state)
        else:
            bits = enc.bits or 0
            value, valid = _extract(state.buf, state.pos, bits, state.length_bits)
            state.pos += bits
            if enc.byte_order == "little":
                value = _swap_bytes(value, bits // 8)
            raw = _interpret(value, enc.kind, bits)
        eng, eng_valid = self._engineering(ptype, raw, state.samples, n)
        return Samples(raw, eng, valid & eng_valid, np.zeros(n, np.int8))

    def _bytes(self, ptype: ParameterType, state: _State) -> tuple[Array, Mask]:
        enc = ptype.encoding
        n = len(state.index)
        if enc.bits is not None:
            size_bits = np.full(n, enc.bits, np.int64)
        elif enc.size_prefix_bits is not None:
            prefix, _ = _extract(state.buf, state.pos, enc.size_prefix_bits, state.length_bits)
            state.pos += enc.size_prefix_bits
            size_bits = prefix.astype(np.int64) * 8
        else:
            given = state.samples.get(enc.size_from or "")
            if given is None:
                size_bits = np.full(n, -1, np.int64)
            else:
                size_bits = given.raw.astype(np.int64) * enc.size_scale_bits + enc.size_offset_bits
        valid = (
            (size_bits % 8 == 0) & (size_bits >= 0) & (state.pos + size_bits <= state.length_bits)
        )
        raw = np.empty(n, object)
        starts = state.pos // 8
        leads = state.pos % 8
        sizes = np.where(valid, size_bits // 8, 0)
        for i in range(n):
            size = int(sizes[i])
            chunk = state.buf[i, starts[i] : starts[i] + size + 1].tobytes()
            if leads[i] == 0:
                raw[i] = chunk[:size]
            else:  # a text or blob that does not start on a byte boundary
                value = int.from_bytes(chunk, "big") >> (8 - int(leads[i]))
                raw[i] = (value & ((1 << 8 * size) - 1)).to_bytes(size, "big")
        state.pos += np.maximum(size_bits, 0)
        return raw, valid

    def _engineering(
        self, ptype: ParameterType, raw: Array, samples: dict[str, Samples], n: int
    ) -> tuple[Array, Mask]:
        kind = ptype.kind
        valid = np.ones(n, bool)
        if kind == "enumerated":
            labels = ptype.enumeration or {}
            eng = np.full(n, None, object)
            for label, value in labels.items():
                eng[raw == value] = label
            return eng, eng != None  # noqa: E711 - elementwise on an object array
        if kind == "boolean":
            return raw != 0, valid
        if kind == "string":
            enc = ptype.encoding
            codec = {"ascii": "ascii", "utf-8": "utf-8", "utf-16": "utf-16-be"}[enc.charset]
            eng = np.empty(n, object)
            for i, value in enumerate(raw):
                if enc.terminator is not None:
                    value = value.split(bytes([enc.terminator]), 1)[0]
                eng[i] = value.decode(codec, errors="replace")
            return eng, valid
        if kind == "binary":
            return raw, valid
        x = raw.astype(np.float64)
        if ptype.calibration is None and not ptype.context_calibrations:
            return (raw.astype(np.float64) if kind == "float" else raw), valid
        eng = x.copy()
        pending = np.ones(n, bool)
        for context in ptype.context_calibrations:
            rows = pending & self._condition(context.when, samples, n)
            eng[rows], valid[rows] = _calibrate(context.calibration, x[rows])
            pending &= ~rows
        if ptype.calibration is not None and pending.any():
            eng[pending], valid[pending] = _calibrate(ptype.calibration, x[pending])
        if kind == "integer":
            return np.rint(np.where(valid, eng, 0)).astype(np.int64), valid
        return eng, valid

    # -- conditions and limits ----------------------------------------------------------

    def _condition(
        self, comparisons: Sequence[Comparison], samples: dict[str, Samples], n: int
    ) -> Mask:
        mask = np.ones(n, bool)
        for comp in comparisons:
            mask &= self._compare(comp, samples.get(comp.parameter), n)
        return mask

    def _compare(self, comp: Comparison, s: Samples | None, n: int) -> Mask:
        if s is None:
            return np.zeros(n, bool)
        ptype = self._types[comp.parameter]
        value: Any = comp.value
        values = s.raw if comp.raw else s.eng
        if not comp.raw and ptype.kind == "boolean" and isinstance(value, str):
            value = value == ptype.true_label
        op = comp.operator
        with np.errstate(invalid="ignore"):
            if op == "==":
                result = values == value
            elif op == "!=":
                result = values != value
            elif op == "<":
                result = values < value
            elif op == "<=":
                result = values <= value
            elif op == ">":
                result = values > value
            else:
                result = values >= value
        return np.asarray(result, bool) & s.valid

    def _levels(self, state: _State) -> None:
        n = len(state.index)
        for name, samples in state.samples.items():
            limits = self._types[name].limits
            if not limits:
                continue
            pending = samples.valid.copy()
            for entry in limits:
                rows = pending & self._condition(entry.when, state.samples, n)
                if rows.any():
                    samples.level[rows] = _level(entry, samples.eng[rows])
                pending &= ~rows


def _level(limits: Limits, eng: Array) -> npt.NDArray[np.int8]:
    level = np.zeros(len(eng), np.int8)
    if limits.states:
        for label, severity in limits.states.items():
            level[eng == label] = LEVEL_WARNING if severity == "warning" else LEVEL_CRITICAL
        return level
    x = eng.astype(np.float64)
    for rng, value in ((limits.warning, LEVEL_WARNING), (limits.critical, LEVEL_CRITICAL)):
        if rng is None:
            continue
        outside = np.zeros(len(x), bool)
        if rng.min is not None:
            outside |= x < rng.min
        if rng.max is not None:
            outside |= x > rng.max
        level[outside] = value
    return level


def _calibrate(cal: Calibration, x: npt.NDArray[np.float64]) -> tuple[Array, Mask]:
    if cal.polynomial is not None:
        return np.polynomial.polynomial.polyval(x, cal.polynomial), np.ones(len(x), bool)
    points = cal.spline or []
    raws = np.array([p.raw for p in points])
    engs = np.array([p.eng for p in points])
    inside = (x >= raws[0]) & (x <= raws[-1])
    if cal.order == 0:
        eng = engs[np.clip(np.searchsorted(raws, x, side="right") - 1, 0, len(raws) - 1)]
    else:
        eng = np.interp(x, raws, engs)
        if cal.extrapolate:
            lo, hi = x < raws[0], x > raws[-1]
            slope_lo = (engs[1] - engs[0]) / (raws[1] - raws[0])
            slope_hi = (engs[-1] - engs[-2]) / (raws[-1] - raws[-2])
            eng[lo] = engs[0] + (x[lo] - raws[0]) * slope_lo
            eng[hi] = engs[-1] + (x[hi] - raws[-1]) * slope_hi
    return eng, inside | cal.extrapolate


def _extract(
    buf: npt.NDArray[np.uint8], pos: npt.NDArray[np.int64], bits: int, length_bits: int
) -> tuple[npt.NDArray[np.uint64], Mask]:
    """Unsigned big-endian fields of ``bits`` bits at bit ``pos`` of each row."""
    n = len(buf)
    valid = pos + bits <= length_bits
    first = int(pos[0]) if n else 0
    if n and bool((pos == first).all()) and first // 8 + _PAD <= buf.shape[1]:
        # the common case: the same offset in every packet, plain slicing
        window = buf[:, first // 8 : first // 8 + _PAD]
        lead: Any = first % 8
    else:
        safe = np.where(valid, pos, 0)
        window = buf[np.arange(n)[:, None], (safe // 8)[:, None] + np.arange(_PAD)]
        lead = (safe % 8).astype(np.uint64)
    acc = np.ascontiguousarray(window[:, :8]).view(">u8").ravel().astype(np.uint64)
    mask = np.uint64((1 << bits) - 1)
    fits = np.asarray(lead) + bits <= 64
    with np.errstate(over="ignore"):
        # where the field does not fit in 8 bytes this wraps; ``fits`` discards those rows
        end = np.uint64(64) - np.uint64(bits) - np.asarray(lead, np.uint64)
        short = (acc >> np.where(fits, end, np.uint64(0))) & mask
        over = np.where(fits, 0, np.asarray(lead, np.int64) + (bits - 64)).astype(np.uint64)
        ninth = window[:, 8].astype(np.uint64)
        long = ((acc << over) | (ninth >> (np.uint64(8) - over))) & mask
    value = np.where(fits, short, long)
    return np.where(valid, value, np.uint64(0)).astype(np.uint64), valid


def _swap_bytes(value: npt.NDArray[np.uint64], nbytes: int) -> npt.NDArray[np.uint64]:
    out = np.zeros_like(value)
    for i in range(nbytes):
        byte = (value >> np.uint64(8 * i)) & np.uint64(0xFF)
        out |= byte << np.uint64(8 * (nbytes - 1 - i))
    return out


def _interpret(value: npt.NDArray[np.uint64], kind: str, bits: int) -> Array:
    if kind == "ieee754":
        if bits == 32:
            return value.astype(np.uint32).view(np.float32).astype(np.float64)
        return value.view(np.float64)
    if kind == "unsigned":
        return value if bits == 64 else value.astype(np.int64)
    sign = np.uint64(1) << np.uint64(bits - 1)
    negative = (value & sign) != 0
    magnitude = (value & (sign - np.uint64(1))).astype(np.int64)
    if kind == "twos_complement":
        return np.where(negative, magnitude + np.int64(-(1 << (bits - 1))), magnitude)
    if kind == "sign_magnitude":
        return np.where(negative, -magnitude, magnitude)
    # ones' complement: a negative number is the inverted bits of its magnitude
    inverted = (~value & (sign - np.uint64(1))).astype(np.int64)
    return np.where(negative, -inverted, magnitude)
