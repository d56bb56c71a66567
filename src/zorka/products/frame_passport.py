"""BKA frame passports: one per frame of an L1A bundle (``pss_NNN.xml``, ``mssN_NNN.xml``).

Despite the ``.xml`` name and the XML declaration, a frame passport is windows-1251 text: lines
``key = value`` grouped by tags (``<Device>``, ``<Geo>``, ``<Orbit>``, ``<RPC>``...) inside a
``<PASP_ROOT>`` element. Key prefixes give the type: ``c`` quoted text, ``n`` number, ``b`` a
comma-separated list, ``d`` a date ``d/m/yyyy``, ``t`` a time ``h:m:s.ffffff``.

Times: ``dSessionDate``/``tSessionTime`` and the orbit's ``dDate``/``tTime`` are Moscow time,
``dSessionDateUTC``/``tSessionTimeUTC`` UTC. The offset between the two session times is read
from each file, not assumed, because Moscow's offset from UTC has changed over BKA's life
(UTC+4 until 26 October 2014, UTC+3 since); the orbit time is converted with that offset.

The satellite's position (m) and velocity (m/s) at the frame time are Earth-fixed. Attitude is
given as the passport's three angles ``nAlpha``, ``nOmega``, ``nKappa`` in degrees (``nAlpha``
agrees with the product passport's viewing angle). ``bSunAngle`` is (elevation, azimuth) in
degrees. Keys the reader does not interpret (``nMarH_*``, ``nWD``, ``nStdDev*``) are kept in
:attr:`FramePassport.fields` and listed in :attr:`FramePassport.unknown`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from zorka.products.errors import ProductFormatError
from zorka.products.rpc import RPCModel

__all__ = ["FramePassport", "read_frame_passport"]

_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([\w-]+)["']""")
_TAG = re.compile(r"<(/?)(\w+)>")
_KEY_VALUE = re.compile(r"(\w+)\s*=\s*(.*)")

_RPC_KEYS = {
    "line_off": "nLineOff",
    "samp_off": "nSampOff",
    "lat_off": "nLatOff",
    "lon_off": "nLongOff",
    "height_off": "nHeightOff",
    "line_scale": "nLineScale",
    "samp_scale": "nSampScale",
    "lat_scale": "nLatScale",
    "lon_scale": "nLongScale",
    "height_scale": "nHeightScale",
}
_RPC_COEFFS = {
    "line_num": "bLineNum",
    "line_den": "bLineDen",
    "samp_num": "bSampNum",
    "samp_den": "bSampDen",
}

_KNOWN = frozenset(
    [
        "Version",
        "cOrganization",
        "cModelTxtName",
        "cProgramm",
        "tSessionTime",
        "dSessionDate",
        "dSessionDateUTC",
        "tSessionTimeUTC",
        "cDataFileName",
        "cProcLevel",
        "bSunAngle",
        "Device/cDeviceName",
        "Device/nMatrixNumber",
        "Device/cDeviceTxtName",
        "Matrix/nWidth",
        "Matrix/nHeight",
        "Matrix/nSamples",
        "Matrix/nBitsPerPixel",
        "Geo/Orbit/dDate",
        "Geo/Orbit/tTime",
        "Geo/Orbit/nX",
        "Geo/Orbit/nY",
        "Geo/Orbit/nZ",
        "Geo/Orbit/nXT",
        "Geo/Orbit/nYT",
        "Geo/Orbit/nZT",
        "Geo/Orientation/nAlpha",
        "Geo/Orientation/nOmega",
        "Geo/Orientation/nKappa",
        *(f"Geo/RPC/{k}" for k in (*_RPC_KEYS.values(), *_RPC_COEFFS.values())),
    ]
)
_KNOWN_PATTERNS = (
    re.compile(r"Device/Ch\d+/(nChannelNumber|bSpectralZone)"),
    re.compile(r"QReport/\w+"),
)


