"""The operations loop of ``zorka demo``: orders to products on the embedded mission."""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import shape
from typer.testing import CliRunner

import zorka.cli.commands  # noqa: F401  (registers the verbs on the app)
from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog
from zorka.cli.app import app
from zorka.tasking import OrderStatusCode, SQLiteOrderStore
from zorka.tasking.store import ORDERS_FILE


def test_demo_runs_the_loop_without_serving(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--loop", "--no-serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "orders delivered" in result.output
    assert "Passes" in result.output  # the passes table still comes first

    with SQLiteOrderStore(tmp_path / ORDERS_FILE) as store:
        orders = store.list(limit=1000)
    catalog = SQLiteCatalog(tmp_path / CATALOG_FILE)
    try:
        completed = [o for o in orders if o.status.code == OrderStatusCode.completed]
        assert completed, [(o.status.code, o.status.reason_text) for o in orders]
        for order in completed:
            (link,) = [link for link in order.status.links if link["rel"] == "item"]
            _, collection, _, item_id = str(link["href"]).strip("/").split("/")
            item = catalog.get(collection, item_id)
            assert item is not None, link
            footprint = shape(item["geometry"])
            ordered = shape(dict(order.geometry))
            point = ordered if ordered.geom_type == "Point" else ordered.centroid
            assert footprint.contains(point), (order.id, item_id)
            codes = [s.code for s in order.statuses]
            assert codes[-4:] == ["scheduled", "acquired", "processing", "completed"]
    finally:
        catalog.close()

    def figure(name: str) -> int:
        line = next(line for line in result.output.splitlines() if name in line)
        return int(line.replace("│", " ").split()[-1])

    received = figure("orders received")
    planned = figure("orders planned")
    acquired = figure("orders acquired")
    delivered = figure("orders delivered")
    assert len(orders) == received
    assert 1 <= delivered <= acquired <= planned <= received
    assert delivered == len(completed)
