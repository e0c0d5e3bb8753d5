// The dossier panel: who the vessel says it is (and was), where it is heading, its risk with
// every reason, and what it did. Risk, not proof: the wording says "indicators".

import * as api from './api.js';
import { duration, eventBadge, h, humanType, number, riskBadge, timeElement, utc } from './format.js';
import { shapeImage } from './icons.js';

const IDENTITY_ROWS = [
  ['name', 'Name'], ['imo', 'IMO'], ['call_sign', 'Call sign'],
  ['ship_type_text', 'Type'], ['length_m', 'Length (m)'], ['destination', 'Destination (declared)'],
  ['eta', 'ETA (declared)'], ['draught_m', 'Draught (m)'],
];

export function emptyDossier() {
  return h('div', { class: 'state empty' },
    h('p', {}, 'No vessel selected.'),
    h('p', { class: 'hint' }, 'Click a vessel on the map, an alert in the inbox, or press / to search by name, MMSI, IMO or call sign.'));
}

function identityTable(identity) {
  const rows = IDENTITY_ROWS.filter(([key]) => identity[key] !== null && identity[key] !== undefined)
    .map(([key, label]) => h('tr', {}, h('th', {}, label), h('td', {}, key === 'eta' ? utc(identity[key]) : String(identity[key]))));
  return h('table', { class: 'kv' }, rows);
}

function reasonsList(risk, types) {
  const reasons = risk?.reasons ?? [];
  if (!reasons.length) return h('p', { class: 'hint' }, 'No indicator contributes to this score.');
  return h('ol', { class: 'reasons' }, reasons.map((reason) => h('li', {},
    h('span', { class: 'points' }, `+${number(reason.points ?? (reason.contribution ?? 0) * 100, 1)}`),
    ' ',
    h('span', {}, reason.text ?? humanType(reason.kind)),
    types[reason.kind]?.definition ? h('div', { class: 'definition' }, types[reason.kind].definition) : null)));
}

/** The score badge opens its reasons: every score in the app is explained where it is shown. */
function riskSection(risk, types) {
  if (!risk) {
    return h('section', {}, h('h3', {}, 'Risk'), h('p', { class: 'hint' }, 'Not scored yet: run `balise detect` to assess this vessel.'));
  }
  return h('section', { class: 'risk-section' },
    h('h3', {}, 'Risk indicators'),
    h('details', { class: 'score', open: true },
      h('summary', {}, riskBadge(risk.score, risk.band), ' ', h('span', { class: 'hint' }, 'why?')),
      reasonsList(risk, types),
      h('p', { class: 'caveat' }, `Computed ${utc(risk.computed_at)}. Indicators of risk, not evidence of wrongdoing.`)));
}

function trackingSection(tracking) {
  if (!tracking) return null;
  const likely = tracking.likely_locode
    ? `${tracking.likely_locode}${tracking.likely_confidence !== null ? ` (confidence ${number(tracking.likely_confidence * 100)} %)` : ''}`
    : 'unknown';
  return h('section', {},
    h('h3', {}, 'Likely destination'),
    h('table', { class: 'kv' },
      h('tr', {}, h('th', {}, 'Declared'), h('td', {}, tracking.declared_locode ?? '—')),
      h('tr', {}, h('th', {}, 'Likely'), h('td', {}, likely)),
      h('tr', {}, h('th', {}, 'Distance'), h('td', {}, number(tracking.distance_nm, 0, 'nm'))),
      h('tr', {}, h('th', {}, 'ETA (estimated)'), h('td', {}, utc(tracking.eta))),
      h('tr', {}, h('th', {}, 'Method'), h('td', {}, tracking.method ?? '—'))));
}

function historySection(history) {
  const fields = Object.entries(history ?? {}).filter(([, values]) => values.length > 1);
  if (!fields.length) return null;
  return h('section', {},
    h('details', {}, h('summary', {}, h('h3', {}, `Identity history (${fields.length} field${fields.length > 1 ? 's' : ''} changed)`)),
      fields.map(([field, values]) => h('div', { class: 'history' },
        h('h4', {}, humanType(field)),
        h('ul', {}, values.map((v) => h('li', {}, h('b', {}, String(v.value)), ` · ${utc(v.first_seen)} → ${utc(v.last_seen)} · ${v.sources ?? ''}`)))))));
}

function eventRow(event, types, shapes, onEvent) {
  const type = types[event.type];
  return h('li', { class: 'event', dataset: { id: event.id } },
    h('button', { class: 'row', onclick: () => onEvent(event) },
      shapeImage(shapes[event.type] ?? 'circle'),
      h('span', { class: 'type' }, type?.title ?? humanType(event.type)),
      h('span', { class: 'when' }, timeElement(event.start)),
      h('span', { class: 'dur' }, duration(event.start, event.end)),
      eventBadge(event.score)),
    h('details', { class: 'definition' }, h('summary', {}, 'definition and evidence'),
      h('p', {}, type?.definition || 'No published definition for this event type.'),
      h('pre', {}, JSON.stringify({ evidence: event.evidence, params: event.params }, null, 1))));
}

/** Renders the dossier of `mmsi` into `root`; resolves to the dossier record. */
export async function renderDossier(root, mmsi, options) {
  const { types, shapes, filters, onEvent, onClose, canExport } = options;
  root.replaceChildren(h('div', { class: 'state loading' }, `Loading dossier of MMSI ${mmsi}…`));
  let record;
  try {
    record = await api.dossier(mmsi);
  } catch (error) {
    root.replaceChildren(h('div', { class: 'state error' },
      h('p', {}, error.status === 404 ? `No vessel with MMSI ${mmsi} in this workspace.` : `Could not load the dossier: ${error.message}`),
      h('button', { onclick: () => renderDossier(root, mmsi, options) }, 'Retry')));
    return null;
  }
  const identity = record.identity ?? {};
  const last = record.positions ?? {};
  const exports = ['geojson', 'kml', 'csv'].map((format) =>
    h('a', { class: 'button', href: api.trackExportUrl(mmsi, format, filters), download: '' }, format.toUpperCase()));
  // sections without data are null: replaceChildren would print them as the text "null"
  root.replaceChildren(...[
    h('header', { class: 'dossier-head' },
      h('div', {},
        h('h2', {}, identity.name ?? 'Unnamed vessel'),
        h('p', { class: 'ids' }, `MMSI ${mmsi}`, identity.imo ? ` · IMO ${identity.imo}` : '',
          record.flag ? ` · flag ${record.flag_country ?? record.flag} (${record.flag}, from MMSI)` : '')),
      h('button', { class: 'icon', title: 'Clear selection (Esc)', onclick: onClose }, '×')),
    riskSection(record.risk, types),
    h('section', {}, h('h3', {}, 'Identity (latest reported)'), identityTable(identity),
      h('p', { class: 'hint' }, `Last position ${utc(last.last_position)} · ${number(last.last_sog_knots, 1, 'kn')} · ${number(last.positions)} positions`)),
    trackingSection(record.tracking),
    historySection(record.identity_history),
    h('section', {},
      h('h3', {}, `Events (${record.events.length})`),
      record.events.length
        ? h('ul', { class: 'events' }, record.events.map((e) => eventRow(e, types, shapes, onEvent)))
        : h('p', { class: 'hint' }, 'No behaviour event detected for this vessel.')),
    canExport ? h('section', { class: 'exports' }, h('h3', {}, 'Export track'), exports) : null,
  ].filter((section) => section !== null));
  return record;
}
