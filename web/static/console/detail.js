// Incident detail: recommendations and dispatch, live order acknowledgements, timeline, notes,
// category/priority/call-type changes, close with an outcome, escalate to the complaint flow.
import { get, patch, post } from './api.js';
import { CONFIG, clear, el, fmtDistance, fmtDuration, fmtTime, t } from './dom.js';
import { linkToExisting } from './queue.js';

const $ = (id) => document.getElementById(id);
let state;
let current = null; // the incident shown (full, with timeline)
let currentId = null;
let onChanged = () => {};
let loading = null;

function msg(text, bad) {
  const box = $('detail-msg');
  if (!box) return;
  box.className = `msg ${bad ? 'bad' : 'ok'}`;
  box.textContent = text;
}

function select(id, options, value, labelKey) {
  const s = el('select', { id });
  for (const o of options) {
    const opt = el('option', { value: o }, labelKey ? t(labelKey + o) : `P${o}`);
    if (String(o) === String(value)) opt.selected = true;
    s.append(opt);
  }
  return s;
}

function buildSkeleton(id) {
  const box = $('detail');
  clear(box);
  box.append(
    el('div', { id: 'd-exercise', class: 'exercise-banner', role: 'note', hidden: true }),
    el('div', { class: 'd-head' }, el('h2', { id: 'd-title' }, `#${id}`), el('span', { id: 'd-status' })),
    el('div', { id: 'd-info', class: 'd-info' }),
    el('div', { id: 'd-dup' }),
    el('div', { class: 'd-edit' },
      el('label', {}, t('category'), select('d-category', CONFIG.categories, '', 'cat.')),
      el('label', {}, t('priority'), select('d-priority', CONFIG.priorities, '')),
      el('label', {}, t('callType'), select('d-call_type', CONFIG.callTypes, '', 'ct.')),
      el('button', { type: 'button', id: 'd-save', class: 'small', onclick: saveEdits }, t('save'))),
    el('h3', {}, t('recommendations')),
    el('div', { id: 'd-recs' }),
    el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'dispatch-plan', class: 'primary', onclick: () => dispatchPlan() },
        `${t('dispatchPlan')} (F4)`),
      el('button', { type: 'button', id: 'dispatch-selected', class: 'ghost', onclick: dispatchSelected },
        t('dispatchSelected'))),
    el('h3', {}, t('orders')),
    el('ul', { id: 'd-orders', class: 'orders' }),
    el('div', { id: 'detail-msg', class: 'msg', role: 'status', 'aria-live': 'polite' }),
    el('form', { id: 'note-form', class: 'inline-form', onsubmit: addNote },
      el('input', { id: 'note-text', placeholder: t('notePlaceholder'), maxlength: 2000 }),
      el('button', { type: 'submit', class: 'small' }, t('addNote'))),
    el('form', { id: 'close-form', class: 'inline-form', onsubmit: closeIncident },
      el('input', { id: 'outcome', placeholder: t('outcomePlaceholder'), maxlength: 500 }),
      el('button', { type: 'submit', class: 'small danger', id: 'close-btn' }, t('close'))),
    el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'escalate-btn', class: 'ghost small', onclick: escalate }, t('escalate'))),
    el('h3', {}, t('timeline'), ' ', el('span', { id: 'tl-exercise', class: 'ex-badge', hidden: true }, t('exercise'))),
    el('ol', { id: 'timeline', class: 'timeline' }),
  );
}

