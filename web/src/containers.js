// Containers: the boxes at risk at a port (or found by number) in the left panel, and one
// container in the dossier panel: where it was last seen, its risk with every reason, its
// journeys (legs on vessels, stops, transshipments, dwell, detour, changes on the way), its
// cargo events, its bills of lading when the account may read them, and its smart-device
// readings as a timeline (temperature, light, shock, door) drawn in SVG. Risk, not proof.

import * as api from './api.js';
import { duration, eventBadge, h, humanType, number, riskBadge, timeElement, utc } from './format.js';
import { evidenceBlock } from './evidence.js';
import { shapeImage } from './icons.js';
import { stateMessage } from './lists.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The ISO 6346 form of what a person typed: letters and digits, upper case. */
export function containerText(text) {
  return (text ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Looks like a whole container number (4 letters, 7 digits): the search box opens it. */
export function isContainerNumber(text) {
  return /^[A-Z]{3}[UJZ][0-9]{7}$/.test(containerText(text));
}

function containerRow(row, { selected, onPick }) {
  const first = row.reasons?.[0];
  return h('li', { class: `container-row${row.container_number === selected ? ' selected' : ''}`, dataset: { number: row.container_number } },
    h('button', { class: 'row', onclick: () => onPick(row.container_number) },
      riskBadge(row.score, row.band),
      h('span', { class: 'number' }, row.container_number),
      h('span', { class: 'where' }, [row.last_code ? humanType(row.last_code.toLowerCase()) : '', row.last_port ? ` at ${row.last_port}` : ''].join('')),
      h('span', { class: 'when' }, row.last_time ? timeElement(row.last_time) : '')),
    first ? h('p', { class: 'reason' }, first.text, row.reasons.length > 1 ? ` (+${row.reasons.length - 1} more)` : '') : null);
}

/** The containers list (`rows` from `api.containers`), or its empty state. */
export function renderContainers(root, rows, { port, q, selected, onPick }) {
  if (!rows.length) {
    const where = q ? `No container number starts with ${q}.` : port ? `No container at risk at ${port}.` : 'No container at risk in the workspace.';
    root.replaceChildren(stateMessage('empty', where));
    return;
  }
  root.replaceChildren(h('ul', { class: 'containers' }, rows.map((row) => containerRow(row, { selected, onPick }))));
}

function legsTable(journey) {
  return h('table', { class: 'grid legs' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Leg'), h('th', {}, 'From → to'), h('th', {}, 'Loaded'), h('th', {}, 'Discharged'), h('th', {}, 'Vessel'))),
    h('tbody', {}, journey.legs.map((leg) => h('tr', { dataset: { leg: leg.leg } },
      h('td', {}, String(leg.leg + 1)),
      h('td', {}, `${leg.load_port ?? '?'} → ${leg.discharge_port ?? '?'}`),
      h('td', {}, leg.loaded_at ? timeElement(leg.loaded_at) : '—'),
      h('td', {}, leg.discharged_at ? timeElement(leg.discharged_at) : '—'),
      h('td', {}, leg.vessel_mmsi ? h('button', { class: 'link vessel', dataset: { mmsi: leg.vessel_mmsi }, title: `MMSI ${leg.vessel_mmsi}` }, leg.vessel_name ?? String(leg.vessel_mmsi))
        : (leg.vessel_name ?? '—'))))));
}

function journeySection(journey, onVessel) {
  const facts = [
    `custody from ${journey.custody_from.replace('_', ' ')}`,
    `${journey.transshipments} transshipment${journey.transshipments === 1 ? '' : 's'}`,
    journey.detour_ratio ? `routed ${number(journey.routed_km, 0, 'km')} for ${number(journey.direct_km, 0, 'km')} direct (×${number(journey.detour_ratio, 2)})` : null,
  ].filter(Boolean);
  const stops = journey.stops.map((s) => h('li', {}, `${s.port ?? '?'}: ${s.dwell_hours !== null ? `${number(s.dwell_hours, 0)} h` : 'dwell unknown'}`,
    s.transshipment ? ' · transshipment' : '', s.vessel_changed ? ' · changed vessel' : ''));
  const changes = [
    ...journey.redocumented.map((c) => ['bill of lading', c]),
    ...journey.seal_changes.map((c) => ['seal', c]),
  ].map(([what, c]) => h('li', { class: c.mid_route ? 'mid-route' : '' },
    `${what} ${c.before.join(', ') || '—'} → ${c.after.join(', ') || '—'} at ${c.port ?? '?'} `, timeElement(c.time),
    c.mid_route ? ' (mid-route)' : ''));
  const section = h('section', { class: 'journey', dataset: { trip: journey.trip } },
    h('h4', {}, `Trip ${journey.trip + 1}: ${journey.origin ?? '?'} → ${journey.destination ?? '?'}`, ' ', h('span', { class: 'hint' }, duration(journey.start, journey.end))),
    h('p', { class: 'hint' }, facts.join(' · ')),
    journey.legs.length ? legsTable(journey) : h('p', { class: 'hint' }, 'No leg on a vessel in this trip.'),
    stops.length ? h('div', {}, h('h5', {}, 'Stops'), h('ul', { class: 'stops' }, stops)) : null,
    changes.length ? h('div', {}, h('h5', {}, 'Changed on the way'), h('ul', { class: 'changes' }, changes)) : null);
  for (const button of section.querySelectorAll('button.vessel')) button.addEventListener('click', () => onVessel(Number(button.dataset.mmsi)));
  return section;
}

function eventsSection(events, types, shapes) {
  if (!events.length) return h('section', {}, h('h3', {}, 'Cargo events'), h('p', { class: 'hint' }, 'No cargo event about this container.'));
  return h('section', { class: 'container-events' }, h('h3', {}, `Cargo events (${events.length})`),
    h('ul', { class: 'events' }, events.map((event) => h('li', { class: 'event', dataset: { id: event.id, type: event.type } },
      h('div', { class: 'row' },
        shapeImage(shapes[event.type] ?? 'circle'),
        h('span', { class: 'type' }, types[event.type]?.title ?? humanType(event.type)),
        h('span', { class: 'when' }, timeElement(event.start)),
        eventBadge(event.score ?? event.confidence)),
      h('ul', { class: 'reasons' }, (event.evidence?.reasons ?? []).map((r) => h('li', {}, r))),
      h('details', { class: 'definition' }, h('summary', {}, 'definition and evidence'),
        h('p', {}, types[event.type]?.definition ?? ''), evidenceBlock(event))))));
}

function manifestsSection(manifests) {
  if (manifests === null || manifests === undefined) {
    return h('section', {}, h('h3', {}, 'Bills of lading'), h('p', { class: 'hint' }, 'Manifests are for customs and police analysts.'));
  }
  if (!manifests.length) return null;
  return h('section', { class: 'manifests' }, h('h3', {}, 'Bills of lading'),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Bill'), h('th', {}, 'Shipper → consignee'), h('th', {}, 'Goods'), h('th', {}, 'From → to'))),
      h('tbody', {}, manifests.map((m) => h('tr', {},
        h('td', {}, m.bill_of_lading),
        h('td', {}, `${m.shipper ?? '?'} → ${m.consignee ?? '?'}`),
        h('td', {}, m.goods_description ?? m.hs_code ?? '—'),
        h('td', {}, `${m.port_of_loading ?? '?'} → ${m.port_of_discharge ?? '?'}`))))));
}

function riskSection(risk, types) {
  if (!risk) return h('section', {}, h('h3', {}, 'Risk'), h('p', { class: 'hint' }, 'No cargo event: no indicator of risk.'));
  return h('section', { class: 'risk-section' }, h('h3', {}, 'Risk indicators'),
    h('details', { class: 'score', open: true },
      h('summary', {}, riskBadge(risk.score, risk.band), ' ', h('span', { class: 'hint' }, 'why?')),
      h('ol', { class: 'reasons' }, risk.reasons.map((reason) => h('li', {},
        h('span', { class: 'points' }, `+${number(reason.points, 1)}`), ' ', h('span', {}, reason.text),
        types[reason.kind]?.definition ? h('div', { class: 'definition' }, types[reason.kind].definition) : null))),
      h('p', { class: 'caveat' }, `As of ${utc(risk.computed_at)}. Indicators of risk, not evidence of wrongdoing.`)));
}

// ---- the telemetry timeline -------------------------------------------------------------

const SERIES = [
  { key: 'temperature_c', label: 'Temperature', unit: '°C' },
  { key: 'light_lux', label: 'Light', unit: 'lux' },
  { key: 'shock_g', label: 'Shock', unit: 'g' },
  { key: 'door_open', label: 'Door', unit: '' },
];

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) element.append(child);
  return element;
}

