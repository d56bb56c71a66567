"""The console's JSON routes: logins and roles, the map against Skyfield, the timeline against the
plan, telemetry against the archive, alarms and commands restricted to operators."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from pathlib import Path

import numpy as np
import pytest
from consolekit import ACCOUNTS, Console, make_console
from pyproj import Transformer
from skyfield.api import EarthSatellite, load, wgs84

from zorka.control.alarms import AlarmServer
from zorka.control.archive import ARCHIVE_FILENAME, SqliteArchive
from zorka.live import LiveOperations
from zorka.loop import DEMO_START, PLAN_FILE
from zorka.mission import Mission
from zorka.planning.plan import Plan
from zorka.server.console import resume_point
from zorka.server.events import EventBus, sse_stream
from zorka.time import parse_utc


def test_login_sets_a_session_that_the_apis_accept(console: Console) -> None:
    anonymous = console.client()
    assert anonymous.get("/console/api/me").status_code == 401
    assert anonymous.get("/orders").status_code == 401
    wrong = anonymous.post("/console/api/login", json={"name": "ops", "password": "nope-nope"})
    assert wrong.status_code == 401
    nobody = anonymous.post("/console/api/login", json={"name": "ghost", "password": "x" * 10})
    assert nobody.status_code == 401
    assert anonymous.post("/console/api/login", json={"name": "ops"}).status_code == 400

    ops = console.client("ops")
    cookie = ops.cookies.get("zorka_session")
    assert cookie and len(cookie) >= 40
    assert ops.get("/console/api/me").json() == {"name": "ops", "role": "operator"}
    # the same session works for the tasking API: an operator sees every order
    everyone = ops.get("/orders", params={"limit": 100}).json()["features"]
    assert {o["properties"]["zorka:user"] for o in everyone} >= {"agro", "partners"}
    assert ops.post("/console/api/logout").status_code == 204
    assert ops.get("/console/api/me").status_code == 401


def test_a_customer_sees_and_touches_only_its_own_orders(console: Console) -> None:
    agro = console.client("agro")
    mine = agro.get("/orders", params={"limit": 100}).json()["features"]
    assert mine and {o["properties"]["zorka:user"] for o in mine} == {"agro"}
    ops = console.client("ops")
    theirs = next(
        o for o in ops.get("/orders", params={"limit": 100}).json()["features"]
        if o["properties"]["zorka:user"] == "partners"
    )  # fmt: skip
    assert agro.get(f"/orders/{theirs['id']}").status_code == 403
    assert agro.post(f"/orders/{theirs['id']}/cancel").status_code == 403
    # the map shows a customer its own requests only
    layers = agro.get("/console/api/map").json()["layers"]
    assert {f["properties"]["customer"] for f in layers["requests"]["features"]} == {"agro"}
    overview = agro.get("/console/api/overview").json()
    assert overview["counts"]["orders"] == len(mine)


def test_overview_counts_what_the_loop_left(console: Console) -> None:
    data = console.client("vera").get("/console/api/overview").json()
    assert data["mission"] == "by"
    assert [s["name"] for s in data["satellites"]] == ["Kanopus-V 1"]
    assert {s["name"] for s in data["stations"]} == {"Minsk", "Logoisk"}
    counts = data["counts"]
    assert counts["orders"] == 29 and sum(counts["orders_by_status"].values()) == 29
    assert counts["items"] >= 1 and counts["telemetry_packets"] > 1000
    plan = Plan.read(console.folder / PLAN_FILE)
    assert data["window"] == {
        "start": plan.start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "end": plan.end.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }


def test_map_puts_the_satellite_where_skyfield_does(console: Console, mission: Mission) -> None:
    client = console.client("vera")
    ts = load.timescale()
    (sat,) = mission.fleet()[0]
    oracle = EarthSatellite.from_satrec(sat.satrec, ts)
    for iso in ("2024-09-05T00:00:00Z", "2024-09-05T11:40:15Z", "2024-09-06T07:13:00Z"):
        layers = client.get("/console/api/map", params={"time": iso}).json()["layers"]
        (point,) = layers["satellites"]["features"]
        lon, lat = point["geometry"]["coordinates"]
        t = parse_utc(iso)
        where = wgs84.geographic_position_of(oracle.at(ts.from_datetime(t)))
        assert lat == pytest.approx(where.latitude.degrees, abs=2e-3)
        assert lon == pytest.approx(where.longitude.degrees, abs=2e-3)
        assert point["properties"]["altitude_km"] == pytest.approx(where.elevation.km, abs=0.1)
        # the track passes through the satellite and is cut at the antimeridian
        (track,) = layers["tracks"]["features"]
        for line in track["geometry"]["coordinates"]:
            assert all(abs(b[0] - a[0]) < 180 for a, b in itertools.pairwise(line))
        kinds = {f["properties"]["kind"] for f in layers["footprints"]["features"]}
        assert kinds == {"field_of_regard", "swath"}


def test_visibility_circles_mark_the_stations_lowest_elevation(console: Console) -> None:
    """Put a satellite at the circle's altitude over a vertex of the circle: seen from the
    station (pyproj's WGS84, no zorka code), it stands at the station's minimum elevation."""
    layers = console.client("vera").get("/console/api/map").json()["layers"]
    stations = {f["properties"]["station"]: f for f in layers["stations"]["features"]}
    to_ecef = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    for circle in layers["visibility"]["features"]:
        station = stations[circle["properties"]["station"]]
        lon0, lat0 = station["geometry"]["coordinates"]
        h = circle["properties"]["altitude_km"] * 1000
        mins = station["properties"]["min_elevation_deg"]
        s = np.array(to_ecef.transform(lon0, lat0, 0.0))
        up = np.array([math.cos(math.radians(lat0)) * math.cos(math.radians(lon0)),
                       math.cos(math.radians(lat0)) * math.sin(math.radians(lon0)),
                       math.sin(math.radians(lat0))])  # fmt: skip
        for lon, lat in circle["geometry"]["coordinates"][0][::12]:
            p = np.array(to_ecef.transform(lon, lat, h))
            los = (p - s) / np.linalg.norm(p - s)
            elevation = math.degrees(math.asin(float(los @ up)))
            assert elevation == pytest.approx(mins, abs=0.4)  # a sphere drawn on the ellipsoid


def test_map_layers_show_the_plan_and_the_catalog(console: Console) -> None:
    layers = console.client("ops").get("/console/api/map").json()["layers"]
    plan = Plan.read(console.folder / PLAN_FILE)
    planned = layers["planned"]["features"]
    assert {f["properties"]["acquisition"] for f in planned} == {a.id for a in plan.acquisitions}
    requests = {f["properties"]["request"]: f for f in layers["requests"]["features"]}
    assert len(requests) == 29
    from shapely.geometry import shape

    for feature in planned:
        # a point request lies in (or within a swath of) the footprint planned for it
        target = shape(requests[feature["properties"]["request"]]["geometry"])
        assert shape(feature["geometry"]).distance(target) < 0.1, feature["properties"]
    products = layers["products"]["features"]
    assert products and all(f["properties"]["thumbnail"] for f in products)
    client = console.client("vera")
    thumb = client.get(products[0]["properties"]["thumbnail"])
    assert thumb.status_code == 200 and thumb.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_timeline_holds_the_passes_and_the_plan(console: Console) -> None:
    data = console.client("vera").get("/console/api/timeline").json()
    plan = Plan.read(console.folder / PLAN_FILE)
    assert data["passes"] and {p["station"] for p in data["passes"]} == {"Minsk", "Logoisk"}
    for p in data["passes"]:
        assert p["aos"] <= p["tca"] <= p["los"]
    kinds = [r["kind"] for r in data["plan"]]
    assert kinds.count("acquisition") == len(plan.acquisitions)
    assert kinds.count("downlink") == len(plan.downlinks)
    starts = {a.id: a.start for a in plan.acquisitions}
    for row in data["plan"]:
        if row["kind"] == "slew":  # each slew ends before the image it turns for
            acquisition = row["label"].split()[3].rstrip(":")  # "slew for acquisition a1: ..."
            assert parse_utc(row["end"]) <= starts[acquisition]
    # every downlink lies inside a pass over its station
    for row in (r for r in data["plan"] if r["kind"] == "downlink"):
        assert any(
            p["station"] == row["station"] and p["aos"] <= row["start"] and row["end"] <= p["los"]
            for p in data["passes"]
        ), row


def test_telemetry_samples_are_the_archives_thinned_keeping_extremes(console: Console) -> None:
    client = console.client("vera")
    names = [
        p["name"] for p in client.get("/console/api/telemetry/parameters").json()["parameters"]
    ]
    assert "BAT_VOLTAGE" in names or names
    name = "BAT_VOLTAGE" if "BAT_VOLTAGE" in names else names[0]
    with SqliteArchive(console.folder / ARCHIVE_FILENAME) as archive:
        series = archive.samples(name)
    data = client.get(
        "/console/api/telemetry/samples", params={"parameter": name, "max_points": 400}
    ).json()
    assert data["count"] == len(series) > 400
    assert len(data["times_s"]) <= 400 + 2
    assert data["times_s"] == sorted(data["times_s"])
    values = np.asarray(series.eng, dtype=float)
    assert min(data["values"]) == pytest.approx(values.min())
    assert max(data["values"]) == pytest.approx(values.max())
    unknown = client.get("/console/api/telemetry/samples", params={"parameter": "NO_SUCH"})
    assert unknown.status_code == 404


def _raise_alarm(folder: Path, parameter: str = "BAT_VOLTAGE") -> None:
    with SqliteArchive(folder / ARCHIVE_FILENAME) as archive:
        server = AlarmServer({a.parameter: a for a in archive.load_alarms()})
        events = server._update(parameter, 2, DEMO_START.timestamp(), 21.5)
        with archive.transaction():
            archive.add_alarm_events(events)
            archive.save_alarms(server.alarms.values())


def test_only_operators_acknowledge_alarms(console: Console) -> None:
    _raise_alarm(console.folder)
    (alarm,) = console.client("vera").get("/console/api/alarms").json()["alarms"]
    assert alarm["parameter"] == "BAT_VOLTAGE" and alarm["severity"] == "critical"
    for who in ("vera", "agro"):
        refused = console.client(who).post("/console/api/alarms/BAT_VOLTAGE/acknowledge")
        assert refused.status_code == 403, who
        assert "operator" in refused.json()["description"]
    done = console.client("ops").post("/console/api/alarms/BAT_VOLTAGE/acknowledge")
    assert done.status_code == 200
    assert [e["kind"] for e in done.json()["events"]] == ["acknowledged"]
    assert done.json()["events"][0]["by"] == "ops"
    (alarm,) = console.client("vera").get("/console/api/alarms").json()["alarms"]
    assert alarm["acknowledged"] and alarm["acknowledged_by"] == "ops"
    with SqliteArchive(console.folder / ARCHIVE_FILENAME) as archive:
        history = archive.alarm_history()
    assert any(e.kind == "acknowledged" and e.by == "ops" for e in history)
    missing = console.client("ops").post("/console/api/alarms/NOPE/acknowledge")
    assert missing.status_code == 404


def test_only_operators_command_and_only_with_an_uplink(console: Console) -> None:
    body = {"satellite": "Kanopus-V 1", "command": "IMAGING_OFF", "arguments": {}}
    for who in ("vera", "agro"):
        refused = console.client(who).post("/console/api/commands", json=body)
        assert refused.status_code == 403, who
    assert console.client("ops").post("/console/api/commands", json=body).status_code == 503
    definitions = console.client("vera").get("/console/api/commands/definitions").json()
    by_name = {c["name"]: c for c in definitions["commands"]}
    slew = {a["name"]: a for a in by_name["SLEW"]["arguments"]}
    assert slew["ROLL_DEG"]["min"] == -45 and slew["ROLL_DEG"]["max"] == 45
    assert by_name["IMAGING_ON"]["arguments"][1]["choices"] == ["LOW", "NORMAL", "HIGH"]


def test_an_operators_command_reaches_the_simulator_and_is_verified(
    folder: Path, mission: Mission
) -> None:
    live = LiveOperations(mission, folder / ARCHIVE_FILENAME, start=DEMO_START, time_factor=5)
    live.start()
    made = make_console(folder, mission, live=live)
    live.publish = made.events.publish
    try:
        ops = made.client("ops")
        bad = ops.post("/console/api/commands", json={
            "satellite": "Kanopus-V 1", "command": "SLEW",
            "arguments": {"ROLL_DEG": 90, "PITCH_DEG": 0, "DURATION_S": 30},
        })  # fmt: skip
        assert bad.status_code == 400 and "ROLL_DEG" in bad.json()["description"]
        sent = ops.post("/console/api/commands", json={
            "satellite": "Kanopus-V 1", "command": "SLEW",
            "arguments": {"ROLL_DEG": 10, "PITCH_DEG": 0, "DURATION_S": 10},
        })  # fmt: skip
        assert sent.status_code == 202, sent.text
        command_id = sent.json()["id"]
        deadline = time.monotonic() + 20
        found: dict[str, object] = {}
        while time.monotonic() < deadline:
            rows = ops.get("/console/api/commands").json()["commands"]
            found = next((r for r in rows if r["id"] == command_id), {})
            stages = {s["stage"]: s["status"] for s in found.get("stages", [])}  # type: ignore[attr-defined]
            if stages.get("completed") == "ok":
                break
            time.sleep(0.2)
        assert found["by"] == "console ops"
        assert found["command"] == "SLEW" and found["arguments"]["ROLL_DEG"] == 10  # type: ignore[index]
        assert {"accepted": "ok", "completed": "ok"}.items() <= stages.items(), found
        # live housekeeping goes into the archive and out as events
        assert any(e.kind == "telemetry" for e in made.events.since(0))
        assert any(e.kind == "command" for e in made.events.since(0))
    finally:
        live.stop()
        for closer in made.closers:
            closer.close()


def test_the_event_stream_resumes_after_the_last_event_seen() -> None:
    bus = EventBus()
    bus.publish("clock", {"time": "2024-09-05T00:00:00Z"})
    bus.publish("order", {"id": "o1", "status": "accepted"})

    async def read() -> str:
        chunks = []
        calls = 0

        async def disconnected() -> bool:
            nonlocal calls
            calls += 1
            return calls > 1

        async for chunk in sse_stream(bus, 1, disconnected, poll_s=0.01):
            chunks.append(chunk)
        return "".join(chunks)

    text = asyncio.run(read())
    assert "event: clock" not in text  # seen before
    assert 'id: 2\nevent: order\ndata: {"id": "o1", "status": "accepted"}' in text


def test_the_page_and_its_assets_are_served_without_the_internet(console: Console) -> None:
    client = console.client()
    page = client.get("/console/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    import re

    assets = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        if asset.startswith("data:"):
            continue
        answer = client.get(f"/console/{asset}")
        assert answer.status_code == 200, asset
    assert client.get("/console/static/../../server/users.py").status_code == 404
    assert ACCOUNTS  # the accounts the other tests log in with


def test_operators_write_to_the_catalog_and_the_others_may_not(console: Console) -> None:
    layers = console.client("vera").get("/console/api/map").json()["layers"]
    product = layers["products"]["features"][0]["properties"]
    path = f"/collections/{product['collection']}/items/{product['item']}"
    assert console.client().delete(path).status_code == 401
    for who in ("vera", "agro"):
        refused = console.client(who).delete(path)
        assert refused.status_code == 403, who
        assert "operator role" in refused.json()["description"]
    assert console.client("vera").get(path).status_code == 200
    assert console.client("ops").delete(path).status_code in (200, 204)
    assert console.client("vera").get(path).status_code == 404


def test_a_customer_sees_neither_the_others_plan_nor_the_control_room(console: Console) -> None:
    from zorka.server.users import UserStore

    users = UserStore(console.folder / "users.sqlite")
    users.add("newbie", "customer", password="newbie-password")
    users.close()
    client = console.client()
    assert (
        client.post(
            "/console/api/login", json={"name": "newbie", "password": "newbie-password"}
        ).status_code
        == 200
    )
    layers = client.get("/console/api/map").json()["layers"]
    assert layers["requests"]["features"] == [] and layers["planned"]["features"] == []
    assert client.get("/console/api/timeline").json()["plan"] == []
    for path in ("/console/api/telemetry/parameters", "/console/api/alarms",
                 "/console/api/commands", "/console/api/commands/definitions"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    agro = console.client("agro").get("/console/api/timeline").json()["plan"]
    mine = {o["id"] for o in console.client("agro").get("/orders?limit=100").json()["features"]}
    assert {r["kind"] for r in agro} <= {"acquisition"} and {r["request"] for r in agro} <= mine


def test_a_customers_event_stream_carries_only_its_own_orders() -> None:
    from zorka.server.console import _visible_to
    from zorka.server.users import Role, User

    bus = EventBus()
    bus.publish("order", {"id": "o1", "status": "accepted", "user": "agro"})
    bus.publish("order", {"id": "o2", "status": "accepted", "user": "partners"})
    bus.publish("alarm", {"parameter": "RATE_Y", "kind": "raised", "severity": "warning"})
    bus.publish("clock", {"time": "2024-09-07T00:00:00Z"})

    async def read(user: User) -> str:
        calls = 0

        async def disconnected() -> bool:
            nonlocal calls
            calls += 1
            return calls > 1

        chunks = [c async for c in sse_stream(
            bus, 0, disconnected, visible=_visible_to(user), poll_s=0.01
        )]  # fmt: skip
        return "".join(chunks)

    agro = asyncio.run(read(User("agro", Role.customer)))
    assert '"o1"' in agro and '"o2"' not in agro and "alarm" not in agro and "clock" in agro
    viewer = asyncio.run(read(User("vera", Role.viewer)))
    assert '"o2"' in viewer and "alarm" in viewer
    # a Last-Event-ID from before a restart (beyond this bus's last) starts from the beginning
    assert resume_point("500", bus) == 0
    assert resume_point("2", bus) == 2
    assert resume_point(None, bus) == bus.last == 4


def test_sessions_end_with_their_user_and_cross_origin_posts_are_refused(
    console: Console,
) -> None:
    from zorka.server.users import UserStore

    _raise_alarm(console.folder)
    ops = console.client("ops")
    assert ops.get("/console/api/me").status_code == 200
    other = ops.post(
        "/console/api/alarms/BAT_VOLTAGE/acknowledge",
        headers={"Origin": "http://127.0.0.1:9999"},
    )
    assert other.status_code == 403 and "another origin" in other.json()["description"]
    same = ops.post(
        "/console/api/alarms/BAT_VOLTAGE/acknowledge", headers={"Origin": "http://testserver"}
    )
    assert same.status_code == 200
    agro = console.client("agro")
    users = UserStore(console.folder / "users.sqlite")
    users.set_password("ops", "a-new-password")
    users.remove("agro")
    users.close()
    assert ops.get("/console/api/me").status_code == 401
    assert agro.get("/orders").status_code == 401


def test_the_console_keeps_to_the_read_limits(folder: Path, mission: Mission) -> None:
    from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog
    from zorka.server import ReadAccess, create_app
    from zorka.server.users import UserStore
    from zorka.tasking import SQLiteOrderStore, TaskingService
    from zorka.tasking.store import ORDERS_FILE

    catalog = SQLiteCatalog(folder / CATALOG_FILE)
    collections = sorted({c["id"] for c in catalog.collections()})
    users = UserStore(folder / "users.sqlite")
    users.add("vera", "viewer", password="vera-password")
    users.add("ops", "operator", password="ops-password")
    tasking = TaskingService(mission, SQLiteOrderStore(folder / ORDERS_FILE))
    access = ReadAccess({c: ["partner-key"] for c in collections})
    app = create_app(catalog, tasking=tasking, users=users, data_dir=folder, read_access=access)
    try:
        from consolekit import TestClient

        for who, expected in (("vera", 0), ("ops", None)):
            client = TestClient(app)
            client.post("/console/api/login", json={"name": who, "password": f"{who}-password"})
            products = client.get("/console/api/map").json()["layers"]["products"]["features"]
            items = client.get("/console/api/overview").json()["counts"]["items"]
            if expected == 0:
                assert products == [] and items == 0
            else:
                assert products and items >= len(products)
    finally:
        tasking.close()
        users.close()
        catalog.close()


def test_a_broken_plan_file_is_named(console: Console, mission: Mission) -> None:
    client = console.client("vera")
    assert client.get("/console/api/timeline").status_code == 200
    # a half-written file after a good one: the last good plan stands
    (console.folder / PLAN_FILE).write_text('{"mission": "by", "acq', encoding="utf-8")
    assert client.get("/console/api/timeline").status_code == 200
    fresh = make_console(console.folder, mission, fresh_users=False)
    answer = fresh.client("vera").get("/console/api/timeline")
    assert answer.status_code == 500 and "plan.json" in answer.json()["description"]
    for closer in fresh.closers:
        closer.close()
