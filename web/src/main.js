// Wiring of the workstation: the URL state drives every panel; selecting anything anywhere
// (map glyph, inbox row, event, search result) selects the vessel everywhere. Shift- or
// ctrl-clicking a vessel on the map adds it to the selection: every selected track is drawn,
// the dossier shows the last clicked. Nothing loads before sign-in; the account's rights
// (`rights.js`) decide which panels and buttons exist.

import './style.css';
import * as api from './api.js';
import { createAuditView } from './audit.js';
import { containerText, isContainerNumber, renderContainer, renderContainers } from './containers.js';
import { renderDossier, renderEventDossier, emptyDossier } from './dossier.js';
import { createEntityView } from './entity.js';
import { RISK_COLOURS, RISK_LABELS, h, humanType, toDate } from './format.js';
import { shapeImage, shapesFor } from './icons.js';
import { renderEvents, renderInbox, stateMessage } from './lists.js';
import { debounced, followLive, renderLive } from './live.js';
import { createMap, PORTS_MIN_ZOOM } from './map.js';
import { rightsOf } from './rights.js';
import { setupSearch } from './search.js';
import { createTargeting } from './targeting.js';
import { createWatchlists } from './watchlists.js';
import { renderAccount, signedIn, signInPage } from './session.js';
import { createStore, filtersOf } from './state.js';
import { createTimebar } from './timebar.js';
import { createZoneTools } from './zones.js';

const store = createStore();
const $ = (selector) => document.querySelector(selector);
const data = {
  types: {}, shapes: {}, events: [], alerts: [], vessels: null, track: null, extent: [null, null],
  account: null, rights: rightsOf(null), containers: [], containerPorts: [], plan: null,
};

const map = createMap($('#map'), {
  view: store.get().map,
  onSelect: (mmsi, add) => (add ? addToSelection(mmsi) : select(mmsi)),
  onEvent: (id, mmsi, add) => {
    const event = data.events.find((e) => e.id === id);
    if (event?.start) timebar.setCursor(Date.parse(event.start));
    // an event that names no vessel (a dark target) is shown on its own
    if (!Number.isFinite(mmsi) || mmsi <= 0) showEvent(id);
    else if (add) addToSelection(mmsi);
    else select(mmsi);
  },
  onMove: (view) => { store.set({ map: view }); loadPorts(); },
});
const timebar = createTimebar($('#timebar'), { onCursor: (t) => cursorMoved(t) });

let zoneTools = null; // for accounts that may change zones
let auditView = null; // for security officers
let targeting = null; // for those who may read inspection plans
let watchlists = null; // for those who may read the screening lists
let stopLive = null; // closes the live stream followed
const LIVE_RETRY_MS = 5000; // a lost stream, the session still open: the server was away

function select(mmsi) {
  const { vessel, selection } = store.get();
  if (mmsi !== vessel || selection.length > 1) store.set({ vessel: mmsi }, { push: true });
}

/** Add a vessel to the selection (or bring a selected one forward): it becomes the last clicked. */
/** Show an event on its own in the dossier panel (one that names no vessel). */
function showEvent(id) {
  if (store.get().event !== id || store.get().vessel !== null) store.set({ event: id, selection: [] }, { push: true });
}

/** Show a container in the dossier panel (its journey on the map). */
function openContainer(number) {
  const container = containerText(number);
  if (store.get().container !== container) store.set({ container, vessel: null, event: null }, { push: true });
}

function addToSelection(mmsi) {
  const selection = store.get().selection.filter((m) => m !== mmsi);
  store.set({ selection: [...selection, mmsi] }, { push: true });
}

function removeFromSelection(mmsi) {
  store.set({ selection: store.get().selection.filter((m) => m !== mmsi) }, { push: true });
}

// ---- loading ---------------------------------------------------------------------------

async function loadTypes() {
  try {
    data.types = await api.eventTypes();
  } catch {
    data.types = {};
  }
  data.shapes = shapesFor(data.types);
  const select = $('#type');
  for (const [type, info] of Object.entries(data.types)) select.append(new Option(info.title ?? humanType(type), type));
  select.value = store.get().type ?? '';
  renderLegend();
}

