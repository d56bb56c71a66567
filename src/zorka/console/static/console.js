/* zorka web console: plain JavaScript over the console API (docs/console-api.md).
 *
 * No build step and no framework: Leaflet (map) and uPlot (telemetry plot) are vendored under
 * static/vendor/. Every fetch goes through request(), every handler through guard(), so that
 * errors end up in a toast and never as uncaught exceptions or console errors.
 */
(function () {
  "use strict";

  // The page is served at <prefix>/console/; the APIs live at <prefix>/console/api, /orders, ...
  const PREFIX = location.pathname.replace(/\/console(\/.*)?$/, "");
  const API = PREFIX + "/console/api";
  const VIEWS = ["map", "timeline", "telemetry", "orders"];
  const SERIES_COLORS = [
    "#4ea1ff", "#ffd166", "#3fc1b0", "#b58cff", "#ff9f43", "#52c97f", "#ff5fa2", "#9fb3c8",
  ];
  const HOUR = 3600e3;

  const state = {
    me: null,
    overview: null,
    clockMs: null,
    view: null,
    source: null,
    started: false,
    wasStarted: false,
    alarms: [],
  };

  // ------------------------------------------------------------------ small helpers
  const $ = (sel, root) => (root || document).querySelector(sel);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on") && typeof value === "function") {
        node.addEventListener(key.slice(2), guard(value));
      } else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function cssVar(name, fallback) {
    const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  function debounce(fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => guard(fn)(...args), ms);
    };
  }

  function parseTime(value) {
    if (value === null || value === undefined || value === "") return NaN;
    if (typeof value === "number") return value;
    return Date.parse(value);
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  function fmtTime(value, withSeconds) {
    const ms = parseTime(value);
    if (!isFinite(ms)) return value ? String(value) : "—";
    const d = new Date(ms);
    const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    return `${day} ${hm}${withSeconds === false ? "" : ":" + pad(d.getUTCSeconds())}`;
  }

  function fmtHM(ms) {
    const d = new Date(ms);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  }

  function fmtNumber(v, digits) {
    if (typeof v !== "number" || !isFinite(v)) return v === null || v === undefined ? "—" : v;
    const d = digits === undefined ? (Math.abs(v) >= 100 ? 1 : 3) : digits;
    return String(Number(v.toFixed(d)));
  }

  function sameDay(value) {
    const ms = parseTime(value);
    return isFinite(ms) && Math.floor(ms / 86400e3) === Math.floor(clockNow() / 86400e3);
  }

  function clockNow() { return isFinite(state.clockMs) && state.clockMs ? state.clockMs : Date.now(); }

  function sameOrigin(href) {
    // STAPI/STAC links are absolute URLs built by the server; fetch them from this origin.
    try {
      const url = new URL(href, location.href);
      return url.origin === location.origin ? url.href : url.pathname + url.search;
    } catch (e) {
      return href;
    }
  }

  function isOperator() { return !!state.me && state.me.role === "operator"; }
  // Customers see their orders, the map and the timeline; telemetry, alarms and commanding
  // are the control room's (the server answers 403).
  function seesControl() { return !!state.me && state.me.role !== "customer"; }

  // ------------------------------------------------------------------ errors and toasts
  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  function detailText(detail) {
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => (d && d.msg ? `${(d.loc || []).join(".")}: ${d.msg}` : JSON.stringify(d)))
        .join("; ");
    }
    return JSON.stringify(detail);
  }

  function messageOf(err) {
    if (!err) return "unknown error";
    if (err instanceof ApiError) return err.message || `HTTP ${err.status}`;
    return err.message || String(err);
  }

  const toasts = new Map();
  function toast(message, kind, ms) {
    const box = $("#toast");
    if (!box) return;
    const key = `${kind || "error"}|${message}`;
    const existing = toasts.get(key);
    if (existing) {
      clearTimeout(existing.timer);
      existing.timer = setTimeout(() => dismiss(key), ms || 6000);
      return;
    }
    const node = el("div", { class: `toast ${kind || "error"}`, role: "status", text: message });
    node.addEventListener("click", () => dismiss(key));
    box.append(node);
    while (box.children.length > 5) box.firstElementChild.remove();
    toasts.set(key, { node, timer: setTimeout(() => dismiss(key), ms || 6000) });
  }
  function dismiss(key) {
    const entry = toasts.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.node.remove();
    toasts.delete(key);
  }

  function report(err, context) {
    if (err instanceof ApiError && err.status === 401 && state.started) return; // sessionLost()
    const text = messageOf(err);
    toast(context ? `${context}: ${text}` : text, "error");
  }

  function guard(fn) {
    return function (...args) {
      try {
        const result = fn.apply(this, args);
        if (result && typeof result.then === "function") result.catch((e) => report(e));
        return result;
      } catch (e) {
        report(e);
        return undefined;
      }
    };
  }

  window.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    report(ev.reason);
  });

  // ------------------------------------------------------------------ HTTP
  async function request(url, opts) {
    const o = opts || {};
    const init = {
      method: o.method || "GET",
      credentials: "same-origin",
      headers: { Accept: "application/json, application/geo+json" },
    };
    if (o.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(o.body);
    }
    let resp;
    try {
      resp = await fetch(url, init);
    } catch (e) {
      throw new ApiError(0, "cannot reach the server");
    }
    const text = resp.status === 204 ? "" : await resp.text().catch(() => "");
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = text;
      }
    }
    if (!resp.ok) {
      let detail = resp.statusText || `HTTP ${resp.status}`;
      if (data && typeof data === "object" && data.detail !== undefined) detail = detailText(data.detail);
      else if (data && typeof data === "object" && typeof data.description === "string") {
        detail = data.description; // the STAC API's {"code", "description"}
      }
      else if (typeof data === "string" && data.length < 300) detail = data;
      if (resp.status === 401 && state.started && !o.noSessionCheck) sessionLost();
      throw new ApiError(resp.status, detail);
    }
    return data;
  }

  const api = (path, opts) => request(API + path, opts);

  // ------------------------------------------------------------------ session
  // The session cookie is HttpOnly, so the page cannot see it. Asking /me without a session
  // answers 401, which Chromium logs as a console error; so the page remembers (localStorage)
  // that it logged in, and only then asks /me at start. Without the hint: the login form.
  const SESSION_HINT = "zorka.console.session";
  function sessionHint(value) {
    try {
      if (value === undefined) return window.localStorage.getItem(SESSION_HINT) === "1";
      if (value) window.localStorage.setItem(SESSION_HINT, "1");
      else window.localStorage.removeItem(SESSION_HINT);
    } catch (e) {
      return true; // no storage: ask /me
    }
    return value;
  }

  function showLogin(message) {
    $("#app").hidden = true;
    $("#login").hidden = false;
    $("#login-error").textContent = message || "";
    const name = $("#login-name");
    setTimeout(() => (name.value ? $("#login-password") : name).focus(), 0);
  }

  async function onLogin(ev) {
    ev.preventDefault();
    const error = $("#login-error");
    const button = $("#login-submit");
    error.textContent = "";
    const name = $("#login-name").value.trim();
    const password = $("#login-password").value;
    if (!name || !password) {
      error.textContent = "enter a user name and a password";
      return;
    }
    button.disabled = true;
    try {
      state.me = await api("/login", {
        method: "POST", body: { name, password }, noSessionCheck: true,
      });
    } catch (e) {
      error.textContent = e.status === 401 ? messageOf(e) || "unknown user or wrong password"
        : messageOf(e);
      return;
    } finally {
      button.disabled = false;
    }
    sessionHint(true);
    $("#login-password").value = "";
    if (state.wasStarted) {
      location.reload(); // a fresh page rather than re-wiring every view for another user
      return;
    }
    await startConsole();
  }

  async function onLogout() {
    closeEvents();
    sessionHint(false);
    try {
      await api("/logout", { method: "POST", noSessionCheck: true });
    } catch (e) {
      if (e.status !== 401) report(e, "logout");
    }
    state.started = false;
    state.wasStarted = true;
    state.me = null;
    showLogin("");
  }

  function sessionLost() {
    if (!state.started) return;
    state.started = false;
    state.wasStarted = true;
    sessionHint(false);
    closeEvents();
    showLogin("Your session ended; sign in again.");
  }

  async function boot() {
    $("#login-form").addEventListener("submit", guard(onLogin));
    $("#logout").addEventListener("click", guard(onLogout));
    if (!sessionHint()) {
      showLogin("");
      return;
    }
    try {
      state.me = await api("/me", { noSessionCheck: true });
    } catch (e) {
      if (e.status === 401) sessionHint(false);
      showLogin(e.status === 401 ? "" : messageOf(e));
      return;
    }
    await startConsole();
  }

  async function startConsole() {
    $("#login").hidden = true;
    $("#app").hidden = false;
    const me = state.me || { name: "?", role: "?" };
    const user = $("#user");
    user.replaceChildren(el("b", { text: me.name }),
      el("span", { class: `role role-${me.role}`, text: me.role }));
    user.title = `signed in as ${me.name} (${me.role})`;
    try {
      state.overview = await api("/overview");
    } catch (e) {
      report(e, "overview");
      state.overview = { mission: "", satellites: [], stations: [], counts: {} };
    }
    const ov = state.overview;
    const mission = $("#mission");
    mission.textContent = ov.mission || "";
    mission.title = ov.description || "";
    document.title = ov.mission ? `${ov.mission} · zorka console` : "zorka console";
    setClock(ov.clock);
    state.started = true;
    const telemetryTab = document.querySelector("#tabs a[href='#/telemetry']");
    if (telemetryTab) telemetryTab.hidden = !seesControl();
    connectEvents();
    refreshAlarms();
    window.addEventListener("hashchange", guard(route));
    window.addEventListener("resize", debounce(onResize, 120));
    route();
  }

  function setClock(iso) {
    const ms = parseTime(iso);
    if (!isFinite(ms)) return;
    state.clockMs = ms;
    $("#clock").textContent = `${fmtTime(ms)} UTC`;
  }

  // ------------------------------------------------------------------ views and routing
  function makeView(name, impl) {
    const section = document.getElementById(`view-${name}`);
    const view = Object.assign({ name, section, inited: false, loaded: false, stale: false }, impl);
    let busy = null;
    let again = false;
    view.refresh = function () {
      if (busy) {
        again = true;
        return busy;
      }
      busy = (async () => {
        try {
          await impl.load.call(view);
        } catch (e) {
          report(e, name);
        } finally {
          view.loaded = true;
          section.dataset.ready = "1";
          busy = null;
          if (again) {
            again = false;
            view.refresh();
          }
        }
      })();
      return busy;
    };
    // An event touched the view: reload it now if shown (debounced), else when next shown.
    view.touch = debounce(() => {
      if (!view.loaded) return;
      if (state.view === name && state.started) view.refresh();
      else view.stale = true;
    }, 500);
    return view;
  }

  function route() {
    if (!state.started) return;
    const m = /^#\/([a-z]+)/.exec(location.hash);
    const allowed = VIEWS.filter((v) => v !== "telemetry" || seesControl());
    const name = m && allowed.includes(m[1]) ? m[1] : "map";
    if (!m || m[1] !== name) history.replaceState(null, "", `#/${name}`);
    showView(name);
  }

  function showView(name) {
    if (name !== "map") map.cancelPick();
    state.view = name;
    for (const v of VIEWS) document.getElementById(`view-${v}`).hidden = v !== name;
    document.querySelectorAll("#tabs a").forEach((a) => {
      a.classList.toggle("active", a.dataset.view === name);
    });
    const view = views[name];
    if (!view.inited) {
      view.inited = true;
      guard(view.init).call(view);
    }
    if (view.shown) guard(view.shown).call(view);
    if (!view.loaded || view.stale) {
      view.stale = false;
      view.refresh();
    }
  }

  function onResize() {
    const view = views[state.view];
    if (view && view.inited && view.resized) view.resized();
  }

  // ------------------------------------------------------------------ live events
  function setLive(online) {
    const live = $("#live");
    live.textContent = online ? "live" : "offline";
    live.classList.toggle("online", online);
    live.classList.toggle("offline", !online);
  }

  function closeEvents() {
    if (state.source) {
      state.source.close();
      state.source = null;
    }
    clearTimeout(state.reconnect);
    setLive(false);
  }

  function connectEvents() {
    closeEvents();
    if (!window.EventSource) return;
    let source;
    try {
      source = new EventSource(`${API}/events`);
    } catch (e) {
      report(e, "live updates");
      return;
    }
    state.source = source;
    source.onopen = () => setLive(true);
    source.onerror = () => {
      setLive(false);
      if (source.readyState === EventSource.CLOSED && state.source === source && state.started) {
        // the browser gave up (an HTTP error): check the session, then try again
        state.reconnect = setTimeout(guard(async () => {
          if (!state.started) return;
          await api("/me");
          if (state.started) connectEvents();
        }), 5000);
      }
    };
    for (const [kind, handler] of Object.entries(eventHandlers)) {
      source.addEventListener(kind, (ev) => {
        let data = {};
        try {
          data = ev.data ? JSON.parse(ev.data) : {};
        } catch (e) {
          data = {};
        }
        guard(handler)(data || {});
      });
    }
  }

  let progressTimer = null;
  const eventHandlers = {
    clock(d) {
      setClock(d.time);
      timeline.moveClock();
      map.tick();
    },
    progress(d) {
      const box = $("#progress");
      const total = Number(d.total) || 0;
      const done = Number(d.done) || 0;
      box.hidden = false;
      $(".progress-label", box).textContent = `${d.stage || "working"} ${done}/${total || "?"}`;
      $(".progress-fill", box).style.width = total ? `${Math.min(100, (100 * done) / total)}%` : "0";
      clearTimeout(progressTimer);
      progressTimer = setTimeout(() => { box.hidden = true; }, total && done >= total ? 3000 : 30000);
    },
    order() {
      views.orders.touch();
      views.map.touch();
    },
    telemetry(d) { telemetry.liveData(d); },
    alarm(d) {
      refreshAlarms();
      const kind = String(d.kind || "");
      if (d.parameter && !["acknowledged", "cleared"].includes(kind)) {
        toast(`alarm ${d.parameter}: ${d.severity || kind}`, d.severity === "critical" ? "error" : "warning");
      }
    },
    command() { telemetry.touchHistory(); },
    product() {
      views.orders.touch();
      views.map.touch();
    },
    plan() {
      views.timeline.touch();
      views.map.touch();
    },
  };

  // ------------------------------------------------------------------ alarms (global)
  const refreshAlarms = debounce(async () => {
    if (!seesControl()) return;
    try {
      const data = await api("/alarms");
      state.alarms = (data && data.alarms) || [];
      state.alarmsError = null;
    } catch (e) {
      state.alarmsError = e;
      if (!(e.status === 401 || e.status === 403)) report(e, "alarms");
    }
    const open = state.alarms.filter((a) => !a.acknowledged).length;
    const badge = $("#alarm-count");
    badge.textContent = String(open);
    badge.hidden = open === 0;
    badge.title = `${open} unacknowledged alarm${open === 1 ? "" : "s"}`;
    telemetry.renderAlarms();
  }, 250);

  // ================================================================== MAP
  const map = (function () {
    let lmap = null;
    let fitted = false;
    let ticking = false;
    let lastTick = 0;
    const groups = {};
    const satMarkers = new Map();
    let C = {};
    let basemapReady = Promise.resolve();
    let featureRenderer = null;
    let picking = null; // {onPicked, onCancel} while the user picks an order's target

    function colors() {
      C = {
        sat: cssVar("--c-sat", "#ffd166"),
        swath: cssVar("--c-swath", "#ff9f43"),
        station: cssVar("--c-station", "#3fc1b0"),
        acq: cssVar("--c-acq", "#4ea1ff"),
        product: cssVar("--c-product", "#52c97f"),
        land: cssVar("--land", "#1d2630"),
        border: cssVar("--border", "#3b4756"),
        coast: "#46566a",
      };
    }

    function statusColor(status) {
      return cssVar(`--s-${status}`, cssVar("--c-clock", "#ff5fa2"));
    }

    const LAYERS = [
      ["visibility", "Station visibility", () => swatch(C.station, "line dashed")],
      ["footprints", "Field of regard / swath", () => swatch(C.swath, "")],
      ["tracks", "Ground tracks", () => swatch(C.sat, "line dashed")],
      ["products", "Products", () => swatch(C.product, "")],
      ["quicklooks", "Quick-looks", () => swatch("linear-gradient(135deg,#3c5a3c,#8cb46e)", "")],
      ["planned", "Planned strips", () => swatch(C.acq, "")],
      ["requests", "Requests", () => swatch(statusColor("accepted"), "dot")],
      ["stations", "Stations", () => swatch(C.station, "dot")],
      ["satellites", "Satellites", () => swatch(C.sat, "dot")],
    ];

    function swatch(color, kind) {
      const isLine = kind.includes("line");
      const style = isLine ? `border-top-color:${color}` : `background:${color}`;
      return `<span class="swatch ${kind}" style="${style}"></span>`;
    }

    function popupHtml(title, props, extra) {
      const rows = Object.entries(props || {})
        .filter(([k, v]) => v !== null && v !== undefined && k !== "thumbnail")
        .map(([k, v]) => {
          let text = typeof v === "object" ? JSON.stringify(v) : v;
          if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) text = `${fmtTime(v)} UTC`;
          if (typeof v === "number") text = fmtNumber(v, 3);
          return `<tr><th>${esc(k)}</th><td>${esc(text)}</td></tr>`;
        }).join("");
      return `<div class="popup-title">${esc(title)}</div><table class="popup-table">${rows}</table>${extra || ""}`;
    }

    function init() {
      colors();
      lmap = L.map("map", {
        center: [45, 20], zoom: 3, minZoom: 2, maxZoom: 13, zoomSnap: 0.25, zoomDelta: 0.5,
        worldCopyJump: true, attributionControl: true,
        maxBounds: [[-89, -540], [89, 540]], maxBoundsViscosity: 0.8,
      });
      lmap.attributionControl.setPrefix(false);
      lmap.attributionControl.addAttribution("Basemap: Natural Earth · Leaflet");
      // Inside the overlay pane, bottom to top: the basemap, the quick-looks, the features (each
      // its own SVG), so that the images lie on the land and under the outlines.
      const overlay = lmap.getPane("overlayPane");
      lmap.createPane("basemap", overlay).style.zIndex = 1;
      lmap.createPane("quicklooks", overlay).style.zIndex = 2;
      lmap.createPane("features", overlay).style.zIndex = 3;
      for (const [key] of LAYERS) groups[key] = L.layerGroup([]);
      featureRenderer = L.svg({ pane: "features" });
      const overlays = {};
      for (const [key, label, sw] of LAYERS) {
        overlays[`${sw()} ${esc(label)}`] = groups[key];
        groups[key].addTo(lmap);
      }
      L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(lmap);
      L.control.scale({ imperial: false, position: "bottomright" }).addTo(lmap);
      legend().addTo(lmap);
      basemapReady = loadBasemap();
      lmap.on("click", guard((ev) => {
        if (picking) endPick(ev.latlng);
      }));
      $("#pick-cancel").addEventListener("click", guard(() => endPick(null)));
      document.addEventListener("keydown", (ev) => {
        if (ev.key === "Escape" && picking) guard(endPick)(null);
      });
      showPicking();
    }

    // ---- picking a point for the order form: one click on the map, then back
    function pick(onPicked, onCancel, near) {
      // near: [lon, lat] the form holds already, to look at while picking
      picking = { onPicked, onCancel, near: Array.isArray(near) ? near : null };
      showPicking();
    }

    function showPicking() {
      $("#pick-hint").hidden = !picking;
      $("#map").classList.toggle("picking", !!picking);
      if (!picking || !lmap) return;
      lmap.closePopup();
      if (picking.near) {
        const [lon, lat] = picking.near;
        picking.near = null;
        fitted = true; // the first load keeps this view
        lmap.setView([lat, lon], Math.max(lmap.getZoom(), 5), { animate: false });
      }
    }

    function endPick(latlng) {
      const done = picking;
      picking = null;
      showPicking();
      if (!done) return;
      if (latlng) {
        const lon = ((((latlng.lng + 180) % 360) + 360) % 360) - 180;
        const lat = Math.max(-90, Math.min(90, latlng.lat));
        done.onPicked(Number(lon.toFixed(4)), Number(lat.toFixed(4)));
      } else if (done.onCancel) done.onCancel();
    }

    function cancelPick() {
      // the user left the map some other way: forget the pick without coming back
      picking = null;
      showPicking();
    }

    function legend() {
      const control = L.control({ position: "bottomleft" });
      control.onAdd = () => {
        const div = L.DomUtil.create("div", "map-legend");
        const item = (sw, text) => `<div class="legend-item">${sw}<span>${esc(text)}</span></div>`;
        const statuses = ["received", "accepted", "scheduled", "acquired", "completed", "rejected"];
        div.innerHTML = '<div class="title">Legend</div>'
          + item(swatch(C.sat, "dot"), "satellite (now), track ±50 min")
          + item(swatch(C.sat, ""), "field of regard")
          + item(swatch(C.swath, ""), "nadir swath ahead")
          + item(swatch(C.station, "dot"), "station, visibility mask")
          + item(swatch(C.acq, ""), "planned acquisition strip")
          + item(swatch(C.product, ""), "product footprint / quick-look")
          + '<div class="title" style="margin-top:4px">Request status</div>'
          + statuses.map((s) => item(swatch(statusColor(s), "dot"), s)).join("");
        L.DomEvent.disableClickPropagation(div);
        return div;
      };
      return control;
    }

    async function loadBasemap() {
      let data;
      try {
        data = await request("static/vendor/basemap/world-50m.geojson");
      } catch (e) {
        report(e, "basemap");
        return;
      }
      // on a canvas (fast with ~100k points); one shape per land polygon, so that Leaflet skips
      // the ones out of view
      const parts = [];
      for (const f of (data && data.features) || []) {
        const g = f && f.geometry;
        if (!g) continue;
        const kind = (f.properties && f.properties.kind) || "land";
        if (g.type === "MultiPolygon" && kind === "land") {
          for (const rings of g.coordinates) {
            parts.push({ type: "Feature", properties: { kind }, geometry: { type: "Polygon", coordinates: rings } });
          }
        } else parts.push(f);
      }
      L.geoJSON({ type: "FeatureCollection", features: parts }, {
        pane: "basemap",
        renderer: L.canvas({ pane: "basemap", padding: 0.3 }),
        interactive: false,
        smoothFactor: 1.5,
        style: (f) => (f.properties && f.properties.kind === "borders"
          ? { color: C.border, weight: 0.7, opacity: 0.9, fill: false, className: "basemap-border" }
          : { color: C.coast, weight: 0.8, fillColor: C.land, fillOpacity: 1, className: "basemap-land" }),
      }).addTo(lmap);
    }

    function features(fc) {
      return fc && Array.isArray(fc.features) ? fc.features.filter((f) => f && f.geometry) : [];
    }

    function geo(group, fc, options) {
      group.clearLayers();
      const list = features(fc);
      if (!list.length) return;
      group.addLayer(L.geoJSON({ type: "FeatureCollection", features: list },
        Object.assign({ pane: "features", renderer: featureRenderer }, options)));
    }

    function divMarker(latlng, cls, label, anchor) {
      return L.marker(latlng, {
        icon: L.divIcon({
          className: cls, iconSize: [14, 14], iconAnchor: anchor || [7, 7],
          html: `<span class="glyph"></span><span class="marker-label">${esc(label)}</span>`,
        }),
        keyboard: false,
        riseOnHover: true,
      });
    }

    function renderSatellites(fc) {
      const seen = new Set();
      for (const f of features(fc)) {
        if (f.geometry.type !== "Point") continue;
        const p = f.properties || {};
        const name = p.satellite || f.id || "satellite";
        const [lon, lat] = f.geometry.coordinates;
        seen.add(name);
        const html = popupHtml(name, p);
        let marker = satMarkers.get(name);
        if (marker) {
          marker.setLatLng([lat, lon]);
          marker.setPopupContent(html);
        } else {
          marker = divMarker([lat, lon], "sat-marker", name).bindPopup(html);
          satMarkers.set(name, marker);
          groups.satellites.addLayer(marker);
        }
      }
      for (const [name, marker] of satMarkers) {
        if (!seen.has(name)) {
          groups.satellites.removeLayer(marker);
          satMarkers.delete(name);
        }
      }
    }

    function renderMoving(layers) {
      renderSatellites(layers.satellites);
      geo(groups.tracks, layers.tracks, {
        interactive: true,
        style: () => ({ color: C.sat, weight: 1.5, opacity: 0.75, dashArray: "5 5", className: "feat-track" }),
        onEachFeature: (f, layer) => layer.bindPopup(popupHtml(`track · ${f.properties.satellite || ""}`, f.properties)),
      });
      geo(groups.footprints, layers.footprints, {
        style: (f) => (f.properties && f.properties.kind === "swath"
          ? { color: C.swath, weight: 1, fillColor: C.swath, fillOpacity: 0.3, className: "feat-swath" }
          : { color: C.sat, weight: 1, opacity: 0.6, fillColor: C.sat, fillOpacity: 0.06,
            className: "feat-for" }),
        onEachFeature: (f, layer) => {
          const p = f.properties || {};
          const title = p.kind === "swath" ? "nadir swath" : "field of regard";
          layer.bindPopup(popupHtml(`${title} · ${p.satellite || ""}`, p));
        },
      });
    }

    function renderStatic(layers) {
      groups.stations.clearLayers();
      for (const f of features(layers.stations)) {
        if (f.geometry.type !== "Point") continue;
        const p = f.properties || {};
        const [lon, lat] = f.geometry.coordinates;
        groups.stations.addLayer(divMarker([lat, lon], "station-marker", p.station || "station", [7, 9])
          .bindPopup(popupHtml(`station · ${p.station || ""}`, p)));
      }
      geo(groups.visibility, layers.visibility, {
        style: () => ({ color: C.station, weight: 1, opacity: 0.7, dashArray: "6 5",
          fillColor: C.station, fillOpacity: 0.035, className: "feat-visibility" }),
        onEachFeature: (f, layer) => layer.bindPopup(popupHtml(`visibility · ${f.properties.station || ""}`, f.properties)),
      });
      geo(groups.requests, layers.requests, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 6, pane: "features", renderer: featureRenderer }),
        style: (f) => {
          const s = (f.properties && f.properties.status) || "received";
          const color = statusColor(s);
          return { color, weight: 2, fillColor: color, fillOpacity: 0.3, className: `feat-request status-${s}` };
        },
        onEachFeature: (f, layer) => layer.bindPopup(popupHtml(`request · ${f.properties.request || ""}`, f.properties)),
      });
      geo(groups.planned, layers.planned, {
        style: () => ({ color: C.acq, weight: 1.5, fillColor: C.acq, fillOpacity: 0.22, className: "feat-planned" }),
        onEachFeature: (f, layer) => layer.bindPopup(popupHtml(`planned · ${f.properties.acquisition || ""}`, f.properties)),
      });
      geo(groups.products, layers.products, {
        style: (f) => ({ color: C.product, weight: 1.5, fillColor: C.product,
          fillOpacity: f.properties && f.properties.thumbnail ? 0 : 0.15, className: "feat-product" }),
        onEachFeature: (f, layer) => {
          const p = f.properties || {};
          const img = p.thumbnail ? `<img src="${esc(p.thumbnail)}" alt="quick-look" style="max-width:200px;margin-top:6px;border-radius:3px">` : "";
          layer.bindPopup(popupHtml(`product · ${p.item || ""}`, p, img), { maxWidth: 320 });
        },
      });
      groups.quicklooks.clearLayers();
      for (const f of features(layers.products)) {
        const href = f.properties && f.properties.thumbnail;
        if (!href) continue;
        const bounds = L.geoJSON(f).getBounds();
        if (!bounds.isValid() || bounds.getEast() - bounds.getWest() > 180) continue;
        groups.quicklooks.addLayer(L.imageOverlay(href, bounds, {
          className: "quicklook", opacity: 0.9, interactive: false, pane: "quicklooks",
        }));
      }
    }

    function fit() {
      const bounds = L.latLngBounds([]);
      for (const key of ["requests", "stations"]) {
        groups[key].eachLayer((layer) => {
          if (layer.getBounds) bounds.extend(layer.getBounds());
          else if (layer.getLatLng) bounds.extend(layer.getLatLng());
        });
      }
      if (bounds.isValid()) {
        lmap.fitBounds(bounds.pad(0.08), { padding: [30, 30], maxZoom: 7, animate: false });
        fitted = true;
      }
    }

    async function load() {
      if (!lmap) return;
      const data = await api("/map");
      await basemapReady;
      const layers = (data && data.layers) || {};
      renderStatic(layers);
      renderMoving(layers);
      lastTick = Date.now();
      if (!fitted) fit();
    }

    async function tick() {
      const view = views.map;
      if (!lmap || !view.loaded || ticking || !state.started) return;
      if (state.view !== "map") return; // refreshed when shown again (stale below)
      if (Date.now() - lastTick < 2000) return;
      ticking = true;
      lastTick = Date.now();
      try {
        const data = await api("/map");
        renderMoving((data && data.layers) || {});
      } catch (e) {
        report(e, "map");
      } finally {
        ticking = false;
      }
    }

    function fitBbox(bbox) {
      if (!lmap || !Array.isArray(bbox) || bbox.length < 4) return;
      const [w, s, e, n] = bbox.length >= 6 ? [bbox[0], bbox[1], bbox[3], bbox[4]] : bbox;
      lmap.fitBounds([[s, w], [n, e]], { padding: [60, 60], maxZoom: 9 });
    }

    function viewBbox() {
      if (!lmap) return null;
      const b = lmap.getBounds();
      const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
      let west = b.getWest();
      let east = b.getEast();
      if (east - west >= 360) {
        west = -180;
        east = 180;
      } else {
        west = ((west + 540) % 360) - 180;
        east = ((east + 540) % 360) - 180;
      }
      return [west, clamp(b.getSouth(), -90, 90), east, clamp(b.getNorth(), -90, 90)]
        .map((v) => Number(v.toFixed(3)));
    }

    return {
      init, load, tick, fitBbox, viewBbox, pick, cancelPick,
      shown() {
        if (lmap) setTimeout(() => lmap.invalidateSize(), 0);
        if (views.map.loaded && Date.now() - lastTick > 2000) views.map.stale = true;
      },
      resized() { if (lmap) lmap.invalidateSize(); },
    };
  })();

  // ================================================================== TIMELINE
  const timeline = (function () {
    const GUTTER = 150;
    const AXIS = 38;
    const LANE = 26;
    const BAR = 18;
    const GROUP = 24;
    let data = null;
    let range = null; // [start, end] of the data window (ms)
    let view0 = 0;
    let view1 = 0;
    let rows = [];
    let drag = null;

    function init() {
      const svg = $("#gantt");
      svg.addEventListener("wheel", guard(onWheel), { passive: false });
      svg.addEventListener("pointerdown", guard(onDown));
      svg.addEventListener("pointermove", guard(onMove));
      svg.addEventListener("pointerup", guard(onUp));
      svg.addEventListener("pointercancel", guard(onUp));
      $("#gantt-zoom-in").addEventListener("click", guard(() => zoom(1 / 1.6)));
      $("#gantt-zoom-out").addEventListener("click", guard(() => zoom(1.6)));
      $("#gantt-fit").addEventListener("click", guard(fitAll));
      $("#gantt-now").addEventListener("click", guard(centerNow));
    }

    function lanes(items) {
      // greedy lane assignment so that overlapping bars stack instead of hiding each other
      const ends = [];
      const sorted = items.slice().sort((a, b) => a.t0 - b.t0);
      for (const it of sorted) {
        let lane = ends.findIndex((end) => end <= it.t0);
        if (lane < 0) {
          lane = ends.length;
          ends.push(it.t1);
        } else ends[lane] = it.t1;
        it.lane = lane;
      }
      return Math.max(1, ends.length);
    }

    function buildRows() {
      const ov = state.overview || {};
      const passes = (data.passes || []).map((p) => ({
        kind: "pass", row: p.station, t0: parseTime(p.aos), t1: parseTime(p.los), src: p,
      })).filter((it) => isFinite(it.t0) && isFinite(it.t1));
      const plan = (data.plan || []).map((p) => ({
        kind: String(p.kind || "activity").replace(/[^a-z0-9_-]/gi, "-"),
        row: p.satellite, t0: parseTime(p.start), t1: parseTime(p.end), src: p,
      })).filter((it) => isFinite(it.t0) && isFinite(it.t1));
      const order = (names, extra) => {
        const list = names.slice();
        for (const n of extra) if (n && !list.includes(n)) list.push(n);
        return list;
      };
      const stations = order((ov.stations || []).map((s) => s.name), passes.map((p) => p.row));
      const sats = order((ov.satellites || []).map((s) => s.name), plan.map((p) => p.row));
      rows = [];
      if (stations.length) rows.push({ group: "Ground stations" });
      for (const name of stations) {
        const items = passes.filter((p) => p.row === name);
        rows.push({ name, type: "station", items, lanes: lanes(items) });
      }
      if (sats.length) rows.push({ group: "Satellites" });
      for (const name of sats) {
        // slews sit inside a thinner band, so they share the acquisitions' lanes
        const items = plan.filter((p) => p.row === name);
        rows.push({ name, type: "satellite", items, lanes: lanes(items.filter((i) => i.kind !== "slew")) });
        for (const s of items.filter((i) => i.kind === "slew")) s.lane = 0;
      }
    }

    async function load() {
      const empty = $("#gantt-empty");
      try {
        data = await api("/timeline");
      } catch (e) {
        if (e.status !== 403) throw e;
        empty.textContent = messageOf(e);
        empty.hidden = false;
        return;
      }
      if (data && data.clock) setClock(data.clock);
      const t0 = parseTime(data.start);
      const t1 = parseTime(data.end);
      const fresh = !range;
      range = isFinite(t0) && isFinite(t1) && t1 > t0 ? [t0, t1] : [clockNow() - 12 * HOUR, clockNow() + 12 * HOUR];
      if (fresh || view1 <= view0) {
        view0 = range[0];
        view1 = range[1];
      }
      buildRows();
      empty.textContent = "No passes or plan in the window.";
      empty.hidden = (data.passes || []).length + (data.plan || []).length > 0;
      render();
    }

    function width() { return $("#gantt-wrap").clientWidth; }

    function X(t) {
      const w = width() - GUTTER;
      return GUTTER + ((t - view0) / (view1 - view0)) * w;
    }

    function tickStep(pxPerMs) {
      const steps = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60e3);
      for (const s of steps) if (s * pxPerMs >= 64) return s;
      return steps[steps.length - 1];
    }

    function title(it) {
      const p = it.src;
      const span = `${fmtTime(it.t0)} → ${fmtTime(it.t1)} UTC (${Math.round((it.t1 - it.t0) / 1000)} s)`;
      if (it.kind === "pass") {
        return `${p.satellite} over ${p.station}\nmax elevation ${fmtNumber(Number(p.max_elevation_deg), 1)}°\n`
          + `AOS ${fmtTime(p.aos)} · TCA ${fmtTime(p.tca)} · LOS ${fmtTime(p.los)} UTC`;
      }
      const bits = [`${it.kind}: ${p.label || ""}`.trim(), `${p.satellite}`, span];
      if (p.request) bits.push(`request ${p.request}`);
      if (p.station) bits.push(`station ${p.station}`);
      return bits.join("\n");
    }

    function render() {
      const svg = $("#gantt");
      const W = width();
      if (!data || W <= GUTTER + 20) return;
      const plotW = W - GUTTER;
      let y = AXIS;
      const parts = [];
      const bars = [];
      const labels = [];
      let odd = false;
      for (const row of rows) {
        if (row.group) {
          labels.push(`<text class="group-label" x="10" y="${y + 16}">${esc(row.group)}</text>`);
          parts.push(`<line class="row-line" x1="0" x2="${W}" y1="${y + GROUP}" y2="${y + GROUP}"/>`);
          y += GROUP;
          continue;
        }
        const h = row.lanes * LANE + 6;
        parts.push(`<rect class="row-bg${odd ? " odd" : ""}" x="0" y="${y}" width="${W}" height="${h}"/>`);
        odd = !odd;
        labels.push(`<text class="row-label ${row.type}" x="12" y="${y + h / 2 + 4}">${esc(row.name)}</text>`);
        for (const it of row.items) {
          // every bar is drawn (the clip hides those out of view): one rect per pass and activity
          const x0 = X(it.t0);
          const x1 = X(it.t1);
          const thin = it.kind === "slew";
          const bh = thin ? 8 : BAR;
          const by = y + 3 + it.lane * LANE + (LANE - bh) / 2;
          const bw = Math.max(2, x1 - x0);
          const p = it.src;
          bars.push(`<rect class="bar bar-${it.kind}" x="${x0.toFixed(1)}" y="${by.toFixed(1)}" `
            + `width="${bw.toFixed(1)}" height="${bh}" data-kind="${it.kind}" `
            + `data-row="${esc(row.name)}"><title>${esc(title(it))}</title></rect>`);
          let text = "";
          if (it.kind === "pass") {
            const elev = `${Math.round(Number(p.max_elevation_deg))}°`;
            text = bw > 90 ? `${p.satellite} ${elev}` : elev;
          } else if (it.kind !== "slew") text = p.label || (p.request || p.station || "");
          if (text && text.length * 6 + 8 < bw && x1 > GUTTER && x0 < W) {
            bars.push(`<text class="bar-label" x="${(Math.max(x0, GUTTER) + 4).toFixed(1)}" y="${(by + 13).toFixed(1)}">${esc(text)}</text>`);
          }
        }
        y += h;
        parts.push(`<line class="row-line" x1="0" x2="${W}" y1="${y}" y2="${y}"/>`);
      }
      const H = Math.max(y + 8, $("#gantt-wrap").clientHeight - 2);

      // time axis
      const pxPerMs = plotW / (view1 - view0);
      const step = tickStep(pxPerMs);
      const ticks = [];
      const axisLabels = [];
      for (let t = Math.ceil(view0 / step) * step; t <= view1; t += step) {
        const x = X(t);
        const midnight = t % (24 * HOUR) === 0;
        ticks.push(`<line class="tick-line${midnight ? " major" : ""}" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${AXIS - 6}" y2="${H}"/>`);
        axisLabels.push(`<text class="tick-label" x="${(x + 3).toFixed(1)}" y="${AXIS - 9}">${fmtHM(t)}</text>`);
        if (midnight) axisLabels.push(`<text class="day-label" x="${(x + 3).toFixed(1)}" y="13">${fmtTime(t, false).slice(0, 10)}</text>`);
      }
      // the day at the left edge, unless a midnight label is about to take its place
      const nextMidnight = Math.ceil(view0 / (24 * HOUR)) * 24 * HOUR;
      if (X(nextMidnight) - GUTTER > 90) {
        axisLabels.push(`<text class="day-label" x="${GUTTER + 4}" y="13">${fmtTime(view0, false).slice(0, 10)}</text>`);
      }
      axisLabels.push(`<text class="tick-label" x="${W - 38}" y="13">UTC</text>`);

      // outside the data window
      const shade = [];
      if (range[0] > view0) shade.push(`<rect class="out-window" x="${GUTTER}" y="${AXIS}" width="${Math.max(0, X(range[0]) - GUTTER)}" height="${H - AXIS}"/>`);
      if (range[1] < view1) shade.push(`<rect class="out-window" x="${X(range[1])}" y="${AXIS}" width="${Math.max(0, W - X(range[1]))}" height="${H - AXIS}"/>`);

      svg.setAttribute("width", String(W));
      svg.setAttribute("height", String(H));
      svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
      svg.innerHTML = `<defs><clipPath id="gantt-clip"><rect x="${GUTTER}" y="0" width="${plotW}" height="${H}"/></clipPath></defs>`
        + parts.join("")
        + `<g clip-path="url(#gantt-clip)">${ticks.join("")}${shade.join("")}${bars.join("")}`
        + `<g id="gantt-clock"><line class="clock-line" x1="0" x2="0" y1="${AXIS - 4}" y2="${H}"/>`
        + `<text class="clock-label" x="4" y="${AXIS - 20}"></text></g></g>`
        + `<rect class="axis-bg" x="${GUTTER}" y="0" width="${plotW}" height="${AXIS - 4}" opacity="0"/>`
        + `<g clip-path="url(#gantt-clip)">${axisLabels.join("")}</g>`
        + `<rect class="gutter" x="0" y="${AXIS}" width="${GUTTER - 1}" height="${H - AXIS}" opacity="0.0"/>`
        + labels.join("")
        + `<line class="row-line" x1="${GUTTER - 0.5}" x2="${GUTTER - 0.5}" y1="0" y2="${H}"/>`
        + `<line class="row-line" x1="0" x2="${W}" y1="${AXIS - 0.5}" y2="${AXIS - 0.5}"/>`;
      moveClock();
      const hours = (view1 - view0) / HOUR;
      $("#gantt-range").textContent = `${fmtTime(view0, false)} → ${fmtTime(view1, false)} UTC · ${hours >= 2 ? hours.toFixed(0) + " h" : Math.round(hours * 60) + " min"}`;
    }

    function moveClock() {
      const g = document.getElementById("gantt-clock");
      if (!g || !data) return;
      const t = clockNow();
      const x = X(t);
      const visible = x >= GUTTER && x <= width();
      g.setAttribute("visibility", visible ? "visible" : "hidden");
      g.setAttribute("transform", `translate(${x.toFixed(1)},0)`);
      const label = g.querySelector("text");
      const right = x + 70 > width();
      label.setAttribute("x", right ? "-62" : "4");
      label.textContent = `${fmtHM(t)}:${pad(new Date(t).getUTCSeconds())}`;
    }

    function clampView(a, b) {
      const full = range[1] - range[0];
      const span = Math.min(Math.max(b - a, 10 * 60e3), full * 3);
      const margin = full * 0.5;
      let s = a;
      let e = a + span;
      if (s < range[0] - margin) {
        s = range[0] - margin;
        e = s + span;
      }
      if (e > range[1] + margin) {
        e = range[1] + margin;
        s = e - span;
      }
      view0 = s;
      view1 = e;
    }

    function zoom(factor, atX) {
      if (!range) return;
      const W = width();
      const frac = atX === undefined ? 0.5 : Math.min(1, Math.max(0, (atX - GUTTER) / (W - GUTTER)));
      const t = view0 + frac * (view1 - view0);
      const span = (view1 - view0) * factor;
      clampView(t - frac * span, t - frac * span + span);
      render();
    }

    function pan(px) {
      if (!range) return;
      const dt = (px / (width() - GUTTER)) * (view1 - view0);
      clampView(view0 + dt, view1 + dt);
      render();
    }

    function onWheel(ev) {
      if (!range) return;
      ev.preventDefault();
      const rect = $("#gantt").getBoundingClientRect();
      if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        pan(ev.shiftKey ? ev.deltaY || ev.deltaX : ev.deltaX);
      } else {
        zoom(Math.exp(ev.deltaY * 0.0015), ev.clientX - rect.left);
      }
    }

    function onDown(ev) {
      if (ev.button !== 0 || !range) return;
      drag = { x: ev.clientX, v0: view0, v1: view1, id: ev.pointerId, moved: false };
    }

    function onMove(ev) {
      if (!drag) return;
      const dx = ev.clientX - drag.x;
      if (!drag.moved && Math.abs(dx) < 4) return;
      if (!drag.moved) {
        drag.moved = true;
        $("#gantt").classList.add("dragging");
        try { $("#gantt").setPointerCapture(drag.id); } catch (e) { /* not capturable */ }
      }
      const dt = (-dx / (width() - GUTTER)) * (drag.v1 - drag.v0);
      clampView(drag.v0 + dt, drag.v1 + dt);
      render();
    }

    function onUp() {
      drag = null;
      $("#gantt").classList.remove("dragging");
    }

    function fitAll() {
      if (!range) return;
      view0 = range[0];
      view1 = range[1];
      render();
    }

    function centerNow() {
      if (!range) return;
      const span = view1 - view0;
      const t = clockNow();
      clampView(t - span / 2, t + span / 2);
      render();
    }

    return {
      init, load, moveClock, render, pan, zoom,
      shown() { if (data) render(); },
      resized() { render(); },
    };
  })();

  // ================================================================== TELEMETRY
  const telemetry = (function () {
    let params = [];
    const selected = []; // {name, units, color, times, values, levels}
    let plot = null;
    let liveTimer = null;
    const pendingLive = new Set();
    let definitions = [];
    const defCache = new Map();
    let inited = false;
    const MAX_POINTS = 20000;

    function init() {
      inited = true;
      $("#param-filter").addEventListener("input", guard(renderParams));
      $("#plot-range").addEventListener("change", guard(reloadSeries));
      $("#command-satellite").addEventListener("change", guard(loadDefinitions));
      $("#command-name").addEventListener("change", guard(renderArgs));
      $("#command-form").addEventListener("submit", guard(sendCommand));
      const sats = (state.overview && state.overview.satellites) || [];
      $("#command-satellite").replaceChildren(
        ...sats.map((s) => el("option", { value: s.name, text: s.name })));
      const operator = isOperator();
      $("#command-fieldset").disabled = !operator;
      $("#command-note").hidden = operator;
      $("#alarms-note").textContent = operator ? "" : "acknowledging needs the operator role";
      renderAlarms();
    }

    async function load() {
      const jobs = [loadParams(), refreshHistory(), loadDefinitions()];
      refreshAlarms();
      const results = await Promise.allSettled(jobs);
      for (const r of results) if (r.status === "rejected") report(r.reason, "telemetry");
      if (!selected.length && params.length) {
        // start with a measured quantity (one with units) rather than a mode or a counter
        await addParam((params.find((p) => p.units) || params[0]).name);
      }
      else if (selected.length) await reloadSeries();
      else {
        $("#plot-empty").textContent = params.length ? "Pick a parameter on the left."
          : "No telemetry parameters to plot.";
        buildPlot();
      }
    }

    // ---- parameters
    async function loadParams() {
      try {
        const data = await api("/telemetry/parameters");
        params = (data && data.parameters) || [];
      } catch (e) {
        params = [];
        $("#param-list").replaceChildren(el("li", { class: "muted", text: messageOf(e) }));
        if (e.status !== 403) throw e;
        return;
      }
      renderParams();
    }

    function renderParams() {
      const list = $("#param-list");
      const filter = $("#param-filter").value.trim().toLowerCase();
      const alarmed = new Set(state.alarms.filter((a) => a.state !== "in limits").map((a) => a.parameter));
      const shown = params.filter((p) => !filter
        || `${p.name} ${p.description || ""} ${p.units || ""}`.toLowerCase().includes(filter));
      if (!params.length) {
        list.replaceChildren(el("li", { class: "muted", text: "no telemetry parameters" }));
        return;
      }
      list.replaceChildren(...shown.map((p) => {
        const s = selected.find((x) => x.name === p.name);
        const li = el("li", {
          class: `param${s ? " selected" : ""}${alarmed.has(p.name) ? " alarm" : ""}`,
          dataset: { name: p.name },
          title: `${p.name}${p.units ? ` [${p.units}]` : ""}${p.description ? ` — ${p.description}` : ""}`,
          onclick: () => addParam(p.name),
        },
        el("span", { class: "pdot", style: s ? `background:${s.color}` : null }),
        el("span", { class: "pname", text: p.name }),
        el("span", { class: "punits", text: p.units || "" }));
        return li;
      }));
      if (!shown.length) list.append(el("li", { class: "muted", text: "no match" }));
    }

    // ---- series and plot
    function rangeStart() {
      const v = $("#plot-range").value;
      if (v === "all") return null;
      return new Date(clockNow() - Number(v) * 1000).toISOString();
    }

    async function fetchSamples(name, start) {
      const q = new URLSearchParams({ parameter: name, max_points: "2000" });
      if (start) q.set("start", start);
      return api(`/telemetry/samples?${q}`);
    }

    function nextColor() {
      const used = new Set(selected.map((s) => s.color));
      return SERIES_COLORS.find((c) => !used.has(c)) || SERIES_COLORS[selected.length % SERIES_COLORS.length];
    }

    async function addParam(name) {
      if (selected.some((s) => s.name === name)) return;
      const meta = params.find((p) => p.name === name) || {};
      const series = { name, units: meta.units || "", color: nextColor(), times: [], values: [], levels: [] };
      selected.push(series);
      renderParams();
      renderChips();
      try {
        const data = await fetchSamples(name, rangeStart());
        fill(series, data);
      } catch (e) {
        report(e, name);
      }
      buildPlot();
    }

    function removeParam(name) {
      const i = selected.findIndex((s) => s.name === name);
      if (i >= 0) selected.splice(i, 1);
      renderParams();
      renderChips();
      buildPlot();
    }

    // Values may be numbers, booleans or enumeration strings ("NADIR"): strings become the index
    // of their category, plotted as steps with the names on the axis.
    function numeric(series, v) {
      if (v === null || v === undefined) return null;
      if (typeof v === "number") return isFinite(v) ? v : null;
      if (typeof v === "boolean") return v ? 1 : 0;
      const text = String(v);
      if (text.trim() !== "" && isFinite(Number(text))) return Number(text);
      if (!series.categories) series.categories = [];
      let i = series.categories.indexOf(text);
      if (i < 0) {
        i = series.categories.length;
        series.categories.push(text);
      }
      return i;
    }

    function scaleKey(series) {
      return series.categories ? `cat:${series.name}` : series.units || "-";
    }

    function fill(series, data) {
      if (!data) return;
      series.units = data.units || series.units;
      series.categories = null;
      series.times = (data.times_s || []).slice();
      series.values = (data.values || []).map((v) => numeric(series, v));
      series.levels = (data.levels || []).slice();
    }

    async function reloadSeries() {
      const start = rangeStart();
      await Promise.all(selected.map(async (s) => {
        try {
          fill(s, await fetchSamples(s.name, start));
        } catch (e) {
          report(e, s.name);
        }
      }));
      buildPlot();
    }

    function renderChips() {
      $("#plot-chips").replaceChildren(...selected.map((s) => el("span", { class: "chip", dataset: { name: s.name } },
        el("span", { class: "dot", style: `background:${s.color}` }), s.name,
        el("button", { type: "button", title: `remove ${s.name}`, text: "×", onclick: () => removeParam(s.name) }))));
    }

    function merged() {
      const all = new Set();
      for (const s of selected) for (const t of s.times) all.add(t);
      const xs = Array.from(all).sort((a, b) => a - b);
      const index = new Map(xs.map((t, i) => [t, i]));
      const out = [xs];
      for (const s of selected) {
        const ys = new Array(xs.length).fill(null);
        for (let i = 0; i < s.times.length; i++) ys[index.get(s.times[i])] = s.values[i];
        out.push(ys);
      }
      return out;
    }

    function plotSize() {
      const box = $("#plot");
      return { width: Math.max(200, box.clientWidth), height: Math.max(120, box.clientHeight - 34) };
    }

    function drawLevels(u) {
      const ctx = u.ctx;
      const { left, top, width, height } = u.bbox;
      const warn = cssVar("--c-warn", "#f0b429");
      const crit = cssVar("--c-crit", "#ff5d5d");
      const r = 3.2 * (window.devicePixelRatio || 1);
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      selected.forEach((s, k) => {
        if (u.series[k + 1] && u.series[k + 1].show === false) return;
        const scale = u.series[k + 1] ? u.series[k + 1].scale : scaleKey(s);
        for (let i = 0; i < s.levels.length; i++) {
          const level = s.levels[i];
          if (!level) continue;
          const x = u.valToPos(s.times[i], "x", true);
          if (x < left || x > left + width) continue;
          const y = u.valToPos(s.values[i], scale, true);
          ctx.beginPath();
          ctx.arc(x, y, level >= 2 ? r * 1.25 : r, 0, 2 * Math.PI);
          ctx.fillStyle = level >= 2 ? crit : warn;
          ctx.fill();
        }
      });
      ctx.restore();
    }

    // Telemetry comes in contacts (the loop's windows, passes): a silence longer than this is
    // drawn as a gap, not bridged by a straight line that no sample supports.
    const SILENCE_S = 300;

    function silenceGaps(u, sidx, idx0, idx1) {
      const xs = u.data[0];
      const ys = u.data[sidx];
      const out = [];
      let prev = -1;
      for (let i = idx0; i <= idx1; i++) {
        if (ys[i] === null || ys[i] === undefined) continue;
        if (prev >= 0 && xs[i] - xs[prev] > SILENCE_S) {
          out.push([Math.round(u.valToPos(xs[prev], "x", true)) + 1,
            Math.round(u.valToPos(xs[i], "x", true)) - 1]);
        }
        prev = i;
      }
      return out.sort((a, b) => a[0] - b[0]);
    }

    function buildPlot() {
      const box = $("#plot");
      if (plot) {
        plot.destroy();
        plot = null;
      }
      box.replaceChildren();
      $("#plot-empty").hidden = selected.length > 0;
      if (!selected.length || typeof uPlot === "undefined" || box.clientWidth === 0) return;
      const muted = cssVar("--muted", "#8b95a3");
      const grid = cssVar("--line", "#2a313b");
      const keys = [];
      for (const s of selected) if (!keys.includes(scaleKey(s))) keys.push(scaleKey(s));
      const byKey = (key) => selected.find((s) => scaleKey(s) === key);
      const scales = { x: { time: true } };
      for (const key of keys) {
        const cats = byKey(key).categories;
        scales[key] = cats
          ? { auto: false, range: () => [-0.5, Math.max(0.5, cats.length - 0.5)] }
          : { auto: true };
      }
      const axis = (key, side, showGrid) => {
        const cats = byKey(key).categories;
        const a = {
          scale: key, side, stroke: muted, size: 56, labelSize: 16,
          label: cats ? "" : (key === "-" ? "" : key),
          grid: { show: showGrid, stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 },
          font: "11px sans-serif", labelFont: "11px sans-serif",
        };
        if (cats) {
          a.splits = () => cats.map((_, i) => i);
          a.values = (u, splits) => splits.map((v) => (cats[v] === undefined ? "" : cats[v]));
          a.size = Math.min(140, 16 + 7 * Math.max(4, ...cats.map((c) => c.length)));
        }
        return a;
      };
      const axes = [{
        stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 },
        font: "11px sans-serif", space: 70,
        values: [
          [3600 * 24, "{YYYY}-{MM}-{DD}", null, null, null, null, null, null, 1],
          [3600, "{HH}:{mm}", "\n{YYYY}-{MM}-{DD}", null, "\n{MM}-{DD}", null, null, null, 1],
          [60, "{HH}:{mm}", "\n{YYYY}-{MM}-{DD}", null, "\n{MM}-{DD}", null, null, null, 1],
          [1, "{HH}:{mm}:{ss}", "\n{YYYY}-{MM}-{DD}", null, "\n{MM}-{DD}", null, null, null, 1],
        ],
      }, axis(keys[0], 3, true)];
      if (keys[1]) axes.push(axis(keys[1], 1, false));
      const opts = Object.assign(plotSize(), {
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
        scales,
        axes,
        cursor: { drag: { x: true, y: false }, points: { size: 6 } },
        legend: { live: true },
        series: [{ label: "UTC", value: "{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}" }].concat(selected.map((s) => ({
          label: s.units ? `${s.name} [${s.units}]` : s.name,
          scale: scaleKey(s),
          stroke: s.color,
          width: 1.5,
          // uPlot consults `gaps` only when spanGaps is off; silenceGaps bridges the nulls that
          // merging series with different sample times leaves, and cuts at real silences
          spanGaps: false,
          gaps: silenceGaps,
          points: { show: false },
          paths: s.categories && uPlot.paths && uPlot.paths.stepped
            ? uPlot.paths.stepped({ align: 1 }) : undefined,
          value: (u, v) => {
            if (v === null || v === undefined) return "—";
            if (s.categories) return s.categories[v] === undefined ? String(v) : s.categories[v];
            return fmtNumber(v);
          },
        }))),
        hooks: { draw: [drawLevels] },
      });
      plot = new uPlot(opts, merged(), box);
    }

    function updatePlot() {
      if (!plot) {
        buildPlot();
        return;
      }
      plot.setData(merged());
    }

    function liveData(d) {
      if (!inited || !selected.length) return;
      const names = Array.isArray(d.parameters) ? d.parameters : null;
      for (const s of selected) if (!names || names.includes(s.name)) pendingLive.add(s.name);
      if (!pendingLive.size || liveTimer) return;
      liveTimer = setTimeout(guard(appendLive), 1000);
    }

    async function appendLive() {
      liveTimer = null;
      const names = Array.from(pendingLive);
      pendingLive.clear();
      if (!state.started) return;
      let changed = false;
      let rebuild = false;
      await Promise.all(names.map(async (name) => {
        const s = selected.find((x) => x.name === name);
        if (!s) return;
        const last = s.times.length ? s.times[s.times.length - 1] : null;
        const start = last === null ? rangeStart() : new Date(last * 1000 + 1).toISOString();
        let data;
        try {
          data = await fetchSamples(name, start);
        } catch (e) {
          report(e, name);
          return;
        }
        const times = data.times_s || [];
        const before = s.categories ? s.categories.length : -1;
        for (let i = 0; i < times.length; i++) {
          if (last !== null && times[i] <= last) continue;
          s.times.push(times[i]);
          s.values.push(numeric(s, (data.values || [])[i]));
          s.levels.push((data.levels || [])[i] || 0);
          changed = true;
        }
        if ((s.categories ? s.categories.length : -1) !== before) rebuild = true;
        const span = $("#plot-range").value;
        let cut = s.times.length > MAX_POINTS ? s.times.length - MAX_POINTS : 0;
        if (span !== "all") {
          const oldest = clockNow() / 1000 - Number(span);
          while (cut < s.times.length && s.times[cut] < oldest) cut++;
        }
        if (cut > 0) {
          s.times.splice(0, cut);
          s.values.splice(0, cut);
          s.levels.splice(0, cut);
          changed = true;
        }
      }));
      if (rebuild && selected.length) buildPlot();
      else if (changed && selected.length) updatePlot();
    }

    // ---- alarms
    function renderAlarms() {
      const body = $("#alarms tbody");
      if (!body) return;
      if (state.alarmsError && state.alarmsError.status === 403) {
        body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 6, text: messageOf(state.alarmsError) })));
        return;
      }
      const list = state.alarms.slice().sort((a, b) => Number(a.acknowledged) - Number(b.acknowledged)
        || (b.severity === "critical") - (a.severity === "critical")
        || parseTime(b.raised) - parseTime(a.raised));
      if (!list.length) {
        body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 6, text: "no alarms" })));
      } else {
        const operator = isOperator();
        body.replaceChildren(...list.map((a) => {
          const sev = String(a.severity || "warning");
          const st = String(a.state || "").replace(/\s+/g, "-");
          const button = a.acknowledged ? null : el("button", {
            type: "button", class: "ack", text: "Acknowledge", dataset: { parameter: a.parameter },
            disabled: !operator, hidden: !operator,
            title: operator ? `acknowledge ${a.parameter}` : "needs the operator role",
            onclick: (ev) => acknowledge(a.parameter, ev.currentTarget),
          });
          const ack = a.acknowledged
            ? el("span", { class: "muted", text: a.acknowledged_by ? `✓ ${a.acknowledged_by}` : "✓" })
            : (operator ? button : el("span", { class: "muted" }, "—", button));
          return el("tr", {
            class: `alarm-row alarm-${sev}${a.acknowledged ? " acknowledged" : ""}`,
            dataset: { parameter: a.parameter },
          },
          el("td", { text: a.parameter }),
          el("td", {}, el("span", { class: `badge sev-${sev}`, text: sev })),
          el("td", { class: "nowrap" }, el("span", { class: `sev-${st}`, text: a.state || "" })),
          el("td", { class: "mono", text: fmtNumber(a.value) }),
          el("td", { class: "nowrap", text: sameDay(a.raised) ? fmtTime(a.raised).slice(11) : fmtTime(a.raised, false),
            title: `${fmtTime(a.raised)} UTC` }),
          el("td", { class: "nowrap" }, ack));
        }));
      }
      if (params.length) renderParams();
    }

    async function acknowledge(parameter, button) {
      if (!isOperator()) return;
      if (button) button.disabled = true;
      try {
        await api(`/alarms/${encodeURIComponent(parameter)}/acknowledge`, { method: "POST" });
        toast(`${parameter} acknowledged`, "ok", 3000);
      } catch (e) {
        report(e, `acknowledge ${parameter}`);
        if (button) button.disabled = false;
      }
      refreshAlarms();
    }

    // ---- commanding
    async function loadDefinitions() {
      const sat = $("#command-satellite").value;
      if (!sat) {
        definitions = [];
        renderCommands();
        return;
      }
      if (!defCache.has(sat)) {
        try {
          const data = await api(`/commands/definitions?satellite=${encodeURIComponent(sat)}`);
          defCache.set(sat, (data && data.commands) || []);
        } catch (e) {
          definitions = [];
          renderCommands();
          if (e.status === 403) {
            $("#command-description").textContent = messageOf(e);
            return;
          }
          throw e;
        }
      }
      definitions = defCache.get(sat);
      renderCommands();
    }

    function renderCommands() {
      const select = $("#command-name");
      const before = select.value;
      select.replaceChildren(...definitions.map((d) => el("option", { value: d.name, text: d.name })));
      if (definitions.some((d) => d.name === before)) select.value = before;
      renderArgs();
    }

    function argInput(a) {
      const id = `arg-${a.name}`;
      const type = String(a.type || "").toLowerCase();
      const common = { id, name: a.name, dataset: { arg: a.name, type } };
      if (Array.isArray(a.choices) && a.choices.length) {
        const select = el("select", Object.assign({}, common, { dataset: { arg: a.name, type: "choice" } }),
          ...a.choices.map((c, i) => el("option", { value: String(i), text: String(c) })));
        const d = a.choices.findIndex((c) => c === a.default);
        if (d >= 0) select.value = String(d);
        return select;
      }
      if (["bool", "boolean"].includes(type)) {
        const select = el("select", Object.assign({}, common, { dataset: { arg: a.name, type: "bool" } }),
          el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
        select.value = a.default === true ? "true" : "false";
        return select;
      }
      const numeric = /int|float|double|number|real|uint|decimal/.test(type)
        || typeof a.min === "number" || typeof a.max === "number";
      if (numeric) {
        const integer = /int/.test(type);
        return el("input", Object.assign({}, common, {
          type: "number", inputmode: integer ? "numeric" : "decimal",
          step: integer ? "1" : "any",
          min: typeof a.min === "number" ? a.min : null,
          max: typeof a.max === "number" ? a.max : null,
          value: a.default === null || a.default === undefined ? "" : a.default,
          dataset: { arg: a.name, type: integer ? "int" : "float" },
        }));
      }
      return el("input", Object.assign({}, common, {
        type: "text", value: a.default === null || a.default === undefined ? "" : a.default,
        dataset: { arg: a.name, type: "text" },
      }));
    }

    function currentDefinition() {
      const name = $("#command-name").value;
      return definitions.find((d) => d.name === name) || null;
    }

    function renderArgs() {
      const def = currentDefinition();
      $("#command-description").textContent = def ? def.description || "" : "no commands";
      const box = $("#command-args");
      const args = (def && def.arguments) || [];
      box.replaceChildren(...args.map((a) => {
        const range = typeof a.min === "number" || typeof a.max === "number"
          ? `${a.min ?? ""}..${a.max ?? ""}${a.units ? ` ${a.units}` : ""}` : (a.units || "");
        return el("div", { class: "arg" },
          el("label", { for: `arg-${a.name}`, text: a.name }),
          argInput(a),
          el("span", { class: "range", text: range }));
      }));
      $("#command-send").disabled = !def || !isOperator();
    }

    function collectArgs(def) {
      const out = {};
      for (const input of $("#command-args").querySelectorAll("[data-arg]")) {
        const name = input.dataset.arg;
        const type = input.dataset.type;
        const a = (def.arguments || []).find((x) => x.name === name) || {};
        const raw = input.value;
        if (type === "choice") out[name] = a.choices[Number(raw)];
        else if (type === "bool") out[name] = raw === "true";
        else if (type === "int" || type === "float") {
          if (raw.trim() === "") continue;
          const n = Number(raw);
          out[name] = isFinite(n) ? n : raw;
        } else if (raw !== "") out[name] = raw;
      }
      return out;
    }

    async function sendCommand(ev) {
      ev.preventDefault();
      const result = $("#command-result");
      if (!isOperator()) {
        result.className = "result-line error";
        result.textContent = "commanding needs the operator role";
        return;
      }
      const def = currentDefinition();
      const satellite = $("#command-satellite").value;
      if (!def || !satellite) return;
      const body = { satellite, command: def.name, arguments: collectArgs(def) };
      const button = $("#command-send");
      button.disabled = true;
      result.className = "result-line";
      result.textContent = "sending…";
      try {
        const answer = await api("/commands", { method: "POST", body });
        result.className = "result-line ok";
        result.textContent = `${def.name} → ${satellite}: ${answer && answer.status ? answer.status : "accepted"}`
          + (answer && answer.id ? ` (id ${answer.id})` : "");
        touchHistory();
      } catch (e) {
        result.className = "result-line error";
        result.textContent = e.status >= 400 && e.status < 500 ? messageOf(e) : `error: ${messageOf(e)}`;
      } finally {
        button.disabled = false;
      }
    }

    async function refreshHistory() {
      const body = $("#command-history tbody");
      let list;
      try {
        const data = await api("/commands");
        list = (data && data.commands) || [];
      } catch (e) {
        body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 5, text: messageOf(e) })));
        if (e.status !== 403) throw e;
        return;
      }
      list.sort((a, b) => parseTime(b.time) - parseTime(a.time));
      if (!list.length) {
        body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 5, text: "no commands yet" })));
        return;
      }
      body.replaceChildren(...list.slice(0, 300).map((c) => {
        const args = Object.entries(c.arguments || {}).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ");
        const status = String(c.status || "");
        const stages = (c.stages || []).map((s) => el("span", {
          class: `stage s-${String(s.status || "").replace(/\s+/g, "-")}`,
          title: `${s.stage}: ${s.status}${s.time ? ` at ${fmtTime(s.time)}` : ""}`,
        }));
        return el("tr", { class: "command-row", dataset: { id: c.id } },
          el("td", { class: "nowrap mono", text: fmtTime(c.time).slice(11), title: `${c.id || ""} · ${fmtTime(c.time)} UTC` }),
          el("td", { class: "nowrap", text: c.satellite || "" }),
          el("td", { class: "cmd" }, el("div", { class: "mono", text: c.command || "" }),
            args ? el("div", { class: "cmd-args ellipsis", text: args, title: args }) : null),
          el("td", { text: c.by || "" }),
          el("td", { class: "nowrap" }, el("span", { class: `badge status-${status.replace(/\s+/g, "-")}`, text: status }),
            el("div", { class: "stages" }, stages)));
      }));
    }

    const touchHistory = debounce(() => {
      if (inited && state.started) return refreshHistory();
      return undefined;
    }, 400);

    return {
      init, load, liveData, renderAlarms, touchHistory,
      shown() {
        if (plot) plot.setSize(plotSize());
        else if (selected.length) buildPlot();
      },
      resized() { if (plot) plot.setSize(plotSize()); },
    };
  })();

  // ================================================================== ORDERS AND CATALOG
  const orders = (function () {
    let lastSearch = null;
    let collectionsLoaded = false;
    let productsLoaded = false;
    let freshOrder = null; // the order just placed from the form: highlighted in the table
    let freshFlash = false; // ... and flashed once, when it first appears

    function init() {
      initOrderForm();
      $("#catalog-form").addEventListener("submit", guard((ev) => {
        ev.preventDefault();
        return search(readForm());
      }));
      $("#catalog-use-map").addEventListener("click", guard(() => {
        const bbox = map.viewBbox();
        $("#catalog-bbox").value = (bbox || [-180, -90, 180, 90]).join(",");
      }));
      $("#item-close").addEventListener("click", guard(closeItem));
      document.addEventListener("keydown", (ev) => {
        if (ev.key === "Escape" && !$("#item-panel").hidden) closeItem();
      });
    }

    async function load() {
      const jobs = [loadOrders(), search(lastSearch || {})];
      if (!collectionsLoaded) jobs.push(loadCollections());
      if (!productsLoaded) jobs.push(loadProducts());
      const results = await Promise.allSettled(jobs);
      for (const r of results) if (r.status === "rejected") report(r.reason, "orders");
    }

    function itemLink(order) {
      const links = [].concat(order.links || [],
        (order.properties && order.properties.status && order.properties.status.links) || []);
      const link = links.find((l) => l && l.rel === "item" && l.href);
      return link ? link.href : null;
    }

    async function loadOrders() {
      const body = $("#orders-table tbody");
      const all = [];
      let url = `${PREFIX}/orders?limit=100`;
      try {
        for (let page = 0; url && page < 50; page++) {
          const fc = await request(url);
          all.push(...((fc && fc.features) || []));
          const next = ((fc && fc.links) || []).find((l) => l && l.rel === "next" && l.href);
          url = next ? sameOrigin(next.href) : null;
        }
      } catch (e) {
        if (!all.length) {
          body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 7, text: messageOf(e) })));
          if (e.status === 403) return;
        }
        throw e;
      }
      all.sort((a, b) => parseTime((b.properties || {}).created) - parseTime((a.properties || {}).created));
      $("#orders-count").textContent = `${all.length} order${all.length === 1 ? "" : "s"}`;
      if (!all.length) {
        body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 7, text: "no orders" })));
        return;
      }
      body.replaceChildren(...all.map((o) => {
        const p = o.properties || {};
        const st = p.status || {};
        const code = String(st.status_code || "unknown");
        const href = itemLink(o);
        const id = String(o.id || "");
        // the STAC item of a completed order: opens in the side panel
        const link = href ? el("a", {
          class: "item-link", href, text: "item ›", title: href,
          onclick: (ev) => {
            ev.preventDefault();
            return openItemHref(href);
          },
        }) : "";
        const mine = freshOrder && id === freshOrder;
        const flash = mine && freshFlash;
        return el("tr", { class: `order-row${mine ? " active" : ""}${flash ? " fresh" : ""}`, dataset: { id, status: code } },
          el("td", { class: "nowrap", text: id.length > 14 ? `${id.slice(0, 8)}…` : id, title: id }),
          el("td", { text: p.product_id || "" }),
          el("td", { text: p["zorka:user"] || "" }),
          el("td", { class: "nowrap", text: fmtTime(p.created, false), title: p.created || "" }),
          el("td", {}, el("span", { class: `badge status-${code}`, text: code, title: st.timestamp ? `since ${fmtTime(st.timestamp)} UTC` : null })),
          el("td", { class: "ellipsis reason", text: st.reason_text || "", title: st.reason_text || "" }),
          el("td", { class: "nowrap" }, link));
      }));
    }

    // ---- the new-order form (STAPI: /products, order-parameters, opportunities, orders)
    const FOLD_KEY = "zorka.console.orderFormFolded";
    const SEARCH_DAYS = 14; // the tasking API's longest opportunity search
    const ORDER_DAYS = 62; // and longest order window
    let products = [];
    const paramSchemas = new Map(); // product id -> [{name, type, min, max, ...}]
    let busy = false;

    function canOrder() {
      return !!state.me && (state.me.role === "customer" || state.me.role === "operator");
    }

    function isoMinute(ms) {
      return `${fmtTime(ms, false).replace(" ", "T")}Z`;
    }

    function defaultWindow(force) {
      // the ground segment's clock, not the browser's: now → now + 48 h, to the minute
      const t0 = Math.floor(clockNow() / 60e3) * 60e3;
      for (const [id, t] of [["#order-start", t0], ["#order-end", t0 + 48 * HOUR]]) {
        const input = $(id);
        if (force || input.dataset.auto === "1" || !input.value.trim()) {
          input.value = isoMinute(t);
          input.dataset.auto = "1";
        }
      }
    }

    function initOrderForm() {
      const panel = $("#order-panel");
      const folded = (() => {
        try {
          return window.localStorage.getItem(FOLD_KEY) === "1";
        } catch (e) {
          return false;
        }
      })();
      setFolded(folded);
      $("#order-toggle").addEventListener("click", guard(() => {
        const now = !panel.classList.contains("folded");
        setFolded(now);
        try {
          window.localStorage.setItem(FOLD_KEY, now ? "1" : "0");
        } catch (e) {
          // no storage: the panel folds for this page only
        }
      }));
      const allowed = canOrder();
      $("#order-submit").disabled = !allowed;
      $("#order-submit").title = allowed ? "place the order" : "placing orders needs a customer or operator account";
      $("#order-note").hidden = allowed;
      defaultWindow(true);
      for (const id of ["#order-start", "#order-end"]) {
        $(id).addEventListener("input", (ev) => { ev.currentTarget.dataset.auto = ""; });
      }
      for (const id of ["#order-lon", "#order-lat", "#order-bbox"]) {
        $(id).addEventListener("input", guard(targetNote));
      }
      $("#order-product").addEventListener("change", guard(() => loadParams($("#order-product").value)));
      $("#order-form").addEventListener("submit", guard((ev) => {
        ev.preventDefault();
        return placeOrder();
      }));
      $("#order-opportunities").addEventListener("click", guard(findOpportunities));
      $("#order-pick").addEventListener("click", guard(pickOnMap));
      targetNote();
    }

    function setFolded(folded) {
      $("#order-panel").classList.toggle("folded", folded);
      $("#order-body").hidden = folded;
      $("#order-toggle").setAttribute("aria-expanded", folded ? "false" : "true");
    }

    function shown() {
      defaultWindow(false); // untouched defaults follow the clock
    }

    function pickOnMap() {
      let near = null;
      try {
        near = readPoint(false);
      } catch (e) {
        near = null;
      }
      map.pick((lon, lat) => {
        $("#order-lon").value = String(lon);
        $("#order-lat").value = String(lat);
        targetNote();
        location.hash = "#/orders";
        toast(`order target: ${lon}, ${lat}`, "ok", 3000);
      }, () => {
        location.hash = "#/orders";
      }, near);
      location.hash = "#/map";
    }

    async function loadProducts() {
      const data = await request(`${PREFIX}/products`);
      products = (data && data.products) || [];
      productsLoaded = true;
      const select = $("#order-product");
      const keep = select.value;
      select.replaceChildren(...products.map((p) => el("option", {
        value: p.id, text: p.id, title: p.title || p.description || p.id,
      })));
      if (products.some((p) => p.id === keep)) select.value = keep;
      if (!products.length) {
        select.replaceChildren(el("option", { value: "", text: "no products" }));
        return;
      }
      await loadParams(select.value);
    }

    function numberBranch(schema) {
      // the number in {"anyOf": [{"type": "number", ...}, {"type": "null"}]} (pydantic's Optional)
      const branches = Array.isArray(schema.anyOf) ? schema.anyOf : [schema];
      return branches.find((b) => b && (b.type === "number" || b.type === "integer"))
        || branches.find((b) => b && b.type && b.type !== "null") || {};
    }

    function paramLabel(name) {
      const units = { deg: "°", pct: "%", m: "m", km: "km", s: "s" };
      const parts = name.split("_");
      const unit = units[parts[parts.length - 1]];
      if (unit) parts.pop();
      const text = parts.join(" ").replace(/\bmin\b/, "min.").replace(/\bmax\b/, "max.")
        .replace(/\belevation\b/, "elev.").replace(/\boff nadir\b/, "off-nadir");
      return `${text.charAt(0).toUpperCase()}${text.slice(1)}${unit ? ` (${unit})` : ""}`;
    }

    async function loadParams(productId) {
      if (!productId) return;
      if (!paramSchemas.has(productId)) {
        const schema = await request(`${PREFIX}/products/${encodeURIComponent(productId)}/order-parameters`);
        const props = (schema && schema.properties) || {};
        paramSchemas.set(productId, Object.entries(props).map(([name, p]) => {
          const b = numberBranch(p || {});
          const num = (v) => (typeof v === "number" ? v : null);
          return {
            name,
            type: b.type || "string",
            choices: Array.isArray(b.enum) ? b.enum : null,
            min: num(b.minimum) ?? num(b.exclusiveMinimum),
            max: num(b.maximum) ?? num(b.exclusiveMaximum),
            exclusiveMin: typeof b.exclusiveMinimum === "number",
            exclusiveMax: typeof b.exclusiveMaximum === "number",
            default: p && p.default !== undefined ? p.default : b.default,
            description: (p && (p.description || p.title)) || name,
          };
        }));
      }
      renderParams(paramSchemas.get(productId));
    }

    function rangeText(a) {
      if (a.min === null && a.max === null) return "";
      const lo = a.min === null ? "" : `${a.exclusiveMin ? ">" : ""}${a.min}`;
      const hi = a.max === null ? "" : `${a.exclusiveMax ? "<" : ""}${a.max}`;
      return `${lo}…${hi}`;
    }

    function renderParams(list) {
      const box = $("#order-params");
      const before = {};
      for (const input of box.querySelectorAll("[data-param]")) before[input.dataset.param] = input.value;
      box.replaceChildren(...list.map((a) => {
        const id = `order-param-${a.name}`;
        const range = rangeText(a);
        const title = `${a.description}${range ? ` (${range})` : ""}; empty: no limit`;
        let input;
        if (a.choices || a.type === "boolean") {
          const choices = a.choices || [true, false];
          input = el("select", { id, name: a.name, title, dataset: { param: a.name, type: "choice" } },
            el("option", { value: "", text: "any" }),
            ...choices.map((c, i) => el("option", { value: String(i), text: String(c) })));
          const d = choices.findIndex((c) => c === a.default);
          input.value = d >= 0 ? String(d) : "";
        } else if (a.type === "number" || a.type === "integer") {
          input = el("input", {
            id, name: a.name, type: "number", title, inputmode: "decimal",
            step: a.type === "integer" ? "1" : "any",
            min: a.min, max: a.max, placeholder: "any",
            value: typeof a.default === "number" ? a.default : "",
            dataset: { param: a.name, type: a.type },
          });
        } else {
          input = el("input", {
            id, name: a.name, title, placeholder: "any",
            value: a.default === null || a.default === undefined ? "" : a.default,
            dataset: { param: a.name, type: "text" },
          });
        }
        if (before[a.name] !== undefined && input.tagName === "INPUT") input.value = before[a.name];
        return el("div", { class: "field f-param" },
          el("label", { for: id, text: paramLabel(a.name), title }),
          input);
      }));
    }

    function readParams() {
      const out = {};
      const list = paramSchemas.get($("#order-product").value) || [];
      for (const input of $("#order-params").querySelectorAll("[data-param]")) {
        const a = list.find((x) => x.name === input.dataset.param) || { name: input.dataset.param };
        const raw = input.value.trim();
        if (input.validity && input.validity.badInput) throw new Error(`${paramLabel(a.name)}: not a number`);
        if (raw === "") continue;
        if (input.dataset.type === "choice") {
          out[a.name] = (a.choices || [true, false])[Number(raw)];
          continue;
        }
        if (input.dataset.type === "text") {
          out[a.name] = raw;
          continue;
        }
        const n = Number(raw);
        const label = paramLabel(a.name);
        if (!isFinite(n)) throw new Error(`${label}: not a number`);
        if (input.dataset.type === "integer" && !Number.isInteger(n)) throw new Error(`${label}: a whole number`);
        if (a.min !== null && a.min !== undefined && (a.exclusiveMin ? n <= a.min : n < a.min)) {
          throw new Error(`${label}: must be ${a.exclusiveMin ? "above" : "at least"} ${a.min}`);
        }
        if (a.max !== null && a.max !== undefined && (a.exclusiveMax ? n >= a.max : n > a.max)) {
          throw new Error(`${label}: must be ${a.exclusiveMax ? "below" : "at most"} ${a.max}`);
        }
        out[a.name] = n;
      }
      return out;
    }

    function readBbox() {
      const text = $("#order-bbox").value.trim();
      if (!text) return null;
      const nums = text.split(/[\s,;]+/).filter(Boolean).map(Number);
      if (nums.length !== 4 || nums.some((n) => !isFinite(n))) {
        throw new Error("area: four numbers west,south,east,north (or leave it empty to order the point)");
      }
      const [w, s, e, n] = nums;
      if (w < -180 || e > 180 || s < -90 || n > 90) throw new Error("area: longitudes within -180..180, latitudes within -90..90");
      if (w >= e) throw new Error("area: west must be less than east");
      if (s >= n) throw new Error("area: south must be less than north");
      if (e - w > 180) throw new Error("area: at most 180° of longitude wide");
      return [w, s, e, n];
    }

    function readPoint(required) {
      const lonInput = $("#order-lon");
      const latInput = $("#order-lat");
      const lonText = lonInput.value.trim();
      const latText = latInput.value.trim();
      if (lonInput.validity.badInput || latInput.validity.badInput) throw new Error("lon/lat: numbers in degrees");
      if (!lonText && !latText && !required) return null;
      if (!lonText || !latText) throw new Error("target: give lon and lat (or pick them on the map), or an area");
      const lon = Number(lonText);
      const lat = Number(latText);
      if (!isFinite(lon) || lon < -180 || lon > 180) throw new Error("lon: degrees east, within -180..180");
      if (!isFinite(lat) || lat < -90 || lat > 90) throw new Error("lat: degrees north, within -90..90");
      return [lon, lat];
    }

    function readGeometry() {
      const bbox = readBbox();
      if (bbox) {
        const [w, s, e, n] = bbox;
        return { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
      }
      return { type: "Point", coordinates: readPoint(true) };
    }

    function targetNote() {
      // which geometry the form would send, in a word
      const note = $("#order-target-note");
      let bbox = null;
      let point = null;
      try {
        bbox = readBbox();
      } catch (e) {
        bbox = null;
      }
      try {
        point = readPoint(false);
      } catch (e) {
        point = null;
      }
      const usingArea = !!bbox;
      $("#order-lon").classList.toggle("dimmed", usingArea);
      $("#order-lat").classList.toggle("dimmed", usingArea);
      if (bbox) {
        const [w, s, e, n] = bbox;
        const mid = ((s + n) / 2) * Math.PI / 180;
        const km = (deg) => deg * 111.32;
        note.textContent = `area ${fmtNumber(e - w, 3)}° × ${fmtNumber(n - s, 3)}° (≈ ${Math.round(km(e - w) * Math.cos(mid))} × ${Math.round(km(n - s))} km)`;
      } else if (point) {
        note.textContent = `point ${fmtNumber(point[0], 4)}°E ${fmtNumber(point[1], 4)}°N`;
      } else note.textContent = "";
    }

    function readWindow(longestDays) {
      const start = utc($("#order-start").value, "window start");
      const end = utc($("#order-end").value, "window end");
      if (!start || !end) throw new Error("window: give a start and an end (UTC)");
      const t0 = Date.parse(start);
      const t1 = Date.parse(end);
      if (t1 <= t0) throw new Error("window: the end must come after the start");
      if (t1 - t0 > longestDays * 24 * HOUR) {
        throw new Error(`window: at most ${longestDays} days${longestDays === SEARCH_DAYS ? " for an opportunity search" : ""}`);
      }
      return `${start}/${end}`;
    }

    function readOrder(longestDays) {
      const productId = $("#order-product").value;
      if (!productId) throw new Error("product: none to order (the products did not load)");
      return {
        productId,
        body: { geometry: readGeometry(), datetime: readWindow(longestDays), order_parameters: readParams() },
      };
    }

    function setResult(kind, ...children) {
      const line = $("#order-result");
      line.className = `result-line${kind ? ` ${kind}` : ""}`;
      line.replaceChildren(...children);
    }

    function setBusy(value) {
      busy = value;
      $("#order-opportunities").disabled = value;
      $("#order-submit").disabled = value || !canOrder();
    }

    async function findOpportunities() {
      if (busy) return;
      let req;
      try {
        req = readOrder(SEARCH_DAYS);
      } catch (e) {
        setResult("error", messageOf(e));
        return;
      }
      const box = $("#opportunities-box");
      const body = $("#opportunities tbody");
      const emptyRow = (text, cls) => el("tr", {}, el("td", { class: `empty${cls ? ` ${cls}` : ""}`, colspan: 6, text }));
      box.hidden = false;
      body.replaceChildren(emptyRow("searching…"));
      setResult("", "");
      setBusy(true);
      let fc;
      try {
        fc = await request(`${PREFIX}/products/${encodeURIComponent(req.productId)}/opportunities`, {
          method: "POST", body: Object.assign({ limit: 50 }, req.body),
        });
      } catch (e) {
        body.replaceChildren(emptyRow(messageOf(e), "error"));
        return;
      } finally {
        setBusy(false);
      }
      const list = (fc && fc.features) || [];
      if (!list.length) {
        const reason = fc && fc["zorka:reason"];
        body.replaceChildren(emptyRow(reason ? `no opportunity: ${reason}` : "no opportunity"));
        return;
      }
      const deg = (v) => (typeof v === "number" ? `${fmtNumber(v, 1)}°` : "—");
      body.replaceChildren(...list.map((f) => {
        const p = f.properties || {};
        const [a, b] = String(p.datetime || "").split("/");
        const t0 = parseTime(a);
        const t1 = parseTime(b);
        const secs = isFinite(t0) && isFinite(t1) ? Math.round((t1 - t0) / 1000) : null;
        const satellite = p.platform || p["zorka:satellite"] || p.constellation || "—";
        const best = p["zorka:best_time"] ? `best at ${fmtTime(p["zorka:best_time"])} UTC` : "";
        return el("tr", { class: "opportunity-row", dataset: { start: a || "", end: b || "" }, title: best || null },
          el("td", { text: satellite }),
          el("td", { class: "nowrap mono", text: fmtTime(t0), title: p.datetime || "" }),
          el("td", { class: "nowrap", text: secs === null ? "—" : `${secs} s` }),
          el("td", { text: deg(p["view:off_nadir"]) }),
          el("td", { text: deg(p["view:sun_elevation"]) }),
          el("td", { class: "nowrap", text: typeof p.gsd === "number" ? `${fmtNumber(p.gsd, 2)} m` : "—" }));
      }));
    }

    async function placeOrder() {
      if (busy) return;
      if (!canOrder()) {
        setResult("error", "placing orders needs a customer or operator account");
        return;
      }
      let req;
      try {
        req = readOrder(ORDER_DAYS);
      } catch (e) {
        setResult("error", messageOf(e));
        return;
      }
      setResult("", "placing the order…");
      setBusy(true);
      let order;
      try {
        order = await request(`${PREFIX}/products/${encodeURIComponent(req.productId)}/orders`, {
          method: "POST", body: req.body,
        });
      } catch (e) {
        setResult("error", messageOf(e)); // the API's description, as it came
        return;
      } finally {
        setBusy(false);
      }
      const st = (order && order.properties && order.properties.status) || {};
      const code = String(st.status_code || "received");
      const id = String((order && order.id) || "");
      setResult(code === "rejected" ? "error" : "ok",
        "Order ", el("span", { class: "order-id", text: id }),
        el("span", { class: `badge status-${code}`, text: code }),
        st.reason_text ? el("span", { class: "why", text: `· ${st.reason_text}` }) : "");
      freshOrder = id;
      freshFlash = true;
      try {
        await loadOrders();
      } finally {
        freshFlash = false;
      }
      const row = id ? $(`#orders-table tr.order-row[data-id="${CSS.escape(id)}"]`) : null;
      if (row) row.scrollIntoView({ block: "nearest" });
      views.map.touch();
    }

    async function loadCollections() {
      let data;
      try {
        data = await request(`${PREFIX}/collections`);
      } catch (e) {
        return; // the select keeps "all collections"
      }
      collectionsLoaded = true;
      const select = $("#catalog-collection");
      const keep = select.value;
      select.replaceChildren(el("option", { value: "", text: "all collections" }),
        ...((data && data.collections) || []).map((c) => el("option", { value: c.id, text: c.title && c.title !== c.id ? `${c.id} — ${c.title}` : c.id })));
      select.value = keep;
    }

    function utc(value, label) {
      // accepts 2024-09-05, 2024-09-05T10:00, 2024-09-05 10:00:30, with or without Z
      const v = value.trim();
      if (!v) return null;
      const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d)(:\d\d(?:\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/i.exec(v);
      if (!m || !isFinite(Date.parse(`${m[1]}T${m[2] || "00:00"}${m[3] || ":00"}Z`))) {
        throw new Error(`${label}: a UTC date and time like 2024-09-05T10:00`);
      }
      if (m[4] && m[4].toUpperCase() !== "Z") return new Date(Date.parse(v.replace(" ", "T"))).toISOString();
      return `${m[1]}T${m[2] || "00:00"}${m[3] || ":00"}Z`;
    }

    function readForm() {
      const query = {};
      const bbox = $("#catalog-bbox").value.trim();
      if (bbox) {
        const nums = bbox.split(/[\s,]+/).filter(Boolean).map(Number);
        if (nums.length !== 4 || nums.some((n) => !isFinite(n))) {
          throw new Error("bbox: four numbers, west,south,east,north");
        }
        query.bbox = nums.join(",");
      }
      const start = utc($("#catalog-start").value, "from");
      const end = utc($("#catalog-end").value, "to");
      if (start || end) query.datetime = `${start || ".."}/${end || ".."}`;
      const collection = $("#catalog-collection").value;
      if (collection) query.collections = collection;
      return query;
    }

    async function search(query) {
      lastSearch = query;
      const q = new URLSearchParams(Object.assign({ limit: "100" }, query));
      const body = $("#catalog-results tbody");
      let fc;
      try {
        fc = await request(`${PREFIX}/search?${q}`);
      } catch (e) {
        body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 5, text: messageOf(e) })));
        $("#catalog-count").textContent = "";
        if (e.status === 403) return;
        throw e;
      }
      const items = (fc && fc.features) || [];
      const more = ((fc && fc.links) || []).some((l) => l && l.rel === "next");
      const matched = fc && typeof fc.numberMatched === "number" && fc.numberMatched > items.length
        ? ` of ${fc.numberMatched}` : "";
      $("#catalog-count").textContent = `${items.length}${matched} item${items.length === 1 ? "" : "s"}${more ? " (more available: narrow the search)" : ""}`;
      if (!items.length) {
        body.replaceChildren(el("tr", {}, el("td", { class: "empty", colspan: 5, text: "no items match" })));
        return;
      }
      body.replaceChildren(...items.map((it) => {
        const p = it.properties || {};
        const thumb = thumbnailOf(it);
        const cloud = p["eo:cloud_cover"];
        return el("tr", { class: "item-row", dataset: { id: it.id, collection: it.collection || "" },
          onclick: (ev) => { markActive(ev.currentTarget); showItem(it); } },
        el("td", {}, thumb ? el("img", { class: "thumb", src: thumb, alt: "", loading: "lazy" }) : el("div", { class: "thumb-none" })),
        el("td", { class: "mono ellipsis item-id", text: it.id, title: it.id }),
        el("td", { class: "ellipsis item-collection", text: it.collection || "", title: it.collection || "" }),
        el("td", { class: "nowrap", text: fmtTime(p.datetime || p.start_datetime, false) }),
        el("td", { text: typeof cloud === "number" ? `${fmtNumber(cloud, 1)}%` : "—" }));
      }));
    }

    function markActive(row) {
      document.querySelectorAll("tr.item-row.active").forEach((r) => r.classList.remove("active"));
      if (row) row.classList.add("active");
    }

    function thumbnailOf(item) {
      const assets = item.assets || {};
      if (assets.thumbnail && assets.thumbnail.href) return assets.thumbnail.href;
      for (const a of Object.values(assets)) {
        if (a && a.href && Array.isArray(a.roles) && a.roles.includes("thumbnail")) return a.href;
      }
      return null;
    }

    async function openItemHref(href) {
      const panel = $("#item-panel");
      panel.hidden = false;
      $("#item-title").textContent = "loading…";
      $("#item-body").replaceChildren();
      let item;
      try {
        item = await request(sameOrigin(href));
      } catch (e) {
        $("#item-title").textContent = "item";
        $("#item-body").replaceChildren(el("p", { class: "error-line", text: messageOf(e) }));
        return;
      }
      showItem(item);
    }

    function showItem(item) {
      const panel = $("#item-panel");
      panel.hidden = false;
      panel.dataset.item = item.id || "";
      $("#item-title").textContent = item.id || "item";
      const p = item.properties || {};
      const thumb = thumbnailOf(item);
      const rows = [
        ["collection", item.collection],
        ["datetime", p.datetime ? `${fmtTime(p.datetime)} UTC` : null],
        ["platform", p.platform],
        ["instrument", Array.isArray(p.instruments) ? p.instruments.join(", ") : p.instruments],
        ["level", p["processing:level"] || p.level],
        ["cloud cover", typeof p["eo:cloud_cover"] === "number" ? `${fmtNumber(p["eo:cloud_cover"], 1)}%` : null],
        ["gsd", typeof p.gsd === "number" ? `${fmtNumber(p.gsd, 2)} m` : null],
        ["bbox", Array.isArray(item.bbox) ? item.bbox.map((v) => fmtNumber(v, 3)).join(", ") : null],
        ["assets", Object.keys(item.assets || {}).join(", ")],
      ].filter(([, v]) => v !== null && v !== undefined && v !== "");
      const self = (item.links || []).find((l) => l.rel === "self");
      $("#item-body").replaceChildren(
        thumb ? el("img", { class: "preview", src: thumb, alt: `quick-look of ${item.id}` }) : null,
        el("table", { class: "props" }, ...rows.map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", { text: String(v) })))),
        el("div", { class: "actions" },
          Array.isArray(item.bbox) ? el("button", { type: "button", text: "Show on map", onclick: () => {
            location.hash = "#/map";
            setTimeout(guard(() => map.fitBbox(item.bbox)), 60);
          } }) : null,
          self ? el("a", { href: self.href, target: "_blank", rel: "noopener", text: "Open JSON ↗" }) : null),
        el("pre", { class: "item-json", text: JSON.stringify(item, null, 2) }));
    }

    function closeItem() {
      $("#item-panel").hidden = true;
      markActive(null);
    }

    return { init, load, shown };
  })();

  // ------------------------------------------------------------------ wiring
  const views = {
    map: makeView("map", { init: map.init, load: map.load, shown: map.shown, resized: map.resized }),
    timeline: makeView("timeline", {
      init: timeline.init, load: timeline.load, shown: timeline.shown, resized: timeline.resized,
    }),
    telemetry: makeView("telemetry", {
      init: telemetry.init, load: telemetry.load, shown: telemetry.shown, resized: telemetry.resized,
    }),
    orders: makeView("orders", { init: orders.init, load: orders.load, shown: orders.shown }),
  };

  function start() {
    guard(boot)();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
