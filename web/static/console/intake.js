// The intake panel: caller, channel, location (map click, coordinates, AML), description with
// the live classification, overrides, call type.
import { get, post } from './api.js';
import { clear, debounce, el, fmtDateTime, fmtDuration, t } from './dom.js';
import { clearPick, setPick } from './map.js';

const $ = (id) => document.getElementById(id);
let location_ = null; // {lat, lon, radius}
let parsed = null; // the last /geo/parse answer for the text in #coords (AML checks, place)
let onCreated = () => {};

function parseNotes(r) {
  // What the operator must know about a pasted location before trusting it.
  const notes = [];
  if (!r) return notes;
  if (r.stale) notes.push(el('span', { class: 'flag flag-bad', id: 'aml-stale' }, t('amlStale', { age: fmtDuration(r.age_s || 0) })));
  if (r.truncated) notes.push(el('span', { class: 'flag flag-bad', id: 'aml-truncated' }, t('amlTruncated')));
  if (r.outside_jurisdiction && r.handoff) {
    notes.push(el('span', { class: 'flag flag-wait', id: 'loc-outside' }, t('outsideHandoff', { authority: r.handoff.authority })));
  }
  return notes;
}

function amlWithoutFix() {
  return Boolean(parsed && parsed.kind === 'aml' && !parsed.location);
}

function showLocation() {
  const box = $('location');
  clear(box);
  delete box.dataset.noLocation;
  if (!location_ && amlWithoutFix()) {
    // pm=N or 0,0: the phone had no fix. Never a point at 0,0: ask the caller.
    box.className = 'location bad';
    box.dataset.noLocation = '1';
    box.append(el('strong', { id: 'aml-no-location' }, t('amlNoLocation')), ' ',
      el('span', { class: 'muted' }, parsed.no_location_reason || ''));
    return;
  }
  if (!location_) {
    box.className = 'location muted';
    box.textContent = t('noLocation');
    return;
  }
  box.className = 'location ok';
  const label = location_.radius ? t('amlLocation', { r: Math.round(location_.radius) }) : t('locationSet');
  box.append(el('strong', {}, label), ' ', `${location_.lat.toFixed(5)}, ${location_.lon.toFixed(5)}`);
  const notes = parseNotes(parsed);
  if (notes.length) box.append(el('div', { class: 'loc-notes' }, ...notes));
}

export function setLocation(lat, lon, radius) {
  location_ = { lat, lon, radius: radius || null };
  setPick(lat, lon, location_.radius);
  showLocation();
}

async function parseCoords() {
  const text = $('coords').value.trim();
  if (!text) return;
  try {
    const r = await get(`/api/v1/geo/parse?text=${encodeURIComponent(text)}`);
    if ($('coords').value.trim() !== text) return;
    parsed = Object.assign(r, { text });
    if (r.location) setLocation(r.location.lat, r.location.lon, r.location.radius_m);
    else { location_ = null; clearPick(); showLocation(); }
  } catch (_e) {
    parsed = null;
    const box = $('location');
    box.className = 'location bad';
    box.textContent = t('coordsInvalid');
  }
}

async function loadHistory() {
  const phone = $('caller_phone').value.trim();
  const box = $('caller-history');
  clear(box);
  if (phone.length < 3) return;
  let rows;
  try {
    rows = await get(`/api/v1/callers/${encodeURIComponent(phone)}/history`);
  } catch (_e) { return; }
  if ($('caller_phone').value.trim() !== phone) return;
  if (!rows.length) {
    box.append(el('div', { class: 'muted' }, t('historyNone')));
    return;
  }
  const pranks = rows.filter((r) => r.call_type === 'prank').length;
  const ghosts = rows.filter((r) => r.call_type === 'ghost').length;
  const head = el('div', { class: 'history-head' }, `${t('history')}: ${rows.length}`);
  if (pranks) head.append(' ', el('span', { class: 'flag flag-prank' }, `${t('flagPrank')} ×${pranks}`));
  if (ghosts) head.append(' ', el('span', { class: 'flag flag-ghost' }, `${t('flagGhost')} ×${ghosts}`));
  box.append(head);
  const list = el('ul', { class: 'history-list' });
  for (const r of rows.slice(0, 5)) {
    list.append(el('li', {},
      el('span', { class: 'muted' }, fmtDateTime(r.created_at)), ' ',
      `#${r.id} ${t('cat.' + r.category)} · ${t('ct.' + r.call_type)} — `,
      r.description));
  }
  box.append(list);
}