async function loadVessels() {
  const status = $('#map-status');
  try {
    data.vessels = await api.latestPositions();
    await map.setVessels(data.vessels);
    const n = data.vessels.features.length;
    const times = data.vessels.features.map((f) => Date.parse(f.properties.timestamp)).filter(Number.isFinite);
    if (times.length) extend(Math.min(...times), Math.max(...times));
    status.textContent = n
      ? `${n.toLocaleString('en-GB')} vessels · latest positions`
      : 'No positions in this workspace yet: ingest AIS data (balise ingest) to see vessels.';
    status.classList.toggle('empty', !n);
    $('body').dataset.vessels = String(n);
    map.setSelected(store.get().selection);
  } catch (error) {
    status.textContent = `Could not load vessel positions: ${error.message}`;
    status.classList.add('error');
  }
}

async function loadPorts() {
  if (!data.account || !store.get().layers.includes('ports')) return;
  const { bbox, zoom } = map.viewBox();
  if (zoom < PORTS_MIN_ZOOM) return;
  try {
    const collection = await api.ports(bbox);
    await map.setPorts(collection);
    $('body').dataset.ports = String(collection.features.length);
  } catch {
    /* ports are optional context: the map works without them */
  }
}

let radarLoaded = false;
/** The radar sites and their coverage, fetched once when the layer is first switched on. */
async function loadRadar() {
  if (!data.account || radarLoaded || !store.get().layers.includes('radar')) return;
  radarLoaded = true;
  try {
    const collection = await api.radarSites();
    await map.setRadar(collection);
    $('body').dataset.radarSites = String(collection.features.length);
  } catch {
    radarLoaded = false; /* coverage is optional context: the map works without it */
  }
}

let planLoaded = false;
/** The last radar siting plan, fetched once when its layer is first switched on; without a
 * plan (or when it cannot be read) the legend says so under the layer's toggle, and the next
 * switching on asks again. */
async function loadRadarPlan() {
  if (!data.account || planLoaded || !store.get().layers.includes('plan')) return;
  planLoaded = true;
  try {
    const collection = await api.radarPlan();
    await map.setRadarPlan(collection);
    const sites = collection.features.filter((f) => f.properties?.role === 'site').length;
    data.plan = { sites, ...collection.properties };
    $('body').dataset.radarPlanSites = String(sites);
  } catch (error) {
    planLoaded = false;
    data.plan = error.status === 404 ? { missing: true } : { error: error.message };
    $('body').dataset.radarPlanSites = '0';
  }
  renderLegend();
}

