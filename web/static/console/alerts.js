// Alerts an operator must not miss: a new P1, a declined or unacknowledged order, an incident
// waiting past the processing target. Shown in the top bar and sounded, with a mute per console.
import { CONFIG, clear, el, epoch, nowS, t } from './dom.js';

const MUTE_KEY = 'siaga112.alerts.muted';
const MAX_SHOWN = 5;
const $ = (id) => document.getElementById(id);
const raised = new Set(); // one alert per cause (kind + incident), not one per event
let audio = null;

/** Whether this console's sound is off (kept in the browser, per console). */
export function muted() {
  try { return localStorage.getItem(MUTE_KEY) === '1'; } catch (_e) { return false; }
}

function setMuted(on) {
  try { localStorage.setItem(MUTE_KEY, on ? '1' : '0'); } catch (_e) { /* private mode */ }
  const btn = $('alert-mute');
  btn.setAttribute('aria-pressed', on ? 'true' : 'false');
  btn.textContent = on ? t('alertsMuted') : t('alertsOn');
}

function beep(urgent) {
  if (muted()) return;
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = urgent ? 880 : 660;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (urgent ? 0.6 : 0.3));
  } catch (_e) { /* no audio device: the visual alert stands */ }
}

/** Show (and sound) one alert, once per kind and incident. */
export function raise(kind, incidentId, text, onOpen) {
  const key = `${kind}:${incidentId}`;
  if (raised.has(key)) return false;
  raised.add(key);
  const box = $('alerts');
  const item = el('li', { class: `alert alert-${kind}`, dataset: { kind, incidentId: String(incidentId) } },
    el('button', { type: 'button', class: 'alert-open', onclick: () => onOpen && onOpen(incidentId) }, text),
    el('button', {
      type: 'button', class: 'alert-dismiss', title: t('dismiss'), 'aria-label': t('dismiss'),
      onclick: () => item.remove(),
    }, '×'));
  box.prepend(item);
  while (box.children.length > MAX_SHOWN) box.lastElementChild.remove();
  box.hidden = false;
  beep(kind === 'p1' || kind === 'unacked');
  return true;
}

/** Incidents still waiting for a first dispatch past the processing target. */
export function waitingTooLong(incidents, targetS, now) {
  return [...incidents].filter((inc) => inc.status === 'open' && inc.emergency
    && !inc.first_dispatch_at && now - epoch(inc.created_at) >= targetS);
}

export function initAlerts(state, onOpen) {
  const bar = document.querySelector('.topbar .spacer');
  const list = el('ul', { id: 'alerts', class: 'alerts', role: 'alert', 'aria-live': 'assertive', hidden: true });
  const mute = el('button', { type: 'button', id: 'alert-mute', class: 'ghost small', 'aria-pressed': 'false',
    onclick: () => setMuted(!muted()) });
  bar.before(list, mute);
  clear(list);
  setMuted(muted());
  setInterval(() => {
    const target = CONFIG.processingTargetS || 64;
    for (const inc of waitingTooLong(state.incidents.values(), target, nowS())) {
      raise('waiting', inc.id, t('alertWaiting', { id: inc.id }), onOpen);
    }
  }, 2000);
}
