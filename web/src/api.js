// Every call the web application makes to the REST API, and the shapes it expects back.
// The panels only see the normalised records returned here, so a change of response shape
// is absorbed in this one module.
//
// Requests stay on this origin and carry the session cookie; every change (POST, PUT, PATCH,
// DELETE) also sends the CSRF token the sign-in left in the readable `balise_csrf` cookie.
// A 401 means the session has ended: the listeners of `onSessionEnded` show the sign-in page.

const BASE = '/api/v1';
const CSRF_COOKIE = 'balise_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const sessionEndedListeners = [];

/** Calls `listener(problem)` whenever a request answers 401 (the session ended or expired). */
export function onSessionEnded(listener) {
  sessionEndedListeners.push(listener);
}

/** The value of the cookie `name`, or null. */
export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** An API error, carrying the RFC 9457 problem document when the server sent one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, item);
  }
  const text = query.toString();
  return `${path.startsWith('/api') ? '' : BASE}${path}${text ? `?${text}` : ''}`;
}

function headersFor(method, body) {
  const headers = { Accept: 'application/json, application/geo+json, application/problem+json' };
  if (body) headers['Content-Type'] = 'application/json';
  const csrf = SAFE_METHODS.has(method) ? null : cookie(CSRF_COOKIE);
  if (csrf) headers['X-CSRF-Token'] = csrf;
  return headers;
}

/** One API call; `signIn` marks the calls whose 401 is an answer (wrong password, not signed
 * in yet) rather than the end of a session. */
