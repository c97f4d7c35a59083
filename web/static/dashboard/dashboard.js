/* Siaga112 supervisor dashboard and executive view.
 * Every figure comes from GET /api/v1/kpis; domain events arriving over Socket.IO
 * trigger a debounced re-fetch. Data is written with textContent only (never innerHTML). */
(function () {
  "use strict";

  var root = document.getElementById("dash");
  if (!root) { return; }
  var PAGE = root.dataset.page;
  var API = root.dataset.api;
  var EXPORT = root.dataset.export;
  var DEFAULT_DAYS = parseInt(root.dataset.defaultDays || "0", 10);
  var PHASES = ["processing", "ack", "turnout", "travel", "response", "on_scene", "total"];
  var ORDER_PHASES = ["ack", "turnout", "travel", "on_scene"];
  var UNIT_DIMS = ["agency", "station", "unit"];
  var STATUS = {
    met: { mark: "✓", text: "Memenuhi / Met", color: "#2e7d32" },
    near: { mark: "!", text: "Hampir / Near", color: "#f9a825" },
    missed: { mark: "✗", text: "Tidak memenuhi / Missed", color: "#c62828" },
    no_data: { mark: "–", text: "Tidak ada data / No data", color: "#9e9e9e" }
  };
  var LIVE_EVENTS = [
    "IncidentCreated", "IncidentUpdated", "IncidentClosed", "UnitDispatched",
    "UnitStatusChanged", "OrderAcknowledged", "OrderDeclined", "OrderResent",
    "OrderUnacknowledged", "UnitRegistered", "ComplaintEscalated", "ComplaintStatusChanged"
  ];
  var DEBOUNCE_MS = 800;
  var PERIODIC_MS = 30000;

  var state = { data: null, inFlight: false, again: false, timer: null, refreshes: 0 };
  var charts = {};
  var $ = function (id) { return document.getElementById(id); };

  // ------------------------------------------------------------------ formatting

  function fmtSeconds(s) {
    if (s === null || s === undefined) { return "–"; }
    if (s < 120) { return s.toFixed(1) + " s"; }
    var m = Math.floor(s / 60), r = Math.round(s - m * 60);
    if (m < 120) { return m + " m " + (r < 10 ? "0" : "") + r + " s"; }
    var h = Math.floor(m / 60);
    return h + " j/h " + (m - h * 60) + " m";
  }
  function fmtPct(x) { return (x === null || x === undefined) ? "–" : (x * 100).toFixed(1) + " %"; }
  function fmtNum(x) { return (x === null || x === undefined) ? "–" : String(x); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function statusCell(status, extra) {
    var st = STATUS[status] || STATUS.no_data;
    var td = el("td", null, "st st-" + (STATUS[status] ? status : "no_data"));
    td.appendChild(el("span", st.mark + " ", "mark"));
    td.appendChild(el("span", extra ? extra : st.text));
    if (extra) { td.appendChild(el("span", " (" + st.text + ")", "sr-only")); }
    td.title = st.text;
    return td;
  }
  function fillBody(table, rows, render) {
    var tbody = table.tBodies[0];
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(render(r)); });
    if (!rows.length) {
      var tr = el("tr");
      var td = el("td", "Tidak ada / None", "empty");
      td.colSpan = table.tHead && table.tHead.rows[0] ? table.tHead.rows[0].cells.length : 1;
      tr.appendChild(td);
      frag.appendChild(tr);
    }
    tbody.replaceChildren(frag);
  }
  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (c) { tr.appendChild(c instanceof Node ? c : el("td", c)); });
    return tr;
  }
  function targetText(f) {
    var t = fmtSeconds(f.target_s) + " @ p" + Math.round(f.target_percentile);
    if (f.targets_by_unit_type) {
      var parts = Object.keys(f.targets_by_unit_type).map(function (k) {
        return k + " " + f.targets_by_unit_type[k] + " s";
      });
      t += " (" + parts.join(", ") + ")";
    }
    return t;
  }

  // ------------------------------------------------------------------ dates and query

  // "Today" is the city's (static/common/citytime.js), on the server's clock: never the
  // browser's own date, which is another day for seven hours of every night in Kediri.
  var addDays = SiagaTime.addDays;
  function todayIso() { return SiagaTime.today(); }
  function query() {
    var p = new URLSearchParams();
    var from = $("f-from").value, to = $("f-to").value;
    if (from) { p.set("from", from); }
    if (to) { p.set("to", to); }
    if ($("f-category").value) { p.set("category", $("f-category").value); }
    if ($("f-district").value) { p.set("district", $("f-district").value); }
    if ($("f-exercise").checked) { p.set("include_exercise", "1"); }
    return p.toString();
  }
  function initFilters() {
    var p = new URLSearchParams(window.location.search);
    if (p.get("from")) { $("f-from").value = p.get("from").slice(0, 10); }
    if (p.get("to")) { $("f-to").value = p.get("to").slice(0, 10); }
    if (!p.get("from") && !p.get("to")) {
      var today = todayIso();
      $("f-to").value = today;
      $("f-from").value = addDays(today, -DEFAULT_DAYS);
    }
    $("f-category").value = p.get("category") || "";
    $("f-district").value = p.get("district") || "";
    $("f-exercise").checked = p.get("include_exercise") === "1";
    document.querySelectorAll("[data-preset]").forEach(function (b) {
      b.addEventListener("click", function () {
        var today = todayIso();
        $("f-to").value = today;
        $("f-from").value = addDays(today, -parseInt(b.dataset.preset, 10));
        refresh(true);
      });
    });
    $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); refresh(true); });
    ["f-category", "f-district", "f-exercise"].forEach(function (id) {
      $(id).addEventListener("change", function () { refresh(true); });
    });
  }
  function updateLinks(qs) {
    document.querySelectorAll("a.csv[data-table]").forEach(function (a) {
      a.href = EXPORT.replace("TABLE", encodeURIComponent(a.dataset.table)) + (qs ? "?" + qs : "");
    });
  }

  // ------------------------------------------------------------------ charts

  function chart(id, config) {
    var canvas = $(id);
    if (!canvas || typeof Chart === "undefined") { return null; }
    if (charts[id]) {
      charts[id].data = config.data;
      if (config.options) { charts[id].options = config.options; }
      charts[id].update("none");
      return charts[id];
    }
    config.options = config.options || {};
    config.options.animation = false;
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    charts[id] = new Chart(canvas, config);
    return charts[id];
  }
  function barOptions(extra) {
    var o = { plugins: { legend: { display: true } }, scales: { y: { beginAtZero: true } } };
    return Object.assign(o, extra || {});
  }

  // ------------------------------------------------------------------ renderers

  function renderPhases(data) {
    var table = $("phases-table");
    if (!table) { return; }
    fillBody(table, PHASES, function (p) {
      var f = data.phases[p];
      var tr = row([
        el("th", f.label), fmtNum(f.count), fmtSeconds(f.mean_s), fmtSeconds(f.p50_s),
        fmtSeconds(f.p90_s), fmtSeconds(f.p95_s), targetText(f), fmtPct(f.compliance),
        statusCell(f.status)
      ]);
      tr.firstChild.scope = "row";
      tr.dataset.phase = p;
      return tr;
    });
    if ($("totals")) {
      var t = data.totals;
      $("totals").textContent = "Kejadian / Incidents: " + t.incidents + " · Diberangkatkan / Dispatched: " +
        t.dispatched + " · Tiba / Arrived: " + t.with_arrival + " · Ditutup / Closed: " + t.closed +
        " · Perintah / Orders: " + t.orders;
    }
    chart("chart-compliance", {
      type: "bar",
      data: {
        labels: PHASES.map(function (p) { return data.phases[p].label; }),
        datasets: [{
          label: "Kepatuhan / Compliance (%)",
          data: PHASES.map(function (p) {
            var c = data.phases[p].compliance; return c === null ? 0 : Math.round(c * 1000) / 10;
          }),
          backgroundColor: PHASES.map(function (p) { return STATUS[data.phases[p].status].color; })
        }, {
          label: "Target (%)",
          type: "line",
          data: PHASES.map(function (p) { return data.phases[p].target_percentile; }),
          borderColor: "#37474f", pointStyle: "line", showLine: false, pointRadius: 10
        }]
      },
      options: barOptions({ indexAxis: "y", scales: { x: { min: 0, max: 100 } } })
    });
  }

  function renderBoard(data) {
    var b = data.board;
    if (!b) { return; }
    if ($("open-total")) { $("open-total").textContent = String(b.open_incidents.total); }
    var prios = Object.keys(b.open_incidents.by_priority);
    if ($("priority-table")) {
      fillBody($("priority-table"), prios, function (p) {
        return row(["P" + p, String(b.open_incidents.by_priority[p])]);
      });
      chart("chart-priority", {
        type: "bar",
        data: {
          labels: prios.map(function (p) { return "P" + p; }),
          datasets: [{ label: "Terbuka / Open", data: prios.map(function (p) { return b.open_incidents.by_priority[p]; }),
            backgroundColor: ["#b71c1c", "#e65100", "#f9a825", "#607d8b"] }]
        },
        options: barOptions({ plugins: { legend: { display: false } } })
      });
    }
    var cts = Object.keys(b.call_types_today);
    if ($("calltypes-table")) {
      fillBody($("calltypes-table"), cts, function (k) { return row([k, String(b.call_types_today[k])]); });
      chart("chart-calltypes", {
        type: "bar",
        data: { labels: cts, datasets: [{ label: "Hari ini / Today", data: cts.map(function (k) { return b.call_types_today[k]; }),
          backgroundColor: "#1565c0" }] },
        options: barOptions({ plugins: { legend: { display: false } } })
      });
    }
    if ($("gaps-table")) {
      fillBody($("gaps-table"), b.coverage_gaps, function (g) {
        return row([g.station_name, g.unit_type, String(g.units)]);
      });
    }
    if ($("uncovered-table")) {
      if (b.uncovered_areas === null || b.uncovered_areas === undefined) {
        fillBody($("uncovered-table"), [{ none: true }], function () {
          var tr = el("tr");
          var td = el("td", "Butuh jaringan jalan / Needs a road network", "empty");
          td.colSpan = 4;
          tr.appendChild(td);
          return tr;
        });
      } else {
        fillBody($("uncovered-table"), b.uncovered_areas, function (u) {
          var share = u.covered_share === null ? "-" : Math.round(u.covered_share * 100) + "%";
          var tr = row([u.area, u.unit_type, String(u.uncovered_cells), share]);
          tr.className = "warn";
          tr.dataset.area = u.area;
          tr.dataset.unitType = u.unit_type;
          return tr;
        });
      }
    }
    if ($("availability-table")) {
      fillBody($("availability-table"), b.availability, function (a) {
        var tr = row([a.station_name, a.unit_type, String(a.available), String(a.busy), String(a.other), String(a.total)]);
        if (a.available === 0) { tr.className = "warn"; }
        return tr;
      });
    }
    if ($("timers-table")) {
      fillBody($("timers-table"), b.status_timers, function (t) {
        var flag = t.overdue ? el("td", "⚠ Terlalu lama / Overdue", "st st-missed") : el("td", "OK", "st st-met");
        return row([t.unit_id, t.status, fmtSeconds(t.elapsed_s), fmtSeconds(t.threshold_s), flag]);
      });
    }
    if ($("unacked-table")) {
      fillBody($("unacked-table"), b.unacknowledged_orders, function (o) {
        return row(["#" + o.incident_id, o.unit_id, o.state, fmtSeconds(o.age_s), String(o.send_count)]);
      });
    }
    if ($("open-table")) {
      fillBody($("open-table"), b.open_incidents.list, function (i) {
        // Shown only with "include exercises": then labelled, so nobody counts them as real.
        var id = i.exercise ? el("td", "#" + i.id + " LATIHAN / EXERCISE", "exercise") : "#" + i.id;
        var tr = row([id, "P" + i.priority, i.category, i.kecamatan || "–", i.status, fmtSeconds(i.age_s)]);
        if (i.exercise) { tr.className = "exercise"; }
        return tr;
      });
    }
  }

  function renderBreakdown(data) {
    var table = $("breakdown-table");
    if (!table) { return; }
    var dim = $("dimension").value;
    var rows = data.breakdowns[dim] || [];
    var unitDim = UNIT_DIMS.indexOf(dim) >= 0;
    var phases = unitDim ? ORDER_PHASES : PHASES;
    $("breakdown-csv").dataset.table = "by_" + dim;
    updateLinks(state.qs);
    var label = $("dimension").selectedOptions[0].textContent;
    $("breakdown-caption").textContent = "Rincian / Breakdown: " + label + " — p90 · kepatuhan / compliance";
    var head = el("tr");
    head.appendChild(el("th", label));
    if (!unitDim) { head.appendChild(el("th", "Kejadian / Incidents")); }
    head.appendChild(el("th", "Perintah / Orders"));
    phases.forEach(function (p) { head.appendChild(el("th", data.phases[p].label)); });
    Array.prototype.forEach.call(head.cells, function (c) { c.scope = "col"; });
    table.tHead.replaceChildren(head);
    fillBody(table, rows, function (r) {
      var cells = [el("th", r.label)];
      cells[0].scope = "row";
      if (!unitDim) { cells.push(String(r.incidents)); }
      cells.push(String(r.orders));
      phases.forEach(function (p) {
        var f = r.phases[p];
        cells.push(statusCell(f.status, f.count ? fmtSeconds(f.p90_s) + " · " + fmtPct(f.compliance) + " (n=" + f.count + ")" : "–"));
      });
      var tr = row(cells);
      tr.dataset.key = String(r.key);
      return tr;
    });
    var focus = unitDim ? "travel" : "response";
    chart("chart-breakdown", {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [{
          label: unitDim ? "Perintah / Orders" : "Kejadian / Incidents",
          data: rows.map(function (r) { return unitDim ? r.orders : r.incidents; }),
          backgroundColor: "#90a4ae", yAxisID: "y"
        }, {
          label: data.phases[focus].label + " p90 (s)",
          type: "line",
          data: rows.map(function (r) { return r.phases[focus].p90_s; }),
          borderColor: "#b71c1c", backgroundColor: "#b71c1c", yAxisID: "y2", spanGaps: true
        }]
      },
      options: barOptions({ scales: { y: { beginAtZero: true, position: "left" },
        y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } })
    });
  }

  function renderHourAndTrend(data) {
    var hours = data.breakdowns.hour || [];
    if ($("chart-hour")) {
      chart("chart-hour", {
        type: "bar",
        data: { labels: hours.map(function (h) { return h.label; }),
          datasets: [{ label: "Kejadian per jam / Incidents by hour", data: hours.map(function (h) { return h.incidents; }),
            backgroundColor: "#1565c0" }] },
        options: barOptions()
      });
    }
    var trend = data.trend.rows;
    chart("chart-trend", {
      type: "bar",
      data: {
        labels: trend.map(function (r) { return SiagaTime.formatDate(r.label); }),
        datasets: [{
          label: (data.trend.bucket === "week" ? "Kejadian per minggu / Incidents per week" : "Kejadian per hari / Incidents per day"),
          data: trend.map(function (r) { return r.incidents; }), backgroundColor: "#90a4ae", yAxisID: "y"
        }, {
          label: "Waktu tanggap p90 / Response p90 (s)", type: "line",
          data: trend.map(function (r) { return r.phases.response.p90_s; }),
          borderColor: "#b71c1c", backgroundColor: "#b71c1c", yAxisID: "y2", spanGaps: true
        }, {
          label: "Target (s)", type: "line",
          data: trend.map(function () { return data.phases.response.target_s; }),
          borderColor: "#2e7d32", borderDash: [6, 4], pointRadius: 0, yAxisID: "y2"
        }]
      },
      options: barOptions({ scales: { y: { beginAtZero: true, position: "left" },
        y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } })
    });
  }

  function renderComplaints(data) {
    var table = $("complaints-table");
    if (!table) { return; }
    var c = data.complaints || { rows: [], available: false };
    $("complaints-note").textContent = c.available ? "" : "(alur aduan belum tersedia / complaint flow not available)";
    fillBody(table, c.rows, function (r) {
      var share = r.within_deadline_share;
      return row([r.opd_name || r.opd_code, fmtNum(r.open), fmtNum(r.overdue), fmtNum(r.resolved),
        r.avg_followup_days === null || r.avg_followup_days === undefined ? "–" : Number(r.avg_followup_days).toFixed(1),
        fmtPct(share)]);
    });
  }

  function tile(id, value, sub, status) {
    var t = $(id);
    if (!t) { return; }
    t.querySelector(".t-value").textContent = value;
    var s = t.querySelector(".t-sub");
    s.textContent = sub || "";
    t.className = "tile" + (status ? " st-" + status : "");
    if (status) {
      s.textContent = STATUS[status].mark + " " + STATUS[status].text + (sub ? " · " + sub : "");
    }
  }

  function renderExecutive(data) {
    var r = data.phases.response, p = data.phases.processing, b = data.board;
    tile("t-incidents", String(data.totals.incidents), "Diberangkatkan / Dispatched: " + data.totals.dispatched);
    tile("t-response", fmtSeconds(r.p90_s), "Target " + targetText(r), r.status);
    tile("t-compliance", fmtPct(r.compliance), "n=" + r.count, r.status);
    tile("t-processing", fmtSeconds(p.p90_s), "Target " + targetText(p), p.status);
    if (b) {
      tile("t-open", String(b.open_incidents.total), "P1: " + b.open_incidents.by_priority["1"]);
      var tot = 0, av = 0;
      Object.keys(b.units_by_type).forEach(function (k) { tot += b.units_by_type[k].total; av += b.units_by_type[k].available; });
      tile("t-units", av + " / " + tot, b.coverage_gaps.length ? "Celah cakupan / Coverage gaps: " + b.coverage_gaps.length : "");
    }
    var rows = (data.complaints && data.complaints.rows) || [];
    var open = 0, overdue = 0, shares = [], weights = 0;
    rows.forEach(function (c) {
      open += c.open || 0; overdue += c.overdue || 0;
      if (c.within_deadline_share !== null && c.within_deadline_share !== undefined) {
        var w = (c.resolved || 0) || 1; shares.push(c.within_deadline_share * w); weights += w;
      }
    });
    tile("t-complaints", data.complaints && data.complaints.available ? String(open) : "–",
      data.complaints && data.complaints.available ? "Terlambat / Overdue: " + overdue : "Tidak tersedia / Not available");
    tile("t-deadline", weights ? fmtPct(shares.reduce(function (a, x) { return a + x; }, 0) / weights) : "–", "");
    var cats = data.breakdowns.category || [];
    chart("chart-category", {
      type: "doughnut",
      data: { labels: cats.map(function (c) { return c.label; }),
        datasets: [{ data: cats.map(function (c) { return c.incidents; }),
          backgroundColor: ["#c62828", "#ef6c00", "#6a1b9a", "#2e7d32", "#37474f", "#1565c0", "#9e9e9e", "#795548"] }] },
      options: { plugins: { legend: { position: "right" } } }
    });
  }

  function render(data) {
    renderPhases(data);
    if (PAGE === "executive") {
      renderExecutive(data);
    } else {
      renderBoard(data);
      renderBreakdown(data);
      renderComplaints(data);
    }
    renderHourAndTrend(data);
    $("updated").textContent = SiagaTime.formatDateTime(data.generated_at, { seconds: true });
    $("updated").dateTime = data.generated_at;
    state.refreshes += 1;
    root.dataset.refreshes = String(state.refreshes);
  }

  // ------------------------------------------------------------------ fetching

  function refresh(userAction) {
    if (state.inFlight) { state.again = true; return; }
    state.inFlight = true;
    var qs = query();
    state.qs = qs;
    updateLinks(qs);
    if (userAction && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
    }
    fetch(API + (qs ? "?" + qs : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
      })
      .then(function (res) {
        if (!res.ok) {
          var e = res.body && res.body.error;
          $("error").textContent = e ? (e.message + (e.field ? " (" + e.field + ")" : "")) : "Kesalahan / Error";
          return;
        }
        $("error").textContent = "";
        SiagaTime.sync(res.body.generated_at);
        state.data = res.body;
        render(res.body);
      })
      .catch(function (err) { $("error").textContent = "Gagal memuat / Failed to load: " + err; })
      .then(function () {
        state.inFlight = false;
        if (state.again) { state.again = false; schedule(); }
      });
  }
  function schedule() {
    if (state.timer) { clearTimeout(state.timer); }
    state.timer = setTimeout(function () { state.timer = null; refresh(false); }, DEBOUNCE_MS);
  }

  function connectLive() {
    var live = $("live-state");
    if (typeof io === "undefined") { live.textContent = "Tanpa siaran langsung / No live feed"; return; }
    var socket = io({ transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      live.textContent = "● Langsung / Live"; live.className = "live live-on";
      schedule();
    });
    socket.on("disconnect", function () {
      live.textContent = "○ Terputus / Disconnected"; live.className = "live live-off";
    });
    LIVE_EVENTS.forEach(function (name) { socket.on(name, schedule); });
  }

  initFilters();
  if ($("dimension")) { $("dimension").addEventListener("change", function () { if (state.data) { renderBreakdown(state.data); } }); }
  refresh(false);
  connectLive();
  setInterval(function () { refresh(false); }, PERIODIC_MS);
})();
