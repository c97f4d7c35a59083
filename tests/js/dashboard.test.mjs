// Unit tests of the dashboard's pure modules (node --test tests/js/).
import assert from "node:assert/strict";
import { test } from "node:test";

import { fmtDecimal, fmtNum, fmtPct, fmtSeconds, targetText } from "../../web/static/dashboard/format.js";
import { lookup, makeNames } from "../../web/static/dashboard/labels.js";
import { byPriorityThenAge, timersFirstOverdue } from "../../web/static/dashboard/order.js";
import { createRefresher } from "../../web/static/dashboard/timers.js";

test("numbers in the Indonesian format", () => {
  assert.equal(fmtNum(1234567), "1.234.567");
  assert.equal(fmtNum(null), "–");
  assert.equal(fmtDecimal(2.25), "2,3");
  assert.equal(fmtPct(0.934), "93,4 %");
  assert.equal(fmtPct(1), "100,0 %");
  assert.equal(fmtPct(undefined), "–");
});

test("durations: seconds, minutes, hours (jam)", () => {
  assert.equal(fmtSeconds(45), "45,0 s");
  assert.equal(fmtSeconds(725), "12 m 05 s");
  assert.equal(fmtSeconds(3 * 3600 + 20 * 60), "3 j 20 m");
  assert.equal(fmtSeconds(null), "–");
});

test("a target names unit types in the city's words", () => {
  const f = { target_s: 480, target_percentile: 90, targets_by_unit_type: { ambulance: 600 } };
  assert.equal(targetText(f, (t) => (t === "ambulance" ? "Ambulans" : t)), "8 m 00 s @ p90 (Ambulans 600 s)");
  assert.equal(targetText({ target_s: 60, target_percentile: 95 }), "60,0 s @ p95");
});

test("codes become names, unknown codes stay visible", () => {
  const N = makeNames({ "cat.traffic_accident": "Kecelakaan lalu lintas", "st.en_route": "dalam perjalanan" });
  assert.equal(N.category("traffic_accident"), "Kecelakaan lalu lintas");
  assert.equal(N.unitStatus("en_route"), "dalam perjalanan");
  assert.equal(N.category("new_code"), "new_code");
  assert.equal(lookup({}, "cat.", null), "–");
  assert.equal(N.text("dash.none", "fallback"), "fallback");
});

test("open incidents: P1 first, then the longest waiting", () => {
  const list = [
    { id: 1, priority: 2, age_s: 900 }, { id: 2, priority: 1, age_s: 10 },
    { id: 3, priority: 1, age_s: 1200 }, { id: 4, priority: 3, age_s: 5000 }
  ];
  assert.deepEqual(byPriorityThenAge(list).map((i) => i.id), [3, 2, 1, 4]);
  assert.deepEqual(list.map((i) => i.id), [1, 2, 3, 4]); // the input is left alone
  const timers = [{ id: "a", overdue: false, elapsed_s: 900 }, { id: "b", overdue: true, elapsed_s: 100 },
    { id: "c", overdue: true, elapsed_s: 400 }];
  assert.deepEqual(timersFirstOverdue(timers).map((t) => t.id), ["c", "b", "a"]);
});

// Timers under the test's control: no real waiting, no timing assertions.
function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    setTimer: (fn) => { const id = next++; pending.set(id, fn); return id; },
    clearTimer: (id) => { pending.delete(id); },
    fire() { const fns = [...pending.values()]; pending.clear(); fns.forEach((fn) => fn()); },
    size: () => pending.size
  };
}

test("refresher: events in a burst make one fetch (debounced)", async () => {
  const t = fakeTimers();
  let runs = 0;
  const r = createRefresher(async () => { runs += 1; }, t);
  r.soon(); r.soon(); r.soon();
  assert.equal(t.size(), 1);
  t.fire();
  await new Promise((done) => setImmediate(done));
  assert.equal(runs, 1);
});

test("refresher: never two fetches at once, one more if asked meanwhile", async () => {
  const t = fakeTimers();
  let runs = 0;
  let release;
  const r = createRefresher(() => { runs += 1; return new Promise((done) => { release = done; }); }, t);
  const first = r.now();
  await new Promise((done) => setImmediate(done));
  r.now(); r.now();
  assert.equal(runs, 1);
  assert.equal(r.busy(), true);
  release();
  await first;
  assert.equal(t.size(), 1); // the asked-for refresh, scheduled once
  t.fire();
  await new Promise((done) => setImmediate(done));
  assert.equal(runs, 2);
});

test("refresher: a failed fetch does not stop the next", async () => {
  const t = fakeTimers();
  let runs = 0;
  const r = createRefresher(async () => { runs += 1; throw new Error("down"); }, t);
  await r.now();
  await r.now();
  assert.equal(runs, 2);
  assert.equal(r.busy(), false);
});
