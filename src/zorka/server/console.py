"""The web console: the page at ``/console/`` and the JSON it reads (``docs/console-api.md``).

Operators, customers and viewers log in with a name and password (``zorka users add NAME --role
ROLE --password``); API keys work too. The console shows the map (satellites, tracks, footprints,
stations, requests, planned strips, catalogued products with quick-looks), the timeline (passes
per station, the plan per satellite), telemetry (archived and live parameter plots, alarms) and
commanding, and the orders with the catalog. ``/console/api/events`` streams what changes as
server-sent events. Operators alone command and acknowledge alarms (403 for the others).
"""

# No ``from __future__ import annotations``: FastAPI must see the routes' annotations as objects.
import itertools
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import (
    FileResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from zorka.catalog.sqlite import SearchQuery
from zorka.control.archive import plain_value
from zorka.mission import Mission
from zorka.server.access import request_key
from zorka.server.auth import COOKIE, Authenticator
from zorka.server.errors import ApiError
from zorka.server.events import Event, EventBus, sse_stream
from zorka.server.users import User
from zorka.time import format_utc, parse_utc

__all__ = ["ConsoleContext", "console_router", "resume_point"]


@dataclass
class ConsoleContext:
    """What the console's routes read: the mission, the data directory, who is who, the bus.

    ``clock`` is the ground segment's now (the demo's simulated clock, or the wall clock);
    ``live`` (a :class:`~zorka.live.LiveOperations`) carries commands to the spacecraft and
    alarms from it when the fleet is simulated.
    """

    mission: Mission
    data_dir: Path | None
    auth: Authenticator
    events: EventBus = field(default_factory=EventBus)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    live: Any = None
    catalog_call: Callable[[Callable[[Any], Any]], Any] | None = None
    tasking: Any = None
    #: the collections a request may not read (the server's ``--access`` limits)
    hidden: Callable[[Request], list[str]] = field(default=lambda request: [])
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fleet(self) -> tuple[list[Any], list[Any]]:
        """The satellites (built once) and the stations."""
        with self._lock:
            if "fleet" not in self._cache:
                satellites, _ = self.mission.fleet()
                self._cache["fleet"] = (satellites, self.mission.ground_stations())
            fleet: tuple[list[Any], list[Any]] = self._cache["fleet"]
            return fleet

    def plan(self) -> Any:
        """The plan in the data directory (``plan.json``), re-read when the file changes."""
        from zorka.loop import PLAN_FILE
        from zorka.planning.plan import Plan

        if self.data_dir is None:
            return None
        path = self.data_dir / PLAN_FILE
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return None
        with self._lock:
            cached = self._cache.get("plan")
            if cached is not None and cached[0] == stamp:
                return cached[1]
        try:
            plan = Plan.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # ValidationError is a ValueError
            if cached is not None:
                return cached[1]  # being rewritten: the last good plan stands
            raise ApiError(500, f"{path}: not a readable plan: {exc}") from None
        with self._lock:
            self._cache["plan"] = (stamp, plan)
        return plan

    def memo(self, name: str, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``name`` while ``key`` stays the same (``is`` or ``==``)."""
        with self._lock:
            found = self._cache.get(name)
        if found is not None and (found[0] is key or found[0] == key):
            return found[1]
        value = compute()
        with self._lock:
            self._cache[name] = (key, value)
        return value

    def window(self) -> tuple[datetime, datetime]:
        """The span the timeline shows: the plan's, else a day from the clock."""
        plan = self.plan()
        if plan is not None:
            return plan.start, plan.end
        now = self.clock()
        return now - timedelta(hours=2), now + timedelta(hours=22)

    def archive(self) -> Any:
        """The telemetry archive (a new connection; the caller closes it), or None."""
        from zorka.control.archive import ARCHIVE_FILENAME, SqliteArchive

        if self.data_dir is None:
            return None
        path = self.data_dir / ARCHIVE_FILENAME
        return SqliteArchive(path) if path.exists() else None


def _iso(unix_s: float | None) -> str | None:
    if unix_s is None:
        return None
    return format_utc(datetime.fromtimestamp(unix_s, UTC))


def _thin(times: np.ndarray, values: np.ndarray, levels: np.ndarray, n: int) -> list[int]:
    """Indices keeping each bucket's first, minimum, maximum and last sample (at most ~4n)."""
    size = times.size
    if size <= n or n <= 0:
        return list(range(size))
    edges = np.linspace(0, size, n + 1).astype(int)
    keep: set[int] = set()
    numeric = np.issubdtype(values.dtype, np.number)
    for a, b in itertools.pairwise(edges):
        if b <= a:
            continue
        keep.update((a, b - 1))
        if numeric:
            chunk = values[a:b]
            keep.update((a + int(np.nanargmin(chunk)), a + int(np.nanargmax(chunk))))
        bad = np.flatnonzero(levels[a:b])
        if bad.size:
            keep.add(a + int(bad[0]))
    return sorted(keep)


def console_router(context: ConsoleContext) -> APIRouter:
    """The console's page, static files and JSON routes over ``context``."""
    from zorka.console import STATIC_DIR

    router = APIRouter(tags=["Console"])
    auth = context.auth

    def current_user(request: Request) -> User:
        return auth.require(request, "the console")

    Authenticated = Annotated[User, Depends(current_user)]

    @router.get("/console", include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse("console/")

    @router.get("/console/", include_in_schema=False)
    def console_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @router.get("/console/static/{path:path}", include_in_schema=False)
    def static(path: str) -> FileResponse:
        target = (STATIC_DIR / path).resolve()
        if not target.is_relative_to(STATIC_DIR.resolve()) or not target.is_file():
            raise ApiError(404, f"no console file {path!r}")
        return FileResponse(target)

    # -- session -----------------------------------------------------------------------------

    @router.post("/console/api/login", summary="Log in to the console")
    def login(request: Request, body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        name, password = body.get("name"), body.get("password")
        if not isinstance(name, str) or not isinstance(password, str):
            raise ApiError(400, 'send {"name": ..., "password": ...}')
        user = auth.users.login(name, password) if auth.users is not None else None
        if user is None:
            raise ApiError(401, "unknown user or wrong password")
        found = auth.users.get(user.name) if auth.users is not None else None
        token = auth.sessions.open(user, found[1] if found is not None else None)
        response = JSONResponse({"name": user.name, "role": user.role.value})
        scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", max_age=int(auth.sessions.ttl_s),
            path="/", secure=scheme.split(",")[0].strip() == "https",
        )  # fmt: skip
        return response

    @router.post("/console/api/logout", summary="Log out", status_code=204)
    def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            auth.sessions.close(token)
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.get("/console/api/me", summary="Who is logged in")
    def me(user: Authenticated) -> dict[str, Any]:
        return {"name": user.name, "role": user.role.value}

    # -- overview, map, timeline -------------------------------------------------------------

    def hidden_for(request: Request, user: User) -> list[str]:
        return [] if user.is_operator else context.hidden(request)

    @router.get("/console/api/overview", summary="The mission at a glance")
    def overview(request: Request, user: Authenticated) -> dict[str, Any]:
        satellites, stations = context.fleet()
        start, end = context.window()
        counts: dict[str, Any] = {}
        if context.tasking is not None:
            owner = user.name if user.role.value == "customer" else None
            orders = context.tasking.orders(user=owner, limit=100_000)
            counts["orders"] = len(orders)
            counts["orders_by_status"] = dict(Counter(o.status.code.value for o in orders))
        if context.catalog_call is not None:
            query = SearchQuery(limit=1, exclude_collections=hidden_for(request, user))
            counts["items"] = context.catalog_call(lambda c: c.search(query).matched)
        archive = context.archive() if user.role.value != "customer" else None
        if archive is not None:
            try:
                counts["alarms"] = len(archive.load_alarms())
                counts["commands"] = len(archive.commands())
                counts["telemetry_packets"] = archive.count_packets()
            finally:
                archive.close()
        specs = {s.name: s for s in context.mission.satellites}
        return {
            "mission": context.mission.name,
            "description": (context.mission.description or "").strip(),
            "clock": format_utc(context.clock()),
            "window": {"start": format_utc(start), "end": format_utc(end)},
            "satellites": [
                {
                    "name": s.name,
                    "norad_id": s.norad_id,
                    "epoch": format_utc(s.epoch),
                    "database": specs[s.name].database if s.name in specs else None,
                }
                for s in satellites
            ],
            "stations": [
                {
                    "name": st.name,
                    "lat": st.latitude_deg,
                    "lon": st.longitude_deg,
                    "alt_m": st.altitude_m,
                    "min_elevation_deg": st.min_elevation_deg,
                }
                for st in stations
            ],
            "counts": counts,
            "live": context.live is not None,
        }

    @router.get("/console/api/map", summary="The map's layers as GeoJSON")
    def map_view(
        request: Request,
        user: Authenticated,
        time: Annotated[str | None, Query(description="ISO-8601 UTC; default: the clock")] = None,
    ) -> dict[str, Any]:
        from zorka.server.console_layers import collection, map_layers, plan_layers

        at = parse_utc(time, field="time") if time else context.clock()
        satellites, stations = context.fleet()
        layers = map_layers(context.mission, satellites, stations, at)
        plan = context.plan()
        requests: list[dict[str, Any]] = []
        if context.tasking is not None:
            owner = user.name if user.role.value == "customer" else None
            for order in context.tasking.orders(user=owner, limit=100_000):
                requests.append({"type": "Feature", "geometry": dict(order.geometry),
                                 "properties": {"request": order.id, "customer": order.user,
                                                "product": order.product_id,
                                                "status": order.status.code.value}})  # fmt: skip
        if plan is not None and not requests and user.role.value != "customer":
            for r in plan.requests.requests:
                requests.append({"type": "Feature",
                                 "geometry": r.geometry.model_dump(mode="json"),
                                 "properties": {"request": r.id, "customer": r.customer,
                                                "product": r.product, "status": None}})  # fmt: skip
        visible = {f["properties"]["request"] for f in requests}
        # footprints are propagated once per plan
        footprints = context.memo(
            "plan_layers", plan, lambda: plan_layers(plan, context.mission, satellites)
        )
        planned = [f for f in footprints if f["properties"]["request"] in visible]
        layers["requests"] = collection(requests)
        layers["planned"] = collection(planned)
        layers["products"] = collection(_product_features(context, hidden_for(request, user)))
        return {"time": format_utc(at), "layers": layers}

    @router.get("/console/api/timeline", summary="Passes per station and the plan per satellite")
    def timeline(user: Authenticated) -> dict[str, Any]:
        from zorka.geometry.passes import find_passes
        from zorka.server.console_layers import timeline_rows

        start, end = context.window()
        satellites, stations = context.fleet()

        def passes() -> list[dict[str, Any]]:
            report = find_passes(satellites, stations, start, end)
            return [
                {"satellite": p.satellite, "station": p.station, "aos": format_utc(p.aos),
                 "tca": format_utc(p.tca), "los": format_utc(p.los),
                 "max_elevation_deg": round(p.max_elevation_deg, 2)}
                for p in report.passes
            ]  # fmt: skip

        found = context.memo("passes", (start, end), passes)
        plan = context.plan()
        rows = context.memo("plan_rows", plan, lambda: timeline_rows(plan, context.mission))
        if user.role.value == "customer":
            # a customer sees when its own images are taken, not the rest of the plan
            mine = {o.id for o in context.tasking.orders(user=user.name, limit=100_000)}
            rows = [r for r in rows if r["kind"] == "acquisition" and r["request"] in mine]
        return {
            "start": format_utc(start), "end": format_utc(end),
            "clock": format_utc(context.clock()), "passes": found, "plan": rows,
        }  # fmt: skip

    # -- telemetry and alarms ----------------------------------------------------------------

    def databases() -> list[Any]:
        from zorka.mission.database import satellite_database

        def load() -> list[Any]:
            found = []
            for spec in context.mission.satellites:
                if spec.database is not None:
                    try:
                        found.append((spec.name, satellite_database(context.mission, spec.name)))
                    except Exception:  # a database that does not load shows no parameters
                        continue
            return found

        return list(context.memo("mdbs", None, load))

    def parameter_info(name: str) -> tuple[str | None, str | None]:
        for _, mdb in databases():
            try:
                parameter = mdb.parameter(name)
                ptype = mdb.parameter_type(name)
            except (KeyError, ValueError):
                continue
            return ptype.unit, parameter.description or ptype.description
        return None, None

    @router.get("/console/api/telemetry/parameters", summary="The archived parameters")
    def parameters(user: Authenticated) -> dict[str, Any]:
        auth.require_control(user, "telemetry")
        archive = context.archive()
        names = []
        if archive is not None:
            try:
                names = archive.parameter_names()
            finally:
                archive.close()
        out = []
        for name in sorted(names):
            units, description = parameter_info(name)
            out.append({"name": name, "units": units, "description": description})
        return {"parameters": out}

    @router.get("/console/api/telemetry/samples", summary="One parameter's samples")
    def samples(
        user: Authenticated,
        parameter: Annotated[str, Query(min_length=1)],
        start: Annotated[str | None, Query()] = None,
        end: Annotated[str | None, Query()] = None,
        max_points: Annotated[int, Query(ge=10, le=100_000)] = 2000,
    ) -> dict[str, Any]:
        auth.require_control(user, "telemetry")
        archive = context.archive()
        if archive is None:
            raise ApiError(404, "no telemetry has been archived yet")
        try:
            t0 = parse_utc(start, field="start") if start else None
            t1 = parse_utc(end, field="end") if end else None
            if parameter not in archive.parameter_names():
                raise ApiError(404, f"no parameter {parameter!r} in the archive")
            series = archive.samples(parameter, t0, t1)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        finally:
            archive.close()
        times = np.asarray(series.time_unix_s, dtype=np.float64)
        values = np.asarray(series.eng)
        levels = np.asarray(series.level)
        keep = _thin(times, values, levels, max_points // 4)
        numeric = np.issubdtype(values.dtype, np.number)
        units, _ = parameter_info(parameter)
        return {
            "parameter": parameter, "units": units, "count": int(times.size),
            "times_s": [float(times[i]) for i in keep],
            "values": [
                (float(values[i]) if np.isfinite(values[i]) else None) if numeric
                else str(values[i]) for i in keep
            ],
            "levels": [int(levels[i]) for i in keep],
        }  # fmt: skip

    @router.get("/console/api/alarms", summary="Alarms awaiting an operator")
    def alarms(user: Authenticated) -> dict[str, Any]:
        from zorka.control.alarms import severity_name

        auth.require_control(user, "the alarms")
        if context.live is not None:
            with context.live.lock:
                found = [a for s in context.live.satellites.values()
                         for a in s.ingester.alarms.alarms.values()]  # fmt: skip
        else:
            archive = context.archive()
            found = []
            if archive is not None:
                try:
                    found = archive.load_alarms()
                finally:
                    archive.close()
        found.sort(key=lambda a: (-a.severity, a.raised_s, a.parameter))
        return {"alarms": [
            {"parameter": a.parameter, "severity": severity_name(a.severity),
             "state": "in limits" if a.in_limits else severity_name(a.level),
             "value": plain_value(a.value),
             "raised": _iso(a.raised_s), "acknowledged": a.acknowledged,
             "acknowledged_by": a.acknowledged_by}
            for a in found
        ]}  # fmt: skip

    @router.post("/console/api/alarms/{parameter}/acknowledge", summary="Acknowledge an alarm")
    def acknowledge(parameter: str, user: Authenticated) -> dict[str, Any]:
        auth.require_operator(user, "acknowledging an alarm")
        by = user.name
        if context.live is not None:
            try:
                events = context.live.acknowledge(parameter, by)
            except KeyError as exc:
                raise ApiError(404, str(exc.args[0])) from None
        else:
            from zorka.control.alarms import acknowledge_archived

            archive = context.archive()
            if archive is None:
                raise ApiError(404, f"no alarm on {parameter!r}")
            try:
                events = acknowledge_archived(archive, parameter, context.clock().timestamp(), by)
            except KeyError as exc:
                raise ApiError(404, str(exc.args[0])) from None
            finally:
                archive.close()
        for e in events:
            context.events.publish("alarm", {"parameter": e.parameter, "kind": e.kind,
                                             "severity": e.severity, "by": by})  # fmt: skip
        return {"events": [
            {"kind": e.kind, "parameter": e.parameter, "by": e.by, "time": _iso(e.time_s)}
            for e in events
        ]}  # fmt: skip

    # -- commanding --------------------------------------------------------------------------

    @router.get("/console/api/commands/definitions", summary="Commands a satellite takes")
    def definitions(
        user: Authenticated, satellite: Annotated[str | None, Query()] = None
    ) -> dict[str, Any]:
        auth.require_control(user, "commanding")
        found = databases()
        if not found:
            raise ApiError(404, "no satellite of the mission has a mission database")
        names = [n for n, _ in found]
        chosen = satellite or names[0]
        mdb = next((m for n, m in found if n == chosen), None)
        if mdb is None:
            raise ApiError(404, f"no satellite {chosen!r} with a database (known: {names})")
        return {"satellite": chosen, "commands": _command_definitions(mdb)}

    @router.get("/console/api/commands", summary="The command history")
    def commands(
        user: Authenticated, limit: Annotated[int, Query(ge=1, le=10_000)] = 200
    ) -> dict[str, Any]:
        auth.require_control(user, "the command history")
        archive = context.archive()
        if archive is None:
            return {"commands": []}
        try:
            records = archive.commands()[-limit:]
            stages: dict[str, list[Any]] = {}
            for stage in archive.command_history():
                stages.setdefault(stage.command_id, []).append(stage)
        finally:
            archive.close()
        out = []
        for r in reversed(records):
            mine = stages.get(r.command_id, [])
            status = mine[-1].status if mine else "queued"
            last = mine[-1].stage if mine else "queued"
            out.append({
                "id": r.command_id, "time": _iso(r.created_unix_s), "command": r.name,
                "arguments": {k: plain_value(v) for k, v in r.arguments.items()},
                "by": r.origin, "status": f"{last}: {status}",
                "release": _iso(r.release_unix_s),
                "stages": [{"stage": s.stage, "status": s.status, "time": _iso(s.time_unix_s),
                            "message": s.message} for s in mine],
            })  # fmt: skip
        return {"commands": out}

    @router.post("/console/api/commands", summary="Send a command (operators)", status_code=202)
    def send_command(user: Authenticated, body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        from zorka.control.commanding import CommandError

        auth.require_operator(user, "commanding")
        satellite, command = body.get("satellite"), body.get("command")
        arguments = body.get("arguments") or {}
        if not isinstance(command, str) or not isinstance(arguments, dict):
            raise ApiError(400, 'send {"satellite": ..., "command": ..., "arguments": {}}')
        if context.live is None:
            raise ApiError(
                503, "no uplink: this server has no link to a spacecraft (start it with"
                " `zorka serve --simulate`, or run `zorka demo`)",
            )  # fmt: skip
        if not isinstance(satellite, str):
            satellite = next(iter(context.live.satellites), "")
        try:
            issued = context.live.send(satellite, command, arguments, user.name)
        except KeyError as exc:
            raise ApiError(404, str(exc.args[0])) from None
        except CommandError as exc:
            raise ApiError(400, str(exc)) from None
        return JSONResponse(
            {"id": issued.command_id, "status": issued.status, "command": command,
             "by": user.name},
            status_code=202,
        )  # fmt: skip

    # -- live --------------------------------------------------------------------------------

    @router.get("/console/api/events", summary="Live updates (server-sent events)")
    async def events(request: Request, user: Authenticated) -> StreamingResponse:
        start = resume_point(request.headers.get("last-event-id"), context.events)
        token = request.cookies.get(COOKIE)

        def alive() -> bool:
            # a session ends with logout, removal or a changed password: so does its stream
            return (
                token is None
                or request_key(request) is not None
                or (auth.session_user(token) is not None)
            )

        return StreamingResponse(
            sse_stream(
                context.events,
                start,
                request.is_disconnected,
                visible=_visible_to(user),
                alive=alive,
            ),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router


def resume_point(last_event_id: str | None, bus: EventBus) -> int:
    """Where a stream starts: after the client's ``Last-Event-ID``, or now. An id beyond the
    bus's last is from before a restart: everything this bus holds is new to that client."""
    if last_event_id is None or not last_event_id.isdigit():
        return bus.last
    start = int(last_event_id)
    return 0 if start > bus.last else start


#: what a customer's event stream carries (its own orders' changes among them)
_CUSTOMER_EVENTS = frozenset({"order", "product", "plan", "clock", "progress"})


def _visible_to(user: User) -> Callable[[Event], bool]:
    """Which events ``user`` may see: a customer, the public ones and its own orders'."""
    if user.role.value != "customer":
        return lambda event: True
    name = user.name

    def visible(event: Event) -> bool:
        if event.kind not in _CUSTOMER_EVENTS:
            return False
        return event.kind != "order" or event.data.get("user") == name

    return visible


def _command_definitions(mdb: Any) -> list[dict[str, Any]]:
    """The concrete commands of a database with their arguments (bases' included)."""
    out = []
    for command in mdb.commands:
        if command.abstract:
            continue
        chain = mdb.command_chain(command.name)
        fixed: set[str] = set()
        for c in chain:
            fixed.update(c.assignments)
        arguments = []
        for c in reversed(chain):
            for argument in c.arguments:
                if argument.name in fixed:
                    continue
                atype = mdb.argument_type(argument)
                rng = atype.valid_range
                arguments.append({
                    "name": argument.name, "type": atype.kind, "units": atype.unit,
                    "min": rng.min if rng is not None else None,
                    "max": rng.max if rng is not None else None,
                    "default": plain_value(argument.default),
                    "choices": list(atype.enumeration) if atype.enumeration else None,
                    "description": argument.description,
                })  # fmt: skip
        out.append({
            "name": command.name, "description": command.description,
            "critical": command.critical, "arguments": arguments,
        })  # fmt: skip
    return out


def _product_features(
    context: ConsoleContext, hidden: list[str], limit: int = 500
) -> list[dict[str, Any]]:
    """The catalogued products' footprints with their quick-looks (not those of ``hidden``
    collections)."""
    if context.catalog_call is None:
        return []
    query = SearchQuery(limit=limit, sortby=[("datetime", "desc")], exclude_collections=hidden)

    def read(catalog: Any) -> Any:
        return catalog.search(query)

    try:
        page = context.catalog_call(read)
    except Exception:  # an unreadable catalog leaves the layer empty, the map still draws
        return []
    features = []
    for item in page.items:
        props = item.get("properties", {})
        assets = item.get("assets", {})
        key = next((k for k, a in assets.items()
                    if k == "thumbnail" or "thumbnail" in a.get("roles", [])), None)  # fmt: skip
        thumb: str | None = None
        if key is not None:
            href = str(assets[key].get("href", ""))
            # files on this server are served through the STAC API's asset route
            thumb = (href if href.startswith(("http://", "https://"))
                     else f"/collections/{item.get('collection')}/items/{item.get('id')}"
                          f"/assets/{key}")  # fmt: skip
        features.append({
            "type": "Feature", "geometry": item.get("geometry"), "bbox": item.get("bbox"),
            "properties": {"item": item.get("id"), "collection": item.get("collection"),
                           "datetime": props.get("datetime"),
                           "level": props.get("processing:level"), "thumbnail": thumb},
        })  # fmt: skip
    return features