/** What the legend says under the plan's toggle: the plan in a line, or why nothing is drawn. */
function planNote() {
  const { plan } = data;
  if (!plan || !store.get().layers.includes('plan')) return null;
  if (plan.missing) return h('p', { class: 'hint plan-note empty' }, 'No siting plan in this workspace yet: make one with balise plan radars.');
  if (plan.error) return h('p', { class: 'hint plan-note error' }, `Could not load the siting plan: ${plan.error}`);
  const when = plan.planned_at ? `, ${plan.planned_at.slice(0, 16).replace('T', ' ')} UTC` : '';
  const share = (value) => Number(value).toLocaleString('en-GB', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const text = plan.sites
    ? `${plan.sites} proposed site${plan.sites === 1 ? '' : 's'} (${plan.method}${when}): covered ${share(plan.share_before)} → ${share(plan.share_after)} of the weighted demand.`
    : `The last plan${when} proposes no new site.`;
  return h('p', { class: 'hint plan-note' }, text);
}

async function loadZones() {
  try {
    const collection = await api.zones();
    await map.setZones(collection);
    $('body').dataset.zones = String(collection.features.length);
  } catch {
    /* zones are optional context: the map works without them */
  }
}

async function loadEvents() {
  const root = $('#events');
  const state = store.get();
  root.replaceChildren(stateMessage('loading', 'Loading events…'));
  try {
    data.events = await api.events(filtersOf(state));
    for (const e of data.events) extend(Date.parse(e.start), Date.parse(e.end ?? e.start));
    $('#events-count').textContent = String(data.events.length);
    renderEvents(root, data.events, { ...data, selectedMmsi: state.vessel, onPick: pickEvent });
    map.setEvents(data.events, data.shapes);
    updateTicks();
  } catch (error) {
    root.replaceChildren(stateMessage('error', `Could not load events: ${error.message}`, loadEvents));
  }
}

async function loadAlerts() {
  if (!data.rights.inbox) return;
  const root = $('#inbox');
  const state = store.get();
  if (!data.alerts.length) root.replaceChildren(stateMessage('loading', 'Loading alerts…'));
  try {
    data.alerts = await api.alerts({ state: state.status, type: state.type, since: state.from });
    const open = data.alerts.filter((a) => a.status === 'open').length;
    $('#inbox-count').textContent = String(open);
    renderInbox(root, data.alerts, {
      ...data, selectedMmsi: state.vessel, onPick: pickEvent, onTriage: triage, canTriage: data.rights.triage,
    });
  } catch (error) {
    root.replaceChildren(stateMessage('error', `Could not load the inbox: ${error.message}`, loadAlerts));
  }
}

/** The containers at risk at the chosen port (or matching the number typed). */
async function loadContainers() {
  if (!data.rights.containers) return;
  const root = $('#containers');
  const q = containerText($('#container-q').value) || null;
  const port = q ? null : store.get().port;
  root.replaceChildren(stateMessage('loading', 'Loading containers…'));
  try {
    data.containers = await api.containers({ q, port });
  } catch (error) {
    root.replaceChildren(stateMessage('error', `Containers could not be loaded: ${error.message}`, loadContainers));
    return;
  }
  if (!q && !port) {
    // the port picker offers the ports where containers at risk are, most first
    const counts = new Map();
    for (const row of data.containers) if (row.last_port) counts.set(row.last_port, (counts.get(row.last_port) ?? 0) + 1);
    data.containerPorts = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const select = $('#container-port');
    select.replaceChildren(new Option('every port', ''), ...data.containerPorts.map(([locode, n]) => new Option(`${locode} (${n})`, locode)));
  }
  $('#container-port').value = port ?? '';
  $('#containers-export').href = api.containersExportUrl(port);
  $('#containers-count').textContent = String(data.containers.length);
  renderContainers(root, data.containers, { port, q, selected: store.get().container, onPick: openContainer });
  document.body.dataset.containers = String(data.containers.length);
}

async function triage(alert, action, payload) {
  try {
    await api.triage(alert.id, action, payload);
    await loadAlerts();
  } catch (error) {
    window.alert(`Could not ${action} the alert: ${error.message}`);
  }
}

function pickEvent(item) {
  if (item.start) timebar.setCursor(Date.parse(item.start));
  if (item.subject?.kind === 'container' && data.rights.containers) {
    openContainer(item.subject.id);
    return;
  }
  if (Number.isFinite(item.lat) && Number.isFinite(item.lon) && item.lat !== null) map.flyTo(item.lon, item.lat, 6);
  if (Number.isFinite(item.mmsi) && item.mmsi !== null) select(item.mmsi);
  else if (item.id) showEvent(item.id);
}

// ---- selection, track and time ---------------------------------------------------------

/** The selected vessels, when there are several: switch the dossier to one, or drop one. */
function renderSelection(selection, vessel) {
  const root = $('#selection');
  root.hidden = selection.length < 2;
  if (root.hidden) return root.replaceChildren();
  const nameOf = (mmsi) => data.vessels?.features.find((f) => f.properties.mmsi === mmsi)?.properties.name;
  root.replaceChildren(h('h4', {}, `${selection.length} vessels selected`),
    h('ul', {}, [...selection].reverse().map((mmsi) => h('li', { dataset: { mmsi }, class: mmsi === vessel ? 'current' : '' },
      h('button', { class: 'switch', 'aria-current': mmsi === vessel ? 'true' : null, onclick: () => addToSelection(mmsi) },
        `${nameOf(mmsi) ?? 'unnamed'} · ${mmsi}`),
      h('button', { class: 'icon', title: 'Remove from the selection', onclick: () => removeFromSelection(mmsi) }, '×')))),
    h('p', { class: 'hint' }, 'Shift- or ctrl-click vessels on the map to add them. Solid track: the vessel shown; dashed: the others.'));
}

async function tracksOf(mmsis, filters) {
  return Promise.all(mmsis.map((mmsi) => api.track(mmsi, { since: filters.since, until: filters.until })
    .catch(() => ({ lines: [], points: [] }))));
}

async function showSelection() {
  const { vessel, selection } = store.get();
  const root = $('#dossier');
  map.setSelected(selection);
  renderSelection(selection, vessel);
  document.body.classList.toggle('has-selection', vessel !== null || Boolean(store.get().event));
  const eventId = store.get().event;
  const container = store.get().container;
  if (vessel === null && container && data.rights.containers) {
    document.body.classList.add('has-selection');
    await showContainer(root, container);
    return;
  }
  map.setJourney(null);
  if (vessel === null && eventId) {
    data.track = null;
    map.setCursor(null);
    timebar.setCoverage(null);
    const known = data.events.find((e) => e.id === eventId) ?? data.alerts.find((a) => a.id === eventId && a.evidence);
    const shown = await renderEventDossier(root, eventId, {
      types: data.types, shapes: data.shapes, known: known ? api.normaliseEvent(known) : null,
      onClose: () => store.set({ event: null }, { push: true }), onVessel: (mmsi) => select(mmsi),
    });
    if (store.get().event !== eventId) return;
    map.setTracks(null, shown ? [shown] : null, data.shapes);
    updateTicks(shown ? [shown] : undefined);
    return;
  }
  if (vessel === null) {
    data.track = null;
    root.replaceChildren(emptyDossier());
    map.setTracks(null, null, data.shapes);
    map.setCursor(null);
    timebar.setCoverage(null);
    updateTicks();
    return;
  }
  const filters = filtersOf(store.get());
  const record = await renderDossier(root, vessel, {
    types: data.types, shapes: data.shapes, filters, canExport: data.rights.export,
    onEvent: pickEvent, onClose: () => store.set({ vessel: null }, { push: true }),
  });
  const order = [vessel, ...selection.filter((m) => m !== vessel).reverse()];
  const tracks = await tracksOf(order, filters);
  if (store.get().vessel !== vessel || store.get().selection.join() !== selection.join()) return;
  data.track = tracks[0];
  const pins = record?.events ?? data.events.filter((e) => e.mmsi === vessel);
  map.setTracks(tracks.map((t) => t.lines), pins, data.shapes);
  document.body.dataset.tracks = String(tracks.filter((t) => t.lines.length).length);
  const points = data.track.points;
  if (points.length) {
    extend(points[0].t, points.at(-1).t);
    timebar.setCoverage([points[0].t, points.at(-1).t]);
    if (!store.get().map || store.get().vessel) map.fitLines(tracks.flatMap((t) => t.lines));
  }
  updateTicks(pins);
  cursorMoved(timebar.cursor());
}

/** A container in the dossier panel, its journey on the map beside the tracks of the vessels
 * that carried it (over the journey's time), its cargo events as pins. */
async function showContainer(root, container) {
  const shown = await renderContainer(root, container, {
    types: data.types, shapes: data.shapes, canTelemetry: data.rights.telemetry,
    onClose: () => store.set({ container: null }, { push: true }), onVessel: (mmsi) => select(mmsi),
  });
  if (store.get().container !== container) return;
  for (const row of document.querySelectorAll('#containers li.container-row')) row.classList.toggle('selected', row.dataset.number === container);
  if (!shown) {
    map.setJourney(null);
    map.setTracks(null, null, data.shapes);
    return;
  }
  const { record, journey } = shown;
  map.setJourney(journey);
  const legs = record.journeys.flatMap((j) => j.legs).filter((leg) => leg.vessel_mmsi);
  const mmsis = [...new Set(legs.map((leg) => leg.vessel_mmsi))];
  const tracks = await Promise.all(mmsis.map((mmsi) => {
    const own = legs.filter((leg) => leg.vessel_mmsi === mmsi);
    const since = own.map((leg) => leg.loaded_at).filter(Boolean).sort()[0];
    const until = own.map((leg) => leg.discharged_at).filter(Boolean).sort().at(-1);
    return api.track(mmsi, { since, until }).catch(() => ({ lines: [], points: [] }));
  }));
  if (store.get().container !== container) return;
  const pins = record.events.map(api.normaliseEvent);
  map.setTracks(tracks.map((t) => t.lines), pins, data.shapes);
  document.body.dataset.tracks = String(tracks.filter((t) => t.lines.length).length);
  const lines = journey.features.map((f) => (f.geometry.type === 'Point' ? [f.geometry.coordinates] : f.geometry.coordinates));
  map.fitLines([...lines, ...tracks.flatMap((t) => t.lines)]);
  updateTicks(pins);
  document.body.dataset.container = container;
}

/** Where the selected vessel was at `t`: interpolated between the two track points around it. */
function positionAt(points, t) {
  if (!points?.length || t === null) return null;
  if (t <= points[0].t) return [points[0].lon, points[0].lat];
  let lo = 0;
  let hi = points.length - 1;
  if (t >= points[hi].t) return [points[hi].lon, points[hi].lat];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].t <= t) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  const f = (t - a.t) / (b.t - a.t || 1);
  if (Math.abs(b.lon - a.lon) > 180) return f < 0.5 ? [a.lon, a.lat] : [b.lon, b.lat];
  return [a.lon + (b.lon - a.lon) * f, a.lat + (b.lat - a.lat) * f];
}

