"""Line hex dumps: one unit (CADU, frame or CLTU) per line, as hex digits.

This is the format of the dariol83/ccsds test dumps and of many ground-station logs. Blank lines
are skipped (in the dariol83 dumps they stand where frames were removed to make gaps).
"""

from __future__ import annotations

from pathlib import Path

from zorka.control.errors import LinkLayerError

__all__ = ["read_hex_dump", "write_hex_dump"]


def read_hex_dump(path: str | Path) -> list[bytes]:
    """The units of a line hex dump; raises :class:`LinkLayerError` naming a bad line."""
    units = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        try:
            units.append(bytes.fromhex(text))
        except ValueError as exc:
            raise LinkLayerError(f"{path}:{number}: not hex digits ({exc})") from None
    return units


def write_hex_dump(path: str | Path, units: list[bytes]) -> None:
    """Write units one per line in upper-case hex."""
    Path(path).write_text("".join(unit.hex().upper() + "\n" for unit in units))
