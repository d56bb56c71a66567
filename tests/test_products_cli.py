"""``zorka products ingest|search`` on the real BKA products, through Typer's test runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import zorka.cli.products  # noqa: F401  (registers the commands on the app)
from zorka.catalog import SearchQuery, SQLiteCatalog
from zorka.cli.app import app
from zorka.datadir import set_data_dir_override

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
BKA = SHARED_DATA / "bka"
SCHEMAS = SHARED_DATA / "stac-schemas"
BR_PAN = "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR"
L1C_PAN = "4077631-0220-PAN-C-1-1-1100761-150924T044238-ID"

runner = CliRunner()


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "catalog.sqlite"
    args = ["products", "ingest", "--catalog", str(path), "--schemas", str(SCHEMAS), str(BKA)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return path


def test_ingest_prints_items_and_problems(catalog_file: Path) -> None:
    # Re-ingesting replaces: still 7 items.
    result = runner.invoke(app, ["products", "ingest", "--catalog", str(catalog_file), str(BKA)])
    assert result.exit_code == 0, result.output
    assert BR_PAN in result.output and "bka-l1c" in result.output
    assert "7 ingested, 0 refused" in result.output
    # Problems name the file and what is wrong with it.
    assert "4077631-0220-PAN-C-1-1-1100761-150924T044238-ID.tfw: northing" in result.output
    store = SQLiteCatalog(catalog_file)
    assert store.search(SearchQuery()).matched == 7
    store.close()


def test_ingest_goes_to_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    product = BKA / "L1C" / "data" / L1C_PAN
    try:
        result = runner.invoke(app, ["--data-dir", str(data), "products", "ingest", str(product)])
    finally:
        set_data_dir_override(None)  # --data-dir holds for the process; not for other tests
    assert result.exit_code == 0, result.output
    assert "1 ingested" in result.output
    store = SQLiteCatalog(data / "catalog.sqlite")
    [item] = store.search(SearchQuery()).items
    store.close()
    assert item["id"] == L1C_PAN
    # Its thumbnail, made from the delivered preview, beside the catalog.
    thumbnail = data / "quicklooks" / "bka-l1c" / L1C_PAN / "thumbnail.png"
    assert item["assets"]["thumbnail"]["href"] == str(thumbnail.resolve())
    assert thumbnail.is_file()
    # Or where --quicklooks says.
    elsewhere = tmp_path / "looks"
    args = ["products", "ingest", "--catalog", str(tmp_path / "c.sqlite")]
    result = runner.invoke(app, [*args, "--quicklooks", str(elsewhere), str(product)])
    assert result.exit_code == 0, result.output
    assert (elsewhere / "bka-l1c" / L1C_PAN / "thumbnail.png").is_file()


def test_ingest_reports_a_bad_passport_and_keeps_the_rest(tmp_path: Path) -> None:
    good = BKA / "L1C" / "data" / L1C_PAN
    bad = tmp_path / "bad"
    shutil.copytree(good, bad / L1C_PAN.replace("PAN", "MUL"))
    passport = bad / L1C_PAN.replace("PAN", "MUL") / f"{L1C_PAN}_pasp-en.xml"
    passport.rename(passport.with_name(passport.name.replace("PAN", "MUL")))
    passport = passport.with_name(passport.name.replace("PAN", "MUL"))
    passport.write_text(passport.read_text(encoding="utf-8")[:500], encoding="utf-8")
    catalog = tmp_path / "c.sqlite"
    result = runner.invoke(
        app, ["products", "ingest", "--catalog", str(catalog), str(good), str(bad)]
    )
    assert result.exit_code == 0, result.output
    assert "1 ingested, 1 refused" in result.output
    assert "error" in result.output and passport.name in result.output
    # Nothing at all to ingest: a non-zero exit.
    result = runner.invoke(app, ["products", "ingest", "--catalog", str(catalog), str(bad)])
    assert result.exit_code == 1
    assert "0 ingested, 1 refused" in result.output
    result = runner.invoke(app, ["products", "ingest", "--catalog", str(catalog), "/no/such/dir"])
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_search_table_and_json(catalog_file: Path) -> None:
    base = ["products", "search", "--catalog", str(catalog_file)]
    result = runner.invoke(app, [*base, "--bbox", "-46,-24,-45.8,-23.6"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 matching items" in result.output and BR_PAN in result.output
    query = ["--filter", "gsd < 5", "--collection", "bka-l1c", "--sortby", "-datetime"]
    result = runner.invoke(app, [*base, *query, "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["numberMatched"] == 2
    assert [f["id"] for f in found["features"]] == [BR_PAN, L1C_PAN]
    cql_json = json.dumps({"op": "=", "args": [{"property": "id"}, BR_PAN]})
    result = runner.invoke(app, [*base, "--filter", cql_json, "--format", "json"])
    assert [f["id"] for f in json.loads(result.output)["features"]] == [BR_PAN]
    result = runner.invoke(
        app, [*base, "--datetime", "2016-01-01T00:00:00Z/..", "--limit", "1", "--format", "json"]
    )
    assert json.loads(result.output)["numberReturned"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bbox", "1,2"], "bbox"),
        (["--filter", "gsd <"], "1:6"),
        (["--datetime", "yesterday"], "invalid datetime"),
        (["--filter", "{nope"], "JSON"),
    ],
)
def test_search_bad_input_names_the_parameter(
    catalog_file: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["products", "search", "--catalog", str(catalog_file), *args])
    assert result.exit_code == 2
    assert message in result.output
