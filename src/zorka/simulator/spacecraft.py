"""The spacecraft model: power, memory, attitude, payload, thermal, and the faults it can have.

A deliberately simple model, stepped once per simulated second, whose numbers come from the
mission's spacecraft model (battery, loads, charge in sunlight, imaging and downlink rates,
memory) so that the housekeeping looks like the satellite's own:

- **power**: the battery gains ``sunlit_charge_w`` in sunlight and loses the load of what is on
  (platform, slew, camera, X-band transmitter); its voltage follows the state of charge.
- **memory**: imaging writes ``imaging_rate_mbps``, a downlink reads ``rate_mbps``.
- **attitude**: NADIR, SLEW (for the commanded duration, the body turning at the rate that gets
  it there), TARGET_POINTING at the commanded roll and pitch; the quaternion is the orbit frame
  turned by roll and pitch.
- **payload**: each acquisition becomes an :class:`~zorka.simulator.payload.Acquisition` with its
  raw data.

Faults (for operator training; each is caught by a limit check of the BKA database or by
command verification): ``battery_undervoltage`` (a failed cell: the bus voltage drops below its
critical limit), ``stuck_wheel`` (a reaction wheel seizes and the body picks up its momentum:
the rate on that axis runs out of limits) and ``lost_command`` (the next telecommand vanishes
without a report: its verification times out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from zorka.mission.spacecraft import Downlink, Power, Sensor
from zorka.planning.requests import PRODUCT_RATE_FRACTION
from zorka.simulator.payload import Acquisition, raw_image

__all__ = [
    "DEFAULT_DOWNLINK",
    "DEFAULT_POWER",
    "DEFAULT_SENSOR",
    "FAULTS",
    "CommandRefusedError",
    "FaultKind",
    "SpacecraftModel",
]

FaultKind = Literal["battery_undervoltage", "stuck_wheel", "lost_command"]
FAULTS: tuple[str, ...] = get_args(FaultKind)

DEFAULT_POWER = Power(
    battery_wh=600, idle_w=150, imaging_w=300, slew_w=200, sunlit_charge_w=450
)  # the embedded mission's estimates for Kanopus-V 1
DEFAULT_SENSOR = Sensor(
    type="optical", gsd_m=2.1, swath_km=23.3, max_off_nadir_deg=40, imaging_rate_mbps=122.88
)
DEFAULT_DOWNLINK = Downlink(band="X", rate_mbps=122.88)

_XBAND_W = 60.0  # the transmitter's share of the load while it is on
_WHEEL_NOMINAL_RPM = (1200.0, -900.0, 1500.0, 600.0)
_WHEEL_AXIS = (0, 1, 2, 0)  # the fourth wheel is skewed; its failure shows on x
_STUCK_RATE_DEG_S = 2.0  # the body's rate once it holds the stuck wheel's momentum
_STUCK_ACCEL_DEG_S2 = 0.1
# what each CHANNELS setting of IMAGING_ON writes, as a share of the sensor's imaging rate: the
# planner's figures (one 2.1 m panchromatic band and four 10.5 m multispectral bands)
_CHANNEL_RATE_FRACTION = {
    "PAN_MS": PRODUCT_RATE_FRACTION["pan+ms"],
    "PAN": PRODUCT_RATE_FRACTION["pan"],
    "MS": PRODUCT_RATE_FRACTION["ms"],
}
_CELL_FAILURE_FACTOR = 0.72  # a shorted cell string: the bus at about 72 % of its voltage


class CommandRefusedError(Exception):
    """A command the spacecraft cannot execute now; ``code`` is the PUS-1 failure code label."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass
