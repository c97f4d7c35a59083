// Incident detail: recommendations and dispatch, live order acknowledgements, timeline, notes,
// category/priority/call-type changes, close with an outcome, escalate to the complaint flow.
import { get, patch, post } from './api.js';
import { CONFIG, clear, el, fmtDistance, fmtDuration, fmtTime, t } from './dom.js';
import { linkToExisting } from './queue.js';

const $ = (id) => document.getElementById(id);
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
    el('div', { id: 'd-unsure' }),
    el('div', { class: 'd-edit' },
      el('label', {}, t('category'), select('d-category', CONFIG.categories, '', 'cat.')),
      el('label', {}, t('priority'), select('d-priority', CONFIG.priorities, '')),
      el('label', {}, t('callType'), select('d-call_type', CONFIG.callTypes, '', 'ct.')),
      el('button', { type: 'button', id: 'd-save', class: 'small', onclick: saveEdits }, t('save'))),
    el('h3', {}, t('recommendations')),
    el('div', { id: 'd-recs' }),
    el('div', { id: 'd-shortfall' }),
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
    el('div', { class: 'actions outcomes', id: 'd-outcomes' },
      el('button', { type: 'button', id: 'close-prank', class: 'small danger', onclick: () => closeAs('prank') }, t('closePrank')),
      el('button', { type: 'button', id: 'close-ghost', class: 'small danger', onclick: () => closeAs('ghost') }, t('closeGhost')),
      el('button', { type: 'button', id: 'handoff-btn', class: 'small', onclick: handOff }, t('handOff'))),
    el('form', { id: 'answer-form', class: 'inline-form', onsubmit: answerAndClose },
      el('input', { id: 'answer-text', placeholder: t('answerPlaceholder'), maxlength: 2000 }),
      el('button', { type: 'submit', class: 'small', id: 'answer-btn' }, t('answerClose'))),
    el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'escalate-btn', class: 'ghost small', onclick: escalate }, t('escalate')),
      // Asked of the caller before escalating: may the (masked) ticket be listed publicly?
      el('label', { class: 'check small' },
        el('input', { type: 'checkbox', id: 'escalate-consent' }), ' ', t('escalateConsent'))),
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
    row(t('district'), inc.outside_jurisdiction ? t('outside')
      : [inc.kecamatan, inc.kelurahan].filter(Boolean).join(' / ')),
    inc.handoff ? el('div', { id: 'd-handoff', class: 'handoff' },
      el('span', { class: 'muted' }, `${t('handoffTo')}: `),
      el('strong', {}, inc.handoff.authority), ` · ${inc.handoff.contact}`,
      inc.handoff.approximate ? el('span', { class: 'muted' }, ` (${t('approximate')})`) : null) : null,
    inc.aml && inc.aml.warnings && inc.aml.warnings.length
      ? el('div', { id: 'd-aml', class: 'aml-warn' }, el('span', { class: 'muted' }, `${t('amlChecks')}: `),
        inc.aml.warnings.join('; ')) : null,
    row(t('callType'), t('ct.' + inc.call_type)),
    el('div', { id: 'd-owner' }, el('span', { class: 'muted' }, `${t('owner')}: `),
      inc.owner || t('unowned'), ' ',
      inc.owner !== CONFIG.user.username && inc.status !== 'closed'
        ? el('button', { type: 'button', class: 'small', id: 'claim-btn', onclick: claim }, t('claim')) : null),
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
  renderUnsure(inc);
  renderRecs(inc);
  renderShortfall(inc);
  renderOrders(inc);
  renderTimeline(inc);
  const closed = inc.status === 'closed';
  for (const id of ['dispatch-selected', 'close-btn', 'd-save', 'close-prank', 'close-ghost',
    'handoff-btn', 'answer-btn']) $(id).disabled = closed;
  $('handoff-btn').textContent = inc.handoff ? t('handOffTo', { authority: inc.handoff.authority }) : t('handOff');
  // Exercises and pretend calls never become complaint tickets.
  const noTicket = closed || Boolean(inc.complaint) || inc.exercise
    || ['ghost', 'prank', 'information'].includes(inc.call_type);
  $('escalate-btn').disabled = noTicket;
  $('escalate-consent').disabled = noTicket;
}