function render(inc) {
  current = inc;
  const drill = Boolean(inc.exercise);
  $('detail').classList.toggle('exercise', drill);
  $('d-exercise').hidden = !drill;
  $('d-exercise').textContent = drill ? `${t('exercise')} — ${t('exerciseBanner')}` : '';
  $('tl-exercise').hidden = !drill;
  $('timeline').classList.toggle('exercise', drill);
  $('d-title').textContent = `${drill ? t('exercise') + ' · ' : ''}#${inc.id} ${t('cat.' + inc.category)} P${inc.priority}`;
  const st = $('d-status');
  st.className = `ist ist-${inc.status}`;
  st.textContent = t('ist.' + inc.status);
  const info = clear($('d-info'));
  const row = (label, value) => (value ? el('div', {}, el('span', { class: 'muted' }, `${label}: `), value) : null);
  info.append(...[
    el('p', { class: 'd-desc', id: 'd-desc' }, inc.description || ''),
    row(t('address'), inc.address),
    row(t('caller'), inc.caller_phone ? `${inc.caller_phone} · ${inc.channel}` : inc.channel),
    row(t('district'), [inc.kecamatan, inc.kelurahan].filter(Boolean).join(' / ')
      + (inc.outside_jurisdiction ? ` (${t('outside')})` : '')),
    row(t('callType'), t('ct.' + inc.call_type)),
    inc.cues && inc.cues.length ? row(t('cues'), inc.cues.join(', ')) : null,
    inc.complaint ? row(t('complaint'), inc.complaint.ticket || JSON.stringify(inc.complaint)) : null,
  ].filter(Boolean));
  for (const [id, value] of [['d-category', inc.category], ['d-priority', inc.priority], ['d-call_type', inc.call_type]]) {
    if (document.activeElement !== $(id)) $(id).value = String(value);
  }
  const dup = clear($('d-dup'));
  if (inc.possible_duplicate_of && !inc.linked_to && inc.status !== 'closed') {
    dup.className = 'dup';
    dup.append('⚠ ' + t('duplicateOf', { id: inc.possible_duplicate_of }) + ' ',
      el('button', { type: 'button', class: 'small', onclick: () => linkToExisting(inc).catch((e) => msg(e.message, true)) },
        t('linkExisting')));
  } else {
    dup.className = '';
  }
  renderRecs(inc);
  renderOrders(inc);
  renderTimeline(inc);
  const closed = inc.status === 'closed';
  for (const id of ['dispatch-selected', 'close-btn', 'd-save']) $(id).disabled = closed;
  $('escalate-btn').disabled = closed || Boolean(inc.complaint);
}

/** Recommendations not yet covered by a live order of the same type (the rest of the plan). */
export function planStillNeeded(inc) {
  const active = {};
  for (const o of inc.orders || []) {
    if (o.state !== 'declined' && o.state !== 'unacknowledged') {
      active[o.unit_type] = (active[o.unit_type] || 0) + 1;
    }
  }
  const needed = [];
  const extra = [];
  for (const r of inc.recommendations || []) {
    if (active[r.unit_type]) { active[r.unit_type] -= 1; extra.push(r); } else needed.push(r);
  }
  return { needed, extra };
}

function renderRecs(inc) {
  const box = clear($('d-recs'));
  const recs = inc.recommendations || [];
  if (!recs.length) {
    box.append(el('p', { class: 'muted' }, inc.emergency ? t('noRecommendations') : t('cat.non_emergency')));
    $('dispatch-plan').disabled = true;
    return;
  }
  const { needed } = planStillNeeded(inc);
  const inPlan = new Set(needed.map((r) => r.unit_id));
  const table = el('table', { class: 'recs' });
  for (const r of recs) {
    const planned = inPlan.has(r.unit_id);
    table.append(el('tr', { class: planned ? 'rec' : 'rec extra', dataset: { unitId: r.unit_id, planned: planned ? '1' : '0' } },
      el('td', {}, el('input', { type: 'checkbox', class: 'rec-pick', value: r.unit_id, checked: planned })),
      el('td', {}, el('strong', {}, r.unit_id)),
      el('td', {}, t('type.' + r.unit_type)),
      el('td', {}, `${t('eta')} ${fmtDuration(r.eta_s)}`),
      el('td', { class: 'muted' }, fmtDistance(r.distance_m))));
  }
  if (!needed.length) box.append(el('p', { class: 'muted', id: 'plan-complete' }, t('planComplete')));
  box.append(table);
  $('dispatch-plan').disabled = !needed.length || inc.status === 'closed';
}

