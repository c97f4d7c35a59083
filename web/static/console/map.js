// The Leaflet map: districts, stations and hospitals (always, even offline), units, incidents.
/* global L */
import { CONFIG, el, t } from './dom.js';

const TYPE_GLYPH = { fire_engine: 'D', ambulance: 'A', police: 'P', rescue: 'R' };
const KIND_GLYPH = { hospital: 'H', damkar: 'D', psc119: '+', polres: 'P', polsek: 'p', bpbd: 'B' };
const CAT_GLYPH = {
  fire: 'K', traffic_accident: 'L', disaster: 'B', animal_disturbance: 'H',
  unrest: 'G', medical: 'M', non_emergency: 'i',
};

let map;
const unitMarkers = new Map(); // id -> {marker, el, arrow}
const incidentMarkers = new Map(); // id -> {marker, el}
let pickMarker = null;
let pickCircle = null;
let onIncidentClick = () => {};

function textTip(text) {
  // Tooltips get an element so names from data are never parsed as HTML.
  return el('span', { text });
}

export function initMap(city, handlers) {
  onIncidentClick = handlers.onIncidentClick;
  map = L.map('map', { zoomControl: true, preferCanvas: false, keyboard: true })
    .setView(city.center, city.zoom || 13);
  const notice = document.getElementById('map-notice');
  const showOffline = () => { notice.textContent = t('tilesOffline'); notice.hidden = false; };
  if (CONFIG.tileUrl) {
    let loaded = 0;
    let failed = 0;
    const tiles = L.tileLayer(CONFIG.tileUrl, { maxZoom: 19, attribution: '© OpenStreetMap' });
    tiles.on('tileload', () => { loaded += 1; if (loaded > 0) notice.hidden = true; });
    tiles.on('tileerror', () => { failed += 1; if (loaded === 0 && failed >= 1) showOffline(); });
    tiles.addTo(map);
  } else {
    showOffline();
  }

  // District outlines (kecamatan polygons) with their names; kelurahan points as small dots.
  const polygons = { type: 'FeatureCollection', features: [] };
  const points = [];
  for (const f of (city.districts && city.districts.features) || []) {
    const g = f.geometry || {};
    if (g.type === 'Polygon' || g.type === 'MultiPolygon') polygons.features.push(f);
    else if (g.type === 'Point') points.push(f);
  }
  L.geoJSON(polygons, {
    style: () => ({ color: '#1565c0', weight: 2, fillColor: '#90caf9', fillOpacity: 0.08 }),
    onEachFeature: (f, layer) => {
      layer.bindTooltip(textTip(f.properties.name || ''),
        { permanent: true, direction: 'center', className: 'district-label' });
    },
    interactive: false,
  }).addTo(map);
  for (const f of points) {
    const [lon, lat] = f.geometry.coordinates;
    L.circleMarker([lat, lon], { radius: 2, color: '#5c6bc0', weight: 1, interactive: true })
      .bindTooltip(textTip(f.properties.name || ''), { className: 'kel-label' })
      .addTo(map);
  }
  for (const s of city.stations || []) {
    const icon = el('div', { class: `station station-${s.kind}`, dataset: { stationId: s.id } },
      KIND_GLYPH[s.kind] || '•');
    L.marker([s.lat, s.lon], {
      icon: L.divIcon({ className: 'station-wrap', html: icon, iconSize: [18, 18] }),
      keyboard: false, zIndexOffset: -500,
    }).bindTooltip(textTip(`${s.name} — ${t('kind.' + s.kind)}`),
      { permanent: s.kind === 'hospital', direction: 'right', offset: [8, 0], className: 'station-label' })
      .addTo(map);
  }
  map.on('click', (e) => handlers.onMapClick(e.latlng.lat, e.latlng.lng));
  return map;
}

export function getMap() { return map; }

// ---- units -----------------------------------------------------------------------
// Reasons the status already shows; the others say the position is not believed.
const STATUS_REASONS = new Set(['busy', 'offline', 'out_of_service']);

function positionDoubt(u) {
  const r = u.not_recommendable_reason;
  if (u.recommendable === false && r && !STATUS_REASONS.has(r)) return r;
  // Busy or offline, and its last fix was not believable either (age shows as "stale").
  return u.fix_flag && u.fix_flag !== 'stale_fix' ? u.fix_flag : null;
}

function unitClasses(u) {
  const stale = u.stale || u.status === 'offline' || u.online === false;
  const doubt = positionDoubt(u);
  return `unit unit-${u.type} st-${u.status}${stale ? ' stale' : ''}`
    + `${doubt ? ' unreliable' : ''}${u.assumed_at_station ? ' assumed' : ''}`
    + `${u.simulated ? ' simulated' : ''}`;
}

function unitTitle(u) {
  const name = u.name && u.name !== u.id ? `${u.id} · ${u.name}` : u.id;
  const st = t('st.' + u.status);
  const doubt = positionDoubt(u);
  const sim = u.simulated ? ` [${t('exercise')}: ${t('simulatedUnit')}]` : '';
  return `${name} — ${t('type.' + u.type)} — ${st}${u.stale ? ' (' + t('stale') + ')' : ''}${sim}`
    + (u.assumed_at_station ? ` — ${t('assumedAtStation')}` : '')
    + (doubt ? ` — ${t('notRecommendable')}: ${t('nr.' + doubt)}` : '')
    + (u.order_channel === 'radio' ? ` — ${t('orderByRadio')}` : '');
}

