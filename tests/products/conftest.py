"""Fixtures pointing at the real BKA products in the shared data folder (``../shared/data``)."""

from __future__ import annotations

from pathlib import Path

import pytest

# tests/products/conftest.py -> the repository root is two levels up; shared/ sits beside it.
SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def bka_dir() -> Path:
    """The shared BKA data folder."""
    path = SHARED_DATA / "bka"
    if not path.is_dir():
        pytest.fail(f"shared BKA data not found at {path}")
    return path


@pytest.fixture(scope="session")
def l1a_dir(bka_dir: Path) -> Path:
    """The real L1A multispectral bundle."""
    return bka_dir / "L1A" / "data" / "4077631-0220-MUL-mk1-1-1100761-150924T044238-ID"


@pytest.fixture(scope="session")
def l1c_pan_dir(bka_dir: Path) -> Path:
    """The real L1C panchromatic product of the same scene."""
    return bka_dir / "L1C" / "data" / "4077631-0220-PAN-C-1-1-1100761-150924T044238-ID"


@pytest.fixture(scope="session")
def delivery_zip(bka_dir: Path) -> Path:
    """The real zipped L1C delivery (Brazil, 2016)."""
    return (
        bka_dir
        / "L1C"
        / "data"
        / "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR"
        / "925_bka_1028560.zip"
    )


@pytest.fixture(scope="session")
def stac_schemas_dir() -> Path:
    """The offline copies of the STAC extension schemas."""
    return SHARED_DATA / "stac-schemas"