function renderOrders(inc) {
  const list = clear($('d-orders'));
  for (const o of inc.orders || []) {
    const stateKey = o.state === 'sent' && o.send_count > 1 ? 'resent' : o.state;
    const bad = o.state === 'declined' || o.state === 'unacknowledged';
    list.append(el('li', { class: `order ord-${o.state}${bad ? ' flagged' : ''}`, dataset: { unitId: o.unit_id, state: o.state } },
      el('strong', {}, o.unit_id), ' — ',
      el('span', { class: 'ord-state' }, t('ord.' + stateKey)),
      o.acked_at ? el('span', { class: 'muted' }, ` ${fmtTime(o.acked_at)}`) : null));
  }
}

function renderTimeline(inc) {
  const list = clear($('timeline'));
  for (const e of [...(inc.timeline || [])].reverse()) {
    list.append(el('li', { class: `tl tl-${e.kind}` },
      el('span', { class: 'tl-time' }, fmtTime(e.ts)), ' ',
      el('span', { class: 'tl-actor' }, `${e.actor_type}${e.actor_id ? ':' + e.actor_id : ''}`), ' ',
      el('span', { class: 'tl-msg' }, e.message || e.kind)));
  }
}

export async function showIncident(id) {
  if (currentId !== id) {
    currentId = id;
    current = null;
    buildSkeleton(id);
  }
  await refresh();
}

export async function refresh() {
  if (currentId === null) return;
  const id = currentId;
  const req = get(`/api/v1/incidents/${id}?fresh=1`);
  loading = req;
  try {
    const inc = await req;
    if (loading === req && currentId === id) render(inc);
    return inc;
  } catch (e) {
    if (currentId === id) msg(e.message, true);
    return null;
  }
}

export function shownId() { return currentId; }

async function dispatchUnits(unitIds) {
  if (!current || !unitIds.length) return;
  try {
    await post(`/api/v1/incidents/${current.id}/dispatch`, { unit_ids: unitIds });
    msg(t('dispatched', { units: unitIds.join(', ') }));
  } catch (e) {
    msg(`${t('error')}: ${e.message}`, true);
  }
  await refresh();
  onChanged(currentId);
}

export async function dispatchPlan() {
  if (!current) return;
  await dispatchUnits(planStillNeeded(current).needed.map((r) => r.unit_id));
}

async function dispatchSelected() {
  const ids = [...document.querySelectorAll('#d-recs .rec-pick:checked')].map((c) => c.value);
  await dispatchUnits(ids);
}

async function saveEdits() {
  if (!current) return;
  const body = {};
  if ($('d-category').value !== current.category) body.category = $('d-category').value;
  if (Number($('d-priority').value) !== current.priority) body.priority = Number($('d-priority').value);
  if ($('d-call_type').value !== current.call_type) body.call_type = $('d-call_type').value;
  if (!Object.keys(body).length) return;
  try {
    render(await patch(`/api/v1/incidents/${current.id}`, body));
    onChanged(current.id);
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
}

async function addNote(ev) {
  ev.preventDefault();
  const text = $('note-text').value.trim();
  if (!text || !current) return;
  try {
    await post(`/api/v1/incidents/${current.id}/notes`, { text });
    $('note-text').value = '';
    await refresh();
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
}

async function closeIncident(ev) {
  ev.preventDefault();
  const outcome = $('outcome').value.trim();
  if (!current) return;
  if (!outcome) { $('outcome').focus(); return; }
  try {
    render(await post(`/api/v1/incidents/${current.id}/close`, { outcome }));
    $('outcome').value = '';
    onChanged(current.id);
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
}

async function escalate() {
  if (!current) return;
  try {
    const out = await post(`/api/v1/incidents/${current.id}/escalate`, {});
    render(out);
    const ticket = out.complaint && (out.complaint.ticket || out.complaint);
    msg(t('escalated', { ticket: typeof ticket === 'string' ? ticket : '' }));
    onChanged(current.id);
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
}

export function initDetail(st, handlers) {
  state = st;
  onChanged = handlers.onChanged;
}
