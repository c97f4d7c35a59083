// Coverage on the map and in a panel: demand cells no available unit reaches within the
// city's target are drawn on the map; the uncovered areas are listed; a supervisor sees the
// optimal move-up (the server's MILP) and accepts it with one click.
/* global L */
import { get, post } from './api.js';
import { CONFIG, clear, el, fmtDuration, t } from './dom.js';

const $ = (id) => document.getElementById(id);
const SUPERVISOR = ['supervisor', 'admin'].includes((CONFIG.user || {}).role);
const REFRESH_MS = 60000;

let layer = null;
let timer = null;
let busy = false;
let again = false;
let suggestion = null; // the moves last shown, sent as they are on accept

function typesText(types) {
  return types.map((ty) => t('type.' + ty)).join(', ');
}

function drawCells(cov) {
  layer.clearLayers();
  let n = 0;
  for (const c of cov.cells || []) {
    if (c.kind !== 'cell' || !(c.weight > 0)) continue;
    const missing = Object.keys(cov.targets_s).filter((ty) => !c.units[ty]);
    if (!missing.length) continue;
    n += 1;
    const marker = L.circleMarker([c.lat, c.lon], {
      radius: 5 + Math.min(missing.length, 4), color: '#c62828', weight: 1,
      fillColor: '#ef5350', fillOpacity: 0.35, className: 'uncovered-cell', interactive: true,
    });
    marker.bindTooltip(el('span', { text: `${c.area}: ${t('uncoveredCell', { types: typesText(missing) })}` }));
    marker.addTo(layer);
  }
  document.body.dataset.uncoveredCells = String(n);
}

function renderList(cov) {
  const list = clear($('coverage-list'));
  const rows = cov.uncovered || [];
  if (!rows.length) {
    list.append(el('li', { class: 'muted', id: 'all-covered' }, t('allCovered')));
    return;
  }
  for (const u of rows) {
    const share = u.covered_share === null ? '' : ` — ${Math.round(u.covered_share * 100)}% ${t('coveredShare')}`;
    list.append(el('li', { class: 'uncovered-area', dataset: { area: u.area, unitType: u.unit_type } },
      el('strong', {}, u.area), ` · ${t('type.' + u.unit_type)} (${u.uncovered_cells})${share}`));
  }
}

function renderMoveUps(body) {
  const box = clear($('moveup-box'));
  suggestion = (body && body.moves) || [];
  if (!suggestion.length) {
    box.append(el('p', { class: 'muted', id: 'moveup-none' }, t('moveUpNone')));
    return;
  }
  const list = el('ul', { class: 'moveups', id: 'moveup-list' });
  for (const m of suggestion) {
    list.append(el('li', { class: 'moveup', dataset: { unitId: m.unit_id, siteId: m.site_id } },
      el('strong', {}, m.unit_id), ` → ${m.site_name} (${fmtDuration(m.travel_s)})`));
  }
  const gains = (body.suggestions || []).filter((s) => s.moves.length)
    .map((s) => `${t('type.' + s.unit_type)} ${Math.round(s.covered_before * 100)}→${Math.round(s.covered_after * 100)}%`);
  box.append(el('h4', {}, t('moveUps')), list,
    el('p', { class: 'muted' }, gains.join(' · ')),
    el('button', { type: 'button', id: 'moveup-accept', class: 'primary small', onclick: accept }, t('acceptMoveUps')));
}

async function accept() {
  const btn = $('moveup-accept');
  if (!suggestion || !suggestion.length) return;
  btn.disabled = true;
  const msg = $('coverage-msg');
  try {
    const out = await post('/api/v1/coverage/moveups/accept',
      { moves: suggestion.map((m) => ({ unit_id: m.unit_id, site_id: m.site_id })) });
    msg.className = 'msg ok';
    msg.textContent = t('moveUpsSent', { units: out.orders.map((o) => o.unit_id).join(', ') });
    document.body.dataset.moveupsSent = out.orders.map((o) => o.order_id).join(',');
  } catch (e) {
    msg.className = 'msg bad';
    msg.textContent = e.message;
    btn.disabled = false;
  }
  refreshCoverage();
}

async function load() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    const cov = await get('/api/v1/coverage');
    drawCells(cov);
    renderList(cov);
    if (SUPERVISOR) renderMoveUps(await get('/api/v1/coverage/moveups'));
  } catch (e) {
    const list = clear($('coverage-list'));
    list.append(el('li', { class: 'muted' }, e.status === 409 ? t('coverageNeedsRoads') : e.message));
  } finally {
    busy = false;
    document.body.dataset.coverageReady = '1';
    if (again) { again = false; refreshCoverage(); }
  }
}

/** Look again soon (several unit changes come together: one request for them). */
export function refreshCoverage() {
  clearTimeout(timer);
  timer = setTimeout(load, 800);
}

export function initCoverage(map) {
  layer = L.layerGroup().addTo(map);
  const panel = $('coverage-panel');
  panel.append(
    el('h3', {}, t('uncovered')),
    el('ul', { id: 'coverage-list', class: 'coverage-list' }),
    SUPERVISOR ? el('div', { id: 'moveup-box', class: 'moveup-box' }) : null,
    el('div', { id: 'coverage-msg', class: 'msg', role: 'status', 'aria-live': 'polite' }));
  load();
  setInterval(load, REFRESH_MS);
}
