// The operator console: wires map, intake, queue, detail, live updates and shortcuts.
/* global io */
import { raise, initAlerts } from './alerts.js';
import { initCoverage, refreshCoverage } from './coverage.js';
import { get } from './api.js';
import { toLogin } from './api.js';
import { el, setServerTime, t } from './dom.js';
import { dispatchPlan, initDetail, refresh as refreshDetail, showIncident, shownId } from './detail.js';
import { focusIntake, initIntake, setLocation } from './intake.js';
import {
  highlightIncident, initMap, legend, panTo, removeIncident, upsertIncident, upsertUnit,
} from './map.js';
import { initHandover, toggleHandover } from './handover.js';
import { initQueue, renderQueue, step } from './queue.js';

const state = { incidents: new Map(), units: new Map(), selectedId: null, connected: false };
window.siagaConsole = { state }; // read-only handle for diagnostics and browser tests

const $ = (id) => document.getElementById(id);

function putIncident(inc) {
  if (inc.status === 'closed') {
    state.incidents.delete(inc.id);
    removeIncident(inc.id);
  } else {
    const old = state.incidents.get(inc.id) || {};
    state.incidents.set(inc.id, Object.assign(old, inc));
    upsertIncident(inc, inc.id === state.selectedId);
  }
}

// Several events about one incident arrive together: fetch it once.
const pending = new Map();
function refreshIncident(id) {
  if (!id || pending.has(id)) return;
  pending.set(id, setTimeout(async () => {
    pending.delete(id);
    try {
      const inc = await get(`/api/v1/incidents/${id}`);
      delete inc.timeline;
      putIncident(inc);
      renderQueue();
    } catch (_e) { /* deleted or no longer visible */ }
    if (shownId() === id) refreshDetail();
  }, 60));
}

function select(id) {
  state.selectedId = id;
  highlightIncident(id);
  renderQueue();
  const inc = state.incidents.get(id);
  if (inc) panTo(inc.lat, inc.lon);
  showIncident(id);
}

function loadSnapshot(snap) {
  if (!snap || snap.error) return;
  setServerTime(snap.server_time);
  for (const u of snap.units || []) { state.units.set(u.id, u); upsertUnit(u); }
  const open = new Set();
  for (const inc of snap.incidents || []) { open.add(inc.id); putIncident(inc); }
  for (const id of [...state.incidents.keys()]) {
    if (!open.has(id)) { state.incidents.delete(id); removeIncident(id); }
  }
  renderQueue();
  if (shownId() !== null) refreshDetail();
}

function setConn(ok) {
  state.connected = ok;
  const c = $('conn');
  c.className = `conn ${ok ? 'conn-on' : 'conn-off'}`;
  c.textContent = ok ? t('connected') : t('disconnected');
  document.body.dataset.live = ok ? 'on' : 'off';
}

let detailUnitsTimer = null;
function unitChanged() {
  // Recommendations depend on who is free: refresh the open detail soon (coalesced).
  if (shownId() === null || detailUnitsTimer) return;
  detailUnitsTimer = setTimeout(() => { detailUnitsTimer = null; refreshDetail(); }, 400);
}