let cursorWrite = 0;
function cursorMoved(t) {
  map.setCursor(positionAt(data.track?.points, t));
  const now = Date.now();
  if (now - cursorWrite > 500 || !timebar.playing()) {
    cursorWrite = now;
    if (t !== null) store.set({ at: new Date(t).toISOString().slice(0, 19) + 'Z' });
  }
}

function extend(start, end) {
  if (!Number.isFinite(start) || !Number.isFinite(end)) return;
  const [a, b] = data.extent;
  data.extent = [a === null ? start : Math.min(a, start), b === null ? end : Math.max(b, end)];
  updateRange();
}

function updateRange() {
  const state = store.get();
  const from = toDate(state.from)?.getTime() ?? data.extent[0];
  const to = toDate(state.to)?.getTime() ?? data.extent[1];
  timebar.setRange(from, to);
  const at = toDate(state.at)?.getTime();
  if (at) timebar.setCursor(at, { silent: true });
  $('#from').value = from ? toLocalInput(from) : '';
  $('#to').value = to ? toLocalInput(to) : '';
}

function updateTicks(pins) {
  const selected = store.get().vessel;
  const source = pins ?? data.events;
  timebar.setTicks(source.filter((e) => e.start).map((e) => ({
    t: Date.parse(e.start), score: e.score100 ?? e.score, selected: selected !== null && e.mmsi === selected,
  })));
}