async function request(method, path, params, body, { signIn = false } = {}) {
  let response;
  try {
    response = await fetch(url(path, params), {
      method,
      credentials: 'same-origin',
      headers: headersFor(method, body),
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new ApiError(0, { title: 'Server unreachable', detail: String(error.message || error) });
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText };
    }
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && !signIn) for (const listener of sessionEndedListeners) listener(error);
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

const get = (path, params) => request('GET', path, params);

/** The records of a list response: a bare array, a page (`items`) or a FeatureCollection. */
export function itemsOf(body) {
  if (Array.isArray(body)) return body;
  if (!body) return [];
  if (body.type === 'FeatureCollection') {
    return body.features.map((feature) => {
      const [lon, lat] = feature.geometry?.type === 'Point' ? feature.geometry.coordinates : [];
      return { lon, lat, ...feature.properties, id: feature.properties?.id ?? feature.id };
    });
  }
  for (const key of ['items', 'data', 'results', 'alerts', 'events', 'vessels', 'types']) {
    if (Array.isArray(body[key])) return body[key];
  }
  return [];
}

/** The next page's URL of a paginated response (`next` as a URL or an opaque token). */
function nextOf(body, path, params) {
  const next = body?.next ?? body?.links?.next ?? null;
  if (!next) return null;
  if (next.startsWith('/') || next.startsWith('http')) return next;
  return url(path, { ...params, cursor: next });
}

/** All pages of a list, up to `maxItems` records. */
async function getAll(path, params, maxItems = 5000) {
  let body = await get(path, params);
  const items = [...itemsOf(body)];
  let next = nextOf(body, path, params);
  while (next && items.length < maxItems) {
    body = await get(next);
    items.push(...itemsOf(body));
    next = nextOf(body, path, params);
  }
  return items;
}

// ---- vessels ---------------------------------------------------------------------------

/** Rows of a columnar answer (`{count, columns: {name: [...]}}`), one object per index. */
function rowsOfColumns(body) {
  const names = Object.keys(body.columns);
  const n = body.count ?? body.columns[names[0]]?.length ?? 0;
  const rows = new Array(n);
  for (let i = 0; i < n; i += 1) {
    const row = {};
    for (const name of names) row[name] = body.columns[name][i];
    rows[i] = row;
  }
  return rows;
}

/** The map layer: a GeoJSON FeatureCollection of points whose properties carry at least
 * mmsi, name, score, band, cog, sog and timestamp. */
export async function latestPositions(params = {}) {
  const body = await get('/positions/latest', params);
  const rows = body?.columns ? rowsOfColumns(body) : itemsOf(body);
  const features = [];
  for (const row of rows) {
    const lat = Number(row.lat ?? row.latitude);
    const lon = Number(row.lon ?? row.longitude);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const score = row.score ?? row.risk_score ?? row.risk?.score ?? null;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lon, lat] },
      properties: {
        mmsi: Number(row.mmsi),
        name: row.name ?? row.vessel_name ?? null,
        score: score === null ? -1 : Number(score),
        band: row.band ?? row.risk_band ?? row.risk?.band ?? null,
        cog: row.cog ?? row.cog_deg ?? row.course ?? null,
        sog: row.sog ?? row.sog_knots ?? row.speed ?? null,
        heading: row.heading ?? row.heading_deg ?? null,
        ship_type: row.ship_type ?? row.ship_type_text ?? null,
        timestamp: typeof row.time === 'number' ? new Date(row.time * 1000).toISOString() : (row.timestamp ?? row.time ?? null),
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

export async function searchVessels(q, limit = 12) {
  const body = await get('/vessels', { q, limit });
  return itemsOf(body).map((row) => ({
    mmsi: Number(row.mmsi),
    name: row.name ?? row.identity?.name ?? null,
    imo: row.imo ?? row.identity?.imo ?? null,
    call_sign: row.call_sign ?? row.identity?.call_sign ?? null,
    flag: row.flag ?? null,
    score: row.score ?? row.risk?.score ?? null,
    band: row.band ?? row.risk?.band ?? null,
  }));
}

/** The dossier: identity and its history, flag, positions summary, risk and reasons,
 * destination tracking and events (see `balise.engine.dossier.dossier`). */
export async function dossier(mmsi) {
  const body = await get(`/vessels/${mmsi}`);
  const risk = body.risk ?? null;
  if (risk && typeof risk.reasons === 'string') risk.reasons = JSON.parse(risk.reasons);
  const tracking = body.tracking ?? null;
  if (tracking && typeof tracking.reasons === 'string') {
    try {
      tracking.reasons = JSON.parse(tracking.reasons);
    } catch {
      tracking.reasons = [tracking.reasons];
    }
  }
  const events = (body.events ?? []).map(normaliseEvent);
  return { ...body, identity: body.identity ?? {}, risk, tracking, events };
}

/** A vessel's track as `{lines: [[[lon, lat], ...], ...], points: [{lon, lat, t}]}`: the
 * lines to draw (split at the antimeridian by the server) and the timed points to replay. */
export async function track(mmsi, { since, until } = {}) {
  const body = await get(`/vessels/${mmsi}/track`, { format: 'geojson', since, until });
  const features = body?.type === 'FeatureCollection' ? body.features : [body];
  const lines = [];
  const points = [];
  for (const feature of features) {
    const geometry = feature?.geometry;
    if (!geometry) continue;
    const parts = geometry.type === 'LineString' ? [geometry.coordinates] : geometry.coordinates;
    const props = feature.properties ?? {};
    const times = (props.times ?? props.coordTimes ?? props.timestamps ?? []).flat();
    let index = 0;
    for (const part of parts) {
      lines.push(part);
      for (const [lon, lat] of part) {
        const t = Date.parse(times[index]);
        if (Number.isFinite(t)) points.push({ lon, lat, t });
        index += 1;
      }
    }
  }
  points.sort((a, b) => a.t - b.t);
  return { lines, points };
}

// ---- events ----------------------------------------------------------------------------

export function normaliseEvent(row) {
  const parse = (value) => {
    if (typeof value !== 'string') return value ?? {};
    try {
      return JSON.parse(value);
    } catch {
      return {};
    }
  };
  return {
    ...row,
    lat: row.lat === null || row.lat === undefined ? null : Number(row.lat),
    lon: row.lon === null || row.lon === undefined ? null : Number(row.lon),
    mmsi: row.mmsi === null || row.mmsi === undefined ? null : Number(row.mmsi),
    params: parse(row.params),
    evidence: parse(row.evidence),
    score100: row.score === null || row.score === undefined ? -1 : Number(row.score) * 100,
  };
}

/** Events matching `filters` (type, since, until, mmsi, min_score, status, bbox, zone). */
export async function events(filters = {}, maxItems = 2000) {
  const rows = await getAll('/events', { limit: 500, ...filters }, maxItems);
  return rows.map(normaliseEvent);
}

/** Event type definitions from the registry, keyed by type: {type, title, definition, shape, ...}. */
export async function eventTypes() {
  const body = await get('/event-types');
  const rows = Array.isArray(body) || body?.items || body?.types ? itemsOf(body) : null;
  const list = rows ?? Object.entries(body ?? {}).map(([type, value]) => ({ type, ...value }));
  const byType = {};
  for (const row of list) {
    const type = row.type ?? row.name ?? row.id;
    byType[type] = {
      type,
      title: row.title ?? row.label ?? row.name ?? type,
      definition: row.definition ?? row.description ?? row.summary ?? '',
      parameters: row.parameters ?? row.params ?? row.defaults ?? null,
      shape: row.shape ?? null,
      domain: row.domain ?? null,
      subject: row.subject ?? null,
    };
  }
  return byType;
}

/** One event (also a retracted one) with its revision history. */
export async function event(id) {
  return normaliseEvent(await get(`/events/${encodeURIComponent(id)}`));
}

// ---- coastal radar ---------------------------------------------------------------------

/** The radar sites as a GeoJSON FeatureCollection: each feature's geometry is the site's
 * coverage (radar horizon for a target `targetHeight` m high, capped by its range), its
 * properties sensor_id, name, lat, lon, antenna_height_m, range_nm, coverage_nm. */
export function radarSites(targetHeight = 2) {
  return get('/radar/sites', { target_height_m: targetHeight });
}

/** The last radar siting plan of the workspace (`balise plan radars`) as a GeoJSON
 * FeatureCollection: chosen sites (`role` site), their coverage (`role` coverage) and the
 * existing sites' coverage (`role` existing_coverage); 404 before any plan. */
export function radarPlan() {
  return get('/radar/plans/latest');
}

/** The radar tracks the last detection run paired with the vessel `mmsi`, newest first:
 * `{track_id, mmsi, start, end, contacts, matched, median_distance_m}`. */
export async function radarAssociations(mmsi, limit = 50) {
  return itemsOf(await get('/radar/associations', { mmsi, limit }));
}

// ---- alerts and triage -----------------------------------------------------------------

/** An alert of the inbox (see the alerts router): `state` is open, acknowledged, suspended,
 * dismissed or retracted; `severity` (0–1) combines the event's strength with the vessel's
 * risk and `severity_label` names it. `band` is the colour band the app draws it with. */
function normaliseAlert(row) {
  const label = row.severity_label ?? null;
  return {
    ...row,
    status: row.state ?? row.status ?? 'open',
    mmsi: row.mmsi === null || row.mmsi === undefined ? null : Number(row.mmsi),
    severity: row.severity ?? null,
    band: label === 'critical' ? 'high' : label,
    title: row.title ?? null,
  };
}

/** The inbox; `filters.state` is one state or a list of them. */
export async function alerts(filters = {}) {
  const rows = await getAll('/alerts', { limit: 500, ...filters }, 2000);
  return rows.map(normaliseAlert);
}

export const DISMISS_REASONS = {
  false_positive: 'false positive',
  known_activity: 'known, explained activity',
  duplicate: 'duplicate of another alert',
  out_of_scope: 'out of scope',
  other: 'other (say why in the note)',
};

/** Triage: `action` is acknowledge, suspend (`until`, an ISO time with a zone), dismiss
 * (`reason`, one of DISMISS_REASONS, and a `note` for "other") or reopen. */
export async function triage(id, action, { user, reason, until, note } = {}) {
  const body = {};
  if (user) body.user = user;
  if (note) body.note = note;
  if (reason) body.reason = reason;
  if (until) body.until = until;
  const updated = await request('POST', `/alerts/${encodeURIComponent(id)}/${action}`, {}, body);
  return updated ? normaliseAlert(updated) : null;
}

// ---- zones and exports -----------------------------------------------------------------

/** Ports and named anchorages in `bbox` (`west,south,east,north`), a GeoJSON collection. */
export async function ports(bbox) {
  return get('/ports', { bbox, limit: 5000 });
}

export async function zones() {
  const body = await get('/zones');
  if (body?.type === 'FeatureCollection') return body;
  return {
    type: 'FeatureCollection',
    features: itemsOf(body)
      .filter((zone) => zone.geometry)
      .map((zone) => ({ type: 'Feature', geometry: zone.geometry, properties: { ...zone, geometry: undefined } })),
  };
}

/** Add one zone (a GeoJSON Feature with an `id`); refused zones throw an `ApiError` whose
 * `problem` is the RFC 9457 document (`reason` says what is wrong with the feature). */
export function createZone(feature) {
  return request('POST', '/zones', {}, feature);
}

/** Add or replace the good zones of a FeatureCollection: `{accepted, created, replaced,
 * problems: [{index, zone_id, reason}]}`, one problem per refused feature. */
export function importZones(collection) {
  return request('POST', '/zones/import', {}, collection);
}

/** The URL that downloads the events of the current filters in `format` (csv, geojson,
 * kml); each file names its filters and data version in its README. */
export function exportUrl(format, filters = {}) {
  return url(`/exports/events.${format}`, filters);
}

/** The URL that downloads the containers at risk (at `port`, every port when null) as CSV. */
export function containersExportUrl(port) {
  return url('/exports/containers.csv', { port: port || undefined });
}

/** The URL that downloads a vessel's track (with its events) in `format`. */
export function trackExportUrl(mmsi, format, { since, until } = {}) {
  return url(`/exports/vessels/${mmsi}/track.${format}`, { since, until });
}

// ---- the session -----------------------------------------------------------------------

/** The signed-in account: `{username, display_name, roles, agency, ports, via, can}`, `can`
 * listing per resource the actions the policy allows (read, change, reveal). Throws an
 * `ApiError` with status 401 when nobody is signed in. */
export function me() {
  return request('GET', '/auth/me', {}, undefined, { signIn: true });
}

/** Sign in with a password (and `totp`, the one-time code, when the account has one): the
 * account as `me()` gives it; the server sets the session and CSRF cookies. */
export function signIn({ username, password, totp }) {
  const body = { username, password };
  if (totp) body.totp = totp;
  return request('POST', '/auth/login', {}, body, { signIn: true });
}

/** End this browser session (the server clears its cookies). */
export function signOut() {
  return request('POST', '/auth/logout', {}, undefined, { signIn: true });
}

// ---- the audit log (security officers) -------------------------------------------------

/** One page of audit entries, newest first: `{items, next}`; `filters` are user, action,
 * since, until, resource; `cursor` the `next` of the previous page. */
export function audit(filters = {}, cursor = null, limit = 100) {
  return get('/audit', { ...filters, limit, cursor });
}

/** The check of the audit log's hash chain: `{ok, entries, head, broken_at, reason}`. */
export function verifyAudit() {
  return get('/audit/verify');
}

// ---- containers ------------------------------------------------------------------------

/** Containers at risk (`port`: a UN/LOCODE; `q`: a number or its start), highest score first. */
export function containers({ q, port, minScore } = {}, maxItems = 500) {
  return getAll('/api/v1/containers', { q, port, min_score: minScore, limit: 200 }, maxItems);
}

/** One container's record: journeys, cargo events, risk, bills of lading (if allowed). */
export function container(number) {
  return get(`/api/v1/containers/${encodeURIComponent(number)}`);
}

/** A container's journeys as GeoJSON: port points and leg lines. */
export function containerJourney(number) {
  return get(`/api/v1/containers/${encodeURIComponent(number)}/journey.geojson`);
}

/** A container's smart-device readings, oldest first. */
export function containerTelemetry(number, limit = 5000) {
  return get(`/api/v1/containers/${encodeURIComponent(number)}/telemetry`, { limit });
}

// ---- inspection (targeting) ------------------------------------------------------------

/** The inspection sites: `[{code, name, scanners, scans_per_hour, scan_minutes, shifts,
 * capacity_minutes}]`. */
export async function inspectionSites() {
  return itemsOf(await get('/inspection/sites'));
}

/** A site's stored plan for `day` (YYYY-MM-DD) with every box (all pages); 404 when the
 * day was never planned. */
export async function inspectionPlan(site, day, maxItems = 5000) {
  const path = `/inspection/plans/${encodeURIComponent(site)}/${encodeURIComponent(day)}`;
  const plan = await get(path, { limit: 1000 });
  let next = plan.next;
  while (next && plan.items.length < maxItems) {
    const page = await get(path, { limit: 1000, cursor: next });
    plan.items.push(...page.items);
    next = page.next;
  }
  plan.next = null;
  return plan;
}

/** Plan `site` on `day` (stored, replacing that day's plan); the plan's first page. */
export function makeInspectionPlan(site, day, seed = null) {
  const body = { site, date: day };
  if (seed !== null) body.seed = seed;
  return request('POST', '/inspection/plans', {}, body);
}

/** Record what an inspection found: `{container_number, date, found, what}`. */
export function recordInspectionResult(result) {
  return request('POST', '/inspection/results', {}, result);
}

/** The hit rates, overall and per planned day: `{overall, days: [{date, naive,
 * horvitz_thompson, self_normalised, scanned, found, population}]}`. */
export function inspectionPerformance(site) {
  return get('/inspection/performance', { site });
}

// ---- screening lists and the review queue ----------------------------------------------

/** Every screening list: `[{name, kind, description, created_at, created_by, entries, removed}]`. */
export async function screeningLists() {
  return itemsOf(await get('/lists'));
}

/** Make an empty list `{name, kind, description}`: the list with its counts. */
export function createList(list) {
  return request('POST', '/lists', {}, list);
}

/** A list's active entries with their provenance (all pages). */
export function listEntries(name, maxItems = 5000) {
  return getAll(`/lists/${encodeURIComponent(name)}/entries`, { limit: 500 }, maxItems);
}

/** Add an entry `{name, schema, imo, mmsi, source, reason, valid_until, …}`: `{entry, screening}`. */
export function addListEntry(name, entry) {
  return request('POST', `/lists/${encodeURIComponent(name)}/entries`, {}, entry);
}

/** Remove an entry (kept, marked removed): the list matches changed. */
export function removeListEntry(name, entryId, reason = '') {
  return request('DELETE', `/lists/${encodeURIComponent(name)}/entries/${encodeURIComponent(entryId)}`, reason ? { reason } : {});
}

/** The candidate matches still to judge: `{items, total, match_threshold, review_threshold}`. */
export function reviewQueue(limit = 200) {
  return get('/screening/review', { limit });
}

/** Judge a candidate: `{subject_kind, subject_id, list_name, entry_id, verdict, note}`. */
export function judgeMatch(judgement) {
  return request('POST', '/screening/judgements', {}, judgement);
}

// ---- entities ---------------------------------------------------------------------------

/** Registry entities, vessels heard on AIS and bill-of-lading parties matching `q`, by id. */
export function entities(q, maxItems = 200) {
  return getAll('/api/v1/entities', { q, limit: 100 }, maxItems);
}

/** One entity's page: owners up to the ultimate owners, shell indicators, linked records. */
export function entity(id, depth = null) {
  return get(`/api/v1/entities/${encodeURIComponent(id)}`, { depth });
}
