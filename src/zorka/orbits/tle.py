"""Two-line element sets: reading (2- and 3-line, Alpha-5), checking and writing.

A file of thousands of TLEs with one bad entry still yields every good one: each problem becomes a
:class:`TLEError` naming the file, the line and the satellite, and only ``strict=True`` turns the
first of them into an exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sgp4.api import Satrec
from sgp4.exporter import export_tle

__all__ = [
    "TLE",
    "TLEError",
    "TLEFormatError",
    "alpha5_decode",
    "alpha5_encode",
    "checksum",
    "format_tle",
    "parse_tle",
    "read_tle",
]

_ALPHA5 = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are skipped: they read as 1 and 0


def checksum(line: str) -> int:
    """The TLE checksum of the first 68 columns: digits summed, each minus sign counts 1."""
    total = 0
    for ch in line[:68]:
        if ch.isdigit():
            total += int(ch)
        elif ch == "-":
            total += 1
    return total % 10


def alpha5_decode(field: str) -> int:
    """Catalog number of a 5-character TLE field: digits or Alpha-5 (``A0001`` = 100001)."""
    text = field.strip()
    if not text:
        raise ValueError("empty catalog number")
    head = text[0].upper()
    if head.isdigit():
        return int(text)
    if head not in _ALPHA5 or not text[1:].isdigit() or len(text) != 5:
        raise ValueError(f"{field!r} is not a catalog number (digits or Alpha-5 such as A0001)")
    return (_ALPHA5.index(head) + 10) * 10000 + int(text[1:])


def alpha5_encode(number: int) -> str:
    """The 5-character catalog field of ``number`` (Alpha-5 above 99999, up to 339999)."""
    if 0 <= number <= 99999:
        return f"{number:05d}"
    if 100000 <= number <= 339999:
        return _ALPHA5[number // 10000 - 10] + f"{number % 10000:04d}"
    raise ValueError(f"catalog number {number} cannot be written in a TLE (0 to 339999)")


@dataclass(frozen=True)
class TLE:
    """One element set as read: its lines and where they came from."""

    line1: str
    line2: str
    name: str | None = None
    source: str = "<string>"
    lineno: int = 1  # 1-based line number of line 1 in ``source``

    @property
    def norad_id(self) -> int:
        return alpha5_decode(self.line1[2:7])

    @property
    def label(self) -> str:
        return self.name or f"NORAD {self.line1[2:7].strip()}"

    @property
    def epoch(self) -> datetime:
        yy = int(self.line1[18:20])
        year = 2000 + yy if yy < 57 else 1900 + yy
        day = float(self.line1[20:32])
        return datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=day - 1.0)

    def satrec(self) -> Satrec:
        return Satrec.twoline2rv(self.line1, self.line2)


@dataclass(frozen=True)
class TLEError:
    """A problem with one entry of a TLE file, with enough context to find it."""

    source: str
    lineno: int
    satellite: str | None
    message: str

    def __str__(self) -> str:
        who = f" ({self.satellite})" if self.satellite else ""
        return f"{self.source}, line {self.lineno}{who}: {self.message}"


class TLEFormatError(ValueError):
    """Raised in strict mode, or when a file holds no usable element set at all."""

    def __init__(self, errors: list[TLEError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _check_line(line: str, number: str, lineno: int, source: str, who: str) -> TLEError | None:
    if len(line) != 69:
        return TLEError(source, lineno, who, f"line {number} has {len(line)} characters, not 69")
    if not line[68].isdigit():
        return TLEError(source, lineno, who, f"line {number} does not end in a checksum digit")
    want = checksum(line)
    if int(line[68]) != want:
        return TLEError(
            source, lineno, who, f"bad checksum on line {number}: {line[68]}, expected {want}"
        )
    return None


def _entry(name: str | None, l1: str, n1: int, l2: str, n2: int, source: str) -> TLE | TLEError:
    who = name or f"NORAD {l1[2:7].strip()}"
    for line, number, lineno in ((l1, "1", n1), (l2, "2", n2)):
        problem = _check_line(line, number, lineno, source, who)
        if problem:
            return problem
    try:
        first, second = alpha5_decode(l1[2:7]), alpha5_decode(l2[2:7])
    except ValueError as exc:
        return TLEError(source, n1, who, str(exc))
    if first != second:
        return TLEError(
            source, n2, who, f"catalog numbers differ: {first} on line 1, {second} on 2"
        )
    tle = TLE(l1, l2, name, source, n1)
    try:
        tle.satrec()
        tle.epoch  # noqa: B018 - parses the epoch field
    except (ValueError, IndexError) as exc:
        return TLEError(source, n1, who, f"unreadable elements: {exc}")
    return tle


def parse_tle(
    text: str | Iterable[str], *, source: str = "<string>", strict: bool = False
) -> tuple[list[TLE], list[TLEError]]:
    """Read every element set of a text in 2-line or 3-line form (names optional).

    Returns the good entries and a list of problems; with ``strict`` the first problem raises
    :class:`TLEFormatError`.
    """
    lines = text.splitlines() if isinstance(text, str) else list(text)
    tles: list[TLE] = []
    errors: list[TLEError] = []
    name: str | None = None
    name_lineno = 0
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip("\r\n").rstrip()
        lineno = i + 1
        i += 1
        if not raw.strip():
            continue
        if raw.startswith("1 ") and len(raw) > 60:
            # line 1: its partner is the next non-blank line
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            nxt = lines[j].rstrip() if j < len(lines) else ""
            if not nxt.startswith("2 "):
                who = name or f"NORAD {raw[2:7].strip()}"
                errors.append(TLEError(source, lineno, who, "line 1 is not followed by line 2"))
                name = None
                continue
            got = _entry(name, raw, lineno, nxt, j + 1, source)
            (tles if isinstance(got, TLE) else errors).append(got)  # type: ignore[arg-type]
            name = None
            i = j + 1
            continue
        if name is not None:
            errors.append(
                TLEError(source, name_lineno, name, "name line is not followed by line 1")
            )
        stripped = raw.strip()
        name = stripped[2:].strip() if stripped.startswith("0 ") else stripped
        name_lineno = lineno
        if len(name) > 40 or raw.startswith("2 "):
            errors.append(TLEError(source, lineno, None, f"unknown line format: {raw[:40]!r}"))
            name = None
    if name is not None:
        errors.append(TLEError(source, name_lineno, name, "name line is not followed by line 1"))
    if strict and errors:
        raise TLEFormatError(errors[:1])
    return tles, errors


def read_tle(path: str | Path, *, strict: bool = False) -> tuple[list[TLE], list[TLEError]]:
    """Read a TLE file; see :func:`parse_tle`."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_tle(text, source=str(path), strict=strict)


def format_tle(satrec: Satrec, name: str | None = None) -> str:
    """The element set of ``satrec`` as TLE text (3-line when ``name`` is given)."""
    line1, line2 = export_tle(satrec)
    number = alpha5_encode(int(satrec.satnum))
    # export_tle writes the catalog number from ``satnum_str``; make Alpha-5 explicit.
    line1 = line1[:2] + number + line1[7:68]
    line2 = line2[:2] + number + line2[7:68]
    line1 += str(checksum(line1))
    line2 += str(checksum(line2))
    head = f"{name}\n" if name else ""
    return f"{head}{line1}\n{line2}\n"
