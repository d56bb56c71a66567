"""The console in headless Chromium (Debian's, driven by Playwright): each view loads without a
console error, shows what the APIs hold, and leaves a screenshot in build/test-artifacts/console.

The server is the real one (uvicorn on a free port) over a copy of the loop's data directory,
with the fleet flying live behind it so that commands are verified and a fault raises an alarm.
Chromium comes from Debian (``apt-get install chromium``; ``.ci/run`` installs it): without it
these tests skip on a developer's machine and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from consolekit import ACCOUNTS, Console, make_console

from zorka.control.archive import ARCHIVE_FILENAME
from zorka.live import LiveOperations
from zorka.loop import PLAN_FILE
from zorka.mission import Mission
from zorka.planning.plan import Plan

CHROMIUM = os.environ.get("ZORKA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("ZORKA_ARTIFACTS", "build/test-artifacts")) / "console"
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

if not Path(CHROMIUM).exists():
    message = f"no Chromium at {CHROMIUM}: apt-get install chromium (or set ZORKA_CHROMIUM)"
    if os.environ.get("CI"):
        raise RuntimeError(message)  # CI installs it: a missing browser is a broken CI
    pytest.skip(message, allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Site:
    """A served console: its base URL, its console object and its live fleet."""

    def __init__(self, console: Console, live: LiveOperations, url: str) -> None:
        self.console = console
        self.live = live
        self.url = url


@pytest.fixture(scope="module")
def site(
    demo_folder: Path, mission: Mission, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser") / "demo"
    shutil.copytree(demo_folder, folder)
    plan = Plan.read(folder / PLAN_FILE)
    live = LiveOperations(mission, folder / ARCHIVE_FILENAME, start=plan.end, time_factor=4)
    console = make_console(folder, mission, live=live)
    live.publish = console.events.publish
    console.clock[0] = plan.end
    live.inject("stuck_wheel", after_s=4)
    live.start()
    port = _free_port()
    config = uvicorn.Config(
        console.app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield Site(console, live, f"http://127.0.0.1:{port}")
    console.events.close()
    server.should_exit = True
    thread.join(10)
    live.stop()
    for closer in console.closers:
        closer.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Watched:
    """A page whose console errors and uncaught exceptions are collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        return path


def _login(browser: Browser, site: Site, who: str) -> Watched:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watched = Watched(page)
    page.goto(f"{site.url}/console/")
    page.wait_for_selector("#login-form", state="visible")
    page.fill("#login-name", who)
    page.fill("#login-password", ACCOUNTS[who][1])
    page.click("#login-submit")
    page.wait_for_selector("#login-form", state="hidden")
    page.wait_for_function(
        "(who) => document.querySelector('#user')?.textContent.includes(who)", arg=who
    )
    return watched


def _view(watched: Watched, site: Site, name: str) -> Page:
    page = watched.page
    page.goto(f"{site.url}/console/#/{name}")
    page.wait_for_selector(f"#view-{name}[data-ready='1']", state="visible", timeout=30_000)
    return page


def _api(site: Site, who: str, path: str) -> Any:
    return site.console.client(who).get(path).json()


def test_a_wrong_password_is_refused_on_the_page(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site.url}/console/")
    page.fill("#login-name", "ops")
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    page.wait_for_function("() => document.querySelector('#login-error').textContent.length > 0")
    assert page.is_visible("#login-form")
    assert not errors
    page.close()


def test_map_view(browser: Browser, site: Site) -> None:
    watched = _login(browser, site, "ops")
    page = _view(watched, site, "map")
    page.wait_for_selector("#map .leaflet-map-pane path")
    # tracks, footprints, visibility circles, requests, strips, products: vector shapes; the
    # basemap's countries on a canvas below them
    assert page.locator("#map .leaflet-map-pane path").count() > 30
    page.wait_for_selector("#map .leaflet-map-pane canvas", state="attached")
    assert page.locator("#map .leaflet-marker-pane > *, #map .leaflet-tooltip-pane > *").count()
    layers = _api(site, "ops", "/console/api/map")["layers"]
    assert layers["products"]["features"]
    # the quick-looks of the catalogued products are drawn on the map
    page.wait_for_selector("#map img.leaflet-image-layer")
    images = page.locator("#map img.leaflet-image-layer")
    assert images.count() == len(layers["products"]["features"])
    watched.shot("map")
    assert not watched.errors, watched.errors
    page.close()


def test_timeline_view(browser: Browser, site: Site) -> None:
    watched = _login(browser, site, "vera")
    page = _view(watched, site, "timeline")
    data = _api(site, "vera", "/console/api/timeline")
    page.wait_for_selector("svg#gantt rect.bar")
    assert page.locator("svg#gantt rect.bar-pass").count() == len(data["passes"])
    for kind in ("acquisition", "downlink", "slew"):
        expected = sum(r["kind"] == kind for r in data["plan"])
        assert page.locator(f"svg#gantt rect.bar-{kind}").count() == expected, kind
    watched.shot("timeline")
    assert not watched.errors, watched.errors
    page.close()