// the datetime-local inputs show and take UTC (the whole app speaks UTC)
const toLocalInput = (ms) => new Date(ms).toISOString().slice(0, 16);
const fromLocalInput = (text) => (text ? `${text}:00Z` : null);

// ---- controls --------------------------------------------------------------------------

function renderLegend() {
  const legend = $('#legend');
  const visible = store.get().layers;
  const layerToggle = (name, label) => h('label', { class: 'layer' },
    h('input', { type: 'checkbox', checked: visible.includes(name), onchange: (event) => {
      const layers = store.get().layers.filter((l) => l !== name);
      if (event.target.checked) layers.push(name);
      store.set({ layers }, { push: true });
    } }), ` ${label}`);
  legend.replaceChildren(h('details', { open: true }, h('summary', {}, 'Legend and layers'),
    h('h4', {}, 'Risk (colour)'),
    h('ul', {}, Object.entries(RISK_COLOURS).reverse().map(([band, colour]) =>
      h('li', {}, h('span', { class: 'swatch', style: { background: colour } }), ` ${RISK_LABELS[band]}`))),
    h('p', { class: 'hint' }, 'Circles at low zoom group vessels; their colour is the highest risk inside.'),
    h('h4', {}, 'Events (shape)'),
    h('ul', {}, Object.entries(data.types).map(([type, info]) =>
      h('li', { title: info.definition }, shapeImage(data.shapes[type]), ` ${info.title ?? humanType(type)}`))),
    h('h4', {}, 'Tracks (line)'),
    h('p', { class: 'hint' }, 'Solid: the vessel in the dossier; dashed: the others selected (shift-click).'),
    h('h4', {}, 'Layers'),
    layerToggle('vessels', 'vessels'), layerToggle('zones', 'zones'), layerToggle('events', 'all events'),
    layerToggle('ports', `ports and anchorages (zoom ${PORTS_MIN_ZOOM}+; thick ring: high-risk port)`),
    layerToggle('radar', 'radar coverage (for a 2 m boat; dot: the radar site)'),
    layerToggle('plan', 'radar siting plan (balise plan radars; dotted: proposed coverage, ring: proposed site)'),
    planNote()));
}