@dataclass(frozen=True)
class FramePassport:
    """The contents of one frame passport of an L1A bundle.

    ``session_time_utc`` is the session's start as stated in UTC; ``frame_time_utc`` the time of
    the orbit state (the frame's time), converted from Moscow time with the file's own offset.
    """

    source: str
    version: str | None
    organization: str | None
    satellite_name: str | None
    program: str | None
    data_file: str | None
    processing_level: str | None
    session_time_utc: datetime
    moscow_offset: timedelta
    frame_time_utc: datetime
    sun_elevation_deg: float
    sun_azimuth_deg: float
    device_name: str | None
    matrix_number: int | None
    spectral_zones_um: tuple[tuple[float, float], ...]
    width: int
    height: int
    samples: int | None
    bits_per_pixel: int | None
    position_m: tuple[float, float, float]
    velocity_m_s: tuple[float, float, float]
    attitude_deg: tuple[float, float, float]
    rpc: RPCModel
    quality: Mapping[str, int]
    fields: Mapping[str, str]
    unknown: tuple[str, ...]


def _decode(source: str, raw: bytes) -> str:
    match = _DECLARED_ENCODING.search(raw[:200])
    encoding = match.group(1).decode("ascii") if match else "windows-1251"
    try:
        return raw.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise ProductFormatError(source, f"cannot decode as {encoding}: {error}") from None


def _parse_lines(source: str, text: str) -> dict[str, str]:
    """Flatten the tagged key = value lines into ``section/.../key -> raw value``."""
    values: dict[str, str] = {}
    stack: list[str] = []
    seen_root = False
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("<?"):
            continue
        tag = _TAG.fullmatch(line)
        if tag:
            closing, name = tag.group(1) == "/", tag.group(2)
            if not closing:
                if not seen_root and name != "PASP_ROOT":
                    raise ProductFormatError(
                        source, f"line {number}: expected <PASP_ROOT>, found <{name}>"
                    )
                seen_root = True
                stack.append(name)
            elif not stack or stack[-1] != name:
                expected = f"</{stack[-1]}>" if stack else "nothing"
                raise ProductFormatError(source, f"line {number}: </{name}> closes {expected}")
            else:
                stack.pop()
            continue
        key_value = _KEY_VALUE.fullmatch(line)
        if not key_value or not stack:
            raise ProductFormatError(source, f"line {number}: not 'key = value': {line[:60]!r}")
        path = "/".join([*stack[1:], key_value.group(1)])
        value = key_value.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[path] = value
    if not seen_root:
        raise ProductFormatError(source, "no <PASP_ROOT> element")
    if stack:
        raise ProductFormatError(source, f"<{stack[-1]}> is never closed")
    return values