export function upsertUnit(u) {
  if (u.lat === null || u.lat === undefined || u.lon === null || u.lon === undefined) return;
  let m = unitMarkers.get(u.id);
  if (m) Object.assign(m.data, u);
  // A training unit parked out of service after its exercise is no part of the live picture.
  const d0 = m ? m.data : u;
  if (d0.simulated && d0.status === 'out_of_service') {
    if (m) { m.marker.remove(); unitMarkers.delete(u.id); }
    return;
  }
  if (!m) {
    const arrow = el('span', { class: 'heading' });
    const node = el('div', { class: unitClasses(u), dataset: { unitId: u.id } },
      el('span', { class: 'glyph' }, TYPE_GLYPH[u.type] || '?'), arrow);
    const marker = L.marker([u.lat, u.lon], {
      icon: L.divIcon({ className: 'unit-wrap', html: node, iconSize: [22, 22] }),
      keyboard: false, zIndexOffset: 500,
    });
    const tip = el('span', {});
    marker.bindTooltip(tip, { direction: 'top', offset: [0, -10] });
    marker.addTo(map);
    m = { marker, el: node, arrow, tip, data: {} };
    unitMarkers.set(u.id, m);
  }
  Object.assign(m.data, u);
  const d = m.data;
  m.marker.setLatLng([d.lat, d.lon]);
  m.el.className = unitClasses(d);
  m.el.dataset.lat = String(d.lat);
  m.el.dataset.lon = String(d.lon);
  m.el.dataset.status = d.status;
  m.el.dataset.recommendable = d.recommendable === false ? '0' : '1';
  m.el.dataset.reason = d.not_recommendable_reason || '';
  m.el.title = unitTitle(d);
  m.tip.textContent = unitTitle(d);
  if (typeof d.heading === 'number') {
    m.arrow.hidden = false;
    m.arrow.style.transform = `rotate(${d.heading}deg)`;
  } else {
    m.arrow.hidden = true;
  }
}

export function unitData(id) {
  const m = unitMarkers.get(id);
  return m ? m.data : null;
}

// ---- incidents ---------------------------------------------------------------------
export function upsertIncident(inc, selected) {
  let m = incidentMarkers.get(inc.id);
  if (!m) {
    const node = el('div', { dataset: { incidentId: inc.id } });
    const marker = L.marker([inc.lat, inc.lon], {
      icon: L.divIcon({ className: 'incident-wrap', html: node, iconSize: [26, 26] }),
      zIndexOffset: 1000, keyboard: false,
    });
    marker.on('click', () => onIncidentClick(inc.id));
    const tip = el('span', {});
    marker.bindTooltip(tip, { direction: 'top', offset: [0, -12] });
    marker.addTo(map);
    m = { marker, el: node, tip };
    incidentMarkers.set(inc.id, m);
  }
  m.marker.setLatLng([inc.lat, inc.lon]);
  const drill = inc.exercise ? ' exercise' : '';
  m.el.className = `incident p${inc.priority} cat-${inc.category}${drill}${selected ? ' selected' : ''}`;
  m.el.textContent = CAT_GLYPH[inc.category] || '!';
  m.tip.textContent = `${inc.exercise ? t('exercise') + ' · ' : ''}#${inc.id} ${t('cat.' + inc.category)} P${inc.priority}`;
}

export function removeIncident(id) {
  const m = incidentMarkers.get(id);
  if (m) { m.marker.remove(); incidentMarkers.delete(id); }
}

export function highlightIncident(id) {
  for (const [iid, m] of incidentMarkers) m.el.classList.toggle('selected', iid === id);
}

export function panTo(lat, lon) {
  if (map) map.panTo([lat, lon]);
}

// ---- the location being taken ----------------------------------------------------
export function setPick(lat, lon, radius) {
  if (pickMarker) pickMarker.remove();
  if (pickCircle) pickCircle.remove();
  pickCircle = null;
  const node = el('div', { class: 'pick', id: 'pick-marker' }, '✚');
  pickMarker = L.marker([lat, lon], {
    icon: L.divIcon({ className: 'pick-wrap', html: node, iconSize: [24, 24] }),
    interactive: false, keyboard: false, zIndexOffset: 2000,
  }).addTo(map);
  if (radius) {
    pickCircle = L.circle([lat, lon], {
      radius, color: '#e65100', weight: 2, fillOpacity: 0.12, interactive: false,
      className: 'aml-circle',
    }).addTo(map);
    map.fitBounds(pickCircle.getBounds(), { maxZoom: 16 });
  }
}

export function clearPick() {
  if (pickMarker) pickMarker.remove();
  if (pickCircle) pickCircle.remove();
  pickMarker = null;
  pickCircle = null;
}

export function legend(node) {
  const row = (cls, glyph, label) => el('div', { class: 'legend-row' },
    el('span', { class: cls }, glyph), ' ', label);
  node.append(
    row('unit unit-fire_engine st-available', 'D', t('type.fire_engine')),
    row('unit unit-ambulance st-available', 'A', t('type.ambulance')),
    row('unit unit-police st-available', 'P', t('type.police')),
    row('unit unit-rescue st-available', 'R', t('type.rescue')),
    row('unit unit-ambulance st-dispatched', 'A', t('st.dispatched')),
    row('unit unit-ambulance st-on_scene', 'A', t('st.on_scene')),
    row('unit unit-ambulance stale', 'A', t('stale')),
    row('unit unit-ambulance st-available assumed', 'A', t('assumedAtStation')),
    row('unit unit-ambulance st-available unreliable', 'A', t('notRecommendable')),
    row('unit unit-ambulance st-available simulated', 'A', `${t('simulatedUnit')} (${t('exercise')})`),
    row('station station-hospital', 'H', t('kind.hospital')),
  );
}