function renderUnsure(inc) {
  const box = clear($('d-unsure'));
  if (!inc.unsure || inc.status === 'closed') { box.className = ''; return; }
  box.className = 'unsure';
  const pick = select('unsure-category', CONFIG.categories, inc.category, 'cat.');
  box.append(el('strong', { id: 'unsure-prompt' }, t('unsurePrompt')), ' ',
    el('span', { class: 'muted' }, `${t('confidence')} ${Math.round((inc.confidence || 0) * 100)}%`), ' ',
    pick, ' ',
    el('button', { type: 'button', id: 'unsure-confirm', class: 'small primary', onclick: () => confirmCategory(pick.value) },
      t('confirmCategory')));
}

async function confirmCategory(category) {
  if (!current || !mayChange()) return;
  try {
    render(await patch(`/api/v1/incidents/${current.id}`, { category, version: current.version }));
    msg(t('categoryConfirmed'));
    onChanged(current.id);
    await refresh();
  } catch (e) { await failed(e); }
}

/** Someone else's incident: ask before changing it (the server records who did). */
function mayChange() {
  return !current.owner || current.owner === CONFIG.user.username
    // eslint-disable-next-line no-alert
    || window.confirm(t('notOwnerConfirm', { owner: current.owner }));
}

/** A refused change: a stale one shows the incident as it is now. */
async function failed(e) {
  if (e.status === 409 && e.field === 'version') {
    msg(t('staleEdit'), true);
    await refresh();
    return;
  }
  msg(`${t('error')}: ${e.message}`, true);
}

async function claim() {
  if (!current) return;
  const other = current.owner && current.owner !== CONFIG.user.username;
  // Only a supervisor takes another's incident over; an operator's claim is refused (409).
  const force = Boolean(other) && ['supervisor', 'admin'].includes(CONFIG.user.role);
  // eslint-disable-next-line no-alert
  if (force && !window.confirm(t('takeOver', { owner: current.owner }))) return;
  try {
    await post(`/api/v1/incidents/${current.id}/claim`, { force, version: current.version });
    msg(t('claimed'));
    onChanged(current.id);
  } catch (e) { await failed(e); }
  await refresh();
}

function noRecText(inc) {
  if (inc.no_recommendation_reason === 'unsure') return t('unsurePrompt');
  if (inc.no_recommendation_reason === 'outside_jurisdiction') {
    return t('noRecOutside', {
      km: ((inc.boundary_distance_m || 0) / 1000).toFixed(1),
      authority: (inc.handoff && inc.handoff.authority) || '-',
    });
  }
  return inc.emergency ? t('noRecommendations') : t('cat.non_emergency');
}

function renderShortfall(inc) {
  const box = clear($('d-shortfall'));
  const gaps = inc.status === 'closed' ? [] : (inc.shortfall || []);
  box.className = gaps.length ? 'shortfall' : '';
  if (!gaps.length) return;
  box.append(el('h3', {}, t('shortfall')));
  for (const g of gaps) {
    const list = el('ul', { class: 'offers' });
    for (const o of g.offers || []) list.append(offerItem(o));
    if (!(g.offers || []).length) list.append(el('li', { class: 'muted' }, t('noOffers')));
    box.append(el('div', { class: 'gap', dataset: { unitType: g.unit_type, missing: g.missing } },
      el('strong', {}, t('shortfallGap', { n: g.missing, type: t('type.' + g.unit_type) })), list));
  }
}

function offerItem(o) {
  const eta = o.eta_s !== undefined ? el('span', { class: 'muted' }, ` ${t('eta')} ${fmtDuration(o.eta_s)}`) : null;
  if (o.kind === 'reassign') {
    return el('li', { class: 'offer offer-reassign' },
      el('button', { type: 'button', class: 'small', dataset: { unitId: o.unit_id, kind: 'reassign' }, onclick: () => reassign(o) },
        t('offerReassign', { unit: o.unit_id, id: o.from_incident_id, p: o.from_priority })), eta);
  }
  if (o.kind === 'substitute') {
    return el('li', { class: 'offer offer-substitute' },
      el('button', { type: 'button', class: 'small', dataset: { unitId: o.unit_id, kind: 'substitute' }, onclick: () => dispatchUnits([o.unit_id]) },
        t('offerSubstitute', { unit: o.unit_id, type: t('type.' + o.unit_type) })), eta);
  }
  return el('li', { class: 'offer offer-aid' },
    el('span', {}, `${t('offerAid')}: `), el('strong', {}, o.authority), ` · ${o.contact} `,
    el('button', { type: 'button', class: 'small ghost', dataset: { kind: 'mutual_aid' }, onclick: () => logAid(o) }, t('logAid')));
}

