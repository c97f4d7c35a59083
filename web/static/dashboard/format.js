/* Pure formatting in the city's format (Indonesian: 1.234,5), no DOM: unit-tested with node --test. */

const NUMBER = new Intl.NumberFormat("id-ID");
const ONE_DECIMAL = new Intl.NumberFormat("id-ID", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const DASH = "–";

function missing(x) { return x === null || x === undefined || Number.isNaN(x); }

/** A count: 1.234 (a dash when absent). */
export function fmtNum(x) { return missing(x) ? DASH : NUMBER.format(x); }

/** One decimal: 12,5. */
export function fmtDecimal(x) { return missing(x) ? DASH : ONE_DECIMAL.format(Number(x)); }

/** A share 0..1 as a percentage: 93,4 %. */
export function fmtPct(x) { return missing(x) ? DASH : ONE_DECIMAL.format(x * 100) + " %"; }

/** A duration in seconds: 45,0 s · 12 m 05 s · 3 j 20 m (j = jam, hours). */
export function fmtSeconds(s) {
  if (missing(s)) { return DASH; }
  if (s < 120) { return ONE_DECIMAL.format(s) + " s"; }
  const m = Math.floor(s / 60);
  const r = Math.round(s - m * 60);
  if (m < 120) { return m + " m " + (r < 10 ? "0" : "") + r + " s"; }
  const h = Math.floor(m / 60);
  return NUMBER.format(h) + " j " + (m - h * 60) + " m";
}

/** A phase target: "8 m 00 s @ p90 (Ambulans 480 s)"; `typeName` names a unit type code. */
export function targetText(f, typeName) {
  let t = fmtSeconds(f.target_s) + " @ p" + Math.round(f.target_percentile);
  if (f.targets_by_unit_type) {
    const name = typeName || ((k) => k);
    const parts = Object.keys(f.targets_by_unit_type).map(
      (k) => name(k) + " " + fmtNum(f.targets_by_unit_type[k]) + " s"
    );
    t += " (" + parts.join(", ") + ")";
  }
  return t;
}
