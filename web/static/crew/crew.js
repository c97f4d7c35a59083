// The crew app: the unit's order, accept/decline, status taps and position sharing.
// Every tap goes into a queue kept in localStorage and is sent in order; a tap whose answer
// was lost is sent again with the same tap_id, and the server applies it once.

const $ = (id) => document.getElementById(id);
const CONFIG = JSON.parse($('crew-config').textContent);
const STRINGS = JSON.parse($('crew-strings').textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
const QUEUE_KEY = `siaga112.crew.${CONFIG.unitId}.queue`;
const RETRY_MS = 3000;
const ANSWERABLE = ['sent', 'awaiting_radio', 'unacknowledged'];

let current = null; // the last state from the server
let sending = false;
let watchId = null;

function t(key, params = {}) {
  let text = STRINGS[key] || key;
  for (const [k, v] of Object.entries(params)) text = text.replace(`{${k}}`, String(v));
  return text;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function newTapId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function loadQueue() {
  try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]'); } catch (_e) { return []; }
}

function saveQueue(queue) {
  localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
  const n = queue.length;
  $('queue-msg').textContent = n ? t('queued', { n }) : '';
  document.body.dataset.queued = String(n);
}

function say(text, bad = false) {
  $('msg').textContent = text;
  $('msg').className = bad ? 'msg bad' : 'msg ok';
}

function setNet(online) {
  $('net').textContent = online ? t('online') : t('offline');
  $('net').className = online ? 'pill net-on' : 'pill net-off';
  document.body.dataset.net = online ? 'on' : 'off';
}

async function call(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.headers['X-CSRFToken'] = CSRF;
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  if (resp.status === 401) {
    location.assign(`/login?next=${encodeURIComponent('/crew')}`);
    throw new Error('login');
  }
  let data = null;
  try { data = await resp.json(); } catch (_e) { data = null; }
  return { status: resp.status, data };
}

// A network failure, a server error or a throttle: keep the tap and try again later.
const retryable = (status) => status >= 500 || status === 408 || status === 429;

async function flush() {
  if (sending) return;
  sending = true;
  try {
    let queue = loadQueue();
    while (queue.length) {
      const tap = queue[0];
      let answer;
      try {
        answer = await call('POST', '/api/v1/crew/taps', tap);
      } catch (_e) {
        setNet(false);
        return;
      }
      if (retryable(answer.status)) { setNet(false); return; }
      setNet(true);
      queue = loadQueue().filter((q) => q.tap_id !== tap.tap_id);
      saveQueue(queue);
      if (answer.status >= 200 && answer.status < 300) {
        if (tap.kind !== 'position') say(t('sent'));
        if (answer.data && answer.data.state) render(answer.data.state);
      } else if (tap.kind !== 'position') {
        // Refused for good (e.g. an impossible status): say why; it is not sent again.
        const e = (answer.data && answer.data.error) || {};
        say(`${t('refused')}: ${e.message || answer.status}`, true);
      }
    }
  } finally {
    sending = false;
  }
}

function tap(kind, body) {
  const entry = { tap_id: newTapId(), kind, ts: Date.now() / 1000, ...body };
  // Only the newest position is worth sending after a gap.
  const queue = loadQueue().filter((q) => !(kind === 'position' && q.kind === 'position'));
  queue.push(entry);
  saveQueue(queue);
  flush();
}

function row(label, value) {
  return value ? el('div', { class: 'row' }, el('span', { class: 'muted' }, `${label}: `), value) : null;
}

function renderOrder(order) {
  const box = $('order');
  box.replaceChildren();
  box.dataset.orderId = order ? order.order_id : '';
  box.dataset.state = order ? order.state : '';
  if (!order) {
    box.append(el('p', { class: 'muted', id: 'no-order' }, t('noOrder')));
    return;
  }
  const where = order.lat !== null && order.lat !== undefined
    ? el('a', { href: `geo:${order.lat},${order.lon}`, class: 'map-link' },
      `${Number(order.lat).toFixed(5)}, ${Number(order.lon).toFixed(5)} — ${t('openMap')}`)
    : null;
  const hospital = order.hospital ? (order.hospital.name || order.hospital.id) : null;
  const parts = [
    el('h2', {}, `${t('order')} #${order.incident_id} `,
      el('span', { class: `prio p${order.priority}` }, `P${order.priority}`)),
    el('p', { class: 'category', id: 'o-category' }, t(`cat.${order.category}`)),
    el('p', { class: 'description', id: 'o-description' }, order.description || ''),
    row(t('address'), order.address),
    row(t('caller'), order.caller_phone ? el('a', { href: `tel:${order.caller_phone}` }, order.caller_phone) : null),
    row(t('hospital'), hospital),
    where,
  ];
  box.append(...parts.filter((p) => p !== null)); // append() would write "null" as text
  if (ANSWERABLE.includes(order.state)) {
    box.append(el('div', { class: 'answer' },
      el('button', { type: 'button', id: 'accept', class: 'primary wide',
        onclick: () => tap('ack', { order_id: order.order_id, accepted: true }) }, t('accept')),
      el('button', { type: 'button', id: 'decline', class: 'danger wide',
        onclick: () => tap('ack', { order_id: order.order_id, accepted: false }) }, t('decline'))));
  } else {
    box.append(el('p', { class: 'ok', id: 'o-accepted' }, t('accepted')));
  }
}

function renderStatuses(unit) {
  const box = $('statuses');
  box.replaceChildren();
  for (const status of CONFIG.statuses) {
    const active = unit && unit.status === status;
    box.append(el('button', {
      type: 'button', class: active ? 'status active' : 'status', 'data-status': status,
      'aria-pressed': active ? 'true' : 'false',
      onclick: () => tap('status', current && current.order ? { status, order_id: current.order.order_id } : { status }),
    }, t(`st.${status}`)));
  }
}

function render(state) {
  current = state;
  const unit = state.unit || {};
  $('unit-status').textContent = t(`st.${unit.status}`);
  $('unit-status').dataset.status = unit.status || '';
  renderOrder(state.order);
  renderStatuses(unit);
}

async function poll() {
  try {
    const answer = await call('GET', '/api/v1/crew/state');
    if (answer.status === 200) {
      setNet(true);
      if (!loadQueue().length) render(answer.data); // a queued tap would be undone on screen
    } else {
      setNet(false);
    }
  } catch (_e) {
    setNet(false);
  }
  flush();
}

function share() {
  if (!navigator.geolocation) { $('share-msg').textContent = t('noGeolocation'); return; }
  if (watchId !== null) return;
  watchId = navigator.geolocation.watchPosition((pos) => {
    $('share-msg').textContent = t('sharing');
    const c = pos.coords;
    const body = { lat: c.latitude, lon: c.longitude, ts: pos.timestamp / 1000 };
    if (Number.isFinite(c.accuracy)) body.accuracy_m = c.accuracy;
    if (Number.isFinite(c.speed) && c.speed !== null) body.speed_kmh = c.speed * 3.6;
    if (Number.isFinite(c.heading) && c.heading !== null) body.heading = c.heading;
    tap('position', body);
  }, (err) => { $('share-msg').textContent = err.message; },
  { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
}

$('share').addEventListener('click', share);
window.addEventListener('online', flush);
saveQueue(loadQueue());
setNet(navigator.onLine);
poll();
setInterval(poll, CONFIG.pollS * 1000);
setInterval(flush, RETRY_MS);
window.siagaCrew = { queue: loadQueue, flush }; // for diagnostics and browser tests