async function reassign(o) {
  if (!current) return;
  try {
    await post(`/api/v1/incidents/${current.id}/reassign`, { unit_id: o.unit_id, from_incident_id: o.from_incident_id });
    msg(t('reassigned', { unit: o.unit_id, id: o.from_incident_id }));
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
  await refresh();
  onChanged(currentId);
  onChanged(o.from_incident_id);
}

async function logAid(o) {
  if (!current) return;
  try {
    await post(`/api/v1/incidents/${current.id}/notes`, { text: t('aidNote', { authority: o.authority, contact: o.contact }) });
    msg(t('aidLogged', { authority: o.authority }));
    await refresh();
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
}

/** Recommendations not yet covered by a live order of the same type (the rest of the plan). */
export function planStillNeeded(inc) {
  const active = {};
  for (const o of inc.orders || []) {
    if (o.state !== 'declined' && o.state !== 'unacknowledged' && o.state !== 'reassigned') {
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
    box.append(el('p', { class: inc.no_recommendation_reason ? 'no-recs warn' : 'muted', id: 'no-recs',
      dataset: { reason: inc.no_recommendation_reason || '' } }, noRecText(inc)));
    $('dispatch-plan').disabled = inc.status === 'closed';
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
      el('td', { class: 'rec-eta' }, `${t('eta')} ${fmtDuration(r.eta_s)}`),
      el('td', { class: 'muted rec-dist' }, fmtDistance(r.distance_m)),
      el('td', { class: `muted rec-via via-${r.via || 'straight'}`, dataset: { via: r.via || 'straight' },
        title: r.straight_m !== undefined ? `${t('straightLine')} ${fmtDistance(r.straight_m)}` : null },
      t('via.' + (r.via || 'straight'))),
      el('td', { class: 'muted rec-note' }, r.assumed_at_station ? t('assumedAtStation') : '')));
  }
  if (!needed.length && !(inc.shortfall || []).length) {
    box.append(el('p', { class: 'muted', id: 'plan-complete' }, t('planComplete')));
  }
  box.append(table);
  if (inc.hospital) {
    const h = inc.hospital;
    box.append(el('p', { id: 'd-hospital', class: 'hospital', dataset: { hospitalId: h.id } },
      el('strong', {}, `${t('hospitalDest')}: `), h.name,
      ` — ${t('eta')} ${fmtDuration(h.eta_s)}, ${fmtDistance(h.route_m)} (${t('via.' + (h.via || 'straight'))})`,
      (h.missing || []).length ? el('span', { class: 'warn' }, ` ${t('hospitalLacks')}: ${h.missing.join(', ')}`) : null));
  }
  // Never disabled while open: F4 or a click always answers, even when nothing is left to send.
  $('dispatch-plan').disabled = inc.status === 'closed';
}

// Orders still waiting for an answer; the operator may record one heard on the radio.
const OPEN_ORDER = new Set(['sent', 'awaiting_radio', 'unacknowledged']);

function radioButtons(inc, o) {
  // Position-only trackers cannot answer over MQTT; an unanswered MQTT order may be confirmed too.
  if (inc.status === 'closed' || !OPEN_ORDER.has(o.state)) return null;
  if (o.channel !== 'radio' && o.state !== 'unacknowledged') return null;
  return el('span', { class: 'radio-ack' }, ' ',
    el('button', { type: 'button', class: 'small ack-radio', onclick: () => ackByRadio(o, true) }, t('ackByRadio')), ' ',
    el('button', { type: 'button', class: 'small ghost decline-radio', onclick: () => ackByRadio(o, false) }, t('declineByRadio')));
}

function renderOrders(inc) {
  const list = clear($('d-orders'));
  for (const o of inc.orders || []) {
    const stateKey = o.state === 'sent' && o.send_count > 1 ? 'resent' : o.state;
    const bad = o.state === 'declined' || o.state === 'unacknowledged' || o.state === 'awaiting_radio';
    list.append(el('li', { class: `order ord-${o.state}${bad ? ' flagged' : ''}`, dataset: { unitId: o.unit_id, state: o.state, channel: o.channel || 'mqtt' } },
      el('strong', {}, o.unit_id), ' — ',
      el('span', { class: 'ord-state' }, t('ord.' + stateKey)),
      o.channel === 'radio' ? el('span', { class: 'muted ord-channel' }, ` (${t('orderByRadio')})`) : null,
      o.acked_at ? el('span', { class: 'muted' }, ` ${fmtTime(o.acked_at)}`) : null,
      radioButtons(inc, o)));
  }
}

async function ackByRadio(order, accepted) {
  if (!current) return;
  try {
    render(await post(`/api/v1/incidents/${current.id}/orders/${encodeURIComponent(order.order_id)}/ack`, { accepted }));
    msg(t('ackedByRadio', { unit: order.unit_id }));
    onChanged(current.id);
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
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
  if (!current || !unitIds.length || !mayChange()) return false;
  let ok = true;
  try {
    await post(`/api/v1/incidents/${current.id}/dispatch`, { unit_ids: unitIds, version: current.version });
    msg(t('dispatched', { units: unitIds.join(', ') }));
  } catch (e) {
    ok = false;
    if (e.status === 409 && e.field === 'version') msg(t('staleEdit'), true);
    else msg(`${t('error')}: ${e.message}`, true);
  }
  await refresh();
  onChanged(currentId);
  return ok;
}

function focusFirst(selector) {
  const node = document.querySelector(selector);
  if (node) node.focus();
}

/** Why F4 sends nothing (more), in words: it never does nothing silently. */
function explainPlan(inc, sent) {
  const prefix = sent.length ? `${t('dispatched', { units: sent.join(', ') })} — ` : '';
  if (inc.status === 'closed') return msg(t('incidentClosed'), true);
  if (inc.unsure) { msg(prefix + t('unsurePrompt'), true); focusFirst('#unsure-category'); return null; }
  if (inc.no_recommendation_reason) return msg(prefix + noRecText(inc), true);
  if ((inc.shortfall || []).length) {
    const missing = inc.shortfall.map((g) => t('shortfallGap', { n: g.missing, type: t('type.' + g.unit_type) }));
    msg(prefix + `${t('shortfallMsg')}: ${missing.join(', ')}`, true);
    focusFirst('#d-shortfall button');
    return null;
  }
  if (sent.length) return null; // the dispatch message stands
  if ((inc.orders || []).length && !planStillNeeded(inc).needed.length) return msg(t('planComplete'));
  return msg(t('noRecommendations'), true);
}

export async function dispatchPlan() {
  if (!current) return;
  const ids = planStillNeeded(current).needed.map((r) => r.unit_id);
  if (current.status !== 'closed' && ids.length && !(await dispatchUnits(ids))) return;
  if (current) explainPlan(current, current.status === 'closed' ? [] : ids);
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
  if (!Object.keys(body).length || !mayChange()) return;
  body.version = current.version;
  try {
    render(await patch(`/api/v1/incidents/${current.id}`, body));
    onChanged(current.id);
  } catch (e) { await failed(e); }
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
  if (!mayChange()) return;
  try {
    render(await post(`/api/v1/incidents/${current.id}/close`, { outcome, version: current.version }));
    $('outcome').value = '';
    onChanged(current.id);
  } catch (e) { await failed(e); }
}

async function closeWith(body) {
  if (!current || !mayChange()) return;
  try {
    render(await post(`/api/v1/incidents/${current.id}/close`, { ...body, version: current.version }));
    msg(t('closedAs', { outcome: t('outcome.' + body.outcome) }));
    onChanged(current.id);
  } catch (e) { await failed(e); }
}

function closeAs(outcome) {
  return closeWith({ outcome });
}

function handOff() {
  return closeWith({ outcome: 'handoff' });
}

async function answerAndClose(ev) {
  ev.preventDefault();
  const answer = $('answer-text').value.trim();
  if (!current) return;
  if (!answer) { $('answer-text').focus(); msg(t('answerNeeded'), true); return; }
  await closeWith({ outcome: 'information', answer });
  $('answer-text').value = '';
}

async function escalate() {
  if (!current) return;
  try {
    const consent = $('escalate-consent');
    const out = await post(`/api/v1/incidents/${current.id}/escalate`, { publish_consent: consent.checked });
    consent.checked = false;
    render(out);
    const ticket = out.complaint && (out.complaint.ticket || out.complaint);
    msg(t('escalated', { ticket: typeof ticket === 'string' ? ticket : '' }));
    onChanged(current.id);
  } catch (e) { msg(`${t('error')}: ${e.message}`, true); }
}

export function initDetail(st, handlers) {
  onChanged = handlers.onChanged;
}
