/* Siaga112 supervisor dashboard and executive view (an ES module).
 * Every figure comes from GET /api/v1/kpis; domain events arriving over Socket.IO
 * trigger a debounced re-fetch. Data is written with textContent only (never innerHTML). */

import { fetchKpis } from "./api.js";
import { $, jsonBlock } from "./dom.js";
import { makeNames } from "./labels.js";
import { makeRenderers } from "./render.js";
import { createRefresher } from "./timers.js";

const LIVE_EVENTS = [
  "IncidentCreated", "IncidentUpdated", "IncidentClosed", "UnitDispatched",
  "UnitStatusChanged", "OrderAcknowledged", "OrderDeclined", "OrderResent",
  "OrderUnacknowledged", "UnitRegistered", "ComplaintEscalated", "ComplaintStatusChanged"
];
const DEBOUNCE_MS = 800;
const PERIODIC_MS = 30000;

// "Today" is the city's (static/common/citytime.js, a classic script loaded first), on the
// server's clock: never the browser's own date, another day for seven hours of every night.
const SiagaTime = globalThis.SiagaTime;

function start(root) {
  const PAGE = root.dataset.page;
  const API = root.dataset.api;
  const EXPORT = root.dataset.export;
  const DEFAULT_DAYS = parseInt(root.dataset.defaultDays || "0", 10);
  const R = makeRenderers(makeNames(jsonBlock("dash-strings")));
  const state = { data: null, qs: "", refreshes: 0 };

  function query() {
    const p = new URLSearchParams();
    const from = $("f-from").value;
    const to = $("f-to").value;
    if (from) { p.set("from", from); }
    if (to) { p.set("to", to); }
    if ($("f-category").value) { p.set("category", $("f-category").value); }
    if ($("f-district").value) { p.set("district", $("f-district").value); }
    if ($("f-exercise").checked) { p.set("include_exercise", "1"); }
    return p.toString();
  }
  function updateLinks() {
    document.querySelectorAll("a.csv[data-table]").forEach((a) => {
      a.href = EXPORT.replace("TABLE", encodeURIComponent(a.dataset.table)) + (state.qs ? "?" + state.qs : "");
    });
  }
  function render(data) {
    R.renderPhases(data);
    if (PAGE === "executive") {
      R.renderExecutive(data);
    } else {
      R.renderBoard(data);
      R.renderBreakdown(data, updateLinks);
    }
    R.renderComplaints(data);
    R.renderHourAndTrend(data, (d) => SiagaTime.formatDate(d));
    $("updated").textContent = SiagaTime.formatDateTime(data.generated_at, { seconds: true });
    $("updated").dateTime = data.generated_at;
    state.refreshes += 1;
    root.dataset.refreshes = String(state.refreshes);
  }

  async function load(userAction) {
    const qs = query();
    state.qs = qs;
    updateLinks();
    if (userAction && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
    }
    try {
      const body = await fetchKpis(API + (qs ? "?" + qs : ""));
      $("error").textContent = "";
      SiagaTime.sync(body.generated_at);
      state.data = body;
      render(body);
    } catch (err) {
      $("error").textContent = "Gagal memuat / Failed to load: " + err.message;
    }
  }
  const refresher = createRefresher(load, { debounceMs: DEBOUNCE_MS });

  function initFilters() {
    const p = new URLSearchParams(window.location.search);
    if (p.get("from")) { $("f-from").value = p.get("from").slice(0, 10); }
    if (p.get("to")) { $("f-to").value = p.get("to").slice(0, 10); }
    if (!p.get("from") && !p.get("to")) {
      const today = SiagaTime.today();
      $("f-to").value = today;
      $("f-from").value = SiagaTime.addDays(today, -DEFAULT_DAYS);
    }
    $("f-category").value = p.get("category") || "";
    $("f-district").value = p.get("district") || "";
    $("f-exercise").checked = p.get("include_exercise") === "1";
    document.querySelectorAll("[data-preset]").forEach((b) => {
      b.addEventListener("click", () => {
        const today = SiagaTime.today();
        $("f-to").value = today;
        $("f-from").value = SiagaTime.addDays(today, -parseInt(b.dataset.preset, 10));
        refresher.now(true);
      });
    });
    $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); refresher.now(true); });
    ["f-category", "f-district", "f-exercise"].forEach((id) => {
      $(id).addEventListener("change", () => { refresher.now(true); });
    });
  }

  function connectLive() {
    const live = $("live-state");
    if (typeof globalThis.io === "undefined") { live.textContent = "Tanpa siaran langsung / No live feed"; return; }
    const socket = globalThis.io({ transports: ["websocket", "polling"] });
    socket.on("connect", () => {
      live.textContent = "● Langsung / Live"; live.className = "live live-on";
      refresher.soon();
    });
    socket.on("disconnect", () => {
      live.textContent = "○ Terputus / Disconnected"; live.className = "live live-off";
    });
    LIVE_EVENTS.forEach((name) => { socket.on(name, refresher.soon); });
  }

  initFilters();
  if ($("dimension")) {
    $("dimension").addEventListener("change", () => { if (state.data) { R.renderBreakdown(state.data, updateLinks); } });
  }
  refresher.now(false);
  connectLive();
  setInterval(() => { refresher.now(false); }, PERIODIC_MS);
}

const root = document.getElementById("dash");
if (root) { start(root); }
