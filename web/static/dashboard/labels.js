/* The city's words for codes (category, status, unit type, phase ...), from the page's JSON. */

/** The text for prefix+code in `strings`, else the code itself (never blank). */
export function lookup(strings, prefix, code) {
  if (code === null || code === undefined || code === "") { return "–"; }
  const key = prefix + code;
  return Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : String(code);
}

/** Name functions over one strings table. */
export function makeNames(strings) {
  return {
    text: (key, fallback) => (Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : fallback),
    category: (c) => lookup(strings, "cat.", c),
    unitType: (t) => lookup(strings, "type.", t),
    unitStatus: (s) => lookup(strings, "st.", s),
    incidentStatus: (s) => lookup(strings, "ist.", s),
    callType: (c) => lookup(strings, "ct.", c),
    orderState: (s) => lookup(strings, "ord.", s),
    phase: (p) => lookup(strings, "phase.", p),
    kpiStatus: (s) => lookup(strings, "kst.", s)
  };
}
