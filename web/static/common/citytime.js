/* Siaga112: the city's time in the browser, the one place pages format dates.
 *
 * The server puts the city's zone, today and now on <html data-tz data-today data-now>
 * (web/citytime.py). Everything here formats with Intl.DateTimeFormat in that zone, never
 * the browser's own, and counts "now" from the server's clock (the browser's may be wrong
 * or in another zone). Output matches the server's Jinja filter (dispatch/domain/citytime.py):
 * "01 Des 2026 02:14 WIB", in English "01 Dec 2026 02:14 WIB"; Indonesian zones by
 * abbreviation (WIB, WITA, WIT), any other by its offset ("UTC+01:00").
 * A classic script (window.SiagaTime), so both the console's modules and the dashboard use it. */
(function (global) {
  "use strict";

  var root = document.documentElement;
  var TZ = (root.dataset && root.dataset.tz) || "UTC";
  var ABBR = {
    "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA", "Asia/Ujung_Pandang": "WITA", "Asia/Jayapura": "WIT"
  };
  var MONTHS = {
    id: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  };
  var formatter = null;
  var offsetMs = 0; // server clock minus browser clock

  function parts(date) {
    if (!formatter) {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
      });
    }
    var out = {};
    formatter.formatToParts(date).forEach(function (p) {
      if (p.type !== "literal") { out[p.type] = parseInt(p.value, 10); }
    });
    if (out.hour === 24) { out.hour = 0; }
    return out;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function lang() { return (root.lang || "id").slice(0, 2) === "en" ? "en" : "id"; }

  /** A Date from an ISO string, epoch milliseconds or a Date; null when unreadable. */
  function toDate(value) {
    if (value === null || value === undefined || value === "") { return null; }
    var d = value instanceof Date ? value : new Date(value);
    return isNaN(d.getTime()) ? null : d;
  }
  /** WIB / WITA / WIT, or the zone's offset at that instant ("UTC+01:00", "UTC"). */
  function zoneLabel(date) {
    if (ABBR[TZ]) { return ABBR[TZ]; }
    var d = toDate(date) || now();
    var p = parts(d);
    var wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    var minutes = Math.round((wall - (d.getTime() - d.getMilliseconds())) / 60000);
    if (!minutes) { return "UTC"; }
    var sign = minutes < 0 ? "-" : "+";
    minutes = Math.abs(minutes);
    return "UTC" + sign + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }
  function dateText(p) { return pad(p.day) + " " + MONTHS[lang()][p.month - 1] + " " + p.year; }

  /** "01 Des 2026": the city's date of an instant; a bare "YYYY-MM-DD" is taken as it is. */
  function formatDate(value) {
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
      var b = value.split("-").map(Number);
      return dateText({ year: b[0], month: b[1], day: b[2] });
    }
    var d = toDate(value);
    return d ? dateText(parts(d)) : "";
  }
  /** "02:14 WIB" (opts.seconds: "02:14:05 WIB") on the city's clock. */
  function formatTime(value, opts) {
    var d = toDate(value);
    if (!d) { return ""; }
    var p = parts(d);
    var t = pad(p.hour) + ":" + pad(p.minute) + (opts && opts.seconds ? ":" + pad(p.second) : "");
    return opts && opts.zone === false ? t : t + " " + zoneLabel(d);
  }
  /** "01 Des 2026 02:14 WIB": what people read. */
  function formatDateTime(value, opts) {
    var d = toDate(value);
    return d ? dateText(parts(d)) + " " + formatTime(d, opts) : "";
  }
  /** "2026-12-01": the city's calendar date of an instant (for date inputs and the API). */
  function isoDate(value) {
    var d = toDate(value);
    if (!d) { return ""; }
    var p = parts(d);
    return p.year + "-" + pad(p.month) + "-" + pad(p.day);
  }
  /** Follow the server's clock: `value` (ISO string or Date) is a time it just reported. */
  function sync(value) {
    var d = toDate(value);
    if (d) { offsetMs = d.getTime() - Date.now(); }
  }
  /** The server's "now" as the browser last learnt it. */
  function now() { return new Date(Date.now() + offsetMs); }
  /** Today in the city ("YYYY-MM-DD"). */
  function today() { return isoDate(now()); }
  /** A "YYYY-MM-DD" date moved by n days (calendar arithmetic, no zone involved). */
  function addDays(iso, n) {
    var p = iso.split("-").map(Number);
    return new Date(Date.UTC(p[0], p[1] - 1, p[2] + n)).toISOString().slice(0, 10);
  }

  if (root.dataset && root.dataset.now) { sync(root.dataset.now); }
  global.SiagaTime = {
    zone: TZ, zoneLabel: zoneLabel, formatDate: formatDate, formatTime: formatTime,
    formatDateTime: formatDateTime, isoDate: isoDate, today: today, now: now, sync: sync,
    addDays: addDays
  };
})(window);