function connectLive() {
  const socket = io({ reconnectionDelay: 300, reconnectionDelayMax: 1500, timeout: 4000 });
  socket.on('connect', () => {
    setConn(true);
    socket.emit('resync', null, loadSnapshot);
  });
  socket.on('disconnect', () => setConn(false));
  socket.on('connect_error', async () => {
    setConn(false);
    // Refused because the session ended? Then the API says 401 and api.js goes to the login.
    try { await get('/api/v1/units?probe=1'); } catch (_e) { /* handled in api.js */ }
  });
  socket.on('UnitPositions', (msg) => {
    for (const p of msg.positions || []) {
      const u = state.units.get(p.id) || { id: p.id, type: 'police', status: p.status || 'available' };
      u.lat = p.lat; u.lon = p.lon;
      if (p.heading !== null && p.heading !== undefined) u.heading = p.heading;
      if (p.status) u.status = p.status;
      u.stale = Boolean(p.stale);
      // A fix arrived: the unit is judged on it now, no longer assumed at its station.
      u.assumed_at_station = false;
      if (p.fix_flag !== undefined) u.fix_flag = p.fix_flag;
      if (p.recommendable !== undefined) u.recommendable = p.recommendable;
      if (p.not_recommendable_reason !== undefined) u.not_recommendable_reason = p.not_recommendable_reason;
      state.units.set(p.id, u);
      upsertUnit(u);
    }
  });
  socket.on('UnitStatusChanged', (e) => {
    const u = state.units.get(e.unit_id);
    if (u) { u.status = e.status; if (e.status === 'offline') u.stale = true; upsertUnit(u); }
    if (e.incident_id) refreshIncident(e.incident_id);
    unitChanged();
    refreshCoverage();
  });
  for (const name of ['UnitRegistered', 'UnitMoveUpOrdered', 'MoveUpAnswered']) socket.on(name, refreshCoverage);
  socket.on('UnitRegistered', async () => {
    try { for (const u of await get('/api/v1/units')) { state.units.set(u.id, u); upsertUnit(u); } } catch (_e) { /* */ }
  });
  for (const name of ['IncidentCreated', 'IncidentUpdated', 'IncidentClosed', 'UnitRecommended',
    'UnitDispatched', 'OrderAcknowledged', 'OrderDeclined', 'OrderResent', 'OrderUnacknowledged',
    'OrderRadioReminder']) {
    socket.on(name, (e) => refreshIncident(e.incident_id));
  }
  socket.on('IncidentCreated', (e) => {
    if (e.priority === 1) raise('p1', e.incident_id, t('alertP1', { id: e.incident_id }), select);
  });
  socket.on('OrderDeclined', (e) => raise('declined', `${e.incident_id}:${e.unit_id}`,
    t('alertDeclined', { id: e.incident_id, unit: e.unit_id }), () => select(e.incident_id)));
  socket.on('OrderUnacknowledged', (e) => raise('unacked', `${e.incident_id}:${e.unit_id}`,
    t('alertUnacked', { id: e.incident_id, unit: e.unit_id }), () => select(e.incident_id)));
  return socket;
}

function toggleHelp(show) {
  const help = $('help');
  help.hidden = show === undefined ? !help.hidden : !show;
  if (!help.hidden) $('help-close').focus();
}

function typing(target) {
  const tag = (target && target.tagName) || '';
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (target && target.isContentEditable);
}

function onKey(e) {
  if (e.key === 'Escape') {
    if (!$('help').hidden) { toggleHelp(false); e.preventDefault(); return; }
    if (!$('handover').hidden) { toggleHandover(false); e.preventDefault(); return; }
    if (typing(e.target)) e.target.blur();
    return;
  }
  const fn = { F1: 'help', F2: 'new', F3: 'search', F4: 'dispatch', F8: 'next' }[e.key];
  let action = fn;
  if (!action && !typing(e.target) && !e.ctrlKey && !e.altKey && !e.metaKey) {
    action = { '?': 'help', n: 'new', N: 'new', '/': 'search', d: 'dispatch', D: 'dispatch', j: 'next', J: 'next', k: 'prev', K: 'prev' }[e.key];
  }
  if (!action) return;
  e.preventDefault();
  if (action === 'help') toggleHelp();
  else if (action === 'new') focusIntake();
  else if (action === 'search') $('search').focus();
  else if (action === 'dispatch') dispatchPlan();
  else if (action === 'next') step(1);
  else if (action === 'prev') step(-1);
}

async function main() {
  let city;
  try {
    city = await get('/api/v1/city');
  } catch (e) {
    if (e.status === 401) return toLogin();
    throw e;
  }
  window.siagaConsole.map = initMap(city, {
    onMapClick: (lat, lon) => setLocation(lat, lon, null),
    onIncidentClick: (id) => select(id),
  });
  legend($('legend'));
  initCoverage(window.siagaConsole.map);
  initQueue(state, { onSelect: select });
  initAlerts(state, select);
  initDetail(state, { onChanged: (id) => refreshIncident(id) });
  initIntake({
    onCreated: (inc) => {
      putIncident(inc);
      renderQueue();
      select(inc.id);
    },
  });
  initHandover();
  $('help-btn').addEventListener('click', () => toggleHelp());
  $('help-close').addEventListener('click', () => toggleHelp(false));
  document.addEventListener('keydown', onKey);
  connectLive();
  document.body.dataset.ready = '1';
  document.body.append(el('span', { hidden: true, id: 'console-ready' }));
}

main();
