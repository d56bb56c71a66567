"""The physics a plan must respect: slew times, memory and battery through a day.

Both the planners and the checker use these models; the checker feeds them geometry it computes
itself from the mission (lines of sight, passes, eclipses), never the planner's.

- A slew is a rest-to-rest rotation about one axis through the angle between two lines of sight,
  with a bang-bang acceleration profile limited in rate: triangular when the top rate is not
  reached (``t = 2 sqrt(θ/α)``), trapezoidal when it is (``t = θ/ω + ω/α``), then settling.
- Memory fills by the whole volume of an image when it starts and empties by the whole volume of
  a downlink when it ends: the peak is never underestimated.
- The battery drains at the idle, imaging or slewing power, charges at ``sunlit_charge_w`` outside
  the Earth's shadow (penumbra counted as shadow), and is full at most.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zorka.mission.spacecraft import Agility, Power

__all__ = [
    "Activity",
    "battery_profile",
    "line_of_sight",
    "memory_profile",
    "slew_angle_deg",
    "slew_time_s",
]


def slew_time_s(angle_deg: float, agility: Agility) -> float:
    """Time to turn through ``angle_deg`` from rest to rest, settling included (0 for no turn)."""
    angle = abs(angle_deg)
    if angle < 1e-6:
        return 0.0
    rate, accel = agility.max_slew_rate_deg_s, agility.max_slew_accel_deg_s2
    if angle <= rate * rate / accel:
        turn = 2.0 * math.sqrt(angle / accel)
    else:
        turn = angle / rate + rate / accel
    return turn + agility.settling_time_s


def line_of_sight(roll_deg: float, pitch_deg: float) -> tuple[float, float, float]:
    """The unit line of sight in the orbital frame ``(x, y, z)`` of a roll then a pitch."""
    r, p = math.radians(roll_deg), math.radians(pitch_deg)
    return (math.sin(p), math.cos(p) * math.sin(r), math.cos(p) * math.cos(r))


def slew_angle_deg(roll1: float, pitch1: float, roll2: float, pitch2: float) -> float:
    """The angle between two pointings (each a roll then a pitch), degrees."""
    a, b = line_of_sight(roll1, pitch1), line_of_sight(roll2, pitch2)
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return math.degrees(math.acos(max(-1.0, min(1.0, dot))))


def memory_profile(
    additions: Sequence[tuple[float, float]],
    removals: Sequence[tuple[float, float]],
    initial_gbit: float = 0.0,
) -> list[tuple[float, float]]:
    """Memory (gigabits) after every change: ``additions`` and ``removals`` are
    ``(seconds, gigabits)``; at equal times removals come first."""
    events = [(t, 0, -v) for t, v in removals] + [(t, 1, v) for t, v in additions]
    events.sort()
    level = initial_gbit
    out = [(events[0][0] if events else 0.0, level)] if events else []
    for t, _, dv in events:
        level += dv
        out.append((t, level))
    return out


@dataclass(frozen=True)
class Activity:
    """An interval (seconds from the plan start) of imaging or slewing."""

    start_s: float
    end_s: float
    kind: str  # "imaging" or "slewing"


def battery_profile(
    power: Power,
    span_s: float,
    activities: Sequence[Activity],
    shadows: Sequence[tuple[float, float]],
    initial_wh: float | None = None,
) -> list[tuple[float, float]]:
    """Battery energy (Wh) at every change of load or light from 0 to ``span_s``.

    ``shadows`` are the intervals in the Earth's shadow. The battery starts full unless
    ``initial_wh`` is given; between changes energy is linear, so its minimum is at a change.
    """
    cuts = {0.0, span_s}
    for a in activities:
        cuts.update((min(max(a.start_s, 0.0), span_s), min(max(a.end_s, 0.0), span_s)))
    for s0, s1 in shadows:
        cuts.update((min(max(s0, 0.0), span_s), min(max(s1, 0.0), span_s)))
    times = sorted(cuts)
    mids = 0.5 * (np.array(times[:-1]) + np.array(times[1:]))
    load = np.full(mids.size, power.idle_w)
    for a in activities:
        watts = power.imaging_w if a.kind == "imaging" else power.slew_w
        inside = (mids > a.start_s) & (mids < a.end_s)
        load[inside] = np.maximum(load[inside], watts)
    dark_starts = sorted(shadows)
    lit = np.ones(mids.size, dtype=bool)
    starts = [s for s, _ in dark_starts]
    for k, m in enumerate(mids.tolist()):
        i = bisect.bisect_right(starts, m) - 1
        if i >= 0 and dark_starts[i][0] < m < dark_starts[i][1]:
            lit[k] = False
    charge = np.where(lit, power.sunlit_charge_w, 0.0)
    level = power.battery_wh if initial_wh is None else initial_wh
    out = [(times[0], level)]
    for k in range(mids.size):
        dt_h = (times[k + 1] - times[k]) / 3600.0
        level = min(power.battery_wh, level + (charge[k] - load[k]) * dt_h)
        out.append((times[k + 1], level))
    return out
