// Small DOM helpers: every piece of data goes in as text, never as HTML.
const STRINGS = JSON.parse(document.getElementById('console-strings').textContent);
export const CONFIG = JSON.parse(document.getElementById('console-config').textContent);

/** Translated text for a key, with {name} placeholders filled in (as text). */
export function t(key, vars) {
  let s = Object.prototype.hasOwnProperty.call(STRINGS, key) ? STRINGS[key] : key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
  }
  return s;
}

/** Create an element; attrs: class, dataset (obj), on<Event> (function), other attributes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Remove all children. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// Server clock offset (seconds), so timers agree with the server's time.
let offset = 0;
export function setServerTime(serverEpoch) {
  if (typeof serverEpoch !== 'number') return;
  offset = serverEpoch - Date.now() / 1000;
  window.SiagaTime.sync(new Date(serverEpoch * 1000));
}
export function nowS() {
  return Date.now() / 1000 + offset;
}
export function epoch(iso) {
  return iso ? Date.parse(iso) / 1000 : null;
}

export function fmtDuration(s) {
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

// Dates and times are the city's (static/common/citytime.js), never the browser's zone.
/** "02:14:05 WIB" today in the city; with the date ("30 Nov 2026 23:59:10 WIB") otherwise. */
export function fmtTime(iso) {
  if (!iso) return '';
  const T = window.SiagaTime;
  return T.isoDate(iso) === T.today() ? T.formatTime(iso, { seconds: true })
    : T.formatDateTime(iso, { seconds: true });
}

/** "01 Des 2026 02:14 WIB". */
export function fmtDateTime(iso) {
  return iso ? window.SiagaTime.formatDateTime(iso) : '';
}

export function fmtDistance(m) {
  if (m === null || m === undefined) return '';
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}