def test_telemetry_view_plots_alarms_and_commands(browser: Browser, site: Site) -> None:
    watched = _login(browser, site, "ops")
    page = _view(watched, site, "telemetry")
    page.wait_for_selector("#param-list :text('BAT_VOLTAGE')")
    page.click("#param-list :text('BAT_VOLTAGE')")
    page.wait_for_selector("#plot canvas")
    # the stuck wheel's rate runs out of limits: its alarm reaches the table live
    page.wait_for_selector("#alarms .alarm-row", timeout=30_000)
    row = page.locator("#alarms .alarm-row").first
    parameter = _api(site, "ops", "/console/api/alarms")["alarms"][0]["parameter"]
    assert parameter in row.inner_text()
    row.locator("button.ack").click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alarms = _api(site, "ops", "/console/api/alarms")["alarms"]
        if all(a["acknowledged"] for a in alarms if a["parameter"] == parameter):
            break
        time.sleep(0.2)
    assert any(a["acknowledged_by"] == "ops" for a in alarms), alarms

    # a command from the form goes up, and its verification comes back into the history
    page.select_option("#command-form select[name='command']", "IMAGING_OFF")
    page.click("#command-send")
    page.wait_for_function(
        "() => /[0-9a-f]{12}/.test(document.querySelector('#command-result').textContent)"
    )
    page.wait_for_selector("#command-history :text('IMAGING_OFF')", timeout=20_000)
    history = _api(site, "ops", "/console/api/commands")["commands"]
    assert history[0]["command"] == "IMAGING_OFF" and history[0]["by"] == "console ops"
    watched.shot("telemetry")
    assert not watched.errors, watched.errors
    page.close()


def test_viewers_cannot_command_or_acknowledge(browser: Browser, site: Site) -> None:
    watched = _login(browser, site, "vera")
    page = _view(watched, site, "telemetry")
    assert page.locator("#command-send").is_disabled()
    acks = page.locator("#alarms button.ack")
    for i in range(acks.count()):
        assert not acks.nth(i).is_visible() or acks.nth(i).is_disabled()
    assert not watched.errors, watched.errors
    page.close()


def test_orders_view_and_catalog_search(browser: Browser, site: Site) -> None:
    watched = _login(browser, site, "ops")
    page = _view(watched, site, "orders")
    orders = _api(site, "ops", "/orders?limit=100")["features"]
    page.wait_for_selector("#orders-table tr.order-row")
    assert page.locator("#orders-table tr.order-row").count() == len(orders)
    completed = sum(o["properties"]["status"]["status_code"] == "completed" for o in orders)
    assert completed >= 1
    assert page.locator("#orders-table span.status-completed").count() == completed
    page.click("#catalog-form button[type='submit']")
    page.wait_for_selector("#catalog-results tr.item-row")
    assert page.locator("#catalog-results tr.item-row img").count() >= 1
    watched.shot("orders")
    assert not watched.errors, watched.errors
    page.close()


def test_a_customer_sees_only_its_orders(browser: Browser, site: Site) -> None:
    watched = _login(browser, site, "agro")
    page = _view(watched, site, "orders")
    page.wait_for_selector("#orders-table tr.order-row")
    mine = _api(site, "agro", "/orders?limit=100")["features"]
    assert page.locator("#orders-table tr.order-row").count() == len(mine)
    assert "partners" not in page.inner_text("#orders-table")
    assert not watched.errors, watched.errors
    page.close()


def test_a_customer_orders_from_the_console(browser: Browser, site: Site) -> None:
    # a viewer may look for opportunities but not order
    watched = _login(browser, site, "vera")
    page = _view(watched, site, "orders")
    submit = page.locator("#order-submit")
    assert not submit.is_visible() or submit.is_disabled()
    assert not watched.errors, watched.errors
    page.close()

    watched = _login(browser, site, "agro")
    page = _view(watched, site, "orders")
    page.wait_for_selector("#order-form", state="visible")
    page.wait_for_selector("#order-product option[value='pan']", state="attached")
    page.wait_for_selector("#order-param-max_off_nadir_deg", state="visible")
    # the window defaults to the ground segment's clock (the end of the demo plan), not the
    # browser's
    assert page.input_value("#order-start").startswith("2024-09-07T0")
    assert page.input_value("#order-end").startswith("2024-09-09T0")
    page.fill("#order-lon", "50.58")  # Manama, Bahrain
    page.fill("#order-lat", "26.22")
    page.click("#order-opportunities")
    page.wait_for_selector("#opportunities tr.opportunity-row", timeout=30_000)
    assert "Kanopus" in page.inner_text("#opportunities")
    page.click("#order-submit")
    page.wait_for_function(
        "() => document.querySelector('#order-result').textContent.includes('accepted')",
        timeout=30_000,
    )
    mine = [
        o
        for o in _api(site, "agro", "/orders?limit=200")["features"]
        if o["geometry"] == {"type": "Point", "coordinates": [50.58, 26.22]}
    ]
    assert len(mine) == 1, mine
    order = mine[0]
    assert order["properties"]["zorka:user"] == "agro"
    assert order["properties"]["status"]["status_code"] == "accepted"
    assert order["id"] in page.inner_text("#order-result")
    row = page.locator(f"#orders-table tr.order-row[data-id='{order['id']}']")
    row.wait_for()
    assert row.get_attribute("data-status") == "accepted"
    watched.shot("order-form")
    assert not watched.errors, watched.errors
    page.close()
