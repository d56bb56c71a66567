"""Live operations: the fleet's simulators running in (scaled) real time behind the console.

:class:`LiveOperations` is what a control room has between passes: for each satellite of the
mission that names a mission database, a :class:`~zorka.simulator.simulator.SatelliteSimulator`
on loopback (real CLTUs up, real CADUs down), a receiving chain (frames -> packets -> samples,
limits and alarms into the archive) and a :class:`~zorka.control.commanding.Commander` whose
stages go to the archive's command history. The console sends operators' commands through
:meth:`send`, acknowledges alarms through :meth:`acknowledge`, and follows what comes down
through the events this class publishes (``telemetry``, ``alarm``, ``command``, ``clock``).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zorka.mission import Mission

if TYPE_CHECKING:
    from zorka.control.alarms import AlarmEvent
    from zorka.control.archive import SqliteArchive
    from zorka.control.commanding import Commander, IssuedCommand
    from zorka.control.downlink import DownlinkDecoder
    from zorka.control.ingest import TelemetryIngester
    from zorka.control.links import UdpTcLink, UdpTmLink
    from zorka.control.mdb.model import MissionDatabase
    from zorka.simulator.simulator import SatelliteSimulator

__all__ = ["LiveOperations", "LiveSatellite", "Publish"]

log = logging.getLogger(__name__)

#: ``publish(kind, data)``: where the live events go (the console's event bus).
Publish = Callable[[str, dict[str, Any]], object]


@dataclass
class LiveSatellite:
    """One simulated satellite and the ground chain that talks to it."""

    name: str
    mdb: MissionDatabase
    simulator: SatelliteSimulator
    downlink: UdpTmLink
    uplink: UdpTcLink
    decoder: DownlinkDecoder
    ingester: TelemetryIngester
    commander: Commander
    units: queue.Queue[bytes]


class LiveOperations:
    """Simulators and ground chains for a mission's fleet, from ``start`` at ``time_factor``."""

    def __init__(
        self,
        mission: Mission,
        archive_path: str | Path,
        *,
        start: datetime,
        time_factor: float = 1.0,
        publish: Publish | None = None,
        hk_period_s: float = 1.0,
    ) -> None:
        from zorka.control.archive import SqliteArchive
        from zorka.control.commanding import Commander, UplinkConfig
        from zorka.control.downlink import DownlinkDecoder
        from zorka.control.ingest import TelemetryIngester
        from zorka.control.links import UdpTcLink, UdpTmLink
        from zorka.mission.database import satellite_database
        from zorka.simulator.fleet import spacecraft_model
        from zorka.simulator.simulator import DEFAULT_DOWNLINK, SatelliteSimulator

        self.mission = mission
        self.publish: Publish = publish or (lambda kind, data: None)
        self.archive: SqliteArchive = SqliteArchive(archive_path)
        self.lock = threading.RLock()  # the ingesters' alarm state and the commanders
        self.satellites: dict[str, LiveSatellite] = {}
        self.problems: list[str] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._published: dict[str, str] = {}  # command id -> the status last published
        fleet, problems = mission.fleet()
        self.problems += [str(p) for p in problems]
        for satellite in fleet:
            spec = next(s for s in mission.satellites if s.name == satellite.name)
            if spec.database is None:
                self.problems.append(f"{satellite.name}: no mission database, not simulated")
                continue
            mdb = satellite_database(mission, satellite.name)
            units: queue.Queue[bytes] = queue.Queue()
            downlink = UdpTmLink(f"{satellite.name} downlink", "127.0.0.1", 0, units.put)
            downlink.start()
            simulator = SatelliteSimulator(
                satellite, mdb, tm_port=downlink.address[1], tc_port=0,
                model=spacecraft_model(mission, satellite.name), time_factor=time_factor,
                start=start, hk_period_s=hk_period_s,
            )  # fmt: skip
            uplink = UdpTcLink(f"{satellite.name} uplink", "127.0.0.1", simulator.tc_port)
            commander = Commander(
                mdb, uplink, UplinkConfig(simulator.spacecraft_id), archive=self.archive,
                clock=simulator.clock.now_unix_s, auto_release=True, origin="console",
            )  # fmt: skip
            ingester = TelemetryIngester(
                mdb, self.archive, source=f"live {satellite.name}",
                clock=simulator.clock.now_unix_s,
            )  # fmt: skip
            self.satellites[satellite.name] = LiveSatellite(
                satellite.name, mdb, simulator, downlink, uplink,
                DownlinkDecoder(DEFAULT_DOWNLINK), ingester, commander, units,
            )  # fmt: skip

    # -- running ---------------------------------------------------------------------------

    def start(self) -> LiveOperations:
        """Start every simulator and its receiving thread."""
        for live in self.satellites.values():
            live.simulator.start()
            thread = threading.Thread(
                target=self._receive, args=(live,), name=f"ground {live.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop the simulators and the ground chains; close the archive."""
        self._stop.set()
        for live in self.satellites.values():
            live.simulator.stop()
        for thread in self._threads:
            thread.join(5)
        for live in self.satellites.values():
            live.downlink.close()
            live.uplink.close()
        with self.lock:
            self.archive.close()

    def now(self) -> datetime | None:
        """The simulated UTC now (None with no satellite simulated)."""
        for live in self.satellites.values():
            return datetime.fromtimestamp(live.simulator.now_unix_s, UTC)
        return None

    def _receive(self, live: LiveSatellite) -> None:
        from zorka.control.alarms import severity_name

        while not self._stop.is_set():
            units = []
            try:
                units.append(live.units.get(timeout=0.2))
                while True:
                    units.append(live.units.get_nowait())
            except queue.Empty:
                pass
            if not units:
                continue
            try:
                packets = [p.data for p in live.decoder.feed_units(units)]
                if not packets:
                    continue
                with self.lock:
                    events = live.ingester.ingest_packets(packets)
                    live.commander.process_packets(packets)
                    live.commander.check_timeouts()
            except Exception:  # one bad batch must not stop the ground chain
                log.exception("ground chain of %s", live.name)
                continue
            now = live.simulator.now_unix_s
            self.publish("telemetry", {"satellite": live.name, "packets": len(packets),
                                       "time_s": now})  # fmt: skip
            for event in events:
                self.publish("alarm", {
                    "parameter": event.parameter, "kind": event.kind,
                    "severity": severity_name(event.level), "satellite": live.name,
                })  # fmt: skip
            for command in list(live.commander.commands.values()):
                if self._published.get(command.command_id) != command.status:
                    self._published[command.command_id] = command.status
                    self.publish("command", {"id": command.command_id, "status": command.status})

    def inject(self, fault: str, after_s: float = 0.0, satellite: str | None = None) -> None:
        """Inject a simulator fault (operator training) ``after_s`` simulated seconds from now
        on ``satellite`` (default: the first one simulated)."""
        name = satellite or next(iter(self.satellites), None)
        if name is None or name not in self.satellites:
            raise KeyError(f"satellite {satellite!r} is not simulated here")
        self.satellites[name].simulator.inject(fault, after_s=after_s)

    # -- the operator's acts -----------------------------------------------------------------

    def send(
        self, satellite: str, command: str, arguments: Mapping[str, Any], by: str
    ) -> IssuedCommand:
        """Validate, encode and uplink ``command`` now; ``by`` is recorded as its origin.

        Raises KeyError for an unknown satellite and
        :class:`~zorka.control.commanding.CommandError` for a command that does not validate.
        """
        live = self.satellites.get(satellite)
        if live is None:
            known = ", ".join(self.satellites) or "none"
            raise KeyError(f"satellite {satellite!r} is not simulated here (simulated: {known})")
        with self.lock:
            issued = live.commander.issue(command, dict(arguments), origin=f"console {by}")
        self.publish("command", {"id": issued.command_id, "status": issued.status})
        return issued

    def acknowledge(self, parameter: str, by: str) -> list[AlarmEvent]:
        """Acknowledge the alarm of ``parameter`` on whichever satellite holds it (KeyError if
        none does)."""
        from zorka.control.alarms import save_alarm_changes

        with self.lock:
            for live in self.satellites.values():
                alarms = live.ingester.alarms
                if parameter in alarms.alarms:
                    now = live.simulator.now_unix_s
                    events = alarms.acknowledge(parameter, now, by=by)
                    save_alarm_changes(self.archive, alarms, events)
                    return events
        raise KeyError(f"no alarm on {parameter!r}")