function renderExports() {
  if (!data.rights.export) return;
  const filters = filtersOf(store.get());
  const links = ['csv', 'geojson', 'kml'].map((format) =>
    h('a', { href: api.exportUrl(format, filters), download: '', 'data-export': `events-${format}` },
      `events of this view · ${format.toUpperCase()}`));
  $('#export-links').replaceChildren(...links, h('p', { class: 'hint' }, 'Each download carries a README of the filters and data version.'));
}

function setupControls() {
  $('#from').addEventListener('change', (e) => store.set({ from: fromLocalInput(e.target.value) }, { push: true }));
  $('#to').addEventListener('change', (e) => store.set({ to: fromLocalInput(e.target.value) }, { push: true }));
  $('#type').addEventListener('change', (e) => store.set({ type: e.target.value || null }, { push: true }));
  $('#min').addEventListener('change', (e) => store.set({ min: e.target.value ? Number(e.target.value) : null }, { push: true }));
  $('#status').addEventListener('change', (e) => store.set({ status: e.target.value || null }, { push: true }));
  $('#container-port').addEventListener('change', (e) => {
    $('#container-q').value = '';
    store.set({ port: e.target.value || null }, { push: true });
  });
  $('#container-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('#container-q').value;
    if (isContainerNumber(q)) openContainer(q);
    loadContainers();
  });
  for (const tab of document.querySelectorAll('[role=tab]')) {
    tab.addEventListener('click', () => store.set({ tab: tab.dataset.tab }, { push: true }));
  }
  $('#theme').addEventListener('click', () => {
    const root = document.documentElement;
    root.dataset.theme = root.dataset.theme === 'dark' ? 'light' : 'dark';
  });
  document.addEventListener('keydown', onKey);
}

function onKey(event) {
  const typing = ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement?.tagName);
  if (event.key === 'Escape' && zoneTools?.drawing()) {
    if (typing) document.activeElement.blur();
    zoneTools.cancel();
    return;
  }
  if (event.key === 'Enter' && zoneTools && map.drawing()) {
    event.preventDefault();
    zoneTools.finish();
    return;
  }
  if (event.key === 'Escape') {
    if (typing) document.activeElement.blur();
    $('#search-results').hidden = true;
    store.set({ vessel: null, event: null, container: null }, { push: true });
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === '/') {
    event.preventDefault();
    $('#search').focus();
  } else if (event.key === ' ') {
    event.preventDefault();
    timebar.toggle();
  } else if (event.key === 'j' || event.key === 'k') {
    const rows = [...document.querySelectorAll('#inbox li.alert')];
    const current = rows.indexOf(document.querySelector('#inbox li.alert.focused'));
    const next = rows[Math.min(rows.length - 1, Math.max(0, current + (event.key === 'j' ? 1 : -1)))];
    rows.forEach((r) => r.classList.remove('focused'));
    next?.classList.add('focused');
    next?.scrollIntoView({ block: 'nearest' });
  } else if (['a', 's', 'd'].includes(event.key)) {
    const row = document.querySelector('#inbox li.alert.focused');
    row?.triage?.({ a: 'acknowledge', s: 'suspend', d: 'dismiss' }[event.key]);
  }
}