/** Readings as one strip per sensor over a shared time axis; door openings as filled spans,
 * cargo events as ticks on every strip. */
export function telemetryChart(readings, events = [], { width = 420, strip = 42 } = {}) {
  const times = readings.map((r) => Date.parse(r.time));
  const start = Math.min(...times);
  const end = Math.max(...times);
  const span = Math.max(end - start, 1);
  const left = 78;
  const right = 8;
  const x = (t) => left + ((t - start) / span) * (width - left - right);
  const series = SERIES.filter((s) => readings.some((r) => r[s.key] !== null && r[s.key] !== undefined));
  const height = series.length * (strip + 6) + 18;
  const chart = svg('svg', { class: 'telemetry-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `Readings of ${series.map((s) => s.label.toLowerCase()).join(', ')}, ${utc(new Date(start).toISOString())} to ${utc(new Date(end).toISOString())}` });
  series.forEach((s, index) => {
    const top = index * (strip + 6);
    const group = svg('g', { class: `series series-${s.key}`, 'data-series': s.key });
    group.append(svg('rect', { x: left, y: top, width: width - left - right, height: strip, class: 'strip' }));
    const points = readings.filter((r) => r[s.key] !== null && r[s.key] !== undefined);
    let label = s.label;
    if (s.key === 'door_open') {
      let opened = null;
      for (const r of [...points, { time: new Date(end).toISOString(), door_open: false }]) {
        const t = Date.parse(r.time);
        if (r.door_open && opened === null) opened = t;
        if (!r.door_open && opened !== null) {
          group.append(svg('rect', { x: x(opened), y: top + 4, width: Math.max(x(t) - x(opened), 2), height: strip - 8, class: 'door-open' },
            svg('title', {}, `door open ${utc(new Date(opened).toISOString())} to ${utc(r.time)}`)));
          opened = null;
        }
      }
      label = `Door (${points.filter((r) => r.door_open).length} open)`;
    } else {
      const values = points.map((r) => Number(r[s.key]));
      const low = Math.min(...values);
      const high = Math.max(...values);
      const y = (v) => top + strip - 4 - ((v - low) / Math.max(high - low, 1e-9)) * (strip - 8);
      const d = points.map((r, i) => `${i ? 'L' : 'M'}${x(Date.parse(r.time)).toFixed(1)},${y(Number(r[s.key])).toFixed(1)}`).join('');
      group.append(svg('path', { d, class: 'line' }));
      label = `${s.label} ${number(low, 1)}–${number(high, 1)} ${s.unit}`;
    }
    group.append(svg('text', { x: 2, y: top + strip / 2 + 4, class: 'label' }, document.createTextNode(label.length > 13 ? s.label : label)),
      svg('title', {}, label));
    chart.append(group);
  });
  for (const event of events) {
    const t = Date.parse(event.start);
    if (!(t >= start && t <= end)) continue;
    chart.append(svg('line', { x1: x(t), x2: x(t), y1: 0, y2: height - 18, class: 'event-tick', 'data-type': event.type },
      svg('title', {}, `${humanType(event.type)} ${utc(event.start)}`)));
  }
  chart.append(svg('text', { x: left, y: height - 4, class: 'axis' }, document.createTextNode(utc(new Date(start).toISOString()))),
    svg('text', { x: width - right, y: height - 4, class: 'axis end' }, document.createTextNode(utc(new Date(end).toISOString()))));
  return chart;
}

function telemetrySection(readings, events, canRead) {
  if (!canRead) return null;
  if (readings === null) return h('section', { class: 'telemetry' }, h('h3', {}, 'Readings'), stateMessage('error', 'The readings could not be loaded.'));
  if (!readings.length) return h('section', { class: 'telemetry' }, h('h3', {}, 'Readings'), h('p', { class: 'hint' }, 'No smart device reports from this container.'));
  return h('section', { class: 'telemetry' },
    h('h3', {}, `Readings (${number(readings.length)})`),
    telemetryChart(readings, events),
    h('p', { class: 'hint' }, 'Door openings filled; cargo events as vertical ticks. Times in UTC.'));
}

/** One container in the dossier panel; resolves to `{record, journey}` (null when it failed). */
export async function renderContainer(root, number, { types, shapes, canTelemetry, onClose, onVessel }) {
  root.replaceChildren(stateMessage('loading', `Loading container ${number}…`));
  let record;
  let journey;
  let readings = null;
  try {
    [record, journey, readings] = await Promise.all([
      api.container(number), api.containerJourney(number),
      canTelemetry ? api.containerTelemetry(number).catch(() => null) : Promise.resolve([]),
    ]);
  } catch (error) {
    const text = error.status === 404 ? `No container ${number} in this workspace.`
      : error.status === 422 ? `${number} is not a container number (ISO 6346, with its check digit).`
        : `Container ${number}: ${error.message}`;
    root.replaceChildren(h('div', { class: 'dossier container-dossier' },
      h('header', {}, h('h2', {}, number), h('button', { class: 'close', title: 'Close (Esc)', onclick: onClose }, '×')),
      stateMessage(error.status === 404 || error.status === 422 ? 'empty' : 'error', text)));
    return null;
  }
  const seen = record.last_seen;
  const panel = h('div', { class: 'dossier container-dossier', dataset: { container: record.container_number } },
    h('header', {},
      h('h2', {}, shapeImage('box'), ' ', record.container_number),
      h('button', { class: 'close', title: 'Close (Esc)', onclick: onClose }, '×')),
    h('p', { class: 'hint' }, seen ? ['Last seen: ', humanType(String(seen.code ?? '').toLowerCase()), ` at ${seen.port ?? '?'} `, timeElement(seen.time),
      seen.vessel_name ? ` · ${seen.vessel_name}` : ''] : 'No Track & Trace event.'),
    riskSection(record.risk, types),
    h('section', { class: 'journeys' }, h('h3', {}, `Journey${record.journeys.length === 1 ? '' : 's'}`),
      record.journeys.length ? record.journeys.map((j) => journeySection(j, onVessel))
        : h('p', { class: 'hint' }, 'No trip in the Track & Trace events.')),
    telemetrySection(readings, record.events, canTelemetry),
    eventsSection(record.events, types, shapes),
    manifestsSection(record.manifests));
  root.replaceChildren(panel);
  return { record, journey };
}
