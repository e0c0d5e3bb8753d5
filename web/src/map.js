// The sea picture: Natural Earth land and coastlines bundled with the app (no tiles), zones,
// vessels coloured by risk (clustered at low zoom), the selected vessels' tracks (the last
// clicked solid, the others dashed: colour means risk only) with the last clicked vessel's
// event pins, every event of the view as a shape per type, and the zone being drawn.

import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { feature } from 'topojson-client';
import landUrl from 'world-atlas/land-50m.json?url';
import { RISK_COLOURS } from './format.js';
import { addIcons } from './icons.js';

maplibregl.setWorkerUrl(workerUrl);

const EMPTY = { type: 'FeatureCollection', features: [] };

/** A colour expression over a 0–100 score; -1 (or missing) is "not scored". */
const riskColour = (score) => [
  'case',
  ['<', score, 0], RISK_COLOURS.unscored,
  ['>=', score, 50], RISK_COLOURS.high,
  ['>=', score, 20], RISK_COLOURS.medium,
  RISK_COLOURS.low,
];

function graticule(step = 10) {
  const lines = [];
  for (let lon = -180; lon < 180; lon += step) {
    lines.push(Array.from({ length: 33 }, (_, i) => [lon, -80 + i * 5]));
  }
  for (let lat = -80; lat <= 80; lat += step) {
    lines.push(Array.from({ length: 73 }, (_, i) => [-180 + i * 5, lat]));
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates: lines } };
}

