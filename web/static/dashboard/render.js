/* The dashboard's and executive view's renderers: API data → tables, tiles and charts. */

import { barOptions, chart } from "./charts.js";
import { $, el, fillBody, row } from "./dom.js";
import { fmtDecimal, fmtNum, fmtPct, fmtSeconds, targetText } from "./format.js";
import { byPriorityThenAge, timersFirstOverdue } from "./order.js";

export const PHASES = ["processing", "ack", "turnout", "travel", "response", "on_scene", "total"];
const ORDER_PHASES = ["ack", "turnout", "travel", "on_scene"];
const UNIT_DIMS = ["agency", "station", "unit"];
const STATUS = {
  met: { mark: "✓", color: "#2e7d32" },
  near: { mark: "!", color: "#f9a825" },
  missed: { mark: "✗", color: "#c62828" },
  no_data: { mark: "–", color: "#9e9e9e" }
};

/** Renderers over one set of names (the page's language). */
export function makeRenderers(N) {
  const none = N.text("dash.none", "Tidak ada / None");
  const target = (f) => targetText(f, N.unitType);
  const fill = (table, rows, render) => fillBody(table, rows, render, none);

  function statusCell(status, extra) {
    const known = STATUS[status] ? status : "no_data";
    const text = N.kpiStatus(known);
    const td = el("td", null, "st st-" + known);
    td.appendChild(el("span", STATUS[known].mark + " ", "mark"));
    td.appendChild(el("span", extra || text));
    if (extra) { td.appendChild(el("span", " (" + text + ")", "sr-only")); }
    td.title = text;
    return td;
  }

  // A breakdown row's name: codes become the city's words; other keys keep their label.
  function breakdownLabel(dim, r) {
    if (dim === "category" && r.key) { return N.category(r.key); }
    return r.label;
  }

  function renderPhases(data) {
    const table = $("phases-table");
    if (!table) { return; }
    fill(table, PHASES, (p) => {
      const f = data.phases[p];
      const tr = row([
        el("th", N.phase(p)), fmtNum(f.count), fmtSeconds(f.mean_s), fmtSeconds(f.p50_s),
        fmtSeconds(f.p90_s), fmtSeconds(f.p95_s), target(f), fmtPct(f.compliance),
        statusCell(f.status)
      ]);
      tr.firstChild.scope = "row";
      tr.dataset.phase = p;
      return tr;
    });
    if ($("totals")) {
      const t = data.totals;
      $("totals").textContent = "Kejadian / Incidents: " + fmtNum(t.incidents) + " · Diberangkatkan / Dispatched: " +
        fmtNum(t.dispatched) + " · Tiba / Arrived: " + fmtNum(t.with_arrival) + " · Ditutup / Closed: " +
        fmtNum(t.closed) + " · Perintah / Orders: " + fmtNum(t.orders);
    }
    chart("chart-compliance", {
      type: "bar",
      data: {
        labels: PHASES.map(N.phase),
        datasets: [{
          label: "Kepatuhan / Compliance (%)",
          data: PHASES.map((p) => {
            const c = data.phases[p].compliance; return c === null ? 0 : Math.round(c * 1000) / 10;
          }),
          backgroundColor: PHASES.map((p) => STATUS[data.phases[p].status].color)
        }, {
          label: "Target (%)",
          type: "line",
          data: PHASES.map((p) => data.phases[p].target_percentile),
          borderColor: "#37474f", pointStyle: "line", showLine: false, pointRadius: 10
        }]
      },
      options: barOptions({ indexAxis: "y", scales: { x: { min: 0, max: 100 } } })
    });
  }

  function renderBoard(data) {
    const b = data.board;
    if (!b) { return; }
    if ($("open-total")) { $("open-total").textContent = fmtNum(b.open_incidents.total); }
    const prios = Object.keys(b.open_incidents.by_priority);
    if ($("priority-table")) {
      fill($("priority-table"), prios, (p) => row(["P" + p, fmtNum(b.open_incidents.by_priority[p])]));
      chart("chart-priority", {
        type: "bar",
        data: {
          labels: prios.map((p) => "P" + p),
          datasets: [{ label: "Terbuka / Open", data: prios.map((p) => b.open_incidents.by_priority[p]),
            backgroundColor: ["#b71c1c", "#e65100", "#f9a825", "#607d8b"] }]
        },
        options: barOptions({ plugins: { legend: { display: false } } })
      });
    }
    const cts = Object.keys(b.call_types_today);
    if ($("calltypes-table")) {
      fill($("calltypes-table"), cts, (k) => row([N.callType(k), fmtNum(b.call_types_today[k])]));
      chart("chart-calltypes", {
        type: "bar",
        data: { labels: cts.map(N.callType), datasets: [{ label: "Hari ini / Today",
          data: cts.map((k) => b.call_types_today[k]), backgroundColor: "#1565c0" }] },
        options: barOptions({ plugins: { legend: { display: false } } })
      });
    }
    if ($("gaps-table")) {
      fill($("gaps-table"), b.coverage_gaps, (g) => row([
        g.scope === "city" ? "(" + N.text("dash.whole_city", "seluruh kota / whole city") + ")" : g.station_name,
        N.unitType(g.unit_type), fmtNum(g.units)
      ]));
    }
    if ($("uncovered-table")) {
      if (b.uncovered_areas === null || b.uncovered_areas === undefined) {
        fill($("uncovered-table"), [{ none: true }], () => {
          const tr = el("tr");
          const td = el("td", "Butuh jaringan jalan / Needs a road network", "empty");
          td.colSpan = 4;
          tr.appendChild(td);
          return tr;
        });
      } else {
        fill($("uncovered-table"), b.uncovered_areas, (u) => {
          const share = u.covered_share === null ? "–" : fmtPct(u.covered_share);
          const tr = row([u.area, N.unitType(u.unit_type), fmtNum(u.uncovered_cells), share]);
          tr.className = "warn";
          tr.dataset.area = u.area;
          tr.dataset.unitType = u.unit_type;
          return tr;
        });
      }
    }
    if ($("availability-table")) {
      fill($("availability-table"), b.availability, (a) => {
        const tr = row([a.station_name, N.unitType(a.unit_type), fmtNum(a.available), fmtNum(a.busy),
          fmtNum(a.other), fmtNum(a.total)]);
        if (a.available === 0) { tr.className = "warn"; }
        return tr;
      });
    }
    if ($("timers-table")) {
      fill($("timers-table"), timersFirstOverdue(b.status_timers), (t) => {
        const flag = t.overdue
          ? el("td", "⚠ " + N.text("dash.overdue", "Terlambat / Overdue"), "st st-missed")
          : el("td", "OK", "st st-met");
        return row([t.unit_id, N.unitStatus(t.status), fmtSeconds(t.elapsed_s), fmtSeconds(t.threshold_s), flag]);
      });
    }
    if ($("unacked-table")) {
      fill($("unacked-table"), b.unacknowledged_orders, (o) => row([
        "#" + o.incident_id, o.unit_id, N.orderState(o.state), fmtSeconds(o.age_s), fmtNum(o.send_count)
      ]));
    }
    if ($("open-table")) {
      fill($("open-table"), byPriorityThenAge(b.open_incidents.list), (i) => {
        // Shown only with "include exercises": then labelled, so nobody counts them as real.
        const id = i.exercise ? el("td", "#" + i.id + " LATIHAN / EXERCISE", "exercise") : "#" + i.id;
        const tr = row([id, "P" + i.priority, N.category(i.category), i.kecamatan || "–",
          N.incidentStatus(i.status), fmtSeconds(i.age_s)]);
        tr.dataset.category = i.category;
        if (i.exercise) { tr.className = "exercise"; }
        return tr;
      });
    }
  }

  function renderBreakdown(data, updateLinks) {
    const table = $("breakdown-table");
    if (!table) { return; }
    const dim = $("dimension").value;
    const rows = data.breakdowns[dim] || [];
    const unitDim = UNIT_DIMS.indexOf(dim) >= 0;
    const phases = unitDim ? ORDER_PHASES : PHASES;
    $("breakdown-csv").dataset.table = "by_" + dim;
    updateLinks();
    const label = $("dimension").selectedOptions[0].textContent;
    $("breakdown-caption").textContent = "Rincian / Breakdown: " + label + " — p90 · kepatuhan / compliance";
    const head = el("tr");
    head.appendChild(el("th", label));
    if (!unitDim) { head.appendChild(el("th", "Kejadian / Incidents")); }
    head.appendChild(el("th", "Perintah / Orders"));
    phases.forEach((p) => { head.appendChild(el("th", N.phase(p))); });
    Array.prototype.forEach.call(head.cells, (c) => { c.scope = "col"; });
    table.tHead.replaceChildren(head);
    fill(table, rows, (r) => {
      const cells = [el("th", breakdownLabel(dim, r))];
      cells[0].scope = "row";
      if (!unitDim) { cells.push(fmtNum(r.incidents)); }
      cells.push(fmtNum(r.orders));
      phases.forEach((p) => {
        const f = r.phases[p];
        cells.push(statusCell(f.status, f.count
          ? fmtSeconds(f.p90_s) + " · " + fmtPct(f.compliance) + " (n=" + fmtNum(f.count) + ")" : "–"));
      });
      const tr = row(cells);
      tr.dataset.key = String(r.key);
      return tr;
    });
    const focus = unitDim ? "travel" : "response";
    chart("chart-breakdown", {
      type: "bar",
      data: {
        labels: rows.map((r) => breakdownLabel(dim, r)),
        datasets: [{
          label: unitDim ? "Perintah / Orders" : "Kejadian / Incidents",
          data: rows.map((r) => (unitDim ? r.orders : r.incidents)),
          backgroundColor: "#90a4ae", yAxisID: "y"
        }, {
          label: N.phase(focus) + " p90 (s)",
          type: "line",
          data: rows.map((r) => r.phases[focus].p90_s),
          borderColor: "#b71c1c", backgroundColor: "#b71c1c", yAxisID: "y2", spanGaps: true
        }]
      },
      options: barOptions({ scales: { y: { beginAtZero: true, position: "left" },
        y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } })
    });
  }

  function renderHourAndTrend(data, formatDate) {
    const hours = data.breakdowns.hour || [];
    if ($("chart-hour")) {
      chart("chart-hour", {
        type: "bar",
        data: { labels: hours.map((h) => h.label),
          datasets: [{ label: "Kejadian per jam / Incidents by hour", data: hours.map((h) => h.incidents),
            backgroundColor: "#1565c0" }] },
        options: barOptions()
      });
    }
    const trend = data.trend.rows;
    chart("chart-trend", {
      type: "bar",
      data: {
        labels: trend.map((r) => formatDate(r.label)),
        datasets: [{
          label: (data.trend.bucket === "week" ? "Kejadian per minggu / Incidents per week" : "Kejadian per hari / Incidents per day"),
          data: trend.map((r) => r.incidents), backgroundColor: "#90a4ae", yAxisID: "y"
        }, {
          label: N.phase("response") + " p90 (s)", type: "line",
          data: trend.map((r) => r.phases.response.p90_s),
          borderColor: "#b71c1c", backgroundColor: "#b71c1c", yAxisID: "y2", spanGaps: true
        }, {
          label: "Target (s)", type: "line",
          data: trend.map(() => data.phases.response.target_s),
          borderColor: "#2e7d32", borderDash: [6, 4], pointRadius: 0, yAxisID: "y2"
        }]
      },
      options: barOptions({ scales: { y: { beginAtZero: true, position: "left" },
        y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } })
    });
  }

  function renderComplaints(data) {
    const table = $("complaints-table");
    if (!table) { return; }
    const c = data.complaints || { rows: [], available: false };
    $("complaints-note").textContent = c.available ? "" : "(alur aduan belum tersedia / complaint flow not available)";
    // The OPDs with overdue complaints first: what the mayor asks about.
    const rows = c.rows.slice().sort((a, b) => ((b.overdue || 0) - (a.overdue || 0)) || ((b.open || 0) - (a.open || 0)));
    fill(table, rows, (r) => {
      const tr = row([r.opd_name || r.opd_code, fmtNum(r.open), fmtNum(r.overdue), fmtNum(r.resolved),
        fmtDecimal(r.avg_followup_days), fmtPct(r.within_deadline_share)]);
      tr.dataset.opd = r.opd_code;
      if (r.overdue) { tr.className = "warn"; }
      return tr;
    });
  }

  function tile(id, value, sub, status) {
    const t = $(id);
    if (!t) { return; }
    t.querySelector(".t-value").textContent = value;
    const s = t.querySelector(".t-sub");
    s.textContent = sub || "";
    t.className = "tile" + (status ? " st-" + status : "");
    if (status) {
      s.textContent = STATUS[status].mark + " " + N.kpiStatus(status) + (sub ? " · " + sub : "");
    }
  }

  function renderExecutive(data) {
    // Waiting incidents count: an undispatched P1 past its target is a miss already.
    const ex = data.executive || {};
    const r = ex.response || data.phases.response;
    const p = ex.processing || data.phases.processing;
    const b = data.board;
    const waiting = r.waiting_overdue
      ? " · " + N.text("dash.waiting_overdue", "Menunggu lewat target") + ": " + fmtNum(r.waiting_overdue) : "";
    tile("t-incidents", fmtNum(data.totals.incidents), "Diberangkatkan / Dispatched: " + fmtNum(data.totals.dispatched));
    tile("t-response", fmtSeconds(data.phases.response.p90_s), "Target " + target(r), r.status);
    tile("t-compliance", fmtPct(r.compliance), "n=" + fmtNum(r.count) + waiting, r.status);
    tile("t-processing", fmtSeconds(data.phases.processing.p90_s), "Target " + target(p), p.status);
    if (b) {
      tile("t-open", fmtNum(b.open_incidents.total), "P1: " + fmtNum(b.open_incidents.by_priority["1"]));
      let tot = 0;
      let av = 0;
      Object.keys(b.units_by_type).forEach((k) => { tot += b.units_by_type[k].total; av += b.units_by_type[k].available; });
      tile("t-units", fmtNum(av) + " / " + fmtNum(tot),
        b.coverage_gaps.length ? "Celah cakupan / Coverage gaps: " + fmtNum(b.coverage_gaps.length) : "");
    }
    const rows = (data.complaints && data.complaints.rows) || [];
    let open = 0;
    let overdue = 0;
    let shares = 0;
    let weights = 0;
    rows.forEach((c) => {
      open += c.open || 0; overdue += c.overdue || 0;
      if (c.within_deadline_share !== null && c.within_deadline_share !== undefined) {
        const w = (c.resolved || 0) || 1; shares += c.within_deadline_share * w; weights += w;
      }
    });
    const avail = data.complaints && data.complaints.available;
    tile("t-complaints", avail ? fmtNum(open) : "–",
      avail ? N.text("dash.overdue", "Terlambat / Overdue") + ": " + fmtNum(overdue) : "Tidak tersedia / Not available");
    tile("t-deadline", weights ? fmtPct(shares / weights) : "–", "");
    const cats = data.breakdowns.category || [];
    chart("chart-category", {
      type: "doughnut",
      data: { labels: cats.map((c) => N.category(c.key)),
        datasets: [{ data: cats.map((c) => c.incidents),
          backgroundColor: ["#c62828", "#ef6c00", "#6a1b9a", "#2e7d32", "#37474f", "#1565c0", "#9e9e9e", "#795548"] }] },
      options: { plugins: { legend: { position: "right" } } }
    });
  }

  return { renderPhases, renderBoard, renderBreakdown, renderHourAndTrend, renderComplaints, renderExecutive };
}
