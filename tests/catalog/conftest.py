"""The catalog tests' data: the real BKA products in ``../shared/data``."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def bka_path() -> Path:
    """The shared BKA data folder."""
    return SHARED_DATA / "bka"


@pytest.fixture(scope="session")
def stac_schemas_path() -> Path:
    """Offline copies of the STAC extension schemas."""
    return SHARED_DATA / "stac-schemas"
