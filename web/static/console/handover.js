// Shift handover: what is open and who owns it, pending orders and alerts; hand one's own
// open incidents to another operator in one action (GET/POST /api/v1/shift/handover).
import { get, post } from './api.js';
import { clear, el, t } from './dom.js';

const $ = (id) => document.getElementById(id);

function render(data) {
  const mine = data.mine.length;
  clear($('handover-summary'));
  $('handover-summary').append(
    el('p', { id: 'handover-counts' },
      t('handoverCounts', {
        open: data.incidents.length, mine, unowned: data.unowned.length,
        pending: data.pending_orders.length, alerts: data.alerts.length,
      })));
  const list = $('handover-list');
  clear(list);
  for (const inc of data.incidents) {
    const flags = inc.orders.filter((o) => ['unacknowledged', 'declined'].includes(o.state)).length;
    list.append(el('li', { 'data-incident-id': inc.id, class: flags ? 'alert' : '' },
      `#${inc.id} P${inc.priority} ${t(`cat.${inc.category}`)} · ${inc.kecamatan || '-'} · `,
      el('strong', {}, inc.owner || t('unowned')),
      inc.orders.length ? ` · ${inc.orders.map((o) => `${o.unit_id} ${t(`ord.${o.state}`)}`).join(', ')}` : ''));
  }
  $('handover-submit').disabled = mine === 0;
}

async function load() {
  $('handover-msg').textContent = '';
  try { render(await get('/api/v1/shift/handover')); } catch (e) {
    $('handover-msg').textContent = `${t('error')}: ${e.message}`;
  }
}

export function toggleHandover(show) {
  const box = $('handover');
  box.hidden = show === undefined ? !box.hidden : !show;
  if (!box.hidden) { load(); $('handover-to').focus(); }
}

async function submit(ev) {
  ev.preventDefault();
  const to = $('handover-to').value.trim();
  if (!to) return;
  const msg = $('handover-msg');
  try {
    const out = await post('/api/v1/shift/handover', { to });
    msg.className = 'msg ok';
    msg.textContent = t('handedOver', { n: out.incident_ids.length, to: out.to });
    $('handover-to').value = '';
    await load();
    msg.className = 'msg ok';
    msg.textContent = t('handedOver', { n: out.incident_ids.length, to: out.to });
  } catch (e) {
    msg.className = 'msg bad';
    msg.textContent = `${t('error')}: ${e.message}`;
  }
}

export function initHandover() {
  $('handover-btn').addEventListener('click', () => toggleHandover());
  $('handover-close').addEventListener('click', () => toggleHandover(false));
  $('handover-form').addEventListener('submit', submit);
}
