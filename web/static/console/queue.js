// The queue: open incidents by priority then age, running timers against the processing target.
import { post } from './api.js';
import { CONFIG, clear, el, epoch, fmtDuration, nowS, t } from './dom.js';

const $ = (id) => document.getElementById(id);
let state;
let onSelect = () => {};
let filter = '';

export function sortedIncidents() {
  const list = [...state.incidents.values()].filter(matches);
  list.sort((a, b) => (a.priority - b.priority) || (epoch(a.created_at) - epoch(b.created_at)) || (a.id - b.id));
  return list;
}

function matches(inc) {
  if (!filter) return true;
  const hay = [
    `#${inc.id}`, String(inc.id), inc.description, inc.address, inc.caller_phone, inc.kecamatan,
    inc.kelurahan, t('cat.' + inc.category), inc.category,
  ].filter(Boolean).join(' ').toLowerCase();
  return filter.split(/\s+/).every((w) => hay.includes(w));
}

/** Seconds of call processing: until the first dispatch, or running while none yet. */
function processingS(inc) {
  const start = epoch(inc.created_at);
  const end = inc.first_dispatch_at ? epoch(inc.first_dispatch_at) : nowS();
  return end - start;
}

function timerClass(inc) {
  const target = CONFIG.processingTargetS || 64;
  const s = processingS(inc);
  if (s >= target) return 'late';
  if (s >= target * 0.75) return 'warn';
  return 'ok';
}

function orderFlags(inc) {
  const orders = inc.orders || [];
  const out = [];
  const declined = orders.filter((o) => o.state === 'declined').length;
  const unacked = orders.filter((o) => o.state === 'unacknowledged').length;
  const waiting = orders.filter((o) => o.state === 'sent' || o.state === 'resent').length;
  const acked = orders.filter((o) => o.acked_at && o.state !== 'declined').length;
  if (declined) out.push(el('span', { class: 'flag flag-bad' }, `${t('ord.declined')} ${declined}`));
  if (unacked) out.push(el('span', { class: 'flag flag-bad' }, `${t('ord.unacknowledged')} ${unacked}`));
  if (waiting) out.push(el('span', { class: 'flag flag-wait' }, `◔ ${waiting}`));
  if (acked) out.push(el('span', { class: 'flag flag-ok' }, `✓ ${acked}`));
  return out;
}

export async function linkToExisting(inc) {
  await post(`/api/v1/incidents/${inc.id}/close`, {
    outcome: t('linkedOutcome', { id: inc.possible_duplicate_of }),
    link_to: inc.possible_duplicate_of,
  });
}

export function renderQueue() {
  const list = $('queue');
  clear(list);
  const items = sortedIncidents();
  $('queue-count').textContent = String(items.length);
  // A banner over the whole console while exercise incidents are in the queue.
  const drills = [...state.incidents.values()].filter((i) => i.exercise).length;
  const banner = $('exercise-banner');
  if (banner) {
    banner.hidden = drills === 0;
    banner.textContent = drills ? `${t('exercise')} — ${t('exerciseQueue', { n: drills })}` : '';
  }
  if (!items.length) {
    list.append(el('li', { class: 'muted empty' }, t('queueEmpty')));
    return;
  }
  for (const inc of items) {
    const selected = inc.id === state.selectedId;
    const timer = el('span', { class: `timer ${timerClass(inc)}`, dataset: { timerFor: inc.id } },
      fmtDuration(processingS(inc)));
    const row = el('li', {
      class: `q-item p${inc.priority}${selected ? ' selected' : ''}${inc.exercise ? ' exercise' : ''}`,
      dataset: { incidentId: inc.id },
      tabindex: 0,
      'aria-selected': selected ? 'true' : 'false',
      onclick: () => onSelect(inc.id),
      onkeydown: (e) => { if (e.key === 'Enter') onSelect(inc.id); },
    },
    el('div', { class: 'q-top' },
      inc.exercise ? el('span', { class: 'ex-badge' }, t('exercise')) : null,
      el('span', { class: `prio p${inc.priority}` }, `P${inc.priority}`),
      el('strong', {}, ` #${inc.id} `),
      el('span', { class: 'q-cat' }, t('cat.' + inc.category)),
      el('span', { class: 'q-where muted' }, inc.kecamatan ? ` · ${inc.kecamatan}` : ''),
      timer),
    el('div', { class: 'q-desc' }, inc.description || ''),
    el('div', { class: 'q-flags' },
      el('span', { class: `ist ist-${inc.status}` }, t('ist.' + inc.status)),
      inc.owner ? el('span', { class: 'q-owner muted', title: t('owner') }, `· ${inc.owner}`) : null,
      inc.call_type !== 'genuine' ? el('span', { class: 'flag flag-wait' }, t('ct.' + inc.call_type)) : null,
      inc.unsure ? el('span', { class: 'flag flag-wait flag-unsure' }, t('flagUnsure')) : null,
      inc.outside_jurisdiction ? el('span', { class: 'flag flag-wait flag-outside' }, t('flagOutside')) : null,
      (inc.shortfall || []).length ? el('span', { class: 'flag flag-bad flag-short' }, t('flagShort')) : null,
      ...orderFlags(inc)));
    if (inc.possible_duplicate_of && !inc.linked_to) {
      row.append(el('div', { class: 'dup' },
        el('span', {}, '⚠ ' + t('duplicateOf', { id: inc.possible_duplicate_of }) + ' '),
        el('button', {
          type: 'button', class: 'small link-dup', dataset: { incidentId: inc.id },
          onclick: (e) => { e.stopPropagation(); linkToExisting(inc).catch((err) => alertRow(row, err)); },
        }, t('linkExisting'))));
    }
    list.append(row);
  }
}

function alertRow(row, err) {
  row.append(el('div', { class: 'msg bad' }, `${t('error')}: ${err.message}`));
}

function tick() {
  for (const node of document.querySelectorAll('[data-timer-for]')) {
    const inc = state.incidents.get(Number(node.dataset.timerFor));
    if (!inc) continue;
    node.textContent = fmtDuration(processingS(inc));
    node.className = `timer ${timerClass(inc)}`;
  }
}

export function initQueue(st, handlers) {
  state = st;
  onSelect = handlers.onSelect;
  $('search').addEventListener('input', () => {
    filter = $('search').value.trim().toLowerCase();
    renderQueue();
  });
  setInterval(tick, 1000);
  renderQueue();
}

/** Select the next (or previous) incident in queue order. */
export function step(dir) {
  const items = sortedIncidents();
  if (!items.length) return;
  const idx = items.findIndex((i) => i.id === state.selectedId);
  const next = idx < 0 ? 0 : (idx + dir + items.length) % items.length;
  onSelect(items[next].id);
  const node = document.querySelector(`#queue [data-incident-id="${items[next].id}"]`);
  if (node) node.scrollIntoView({ block: 'nearest' });
}
