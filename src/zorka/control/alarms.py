"""Alarms from limit checks: raised, updated, returned to normal, acknowledged, cleared, shelved.

The decoder gives every sample a monitoring level (0 in limits, 1 warning, 2 critical). The
:class:`AlarmServer` turns those levels into alarms, one per parameter, the way control centres
(and Yamcs) do: an alarm is *raised* when a parameter leaves its limits, *updated* when it gets
worse, and stays until an operator has *acknowledged* it **and** the parameter is back in
limits, so that a short excursion is not missed. A *shelved* alarm keeps its state but is not
shown until its shelving ends.

Only changes of level are visited in Python: a batch of 10,000 samples that stay in limits
costs one numpy comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from zorka.control.decoding import LEVEL_CRITICAL, LEVEL_OK, ContainerBatch

if TYPE_CHECKING:
    from zorka.control.archive import Archive

__all__ = [
    "Alarm",
    "AlarmEvent",
    "AlarmServer",
    "acknowledge_archived",
    "save_alarm_changes",
]

AlarmEventKind = Literal[
    "raised", "updated", "returned", "acknowledged", "cleared", "shelved", "unshelved"
]


def severity_name(level: int) -> str:
    """``warning`` or ``critical`` for a monitoring level."""
    return "critical" if level >= LEVEL_CRITICAL else "warning"


@dataclass
class Alarm:
    """The alarm of one parameter, from its first excursion until it is cleared."""

    parameter: str
    severity: int  # the worst level seen
    level: int  # the current level
    raised_s: float
    value: Any
    acknowledged: bool = False
    acknowledged_by: str | None = None
    shelved_until_s: float | None = None
    updated_s: float = 0.0

    @property
    def in_limits(self) -> bool:
        """True when the parameter is back in limits (the alarm awaits acknowledgement)."""
        return self.level == LEVEL_OK

    def shelved(self, now_s: float) -> bool:
        """True while the alarm is shelved."""
        return self.shelved_until_s is not None and now_s < self.shelved_until_s


@dataclass(frozen=True)
class AlarmEvent:
    """One change of an alarm (what the archive and the console record)."""

    time_s: float
    parameter: str
    kind: AlarmEventKind
    level: int
    value: Any = None
    by: str | None = None

    @property
    def severity(self) -> str:
        """``warning`` or ``critical``."""
        return severity_name(self.level)


@dataclass
class AlarmServer:
    """Keeps the alarms of every parameter; feed it batches in time order."""

    alarms: dict[str, Alarm] = field(default_factory=dict)

    def process(self, batch: ContainerBatch, time_s: npt.NDArray[np.float64]) -> list[AlarmEvent]:
        """Check one decoded batch; ``time_s`` holds the time of each of its packets."""
        events: list[AlarmEvent] = []
        order = np.argsort(time_s, kind="stable")
        for name, samples in batch.parameters.items():
            levels = np.where(samples.valid, samples.level, LEVEL_OK)[order]
            alarm = self.alarms.get(name)
            previous = alarm.level if alarm is not None else LEVEL_OK
            changes = np.flatnonzero(np.diff(levels, prepend=np.int8(previous)))
            for i in changes:
                events += self._update(
                    name, int(levels[i]), float(time_s[order][i]), samples.eng[order][i]
                )
        return events

    def _update(self, name: str, level: int, time_s: float, value: Any) -> list[AlarmEvent]:
        alarm = self.alarms.get(name)
        if isinstance(value, np.generic):
            value = value.item()
        if alarm is None:
            if level == LEVEL_OK:
                return []
            self.alarms[name] = Alarm(name, level, level, time_s, value, updated_s=time_s)
            return [AlarmEvent(time_s, name, "raised", level, value)]
        alarm.level = level
        alarm.value = value
        alarm.updated_s = time_s
        if level == LEVEL_OK:
            if alarm.acknowledged:
                del self.alarms[name]
                return [AlarmEvent(time_s, name, "cleared", level, value)]
            return [AlarmEvent(time_s, name, "returned", level, value)]
        if level > alarm.severity:
            alarm.severity = level
            alarm.acknowledged = False  # a worse alarm needs a new acknowledgement
        return [AlarmEvent(time_s, name, "updated", level, value)]

    def acknowledge(self, parameter: str, time_s: float, by: str | None = None) -> list[AlarmEvent]:
        """An operator has seen the alarm; it clears now if the parameter is back in limits."""
        alarm = self._get(parameter)
        alarm.acknowledged = True
        alarm.acknowledged_by = by
        events = [AlarmEvent(time_s, parameter, "acknowledged", alarm.level, alarm.value, by)]
        if alarm.in_limits:
            del self.alarms[parameter]
            events.append(AlarmEvent(time_s, parameter, "cleared", alarm.level, alarm.value, by))
        return events

    def adopt(self, stored: Iterable[Alarm]) -> None:
        """Take over what operators did elsewhere to the stored state of these same alarms
        (the console, ``zorka tm alarms``): acknowledgements and shelving of an alarm raised at
        the same time, and alarms cleared there once back in limits. Called before each batch,
        so that saving this server's state does not undo them."""
        by_name = {a.parameter: a for a in stored}
        for name, alarm in list(self.alarms.items()):
            other = by_name.get(name)
            if other is None:
                if alarm.in_limits:  # acknowledged and cleared elsewhere
                    del self.alarms[name]
                continue
            if other.raised_s != alarm.raised_s:
                continue  # another alarm of the same parameter
            if other.acknowledged and not alarm.acknowledged and other.severity >= alarm.severity:
                alarm.acknowledged = True
                alarm.acknowledged_by = other.acknowledged_by
            if other.shelved_until_s != alarm.shelved_until_s:
                alarm.shelved_until_s = other.shelved_until_s

    def shelve(
        self, parameter: str, time_s: float, duration_s: float, by: str | None = None
    ) -> AlarmEvent:
        """Hide an alarm for ``duration_s`` seconds (it keeps its state)."""
        alarm = self._get(parameter)
        alarm.shelved_until_s = time_s + duration_s
        return AlarmEvent(time_s, parameter, "shelved", alarm.level, alarm.value, by)

    def unshelve(self, parameter: str, time_s: float, by: str | None = None) -> AlarmEvent:
        """Show a shelved alarm again."""
        alarm = self._get(parameter)
        alarm.shelved_until_s = None
        return AlarmEvent(time_s, parameter, "unshelved", alarm.level, alarm.value, by)

    def active(self, now_s: float, *, include_shelved: bool = False) -> list[Alarm]:
        """The alarms to show at ``now_s``, worst first."""
        shown: Iterable[Alarm] = self.alarms.values()
        if not include_shelved:
            shown = [a for a in shown if not a.shelved(now_s)]
        return sorted(shown, key=lambda a: (-a.severity, a.raised_s, a.parameter))

    def _get(self, parameter: str) -> Alarm:
        try:
            return self.alarms[parameter]
        except KeyError:
            raise KeyError(f"no alarm on {parameter!r}") from None


def save_alarm_changes(archive: Archive, server: AlarmServer, events: Iterable[AlarmEvent]) -> None:
    """Record alarm changes and the alarms' new state in one transaction."""
    with archive.transaction():
        archive.add_alarm_events(events)
        archive.save_alarms(server.alarms.values())


def acknowledge_archived(
    archive: Archive, parameter: str, time_s: float, by: str | None = None
) -> list[AlarmEvent]:
    """Acknowledge an alarm as the archive holds it (KeyError when it holds none on
    ``parameter``); a running ingester adopts it (:meth:`AlarmServer.adopt`)."""
    server = AlarmServer({a.parameter: a for a in archive.load_alarms()})
    events = server.acknowledge(parameter, time_s, by=by)
    save_alarm_changes(archive, server, events)
    return events
