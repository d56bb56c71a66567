"""A plan as command timelines: what each satellite is told to do, and when.

:func:`command_timeline` turns the acquisitions and downlinks of a
:class:`~zorka.planning.plan.Plan` into time-tagged commands per satellite, each validated
against that satellite's mission database (:func:`~zorka.control.commanding.validate_command`):

- **slew** to the attitude an acquisition holds (:func:`held_attitude`: a point dwell's
  mid-dwell attitude, so that the target is in the middle of the image), from the attitude the
  previous one held (nadir before the first). The turn is the planner's rest-to-rest slew
  (:func:`~zorka.planning.resources.slew_time_s`: bang-bang with the agility's rate and
  acceleration limits) and is commanded as a whole number of seconds within the command's
  ``DURATION_S`` range; the slew is timed to end the agility's ``settling_time_s`` before the
  image starts, and never before the previous image has ended. No slew is commanded when the
  pointing does not change.
- **imaging on** at the acquisition's start (``DURATION_S``: its length rounded up, a safety net
  should the off command be lost) and **imaging off** at its end;
- **imaging on** names what the camera records (``CHANNELS``: PAN, MS or PAN_MS, from the
  request's product), so that the memory fills as the planner counted;
- **downlink on** at a downlink's start (``STATION_ID``: the station's position in the mission's
  station list, from 1) and **downlink off** a margin after its end (``downlink_margin_s``).

Every command is time-tagged (PUS 11,4) for its time: :func:`issue_timeline` hands a timeline to
a :class:`~zorka.control.commanding.Commander`. A problem anywhere (a command or argument the
database refuses, too little time to slew, an unknown station) is collected, and all are raised
together in one :class:`TimelineError`, each naming the acquisition or downlink and the argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from zorka.control.commanding import CommandError, ResolvedCommand, validate_command
from zorka.control.mdb.model import MissionDatabase
from zorka.mission.database import satellite_database
from zorka.mission.errors import MissionError
from zorka.mission.model import Mission, SatelliteSpec
from zorka.planning.plan import Acquisition, Downlink, Plan
from zorka.planning.resources import slew_angle_deg, slew_time_s

if TYPE_CHECKING:
    from zorka.control.commanding import Commander, IssuedCommand
    from zorka.mission.spacecraft import Agility

__all__ = [
    "TimedCommand",
    "TimelineConventions",
    "TimelineError",
    "command_timeline",
    "held_attitude",
    "issue_timeline",
]

#: Slack on time comparisons, seconds (a plan's times are floats; a time tag resolves 15 µs).
_TIME_TOL_S = 1e-3

#: At one instant, what ends comes before what turns, and that before what starts.
_RANK = {"off": 0, "slew": 1, "on": 2}


class TimelineError(ValueError):
    """A plan that cannot become commands; ``issues`` names every problem."""

    def __init__(self, issues: Sequence[str]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(self.issues))


@dataclass(frozen=True)
class TimelineConventions:
    """Which database commands and arguments the timeline uses (the defaults are BKA's)."""

    slew: str = "SLEW"
    slew_roll: str = "ROLL_DEG"
    slew_pitch: str = "PITCH_DEG"
    slew_duration: str = "DURATION_S"
    imaging_on: str = "IMAGING_ON"
    imaging_duration: str = "DURATION_S"
    #: the argument naming what the camera records, and its label per requested product (None:
    #: the database's command has no such argument)
    imaging_channels: str | None = "CHANNELS"
    channel_labels: tuple[tuple[str, str], ...] = (
        ("pan", "PAN"),
        ("ms", "MS"),
        ("pan+ms", "PAN_MS"),
    )
    imaging_off: str = "IMAGING_OFF"
    downlink_on: str = "DOWNLINK_ON"
    downlink_station: str = "STATION_ID"
    downlink_off: str = "DOWNLINK_OFF"
    #: the transmitter stays on this long after a downlink's planned end: on board, commands run
    #: on the spacecraft's control cycle, and a downlink sized to the bit must not lose its tail
    downlink_margin_s: float = 1.0


@dataclass(frozen=True)
class TimedCommand:
    """One command of a satellite's timeline: what, with which arguments, when, and why.

    ``arguments`` are those the timeline gives (what :meth:`Commander.issue` is called with);
    ``resolved`` holds them validated, defaults filled. ``source`` is the id of the acquisition
    or downlink the command serves.
    """

    time: datetime
    satellite: str
    name: str
    arguments: dict[str, Any]
    source: str
    note: str
    resolved: ResolvedCommand = field(repr=False)
    rank: int = field(default=1, repr=False)

    def command_arguments(self) -> dict[str, Any]:
        """The arguments the command itself declares, as validated (defaults filled in)."""
        return {
            a.name: self.resolved.values[a.name]
            for a in self.resolved.command.arguments
            if a.name in self.resolved.values
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        arguments = {
            k: (v.hex() if isinstance(v, bytes) else v) for k, v in self.command_arguments().items()
        }
        return {
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "satellite": self.satellite,
            "command": self.name,
            "arguments": arguments,
            "source": self.source,
            "note": self.note,
        }


def _integer_range(mdb: MissionDatabase, command: str, argument: str) -> tuple[float, float] | None:
    """The ``valid_range`` of one argument of a command (its chain searched), if it has one."""
    try:
        chain = mdb.command_chain(command)
    except KeyError:
        return None
    for cmd in chain:
        for arg in cmd.arguments:
            if arg.name == argument:
                rng = mdb.argument_type(arg).valid_range
                if rng is None:
                    return None
                lo = rng.min if rng.min is not None else -math.inf
                hi = rng.max if rng.max is not None else math.inf
                return lo, hi
    return None


class _Turn(NamedTuple):
    """A commanded slew: its angle, turning time, commanded duration and command time."""

    angle: float
    turn_s: float
    duration: float
    at: datetime


class _Builder:
    """Collects one satellite's commands and every problem met on the way."""

    def __init__(
        self, satellite: str, mdb: MissionDatabase, conventions: TimelineConventions
    ) -> None:
        self.satellite = satellite
        self.mdb = mdb
        self.c = conventions
        self.commands: list[TimedCommand] = []
        self.issues: list[str] = []

    def _takes(self, command: str, argument: str) -> bool:
        """Whether ``command`` (or a base of it) has the argument ``argument``."""
        try:
            chain = self.mdb.command_chain(command)
        except (KeyError, ValueError):
            return False
        return any(a.name == argument for c in chain for a in c.arguments)

    def add(
        self,
        time: datetime,
        name: str,
        arguments: dict[str, Any],
        source: str,
        note: str,
        rank: str,
    ) -> None:
        try:
            resolved = validate_command(self.mdb, name, arguments)
        except CommandError as exc:
            for issue in exc.issues:
                self.issues.append(f"{source}: {name}: {issue}")
            return
        if not resolved.command.time_taggable:
            self.issues.append(f"{source}: {name}: the database does not allow it time-tagged")
            return
        self.commands.append(
            TimedCommand(time, self.satellite, name, arguments, source, note, resolved, _RANK[rank])
        )

    def _turn(
        self,
        acquisition: Acquisition,
        agility: Agility,
        attitude: tuple[float, float],
        target: tuple[float, float],
    ) -> _Turn | None:
        """The slew from ``attitude`` to ``target`` settled by the image's start (None when the
        pointing does not change)."""
        angle = slew_angle_deg(*attitude, *target)
        need = slew_time_s(angle, agility)
        if need == 0.0:
            return None
        turn = need - agility.settling_time_s
        duration = float(math.ceil(turn - _TIME_TOL_S))
        bounds = _integer_range(self.mdb, self.c.slew, self.c.slew_duration)
        if bounds is not None:
            duration = max(duration, math.ceil(bounds[0]))
        at = acquisition.start - timedelta(seconds=duration + agility.settling_time_s)
        return _Turn(angle, turn, duration, at)

    def fits(
        self,
        acquisition: Acquisition,
        spec: SatelliteSpec,
        previous: Acquisition | None,
        attitude: tuple[float, float],
        target: tuple[float, float],
    ) -> bool:
        """Whether the turn from ``attitude`` to ``target`` ends, settled, by the image's start
        without starting before the previous image ends."""
        if spec.agility is None:
            return slew_angle_deg(*attitude, *target) < 1e-6
        turn = self._turn(acquisition, spec.agility, attitude, target)
        return turn is None or previous is None or turn.at >= previous.end

    def slew(
        self,
        acquisition: Acquisition,
        spec: SatelliteSpec,
        previous: Acquisition | None,
        attitude: tuple[float, float],
        target: tuple[float, float] | None = None,
    ) -> None:
        c = self.c
        roll, pitch = (
            target if target is not None else (acquisition.roll_deg, acquisition.pitch_deg)
        )
        agility = spec.agility
        if agility is None:
            angle = slew_angle_deg(*attitude, roll, pitch)
            if angle >= 1e-6:
                self.issues.append(
                    f"acquisition {acquisition.id}: a slew of {angle:.2f}° is needed, but"
                    f" {spec.name} has no agility model in the mission"
                )
            return
        planned = self._turn(acquisition, agility, attitude, (roll, pitch))
        if planned is None:
            return  # the pointing does not change
        angle, turn, duration, at = planned
        source = f"acquisition {acquisition.id}"
        if previous is not None:
            after = f" after {previous.id}"
        else:
            after = " from nadir" if attitude == (0.0, 0.0) else " from the initial attitude"
        if previous is not None and at < previous.end:
            room = (acquisition.start - previous.end).total_seconds()
            self.issues.append(
                f"{source}: {c.slew}: {c.slew_duration} = {duration:g} s and"
                f" {agility.settling_time_s:g} s of settling do not fit in the"
                f" {room:.1f} s{after} (a {angle:.2f}° turn takes {turn:.1f} s)"
            )
            return
        arguments: dict[str, Any] = {
            c.slew_roll: round(roll, 6),
            c.slew_pitch: round(pitch, 6),
            c.slew_duration: int(duration),
        }
        note = (
            f"turn {angle:.2f}°{after}: {turn:.1f} s (commanded {duration:g} s)"
            f" + {agility.settling_time_s:g} s settling"
        )
        self.add(at, c.slew, arguments, source, note, "slew")

    def imaging(self, acquisition: Acquisition, product: str | None = None) -> None:
        c = self.c
        source = f"acquisition {acquisition.id}"
        seconds = max(1, math.ceil(acquisition.duration_s - _TIME_TOL_S))
        note = (
            f"{acquisition.kind} for request {acquisition.request}, {acquisition.duration_s:.1f} s"
        )
        arguments: dict[str, Any] = {c.imaging_duration: seconds}
        label = dict(c.channel_labels).get(product or "")
        if (
            c.imaging_channels is not None
            and label is not None
            and self._takes(c.imaging_on, c.imaging_channels)
        ):
            arguments[c.imaging_channels] = label
        self.add(acquisition.start, c.imaging_on, arguments, source, note, "on")
        self.add(acquisition.end, c.imaging_off, {}, source, f"end of {acquisition.id}", "off")

    def downlink(self, downlink: Downlink, stations: Mapping[str, int]) -> None:
        c = self.c
        source = f"downlink {downlink.id}"
        station = stations.get(downlink.station)
        if station is None:
            known = ", ".join(stations) or "none"
            self.issues.append(
                f"{source}: {c.downlink_on}: {c.downlink_station}: station {downlink.station!r}"
                f" is not in the mission (there are: {known})"
            )
            return
        note = f"to {downlink.station}, {downlink.volume_gbit:.2f} Gbit"
        self.add(downlink.start, c.downlink_on, {c.downlink_station: station}, source, note, "on")
        off = downlink.end + timedelta(seconds=c.downlink_margin_s)
        self.add(off, c.downlink_off, {}, source, f"end of {downlink.id}", "off")


def held_attitude(acquisition: Acquisition) -> tuple[float, float]:
    """The (roll, pitch) the spacecraft holds through an acquisition.

    The timeline commands one attitude per image (the database has no tracking mode): for a
    point dwell, the mean of the plan's start and end attitudes, which looks at the target at
    mid-dwell so that the image is centred on it (the start attitude would put the target on
    the image's first lines); a strip keeps its (constant) attitude.
    """
    if acquisition.kind != "point":
        return (acquisition.roll_deg, acquisition.pitch_deg)
    return (
        (acquisition.roll_deg + acquisition.end_roll_deg) / 2.0,
        (acquisition.pitch_deg + acquisition.end_pitch_deg) / 2.0,
    )


def command_timeline(
    plan: Plan,
    mission: Mission,
    *,
    databases: Mapping[str, MissionDatabase] | None = None,
    conventions: TimelineConventions | None = None,
    initial_attitude: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, list[TimedCommand]]:
    """Each satellite's commands for ``plan``, in time order.

    ``databases`` gives a satellite's database by name; the others come from the mission
    (:func:`~zorka.mission.database.satellite_database`). ``initial_attitude`` is a satellite's
    (roll, pitch) before its first acquisition, nadir by default. Raises :class:`TimelineError`
    listing every problem.
    """
    c = conventions or TimelineConventions()
    specs = {s.name: s for s in mission.satellites}
    stations = {s.name: i + 1 for i, s in enumerate(mission.stations)}
    products = {r.id: r.product for r in plan.requests.requests}
    issues: list[str] = []
    names = sorted({a.satellite for a in plan.acquisitions} | {d.satellite for d in plan.downlinks})
    builders: dict[str, _Builder] = {}
    for name in names:
        if name not in specs:
            issues.append(f"satellite {name!r} of the plan is not in mission {mission.name}")
            continue
        mdb = (databases or {}).get(name)
        if mdb is None:
            try:
                mdb = satellite_database(mission, name)
            except MissionError as exc:
                issues += [str(issue) for issue in exc.issues]
                continue
        builders[name] = _Builder(name, mdb, c)
    for name, builder in builders.items():
        spec = specs[name]
        attitude = (initial_attitude or {}).get(name, (0.0, 0.0))
        previous: Acquisition | None = None
        for acquisition in plan.acquisitions_of(name):
            if previous is not None and acquisition.start < previous.end:
                builder.issues.append(
                    f"acquisition {acquisition.id}: starts before {previous.id} ends"
                )
            held = held_attitude(acquisition)
            if not builder.fits(acquisition, spec, previous, attitude, held):
                held = (acquisition.roll_deg, acquisition.pitch_deg)  # as the plan turned
            builder.slew(acquisition, spec, previous, attitude, held)
            request = products.get(acquisition.request)
            builder.imaging(acquisition, request)
            attitude = held
            previous = acquisition
        for downlink in sorted(
            (d for d in plan.downlinks if d.satellite == name), key=lambda d: d.start
        ):
            builder.downlink(downlink, stations)
        issues += builder.issues
    if issues:
        raise TimelineError(issues)
    return {
        name: sorted(builder.commands, key=lambda t: (t.time, t.rank))
        for name, builder in builders.items()
    }


def issue_timeline(
    commander: Commander, commands: Sequence[TimedCommand], origin: str | None = None
) -> list[IssuedCommand]:
    """Issue a timeline through a commander, each command time-tagged (PUS 11,4) for its time;
    ``origin`` is recorded as who sent them.

    Returns the time-tag wrappers, in order; the command each carries is ``.carried``.
    """
    return [
        commander.issue(t.name, t.arguments, execute_at=t.time, origin=origin) for t in commands
    ]