// ---- state changes ---------------------------------------------------------------------

function applyTab(chosen) {
  let tab = chosen;
  const barred = { inbox: !data.rights.inbox, containers: !data.rights.containers, targeting: !data.rights.targeting, lists: !data.rights.lists, entities: !data.rights.entities };
  if (barred[tab]) tab = 'events';
  for (const button of document.querySelectorAll('[role=tab]')) button.setAttribute('aria-selected', String(button.dataset.tab === tab));
  for (const body of document.querySelectorAll('.tab-body')) body.hidden = body.dataset.body !== tab;
  if (tab === 'lists') watchlists?.show();
}

store.subscribe((state, changed) => {
  if (changed.has('port')) loadContainers();
  if (changed.has('vessel') || changed.has('event') || changed.has('container')) {
    showSelection();
    renderEvents($('#events'), data.events, { ...data, selectedMmsi: state.vessel, onPick: pickEvent });
    for (const row of document.querySelectorAll('#inbox li.alert')) row.classList.toggle('selected', Number(row.dataset.mmsi) === state.vessel);
  }
  if (['from', 'to', 'type', 'min'].some((k) => changed.has(k))) {
    $('#type').value = state.type ?? '';
    $('#min').value = state.min ?? '';
    updateRange();
    loadEvents();
    if (state.vessel !== null) showSelection();
  }
  if (['from', 'to', 'type', 'status'].some((k) => changed.has(k))) {
    $('#status').value = state.status ?? '';
    loadAlerts();
  }
  if (changed.has('layers')) {
    map.setLayers(state.layers);
    loadPorts();
    loadRadar();
    loadRadarPlan();
    renderLegend();
  }
  if (changed.has('tab')) applyTab(state.tab);
  if ((changed.has('site') || changed.has('day')) && targeting) targeting.show(state.site, state.day);
  if (changed.has('view')) applyView(state.view);
  if (changed.has('at') && !timebar.playing() && state.at) timebar.setCursor(Date.parse(state.at), { silent: true });
  if (changed.has('map') && state.map) {
    const c = map.map.getCenter();
    const off = Math.abs(c.lng - state.map.lon) > 1e-3 || Math.abs(c.lat - state.map.lat) > 1e-3 || Math.abs(map.map.getZoom() - state.map.zoom) > 1e-2;
    if (off) map.jumpTo(state.map);
  }
  renderExports();
});

// ---- the account ---------------------------------------------------------------------