class _Fields:
    def __init__(self, source: str, values: dict[str, str]) -> None:
        self.source = source
        self.values = values

    def raw(self, key: str) -> str:
        try:
            return self.values[key]
        except KeyError:
            raise ProductFormatError(self.source, "required key is missing", field=key) from None

    def number(self, key: str) -> float:
        value = self.raw(key)
        try:
            return float(value)
        except ValueError:
            raise ProductFormatError(self.source, f"not a number: {value!r}", field=key) from None

    def integer(self, key: str) -> int:
        value = self.number(key)
        if value != int(value):
            raise ProductFormatError(self.source, f"not an integer: {value!r}", field=key)
        return int(value)

    def numbers(self, key: str, count: int | None = None) -> tuple[float, ...]:
        value = self.raw(key)
        try:
            result = tuple(float(v) for v in value.split(","))
        except ValueError:
            raise ProductFormatError(
                self.source, f"not a list of numbers: {value[:60]!r}", field=key
            ) from None
        if count is not None and len(result) != count:
            raise ProductFormatError(
                self.source, f"has {len(result)} values, expected {count}", field=key
            )
        return result

    def optional(self, key: str) -> str | None:
        return self.values.get(key)

    def optional_int(self, key: str) -> int | None:
        return self.integer(key) if key in self.values else None

    def date_time(self, date_key: str, time_key: str) -> datetime:
        date, time = self.raw(date_key), self.raw(time_key)
        d = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", date)
        t = re.fullmatch(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?", time)
        if not d:
            raise ProductFormatError(self.source, f"not a d/m/yyyy date: {date!r}", field=date_key)
        if not t:
            raise ProductFormatError(self.source, f"not a h:m:s time: {time!r}", field=time_key)
        micro = int((t.group(4) or "0").ljust(6, "0"))
        try:
            return datetime(
                int(d.group(3)),
                int(d.group(2)),
                int(d.group(1)),
                int(t.group(1)),
                int(t.group(2)),
                int(t.group(3)),
                micro,
            )
        except ValueError as error:
            raise ProductFormatError(self.source, str(error), field=date_key) from None


def read_frame_passport(source: str | Path, data: bytes | None = None) -> FramePassport:
    """Read one BKA frame passport from a file, or from ``data`` read elsewhere.

    Raises :class:`~zorka.products.errors.ProductFormatError` naming the file and the key (or
    line) when the text is malformed or a key the frame needs (times, size, orbit state,
    attitude, RPC) is missing.
    """
    name = str(source)
    raw = Path(source).read_bytes() if data is None else data
    values = _parse_lines(name, _decode(name, raw))
    f = _Fields(name, values)

    session_local = f.date_time("dSessionDate", "tSessionTime")
    session_utc = f.date_time("dSessionDateUTC", "tSessionTimeUTC")
    offset = session_local - session_utc
    if offset not in (timedelta(hours=3), timedelta(hours=4)):
        raise ProductFormatError(
            name,
            f"Moscow session time is {offset} ahead of UTC; Moscow time is UTC+3 or UTC+4",
            field="tSessionTime",
        )
    frame_time = f.date_time("Geo/Orbit/dDate", "Geo/Orbit/tTime") - offset

    sun = f.numbers("bSunAngle", 2)
    zones = tuple(
        (lo, hi)
        for key in sorted(k for k in values if re.fullmatch(r"Device/Ch\d+/bSpectralZone", k))
        for lo, hi in [f.numbers(key, 2)]
    )
    n = {k: f.number(f"Geo/RPC/{v}") for k, v in _RPC_KEYS.items()}
    b = {k: f.numbers(f"Geo/RPC/{v}", 20) for k, v in _RPC_COEFFS.items()}
    rpc = RPCModel(
        line_off=n["line_off"],
        samp_off=n["samp_off"],
        lat_off=n["lat_off"],
        lon_off=n["lon_off"],
        height_off=n["height_off"],
        line_scale=n["line_scale"],
        samp_scale=n["samp_scale"],
        lat_scale=n["lat_scale"],
        lon_scale=n["lon_scale"],
        height_scale=n["height_scale"],
        line_num=b["line_num"],
        line_den=b["line_den"],
        samp_num=b["samp_num"],
        samp_den=b["samp_den"],
    )
    quality = {k.split("/", 1)[1]: f.integer(k) for k in values if k.startswith("QReport/")}
    unknown = tuple(
        k for k in values if k not in _KNOWN and not any(p.fullmatch(k) for p in _KNOWN_PATTERNS)
    )

    return FramePassport(
        source=name,
        version=f.optional("Version"),
        organization=f.optional("cOrganization"),
        satellite_name=f.optional("cModelTxtName"),
        program=f.optional("cProgramm"),
        data_file=f.optional("cDataFileName"),
        processing_level=f.optional("cProcLevel"),
        session_time_utc=session_utc.replace(tzinfo=UTC),
        moscow_offset=offset,
        frame_time_utc=frame_time.replace(tzinfo=UTC),
        sun_elevation_deg=sun[0],
        sun_azimuth_deg=sun[1],
        device_name=f.optional("Device/cDeviceName"),
        matrix_number=f.optional_int("Device/nMatrixNumber"),
        spectral_zones_um=zones,
        width=f.integer("Matrix/nWidth"),
        height=f.integer("Matrix/nHeight"),
        samples=f.optional_int("Matrix/nSamples"),
        bits_per_pixel=f.optional_int("Matrix/nBitsPerPixel"),
        position_m=(f.number("Geo/Orbit/nX"), f.number("Geo/Orbit/nY"), f.number("Geo/Orbit/nZ")),
        velocity_m_s=(
            f.number("Geo/Orbit/nXT"),
            f.number("Geo/Orbit/nYT"),
            f.number("Geo/Orbit/nZT"),
        ),
        attitude_deg=(
            f.number("Geo/Orientation/nAlpha"),
            f.number("Geo/Orientation/nOmega"),
            f.number("Geo/Orientation/nKappa"),
        ),
        rpc=rpc,
        quality=quality,
        fields=values,
        unknown=unknown,
    )