class SpacecraftModel:
    """The state of one simulated spacecraft; :meth:`step` advances it by one time step."""

    name: str
    power: Power = field(default_factory=lambda: DEFAULT_POWER)
    sensor: Sensor = field(default_factory=lambda: DEFAULT_SENSOR)
    downlink: Downlink = field(default_factory=lambda: DEFAULT_DOWNLINK)
    memory_mbit: float = 192_000.0
    battery_wh: float = 0.0
    sunlit: bool = True
    power_mode: str = "NOMINAL"
    adcs_mode: str = "NADIR"
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    rates_deg_s: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    wheels_rpm: list[float] = field(default_factory=lambda: list(_WHEEL_NOMINAL_RPM))
    slew_left_s: float = 0.0
    slew_target: tuple[float, float] = (0.0, 0.0)
    camera: str = "STANDBY"
    gain: str = "NORMAL"
    channels: str = "PAN_MS"
    imaging_left_s: float = 0.0
    images_taken: int = 0
    memory_used_mbit: float = 0.0
    xband_on: bool = False
    xband_rate: str = "R_122_MBPS"
    tc_accepted: int = 0
    tc_rejected: int = 0
    temperatures_c: dict[str, float] = field(
        default_factory=lambda: {"OBC": 22.0, "CAMERA": 15.0, "XBAND_TX": 18.0, "RADIATOR": -5.0,
                                 "PROPULSION": 12.0, "BATTERY": 18.0, "FPA": 12.0}
    )  # fmt: skip
    faults: dict[str, Any] = field(default_factory=dict)
    lost_commands: int = 0
    acquisitions: list[Acquisition] = field(default_factory=list)
    downlinked_mbit: float = 0.0
    position_km: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(3))
    velocity_km_s: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(3))
    _current: Acquisition | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.battery_wh:
            self.battery_wh = 0.9 * self.power.battery_wh

    # -- faults ---------------------------------------------------------------------------

    def inject(self, fault: str, *, wheel: int = 2, count: int = 1) -> None:
        """Start a fault: ``battery_undervoltage``, ``stuck_wheel`` (``wheel`` 1-4) or
        ``lost_command`` (the next ``count`` telecommands are lost)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; the simulator knows {', '.join(FAULTS)}")
        if fault == "stuck_wheel":
            if not 1 <= wheel <= 4:
                raise ValueError(f"wheel {wheel}: the spacecraft has wheels 1 to 4")
            self.faults[fault] = wheel
        elif fault == "lost_command":
            self.lost_commands += count
        else:
            self.faults[fault] = True

    def clear(self, fault: str) -> None:
        """End a fault (the wheel spins up again, the cell is bypassed)."""
        self.faults.pop(fault, None)
        if fault == "lost_command":
            self.lost_commands = 0

    # -- the passing of time ----------------------------------------------------------------

    @property
    def soc(self) -> float:
        """State of charge, 0 to 1."""
        return self.battery_wh / self.power.battery_wh

    @property
    def load_w(self) -> float:
        """What the spacecraft draws now."""
        load = self.power.idle_w
        if self.camera == "IMAGING":
            load = self.power.imaging_w
        if self.adcs_mode == "SLEW":
            load = max(load, self.power.slew_w)
        return load + (_XBAND_W if self.xband_on else 0.0)

    @property
    def battery_voltage(self) -> float:
        """Bus voltage: 27 V empty to 32 V full, less a failed cell's share."""
        volts = 27.0 + 5.0 * self.soc
        return volts * _CELL_FAILURE_FACTOR if "battery_undervoltage" in self.faults else volts

    def step(
        self,
        utc: datetime,
        dt_s: float,
        sunlit: bool,
        position_km: npt.NDArray[np.float64],
        velocity_km_s: npt.NDArray[np.float64],
    ) -> None:
        """Advance the state by ``dt_s`` seconds ending at ``utc``."""
        self.sunlit = sunlit
        self.position_km, self.velocity_km_s = position_km, velocity_km_s
        self.battery_wh += self._net_w() * dt_s / 3600.0
        self.battery_wh = min(max(self.battery_wh, 0.0), self.power.battery_wh)
        self._attitude(dt_s)
        self._payload(utc, dt_s)
        self._thermal(dt_s)

    def _net_w(self) -> float:
        """Power into the battery; the charge regulator stops charging a full battery."""
        net = (self.power.sunlit_charge_w if self.sunlit else 0.0) - self.load_w
        return min(net, 0.0) if self.battery_wh >= self.power.battery_wh else net

    def _attitude(self, dt_s: float) -> None:
        rates = [0.0, 0.0, 0.0]
        if self.adcs_mode == "SLEW":
            turn = min(dt_s, self.slew_left_s)
            rates[0] = (self.slew_target[0] - self.roll_deg) / max(self.slew_left_s, 1e-9)
            rates[1] = (self.slew_target[1] - self.pitch_deg) / max(self.slew_left_s, 1e-9)
            self.roll_deg += rates[0] * turn
            self.pitch_deg += rates[1] * turn
            self.slew_left_s -= turn
            if self.slew_left_s <= 0:
                self.roll_deg, self.pitch_deg = self.slew_target
                pointing = self.roll_deg or self.pitch_deg
                self.adcs_mode = "TARGET_POINTING" if pointing else "NADIR"
                rates = [0.0, 0.0, 0.0]
        # the wheels absorb the slew (their speed moves against the body's rate)
        for i in range(4):
            target = _WHEEL_NOMINAL_RPM[i] - 400.0 * rates[_WHEEL_AXIS[i]]
            self.wheels_rpm[i] += (target - self.wheels_rpm[i]) * min(1.0, dt_s / 5.0)
        stuck = self.faults.get("stuck_wheel")
        if stuck is not None:
            self.wheels_rpm[stuck - 1] = 0.0
            axis = _WHEEL_AXIS[stuck - 1]
            held = abs(self.rates_deg_s[axis]) + _STUCK_ACCEL_DEG_S2 * dt_s
            rates[axis] = math.copysign(min(held, _STUCK_RATE_DEG_S), _WHEEL_NOMINAL_RPM[stuck - 1])
        self.rates_deg_s = rates

    def _payload(self, utc: datetime, dt_s: float) -> None:
        if self.camera == "IMAGING":
            room = self.memory_mbit - self.memory_used_mbit
            rate = self.sensor.imaging_rate_mbps * _CHANNEL_RATE_FRACTION[self.channels]
            written = min(rate * min(dt_s, self.imaging_left_s), room)
            self.memory_used_mbit += written
            if self._current is not None:
                self._current.size_mbit += written
            self.imaging_left_s -= dt_s
            if self.imaging_left_s <= 0 or room <= written:
                self.stop_imaging(utc)
        if self.xband_on:
            rate = self.downlink.rate_mbps * (0.5 if self.xband_rate == "R_61_MBPS" else 1.0)
            read = min(rate * dt_s, self.memory_used_mbit)
            self.memory_used_mbit -= read
            self.downlinked_mbit += read
            budget = self.downlinked_mbit
            for acquisition in self.acquisitions:
                if acquisition.downlinked or acquisition is self._current:
                    continue
                if budget < acquisition.size_mbit:
                    break
                budget -= acquisition.size_mbit
                acquisition.downlinked = True
            self.downlinked_mbit = budget

    def _thermal(self, dt_s: float) -> None:
        t = self.temperatures_c
        k = min(1.0, dt_s / 600.0)  # ten-minute thermal time constant
        camera = 20.0 if self.camera == "IMAGING" else 14.0
        targets = {
            "OBC": 24.0,
            "CAMERA": camera,
            "FPA": camera - 2.0,
            "XBAND_TX": 32.0 if self.xband_on else 18.0,
            "RADIATOR": 5.0 if self.sunlit else -15.0,
            "BATTERY": 20.0 if self.sunlit else 15.0,
            "PROPULSION": 14.0 if self.sunlit else 10.0,
        }
        for name, target in targets.items():
            t[name] += (target - t[name]) * k

    # -- commands -----------------------------------------------------------------------

    def execute(self, name: str, arguments: dict[str, Any], utc: datetime) -> None:
        """Carry out a platform or payload command; raises :class:`CommandRefusedError`."""
        if name == "SLEW":
            if self.power_mode == "SAFE":
                raise CommandRefusedError("WRONG_MODE", "no slews in safe mode")
            self.adcs_mode = "SLEW"
            self.slew_left_s = float(arguments["DURATION_S"])
            self.slew_target = (float(arguments["ROLL_DEG"]), float(arguments["PITCH_DEG"]))
        elif name == "IMAGING_ON":
            if self.power_mode != "NOMINAL":
                raise CommandRefusedError(
                    "WRONG_MODE", f"no imaging in power mode {self.power_mode}"
                )
            if self.memory_used_mbit >= self.memory_mbit:
                raise CommandRefusedError("EXECUTION_FAILED", "the memory is full")
            if self.camera == "IMAGING":
                self.stop_imaging(utc)
            self.camera = "IMAGING"
            self.gain = str(arguments.get("GAIN", "NORMAL"))
            self.channels = str(arguments.get("CHANNELS", "PAN_MS"))
            if self.channels not in _CHANNEL_RATE_FRACTION:
                self.channels = "PAN_MS"
            self.imaging_left_s = float(arguments["DURATION_S"])
            self.images_taken += 1
            self._current = Acquisition(
                self.name, self.images_taken, utc, utc, self.gain, self.roll_deg, self.pitch_deg,
                self.position_km.copy(),
            )  # fmt: skip
            self.acquisitions.append(self._current)
        elif name == "IMAGING_OFF":
            self.stop_imaging(utc)
        elif name == "DOWNLINK_ON":
            self.xband_on = True
            self.xband_rate = str(arguments.get("RATE", "R_122_MBPS"))
        elif name == "DOWNLINK_OFF":
            self.xband_on = False
        elif name == "SET_POWER_MODE":
            self.power_mode = str(arguments["MODE"])
            if self.power_mode == "SAFE":
                self.stop_imaging(utc)
                self.xband_on = False
        else:
            raise CommandRefusedError(
                "ILLEGAL_SERVICE", f"{name} is not executed by this spacecraft"
            )

    def stop_imaging(self, utc: datetime) -> None:
        """End the acquisition in progress: its raw data is made now."""
        if self.camera != "IMAGING":
            return
        self.camera = "STANDBY"
        self.imaging_left_s = 0.0
        if self._current is not None:
            self._current.end = utc
            self._current.data = raw_image(self._current)
            self._current = None

    # -- housekeeping ----------------------------------------------------------------------

    def housekeeping(self) -> dict[str, dict[str, Any]]:
        """Engineering values of every housekeeping structure, by container name."""
        t = self.temperatures_c
        current = self._net_w() / (27.0 + 5.0 * self.soc)  # a failed cell does not change it
        quaternion = self.quaternion()
        return {
            "hk_power": {
                "HK_SID": 1,
                "BAT_VOLTAGE": round(self.battery_voltage, 3),
                "BAT_CURRENT": round(current, 2),
                "BAT_TEMP": t["BATTERY"],
                "BAT_SOC": round(100 * self.soc),
                "SA_CURRENT": round(self.power.sunlit_charge_w / 28.0 if self.sunlit else 0.0, 3),
                "POWER_MODE": self.power_mode,
                "HEATER_BAT_ON": not self.sunlit,
                "PAYLOAD_POWER_ON": self.camera != "OFF",
                "XBAND_POWER_ON": self.xband_on,
            },
            "hk_thermal": {
                "HK_SID": 2,
                "TEMP_OBC": round(t["OBC"], 2),
                "TEMP_CAMERA": round(t["CAMERA"], 2),
                "TEMP_XBAND_TX": round(t["XBAND_TX"], 2),
                "TEMP_RADIATOR": round(t["RADIATOR"], 2),
                "TEMP_PROPULSION": t["PROPULSION"],
            },
            "hk_attitude": {
                "HK_SID": 3,
                "ADCS_MODE": self.adcs_mode,
                **{f"ATT_Q{i + 1}": float(q) for i, q in enumerate(quaternion)},
                **{f"RATE_{a}": r for a, r in zip("XYZ", self.rates_deg_s, strict=True)},
                **{f"RW{i + 1}_SPEED": round(w) for i, w in enumerate(self.wheels_rpm)},
                "STAR_TRACKER_VALID": True,
                "GNSS_FIX": True,
            },
            "hk_memory": {
                "HK_SID": 4,
                "MEM_USED_MBIT": round(self.memory_used_mbit),
                "MEM_FILES": sum(not a.downlinked for a in self.acquisitions),
                "MEM_WRITE_ON": self.camera == "IMAGING",
                "MEM_READ_ON": self.xband_on,
            },
            "hk_payload": {
                "HK_SID": 5,
                "CAMERA_STATE": self.camera,
                "CAMERA_FPA_TEMP": round(t["FPA"], 2),
                "CAMERA_CURRENT": 1.8 if self.camera == "IMAGING" else 0.2,
                "IMAGES_TAKEN": self.images_taken % 65536,
                "CAMERA_GAIN": self.gain,
            },
            "hk_link": {
                "HK_SID": 6,
                "XBAND_TX_ON": self.xband_on,
                "XBAND_RATE": self.xband_rate,
                "SBAND_RSSI": -92.0,
                "TC_ACCEPTED": self.tc_accepted % 65536,
                "TC_REJECTED": self.tc_rejected % 65536,
                "OBSW_VERSION": "ZSIM-1.0",
            },
        }

    def quaternion(self) -> tuple[float, float, float, float]:
        """Attitude (ECI to body; vector part first): the orbit frame turned by roll and pitch."""
        r, v = self.position_km, self.velocity_km_s
        if not np.any(r) or not np.any(v):
            return (0.0, 0.0, 0.0, 1.0)
        z = -r / np.linalg.norm(r)
        y = -np.cross(r, v)
        y /= np.linalg.norm(y)
        x = np.cross(y, z)
        orbit = np.column_stack([x, y, z])  # body-to-ECI at nadir
        cr, sr = math.cos(math.radians(self.roll_deg)), math.sin(math.radians(self.roll_deg))
        cp, sp = math.cos(math.radians(self.pitch_deg)), math.sin(math.radians(self.pitch_deg))
        roll = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
        pitch = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
        m = (orbit @ pitch @ roll).T  # ECI-to-body
        w = math.sqrt(max(0.0, 1.0 + m[0, 0] + m[1, 1] + m[2, 2])) / 2
        if w > 1e-6:
            q = ((m[2, 1] - m[1, 2]) / (4 * w), (m[0, 2] - m[2, 0]) / (4 * w),
                 (m[1, 0] - m[0, 1]) / (4 * w), w)  # fmt: skip
        else:  # a half-turn: the axis from the largest diagonal term
            i = int(np.argmax(np.diag(m)))
            j, k = (i + 1) % 3, (i + 2) % 3
            s = math.sqrt(max(0.0, 1.0 + m[i, i] - m[j, j] - m[k, k])) * 2
            vec = [0.0, 0.0, 0.0]
            vec[i], vec[j], vec[k] = s / 4, (m[j, i] + m[i, j]) / s, (m[k, i] + m[i, k]) / s
            q = (vec[0], vec[1], vec[2], (m[k, j] - m[j, k]) / s)
        return (float(q[0]), float(q[1]), float(q[2]), float(q[3]))
