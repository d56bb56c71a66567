"""On-board time to UTC: a linear time-correlation model, and the time of each decoded packet.

A spacecraft stamps its telemetry with its own clock, a counter of seconds since it was last
reset (a CUC time code). The ground maps that count to UTC with a model fitted from
time-correlation measurements; zorka's is the simplest one in use, and it is explicit::

    utc = epoch + rate * obt_s

``epoch`` is the UTC instant at which the on-board counter read zero, ``rate`` the UTC seconds
that pass per on-board second (1 for a perfect clock; 1 + 1e-6 for one that runs 1 ppm slow).
A mission refits both whenever the clock drifts; the database (``onboard_time``) gives the
starting values. The inverse, :meth:`TimeCorrelation.obt_s`, gives the on-board time at which
a time-tagged command (PUS service 11) must run.

Packets whose container carries no on-board time, or whose time fields are invalid, take their
reception time instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from zorka.control.decoding import ContainerBatch
from zorka.control.mdb.model import MissionDatabase, OnboardTime
from zorka.time import parse_utc

__all__ = ["TimeCorrelation", "packet_times"]

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TimeCorrelation:
    """``utc = epoch + rate * obt_s``: the on-board clock's zero in UTC and its rate."""

    epoch: datetime
    rate: float = 1.0

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError(f"the clock rate must be positive, not {self.rate}")
        object.__setattr__(self, "epoch", parse_utc(self.epoch, field="epoch"))

    @classmethod
    def from_database(cls, mdb: MissionDatabase) -> TimeCorrelation | None:
        """The database's default correlation, or None when it defines no on-board time."""
        onboard = mdb.onboard_time
        return None if onboard is None else cls(onboard.epoch, onboard.rate)

    @property
    def epoch_unix_s(self) -> float:
        """The epoch in seconds since 1970 (UTC, leap seconds not counted, as Unix time)."""
        return (self.epoch - _UNIX_EPOCH).total_seconds()

    def unix_s(self, obt_s: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """UTC (Unix seconds) of on-board times in seconds."""
        return self.epoch_unix_s + self.rate * np.asarray(obt_s, dtype=np.float64)

    def utc(self, obt_s: float) -> datetime:
        """UTC of one on-board time."""
        return datetime.fromtimestamp(float(self.unix_s(obt_s)), UTC)

    def obt_s(self, utc: datetime | str) -> float:
        """The on-board time (seconds) that reads ``utc``: the model's inverse."""
        unix_s = (parse_utc(utc) - _UNIX_EPOCH).total_seconds()
        return (unix_s - self.epoch_unix_s) / self.rate


def packet_times(
    batch: ContainerBatch,
    received_unix_s: npt.NDArray[np.float64],
    onboard_time: OnboardTime | None,
    correlation: TimeCorrelation | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The UTC time (Unix seconds) of each packet of ``batch``, and which came from on-board time.

    ``received_unix_s`` holds the reception time of every packet of the decoded input (indexed by
    ``batch.index``). Where the batch's container carries the database's on-board time fields and
    they are valid, the correlated on-board time wins.
    """
    times = np.asarray(received_unix_s, dtype=np.float64)[batch.index].copy()
    from_obt = np.zeros(len(batch), bool)
    if onboard_time is None or correlation is None:
        return times, from_obt
    coarse = batch.parameters.get(onboard_time.coarse)
    if coarse is None:
        return times, from_obt
    obt = coarse.raw.astype(np.float64)
    from_obt = coarse.valid.copy()
    if onboard_time.fine is not None:
        fine = batch.parameters.get(onboard_time.fine)
        if fine is None:
            return times, np.zeros(len(batch), bool)
        obt = obt + fine.raw.astype(np.float64) * onboard_time.fine_resolution_s
        from_obt &= fine.valid
    times[from_obt] = correlation.unix_s(obt[from_obt])
    return times, from_obt