async function suggest() {
  const text = $('description').value.trim();
  const box = $('suggestion');
  if (text.length < 3) { clear(box); return; }
  let s;
  try {
    s = await get(`/api/v1/classify?text=${encodeURIComponent(text)}`);
  } catch (_e) { return; }
  if ($('description').value.trim() !== text) return; // a newer request is on its way
  clear(box);
  box.append(
    el('span', { class: 'muted' }, `${t('suggestion')}: `),
    el('strong', { id: 'suggested-category', dataset: { category: s.category } }, t('cat.' + s.category)),
    ' ', el('span', { class: `prio p${s.priority}`, id: 'suggested-priority' }, `P${s.priority}`),
    ' ', el('span', { class: 'muted' }, `${t('confidence')} ${Math.round(s.confidence * 100)}%`),
  );
  if (s.unsure) {
    // The classifier is not sure: the operator picks, from its best guesses.
    const pick = el('div', { class: 'unsure', id: 'suggested-unsure' }, el('strong', {}, `${t('unsureChoose')}: `));
    for (const c of [s.category, ...(s.alternatives || []).map((a) => a.category)]) {
      const b = el('button', { type: 'button', class: 'cue', dataset: { category: c } }, t('cat.' + c));
      b.addEventListener('click', () => { $('category').value = c; });
      pick.append(b, ' ');
    }
    box.append(pick);
  }
  if (s.cues && s.cues.length) {
    const cues = el('div', { class: 'cues', id: 'suggested-cues' }, el('span', { class: 'muted' }, `${t('cues')}: `));
    for (const c of s.cues) cues.append(el('span', { class: 'cue' }, c));
    box.append(cues);
  }
}

// What the form's own reset does not clear. Never calls form.reset(): that fires the
// 'reset' event, whose handler comes here, and the form would be wiped on every tick.
function clearIntake() {
  location_ = null;
  parsed = null;
  clearPick();
  showLocation();
  clear($('suggestion'));
  clear($('caller-history'));
}

async function submit(ev) {
  ev.preventDefault();
  const msg = $('intake-msg');
  msg.className = 'msg';
  msg.textContent = '';
  const description = $('description').value.trim();
  if (!location_) {
    msg.className = 'msg bad';
    msg.textContent = amlWithoutFix() ? t('amlNoLocation') : t('noLocation');
    return;
  }
  if (!description) { $('description').focus(); return; }
  const body = {
    description,
    lat: location_.lat,
    lon: location_.lon,
    channel: $('channel').value,
    call_type: $('call_type').value,
    // Only a non-emergency becomes a ticket; asked of the caller, off unless they agree.
    publish_consent: $('publish_consent').checked,
  };
  const phone = $('caller_phone').value.trim();
  if (phone) body.caller_phone = phone;
  const address = $('address').value.trim();
  if (address) body.address = address;
  if ($('category').value) body.category = $('category').value;
  if ($('priority').value) body.priority = Number($('priority').value);
  if (location_.radius) body.location_radius_m = location_.radius;
  // The AML text goes along so the incident keeps its checks (age, truncation, no fix).
  if (parsed && parsed.kind === 'aml' && parsed.text === $('coords').value.trim()) body.aml = parsed.text;
  const btn = $('create-btn');
  btn.disabled = true;
  try {
    const inc = await post('/api/v1/incidents', body);
    msg.className = 'msg ok';
    msg.textContent = t('created', { id: inc.id });
    $('intake-form').reset();
    clearIntake();
    onCreated(inc);
  } catch (e) {
    msg.className = 'msg bad';
    msg.textContent = `${t('error')}: ${e.message}`;
  } finally {
    btn.disabled = false;
  }
}

export function initIntake(handlers) {
  onCreated = handlers.onCreated;
  $('intake-form').addEventListener('submit', submit);
  $('intake-form').addEventListener('reset', () => setTimeout(clearIntake, 0));
  $('intake-form').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('intake-form').requestSubmit(); }
  });
  $('description').addEventListener('input', debounce(suggest, 200));
  $('caller_phone').addEventListener('input', debounce(loadHistory, 400));
  $('caller_phone').addEventListener('change', loadHistory);
  $('coords').addEventListener('input', debounce(parseCoords, 400));
  $('coords').addEventListener('change', parseCoords);
  showLocation();
}

export function focusIntake() {
  $('caller_phone').focus();
}