/** Shows only what the account may use: hidden, not disabled, where it has no right. */
function applyRights() {
  const { rights } = data;
  $('#exports').hidden = !rights.export;
  $('#zone-tools').hidden = !rights.zones;
  if (rights.zones) zoneTools = createZoneTools($('#zone-tools'), map, { onChanged: () => loadZones() });
  for (const element of document.querySelectorAll('[data-tab=inbox], [data-body=inbox]')) element.hidden = !rights.inbox;
  for (const element of document.querySelectorAll('[data-tab=containers]')) element.hidden = !rights.containers;
  for (const element of document.querySelectorAll('[data-tab=targeting]')) element.hidden = !rights.targeting;
  for (const element of document.querySelectorAll('[data-tab=lists]')) element.hidden = !rights.lists;
  if (rights.lists) watchlists = createWatchlists($('#lists-panel'), { canChange: rights.listChange });
  for (const element of document.querySelectorAll('[data-tab=entities]')) element.hidden = !rights.entities;
  if (rights.entities) {
    createEntityView($('#entities-panel'), {
      onVessel: (mmsi) => store.set({ vessel: mmsi }, { push: true }),
      onContainer: (number) => openContainer(number),
    });
  }
  if (rights.targeting) {
    targeting = createTargeting($('#targeting-panel'), {
      canChange: rights.plan,
      onChoose: ({ site, day }) => store.set({ site, day }, { push: true }),
      // a box opens the container view when the account may read containers
      onContainer: (number) => (rights.containers ? openContainer(number) : null),
    });
  }
  const toggle = $('#audit-toggle');
  toggle.hidden = !rights.audit;
  if (!rights.audit) {
    if (store.get().view === 'audit') store.set({ view: null });
    return;
  }
  auditView = createAuditView($('#audit-view'), {
    insider: rights.insider, onClose: () => store.set({ view: null }, { push: true }),
  });
  toggle.addEventListener('click', () => store.set({ view: store.get().view === 'audit' ? null : 'audit' }, { push: true }));
}

function applyView(view) {
  const audit = view === 'audit' && auditView !== null;
  $('#audit-toggle').setAttribute('aria-pressed', String(audit));
  document.body.classList.toggle('view-audit', audit);
  if (audit) auditView.show();
  else auditView?.hide();
}

let ending = false;
/** A request answered 401: the session ended. Sign in again; another account reloads the
 * page, so that nothing of the previous account's rights or data stays on it. */
async function sessionEnded() {
  if (!data.account || ending) return;
  ending = true;
  const again = await signInPage($('#signin'), 'Your session has ended: sign in again to go on.');
  ending = false;
  if (again.username !== data.account.username) {
    window.location.reload();
    return;
  }
  await Promise.all([loadVessels(), loadZones(), loadEvents(), loadAlerts()]);
  await showSelection();
  startLive();
}

async function start() {
  data.account = await signedIn($('#signin'));
  document.body.classList.remove('signed-out');
  api.onSessionEnded(sessionEnded);
  renderAccount($('#account'), data.account);
  await loadTypes();
  data.rights = rightsOf(data.account, data.types);
  applyRights();
  const state = store.get();
  setupSearch($('#search'), $('#search-results'), (vessel) => select(vessel.mmsi),
    data.rights.containers ? openContainer : null);
  setupControls();
  applyTab(state.tab);
  applyView(state.view);
  $('#status').value = state.status ?? '';
  $('#min').value = state.min ?? '';
  renderExports();
  map.setLayers(state.layers);
  await Promise.all([loadVessels(), loadZones(), loadEvents(), loadAlerts(), map.ready.then(loadPorts), loadRadar(), loadRadarPlan(), loadContainers(),
    targeting?.show(state.site, state.day)]);
  await showSelection();
  startLive();
  document.body.dataset.ready = 'true';
}

/** Follow the live stream: changed alerts refresh the inbox (with its filters), new data the
 * map's layer; bursts are gathered so that a busy feed costs one reload per quarter second.
 * Starting again closes the stream followed before. */
function startLive() {
  stopLive?.();
  const indicator = $('#live');
  // an officer filling in a triage form keeps it: the inbox waits until the form is gone
  const refreshInbox = () => ($('#inbox form.triage-form') ? alertsChanged() : loadAlerts());
  const alertsChanged = debounced(refreshInbox, 250);
  const positionsChanged = debounced(loadVessels, 250);
  stopLive = followLive({
    onAlert: alertsChanged,
    onPositions: positionsChanged,
    onStatus: (status) => {
      renderLive(indicator, status);
      if (status === 'lost') streamLost();
    },
  });
}

/** The browser gave up the stream. Ask who is signed in: an ended session shows the sign-in
 * page, after which the stream starts again; otherwise (the server was away) try again soon. */
async function streamLost() {
  try {
    await api.me();
  } catch (error) {
    if (error.status === 401) {
      await sessionEnded();
      return;
    }
  }
  setTimeout(startLive, LIVE_RETRY_MS);
}

start();
