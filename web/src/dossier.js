// The dossier panel: who the vessel says it is (and was), where it is heading, its risk with
// every reason, and what it did. Risk, not proof: the wording says "indicators".

import * as api from './api.js';
import { duration, eventBadge, h, humanType, number, riskBadge, timeElement, utc } from './format.js';
import { evidenceBlock } from './evidence.js';
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
      evidenceBlock(event)));
}

/** The radar tracks the last detection run paired with this vessel; null when there are none. */
function radarSection(associations) {
  if (!associations?.length) return null;
  return h('section', { class: 'radar-section' },
    h('h3', {}, `Radar (${associations.length} track${associations.length > 1 ? 's' : ''} paired with this vessel's AIS)`),
    h('table', { class: 'grid radar-tracks' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Track'), h('th', {}, 'Seen'), h('th', {}, 'Contacts matched'),
        h('th', { title: 'median distance between the radar contacts and the AIS positions' }, 'Median gap'))),
      h('tbody', {}, associations.map((a) => h('tr', { dataset: { track: a.track_id } },
        h('td', {}, a.track_id),
        h('td', {}, timeElement(a.start), ' · ', duration(a.start, a.end)),
        h('td', {}, `${number(a.matched)} / ${number(a.contacts)}`),
        h('td', {}, number(a.median_distance_m, 0, 'm')))))),
    h('p', { class: 'hint' }, 'Coastal radar tracks this vessel\'s AIS positions explain: her AIS was on while radar saw her.'));
}

/** An event shown on its own (one that names no vessel, such as a dark target: the radar
 * track of a boat without AIS), with its evidence; `onVessel(mmsi)` opens a vessel it names. */
export async function renderEventDossier(root, id, options) {
  const { types, shapes, known, onClose, onVessel } = options;
  let event = known ?? null;
  if (!event) {
    root.replaceChildren(h('div', { class: 'state loading' }, `Loading event ${id}…`));
    try {
      event = await api.event(id);
    } catch (error) {
      root.replaceChildren(h('div', { class: 'state error' },
        h('p', {}, error.status === 404 ? `No event ${id} in this workspace.` : `Could not load the event: ${error.message}`),
        h('button', { onclick: () => renderEventDossier(root, id, options) }, 'Retry')));
      return null;
    }
  }
  const type = types[event.type];
  const subject = event.subject?.kind === 'radar_track' ? `radar track ${event.subject.id}` : event.subject?.id ?? null;
  const where = Number.isFinite(event.lat) && event.lat !== null
    ? `${number(Math.abs(event.lat), 4)}° ${event.lat < 0 ? 'S' : 'N'}, ${number(Math.abs(event.lon), 4)}° ${event.lon < 0 ? 'W' : 'E'}`
    : 'no position';
  const vessels = [event.mmsi, event.other_mmsi].filter((m) => Number.isFinite(m) && m !== null);
  root.replaceChildren(...[
    h('header', { class: 'dossier-head event-head', dataset: { event: event.id } },
      h('div', {},
        h('h2', {}, shapeImage(shapes[event.type] ?? 'circle', '#c9d4dd', 18), ` ${type?.title ?? humanType(event.type)} `,
          eventBadge(event.score)),
        h('p', { class: 'ids' }, subject ?? `event ${event.id}`, vessels.length ? ` · MMSI ${vessels.join(', ')}` : ' · no AIS identity')),
      h('button', { class: 'icon', title: 'Clear selection (Esc)', onclick: onClose }, '×')),
    h('section', {},
      h('h3', {}, 'When and where'),
      h('table', { class: 'kv' },
        h('tr', {}, h('th', {}, 'From'), h('td', {}, timeElement(event.start))),
        h('tr', {}, h('th', {}, 'To'), h('td', {}, timeElement(event.end), ` · ${duration(event.start, event.end)}`)),
        h('tr', {}, h('th', {}, 'Position'), h('td', {}, where)))),
    h('section', { class: 'event-evidence' },
      h('h3', {}, 'Evidence'),
      evidenceBlock(event),
      h('p', { class: 'definition' }, type?.definition || 'No published definition for this event type.'),
      h('p', { class: 'caveat' }, 'Indicators of risk, not evidence of wrongdoing.')),
    vessels.length
      ? h('section', {}, h('h3', {}, 'Vessels named'), vessels.map((mmsi) =>
        h('button', { class: 'open-vessel', dataset: { mmsi }, onclick: () => onVessel(mmsi) }, `Open the dossier of MMSI ${mmsi}`)))
      : null,
  ].filter((section) => section !== null));
  return event;
}

/** Renders the dossier of `mmsi` into `root`; resolves to the dossier record. */
export async function renderDossier(root, mmsi, options) {
  const { types, shapes, filters, onEvent, onClose, canExport } = options;
  root.replaceChildren(h('div', { class: 'state loading' }, `Loading dossier of MMSI ${mmsi}…`));
  let record;
  // the radar pairs are context: the dossier opens without them when they cannot be read
  const radar = api.radarAssociations(mmsi).catch(() => []);
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
    radarSection(await radar),
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
