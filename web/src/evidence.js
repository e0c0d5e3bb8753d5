// An event's evidence, readable: each observed value with its label and unit ("speed (median)
// 24.5 kn", "time to landfall 38 min", "night: yes, sun 14.2° below the horizon"), in the order
// an analyst reads it; fields this table does not know are shown by their name, with a unit
// guessed from the suffix (_nm, _knots, _deg, _minutes...). The raw JSON stays one click away.

import { duration, h, humanType, number, utc } from './format.js';

const minutes = (value) => (value === null || value === undefined ? '—' : duration(0, Number(value) * 60000) || '0 min');
const yesNo = (value) => (value ? 'yes' : 'no');
const degrees = (value, digits = 0) => `${number(value, digits)}°`;

/** Known fields: key → [label, format]; the order is the reading order. */
const KNOWN = {
  // dark targets: what the radar saw, where it was heading, when, and the AIS picture
  median_speed_knots: ['Speed (median)', (v) => number(v, 1, 'kn')],
  course_deg: ['Course', degrees],
  coast_bearing_deg: ['Bearing to the coast', degrees],
  landfall_nm: ['Distance to landfall', (v) => number(v, 1, 'nm')],
  minutes_to_landfall: ['Time to landfall', minutes],
  shore_nm: ['Distance to shore', (v) => number(v, 1, 'nm')],
  night: ['Night', yesNo],
  sun_elevation_deg: ['Sun elevation', (v) => degrees(v, 1)],
  duration_minutes: ['Followed by radar for', minutes],
  contacts: ['Radar contacts', (v) => number(v)],
  extent_nm: ['Extent of the track', (v) => number(v, 2, 'nm')],
  origin_nm: ['Came from (distance)', (v) => number(v, 0, 'nm')],
  origin_country: ['Came from (country)', String],
  foreign_origin: ['Foreign origin', yesNo],
  zones: ['Zones crossed', (v) => (v.length ? v.join(', ') : 'none')],
  ais_silenced: ['AIS went silent under radar', yesNo],
  last_ais: ['Last AIS position', utc],
  first: ['First contact', utc],
  last: ['Last contact', utc],
  track_id: ['Radar track', String],
  sensor_id: ['Radar site', String],
};

/** A field's value in words, its unit guessed from the name for fields `KNOWN` does not list. */
function formatted(key, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (KNOWN[key]) return KNOWN[key][1](value);
  if (typeof value === 'boolean') return yesNo(value);
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : 'none';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number') {
    const units = [['_nm', 'nm', 1], ['_knots', 'kn', 1], ['_kn', 'kn', 1], ['_km', 'km', 1],
      ['_m', 'm', 1], ['_hours', 'h', 1], ['_h', 'h', 1]];
    if (key.endsWith('_minutes')) return minutes(value);
    if (key.endsWith('_deg')) return degrees(value);
    const unit = units.find(([suffix]) => key.endsWith(suffix));
    return unit ? number(value, unit[2], unit[1]) : number(value, Number.isInteger(value) ? 0 : 2);
  }
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return utc(value);
  return String(value);
}

function labelOf(key) {
  if (KNOWN[key]) return KNOWN[key][0];
  const text = humanType(key.replace(/_(nm|knots|kn|deg|km|m|hours|h|minutes)$/, ''));
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The evidence of `event` as a two-column table (the known fields first, in reading order),
 * with the strength and confidence of the detector on top. */
export function evidenceTable(event) {
  const evidence = event.evidence ?? {};
  const keys = [...Object.keys(KNOWN).filter((k) => k in evidence), ...Object.keys(evidence).filter((k) => !(k in KNOWN))];
  const row = (label, value, key) => h('tr', key ? { dataset: { key } } : {}, h('th', {}, label), h('td', {}, value));
  const rows = [];
  if (event.score !== null && event.score !== undefined) rows.push(row('Strength (0–1)', number(event.score, 2), 'score'));
  if (event.confidence !== null && event.confidence !== undefined) rows.push(row('Confidence (0–1)', number(event.confidence, 2), 'confidence'));
  for (const key of keys) {
    // the sun elevation is said with the night, not on a line of its own
    if (key === 'sun_elevation_deg' && 'night' in evidence) continue;
    let value = formatted(key, evidence[key]);
    if (key === 'night' && Number.isFinite(evidence.sun_elevation_deg)) {
      const sun = Number(evidence.sun_elevation_deg);
      value += `, sun ${degrees(Math.abs(sun), 1)} ${sun < 0 ? 'below' : 'above'} the horizon`;
    }
    rows.push(row(labelOf(key), value, key));
  }
  return h('table', { class: 'kv evidence' }, rows);
}

/** The evidence table and, folded, the raw evidence and thresholds as the API gives them. */
export function evidenceBlock(event) {
  return h('div', { class: 'evidence-block' },
    evidenceTable(event),
    h('details', { class: 'raw' }, h('summary', {}, 'raw evidence and thresholds'),
      h('pre', {}, JSON.stringify({ evidence: event.evidence, params: event.params }, null, 1))));
}
