"""Fixtures pointing at the real CCSDS dumps in the shared folder (``../shared/data/ccsds``)."""

from __future__ import annotations

from pathlib import Path

import pytest

# tests/control/conftest.py -> the repository root is two levels up; shared/ sits beside it.
CCSDS_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ccsds"


@pytest.fixture(scope="session")
def dariol83() -> Path:
    """The dariol83/ccsds hex dumps (TM, AOS, TC, gaps)."""
    path = CCSDS_DATA / "dariol83"
    if not path.is_dir():
        pytest.fail(f"shared CCSDS data not found at {path}")
    return path


@pytest.fixture(scope="session")
def yamcs_packets() -> Path:
    """The Yamcs packet-viewer test packets (1,800 packets of APID 100)."""
    return CCSDS_DATA / "yamcs" / "packet-viewer" / "testdata.ccsds"