function baseStyle() {
  const source = (data) => ({ type: 'geojson', data });
  return {
    version: 8,
    sources: {
      graticule: source(graticule()),
      land: { ...source(EMPTY), attribution: 'Natural Earth (public domain)' },
      zones: source(EMPTY),
      radar: source(EMPTY),
      'radar-sites': source(EMPTY),
      'radar-plan': source(EMPTY),
      ports: source(EMPTY),
      track: source(EMPTY),
      journey: source(EMPTY),
      events: source(EMPTY),
      pins: source(EMPTY),
      cursor: source(EMPTY),
      selected: source(EMPTY),
      draft: source(EMPTY),
      vessels: {
        ...source(EMPTY),
        cluster: true,
        clusterMaxZoom: 4,
        clusterRadius: 36,
        clusterProperties: { maxscore: ['max', ['get', 'score']] },
      },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#0a141c' } },
      { id: 'graticule', type: 'line', source: 'graticule', paint: { 'line-color': '#14222e', 'line-width': 0.6 } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#1e2a34' } },
      { id: 'coast', type: 'line', source: 'land', paint: { 'line-color': '#4d6173', 'line-width': 0.8 } },
      { id: 'zones-fill', type: 'fill', source: 'zones', paint: { 'fill-color': '#9fb3c8', 'fill-opacity': 0.05 } },
      { id: 'zones', type: 'line', source: 'zones', paint: { 'line-color': '#9fb3c8', 'line-width': 1.2, 'line-dasharray': [3, 2] } },
      // radar coverage: context, not risk, so the neutral tone of the zones, a solid thin outline
      // (zones are dashed) and a faint fill; each site a small filled dot
      { id: 'radar-fill', type: 'fill', source: 'radar', layout: { visibility: 'none' },
        paint: { 'fill-color': '#9fb3c8', 'fill-opacity': 0.06 } },
      { id: 'radar-line', type: 'line', source: 'radar', layout: { visibility: 'none' },
        paint: { 'line-color': '#9fb3c8', 'line-width': 0.8, 'line-opacity': 0.55 } },
      { id: 'radar-sites', type: 'circle', source: 'radar-sites', layout: { visibility: 'none' }, paint: {
        'circle-radius': 3.5, 'circle-color': '#c9d4dd', 'circle-stroke-color': '#0a141c', 'circle-stroke-width': 1.5,
      } },
      // the last siting plan: proposed coverage dashed like a draft, in the same neutral tone;
      // the existing sites' coverage it was planned against is left to the radar layer
      { id: 'plan-fill', type: 'fill', source: 'radar-plan', layout: { visibility: 'none' },
        filter: ['==', ['get', 'role'], 'coverage'], paint: { 'fill-color': '#c9d4dd', 'fill-opacity': 0.08 } },
      { id: 'plan-line', type: 'line', source: 'radar-plan', layout: { visibility: 'none' },
        filter: ['==', ['get', 'role'], 'coverage'],
        paint: { 'line-color': '#c9d4dd', 'line-width': 1.2, 'line-dasharray': [1, 1.5] } },
      { id: 'plan-sites', type: 'circle', source: 'radar-plan', layout: { visibility: 'none' },
        filter: ['==', ['get', 'role'], 'site'], paint: {
          'circle-radius': 4.5, 'circle-color': '#0a141c', 'circle-stroke-color': '#c9d4dd', 'circle-stroke-width': 2,
        } },
      // ports (larger) and anchorages: context, not risk, so no colour; a listed high-risk port
      // has a thicker ring
      { id: 'ports', type: 'circle', source: 'ports', minzoom: PORTS_MIN_ZOOM, paint: {
        'circle-radius': ['case', ['==', ['get', 'kind'], 'port'], 4, 2],
        'circle-color': '#0a141c',
        'circle-stroke-color': '#9fb3c8',
        'circle-stroke-width': ['case', ['get', 'high_risk'], 2.5, 0.8],
      } },
      { id: 'events', type: 'symbol', source: 'events', layout: {
        'icon-image': ['concat', 'ev-', ['get', 'shape']], 'icon-size': 0.75, 'icon-allow-overlap': true,
      }, paint: { 'icon-color': riskColour(['coalesce', ['get', 'score'], -1]), 'icon-opacity': 0.75 } },
      { id: 'tracks-others', type: 'line', source: 'track', filter: ['>', ['get', 'rank'], 0],
        layout: { 'line-join': 'round' },
        paint: { 'line-color': '#d6e1ea', 'line-width': ['max', 0.8, ['-', 2, ['*', 0.3, ['get', 'rank']]]],
          'line-opacity': 0.7, 'line-dasharray': [2, 1.5] } },
      { id: 'track', type: 'line', source: 'track', filter: ['==', ['get', 'rank'], 0],
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': '#d6e1ea', 'line-width': 1.6, 'line-opacity': 0.85 } },
      // a container's journey: its legs (dashed: port to port, not the ship's track) and ports,
      // in the neutral colours: colour means risk and nothing else
      { id: 'journey-legs', type: 'line', source: 'journey', filter: ['==', ['get', 'kind'], 'leg'],
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': '#a9bccb', 'line-width': 2, 'line-opacity': 0.9, 'line-dasharray': [2, 1.5] } },
      { id: 'journey-ports', type: 'circle', source: 'journey', filter: ['==', ['get', 'kind'], 'port'],
        paint: { 'circle-radius': 5, 'circle-color': '#0a141c', 'circle-stroke-color': '#d6e1ea', 'circle-stroke-width': 2 } },
      { id: 'clusters', type: 'circle', source: 'vessels', filter: ['has', 'point_count'], paint: {
        'circle-color': riskColour(['get', 'maxscore']),
        'circle-opacity': 0.35,
        'circle-stroke-color': riskColour(['get', 'maxscore']),
        'circle-stroke-width': 1.5,
        'circle-radius': ['step', ['get', 'point_count'], 10, 10, 14, 50, 19, 200, 25],
      } },
      { id: 'vessels', type: 'symbol', source: 'vessels', filter: ['!', ['has', 'point_count']], layout: {
        'icon-image': 'vessel',
        'icon-rotate': ['coalesce', ['get', 'cog'], 0],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-size': ['case', ['>=', ['get', 'score'], 50], 1.6, ['>=', ['get', 'score'], 20], 1.35, 1.1],
        'symbol-sort-key': ['get', 'score'],
      }, paint: {
        'icon-color': riskColour(['get', 'score']),
        'icon-halo-color': '#0a141c', 'icon-halo-width': 1,
      } },
      { id: 'selected', type: 'circle', source: 'selected', paint: {
        'circle-radius': 13, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2,
      } },
      { id: 'pins', type: 'symbol', source: 'pins', layout: {
        'icon-image': ['concat', 'ev-', ['get', 'shape']], 'icon-size': 1.1, 'icon-allow-overlap': true,
      }, paint: { 'icon-color': riskColour(['coalesce', ['get', 'score'], -1]), 'icon-halo-color': '#0a141c', 'icon-halo-width': 1.5 } },
      { id: 'draft-fill', type: 'fill', source: 'draft', filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.08 } },
      { id: 'draft-line', type: 'line', source: 'draft', filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': '#ffffff', 'line-width': 1.5, 'line-dasharray': [1, 1] } },
      { id: 'draft-points', type: 'circle', source: 'draft', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': '#0a141c', 'circle-stroke-width': 1.5 } },
      { id: 'cursor', type: 'circle', source: 'cursor', paint: {
        'circle-radius': 6, 'circle-color': '#ffffff', 'circle-stroke-color': '#0a141c', 'circle-stroke-width': 2,
      } },
    ],
  };
}

async function loadLand(map) {
  const topology = await (await fetch(landUrl)).json();
  map.getSource('land').setData(feature(topology, topology.objects.land));
}

/** Ports and anchorages are drawn (and fetched) from this zoom in. */
export const PORTS_MIN_ZOOM = 5;

const LAYER_GROUPS = {
  vessels: ['vessels', 'clusters'], zones: ['zones', 'zones-fill'], events: ['events'], ports: ['ports'],
  radar: ['radar-fill', 'radar-line', 'radar-sites'],
  plan: ['plan-fill', 'plan-line', 'plan-sites'],
};

const nm = (value) => `${Number(value).toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} nm`;
const metres = (value) => `${Number(value).toLocaleString('en-GB')} m`;
const percent = (share) => Number(share).toLocaleString('en-GB', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const siteName = (p) => (p.name && p.name !== 'null' ? p.name : p.sensor_id);

/** A popup's content: the title in bold, then a line for each of `lines`. */
function popupContent(className, title, lines) {
  const element = document.createElement('div');
  element.className = className;
  const head = document.createElement('strong');
  head.textContent = title;
  element.append(head, ...lines.map((text) => {
    const line = document.createElement('div');
    line.textContent = text;
    return line;
  }));
  return element;
}

/** What a radar site's popup says: its name, antenna, instrumented range and what it covers. */
function siteSummary(p) {
  return popupContent('radar-popup', siteName(p), [
    `radar ${p.sensor_id} · antenna ${metres(p.antenna_height_m)}`,
    `covers ${nm(p.coverage_nm)} for a ${metres(p.target_height_m)} target (range ${nm(p.range_nm)})`,
  ]);
}

/** What a proposed site's popup says: its name and rank in the plan, what it adds to the
 * covered demand (its marginal gain), how far it sees, and the whole plan's covered share. */
function proposedSiteSummary(p, plan) {
  const lines = [
    `proposed radar ${p.sensor_id} · choice ${p.rank} · antenna ${metres(p.antenna_height_m)}`,
    `marginal gain +${percent(p.gain_share)} of the weighted demand`,
    // the plan's target height, when the plan says it (the planner's setting otherwise)
    `covers ${nm(p.reach_nm)}${Number.isFinite(plan.target_height_m) ? ` for a ${metres(plan.target_height_m)} target` : ''} (range ${nm(p.range_nm)})`,
  ];
  if (Number.isFinite(plan.share_before) && Number.isFinite(plan.share_after)) {
    lines.push(`plan (${plan.method}): covered ${percent(plan.share_before)} → ${percent(plan.share_after)}`);
  }
  return popupContent('plan-popup', siteName(p), lines);
}

/**
 * The map and what the application asks of it. `onSelect(mmsi, add)` is called when a vessel
 * is clicked (`add` with shift or ctrl held: add it to the selection), `onEvent(id, mmsi)`
 * when an event is, `onMove({lon, lat, zoom})` when the camera settles.
 */
export function createMap(container, { view, onSelect, onMove, onEvent }) {
  const map = new maplibregl.Map({
    container,
    style: baseStyle(),
    center: view ? [view.lon, view.lat] : [-30, 15],
    zoom: view ? view.zoom : 2.2,
    attributionControl: { compact: true },
    renderWorldCopies: true,
    maxPitch: 0,
  });
  map.dragRotate.disable();
  map.boxZoom.disable(); // shift-click adds a vessel to the selection instead
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'nautical', maxWidth: 120 }), 'bottom-right');
  const ready = new Promise((resolve) => map.on('load', resolve)).then(() => {
    addIcons(map);
    return loadLand(map).catch(() => {});
  });

  map.on('click', 'clusters', async (event) => {
    const cluster = event.features[0];
    const zoom = await map.getSource('vessels').getClusterExpansionZoom(cluster.properties.cluster_id);
    map.easeTo({ center: cluster.geometry.coordinates, zoom });
  });
  const drawing = { on: false, points: [], onClose: null };
  // one click picks one thing: a vessel before an event pin before an event of the view
  const CLICKABLE = ['vessels', 'pins', 'events'];
  map.on('click', (event) => {
    if (drawing.on) return;
    const layers = CLICKABLE.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
    const hits = layers.length ? map.queryRenderedFeatures(event.point, { layers }) : [];
    const hit = CLICKABLE.map((id) => hits.find((f) => f.layer.id === id)).find(Boolean);
    if (!hit) return;
    const props = hit.properties;
    const add = event.originalEvent.shiftKey || event.originalEvent.ctrlKey || event.originalEvent.metaKey;
    if (hit.layer.id === 'vessels') onSelect(Number(props.mmsi), add);
    else onEvent(props.id, Number(props.mmsi), add);
  });
  for (const layer of CLICKABLE) {
    map.on('mouseenter', layer, () => { if (!drawing.on) map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { if (!drawing.on) map.getCanvas().style.cursor = ''; });
  }
  map.on('mouseenter', 'clusters', () => { map.getCanvas().style.cursor = 'zoom-in'; });
  map.on('mouseleave', 'clusters', () => { map.getCanvas().style.cursor = ''; });
  map.on('moveend', () => {
    const centre = map.getCenter().wrap();
    onMove({ lon: centre.lng, lat: centre.lat, zoom: map.getZoom() });
  });

  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 12 });
  map.on('mousemove', 'vessels', (event) => {
    const p = event.features[0].properties;
    popup.setLngLat(event.lngLat).setText(`${p.name && p.name !== 'null' ? p.name : 'unnamed'} · MMSI ${p.mmsi}`).addTo(map);
  });
  map.on('mouseleave', 'vessels', () => popup.remove());
  // a radar site, or a site the last plan proposes: its popup on hover, kept by a click until
  // the next click elsewhere
  const pinnablePopup = (layer, summary) => {
    let pinned = false;
    const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 8 });
    const show = (feature) => popup.setLngLat(feature.geometry.coordinates)
      .setDOMContent(summary(feature.properties)).addTo(map);
    map.on('mousemove', layer, (event) => {
      if (drawing.on) return;
      map.getCanvas().style.cursor = 'pointer';
      if (!pinned) show(event.features[0]);
    });
    map.on('mouseleave', layer, () => {
      if (!drawing.on) map.getCanvas().style.cursor = '';
      if (!pinned) popup.remove();
    });
    map.on('click', (event) => {
      if (drawing.on) return;
      const visible = map.getLayer(layer) && map.getLayoutProperty(layer, 'visibility') !== 'none';
      const hits = visible ? map.queryRenderedFeatures(event.point, { layers: [layer] }) : [];
      pinned = hits.length > 0;
      if (pinned) show(hits[0]);
      else popup.remove();
    });
  };
  let plan = {};
  pinnablePopup('radar-sites', siteSummary);
  pinnablePopup('plan-sites', (p) => proposedSiteSummary(p, plan));

  const setData = async (name, data) => {
    await ready;
    map.getSource(name).setData(data);
  };
  let vessels = EMPTY;
  const journeyLabels = [];

  // drawing a zone: each click adds a vertex, a double click (or `finishDrawing`) closes it
  const drawDraft = () => {
    const { points } = drawing;
    const features = points.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }));
    if (points.length >= 3) features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...points, points[0]]] } });
    else if (points.length === 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: points } });
    return setData('draft', { type: 'FeatureCollection', features });
  };
  const finishDrawing = () => {
    if (!drawing.on) return null;
    const ring = drawing.points.length >= 3 ? [...drawing.points, drawing.points[0]] : null;
    if (!ring) return null;
    drawing.on = false;
    map.getCanvas().style.cursor = '';
    map.doubleClickZoom.enable();
    drawing.onClose?.(ring);
    return ring;
  };
  map.on('click', (event) => {
    if (!drawing.on) return;
    let { lng } = event.lngLat;
    const previous = drawing.points.at(-1);
    // keep each vertex within 180° of the previous one, so a zone may cross the antimeridian
    if (previous) while (lng - previous[0] > 180) lng -= 360;
    if (previous) while (previous[0] - lng > 180) lng += 360;
    if (!previous) lng = event.lngLat.wrap().lng;
    const point = [Number(lng.toFixed(5)), Number(event.lngLat.lat.toFixed(5))];
    if (previous && previous[0] === point[0] && previous[1] === point[1]) return;
    drawing.points.push(point);
    drawDraft();
  });
  map.on('dblclick', (event) => {
    if (!drawing.on) return;
    event.preventDefault();
    finishDrawing();
  });

  return {
    map,
    ready,
    async setVessels(collection) {
      vessels = collection;
      await setData('vessels', collection);
    },
    setZones: (collection) => setData('zones', collection),
    setPorts: (collection) => setData('ports', collection),
    /** The radar sites (`/radar/sites`): each coverage polygon and a dot at the site. */
    setRadar(collection) {
      const features = collection?.features ?? [];
      const sites = features.filter((f) => Number.isFinite(f.properties?.lon) && Number.isFinite(f.properties?.lat))
        .map((f) => ({ type: 'Feature', properties: f.properties,
          geometry: { type: 'Point', coordinates: [f.properties.lon, f.properties.lat] } }));
      setData('radar', { type: 'FeatureCollection', features: features.filter((f) => f.geometry) });
      return setData('radar-sites', { type: 'FeatureCollection', features: sites });
    },
    /** The last radar siting plan (`/radar/plans/latest`): proposed sites and coverage. */
    setRadarPlan(collection) {
      plan = collection?.properties ?? {};
      return setData('radar-plan', collection ?? EMPTY);
    },
    /** The view as a bbox `west,south,east,north` and its zoom. */
    viewBox() {
      const b = map.getBounds();
      return { bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(3)).join(','),
        zoom: map.getZoom() };
    },
    /** All events of the view, drawn as a shape per type, coloured by their score. */
    setEvents(list, shapes) {
      return setData('events', pointsOf(list, shapes));
    },
    /** The selected vessels' tracks (`tracks`: one list of lines per vessel, the last
     * clicked first) and the last clicked vessel's event pins; `null` clears them. */
    setTracks(tracks, pins, shapes) {
      const features = (tracks ?? []).map((lines, rank) => ({
        type: 'Feature', properties: { rank }, geometry: { type: 'MultiLineString', coordinates: lines ?? [] },
      })).filter((f) => f.geometry.coordinates.length);
      setData('track', { type: 'FeatureCollection', features });
      return setData('pins', pointsOf(pins ?? [], shapes));
    },
    /** A container's journey (`/containers/{number}/journey.geojson`): port points and leg
     * lines; `null` clears it. */
    setJourney(collection) {
      for (const marker of journeyLabels.splice(0)) marker.remove();
      const ports = (collection?.features ?? []).filter((f) => f.properties.kind === 'port');
      for (const { geometry, properties } of ports) {
        // the map draws no text (no glyphs are shipped), so the port codes are small DOM labels
        const label = document.createElement('div');
        label.className = 'journey-label';
        label.textContent = `${properties.port} · ${properties.roles.join(', ')}`;
        journeyLabels.push(new maplibregl.Marker({ element: label, anchor: 'left', offset: [9, 0] })
          .setLngLat(geometry.coordinates).addTo(map));
      }
      return setData('journey', collection ?? EMPTY);
    },
    setCursor(point) {
      return setData('cursor', point ? { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: point } } : EMPTY);
    },
    /** Rings round the selected vessels (`mmsis`: a list, or one MMSI, or null). */
    setSelected(mmsis) {
      const wanted = new Set([mmsis ?? []].flat());
      const found = vessels.features.filter((f) => wanted.has(f.properties.mmsi));
      return setData('selected', { type: 'FeatureCollection', features: found });
    },
    async setLayers(visible) {
      await ready;
      for (const [group, ids] of Object.entries(LAYER_GROUPS)) {
        for (const id of ids) map.setLayoutProperty(id, 'visibility', visible.includes(group) ? 'visible' : 'none');
      }
    },
    fitLines(lines) {
      const coordinates = (lines ?? []).flat();
      if (!coordinates.length) return;
      const bounds = coordinates.reduce((b, c) => b.extend(c), new maplibregl.LngLatBounds(coordinates[0], coordinates[0]));
      map.fitBounds(bounds, { padding: 80, maxZoom: 9, duration: 600 });
    },
    flyTo(lon, lat, zoom) {
      map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), zoom ?? 6), duration: 600 });
    },
    jumpTo(view) {
      map.jumpTo({ center: [view.lon, view.lat], zoom: view.zoom });
    },
    vesselCount: () => vessels.features.length,
    /** Start drawing a zone; `onClose(ring)` gets the closed ring ([lon, lat] positions). */
    startDrawing(onClose) {
      Object.assign(drawing, { on: true, points: [], onClose });
      map.doubleClickZoom.disable();
      map.getCanvas().style.cursor = 'crosshair';
      drawDraft();
    },
    finishDrawing,
    /** Stop drawing and remove the draft (Esc, or after the zone is saved or abandoned). */
    cancelDrawing() {
      Object.assign(drawing, { on: false, points: [], onClose: null });
      map.doubleClickZoom.enable();
      map.getCanvas().style.cursor = '';
      return setData('draft', EMPTY);
    },
    drawing: () => drawing.on,
  };
}

function pointsOf(list, shapes) {
  return {
    type: 'FeatureCollection',
    features: list
      .filter((e) => Number.isFinite(e.lat) && Number.isFinite(e.lon) && e.lat !== null && e.lon !== null)
      .map((e) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [e.lon, e.lat] },
        properties: { id: e.id, mmsi: e.mmsi, type: e.type, score: e.score100 ?? -1, shape: shapes[e.type] ?? 'circle' },
      })),
  };
}
