// The view lives in the URL so that it can be shared and back/forward work: the selected
// vessels, the time range and cursor, the filters, the open tab and the map camera.
// `vessel` lists the selected MMSIs, the last clicked last: `state.selection` is that list and
// `state.vessel` its last one (the vessel the dossier shows), or null.
//
// `event` is an event shown on its own in the dossier panel: one that names no vessel (a dark
// target, the radar track of a boat without AIS); selecting a vessel clears it.
//
// `container` is a container shown in the dossier panel (its journey on the map); `port` the
// port whose containers at risk the Containers tab lists. Selecting a vessel clears `container`.
// `site` and `day` are the inspection site and the day the Targeting tab shows the plan of.
//
// `view=audit` opens the security officer's audit view over the panels.
//
//   /?vessel=224000001,224000002&from=2024-03-01T00:00Z&to=2024-03-03T00:00Z&at=...&type=encounter
//     &status=open&min=20&tab=events&layers=zones,events,radar&map=-20.5,10.25,4.2

const KEYS = ['vessel', 'event', 'container', 'port', 'site', 'day', 'from', 'to', 'at', 'type', 'status', 'min', 'tab', 'layers', 'map', 'view'];
const VIEWS = ['audit'];

export const DEFAULT_LAYERS = ['vessels', 'zones', 'events'];

export function readState(search = window.location.search) {
  const query = new URLSearchParams(search);
  const state = {};
  for (const key of KEYS) state[key] = query.get(key) || null;
  state.selection = selectionOf(state.vessel);
  state.vessel = state.selection.at(-1) ?? null;
  state.min = state.min ? Number(state.min) : null;
  state.tab = state.tab || 'inbox';
  state.view = VIEWS.includes(state.view) ? state.view : null;
  state.layers = state.layers ? state.layers.split(',').filter(Boolean) : [...DEFAULT_LAYERS];
  if (state.map) {
    const [lon, lat, zoom] = state.map.split(',').map(Number);
    state.map = [lon, lat, zoom].every(Number.isFinite) ? { lon, lat, zoom } : null;
  }
  return state;
}

/** The MMSIs of a `vessel=1,2,3` value, each once, in order. */
function selectionOf(text) {
  const mmsis = (text ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return [...new Set(mmsis)];
}

function toSearch(state) {
  const query = new URLSearchParams();
  for (const key of KEYS) {
    let value = state[key];
    if (value === null || value === undefined || value === '') continue;
    if (key === 'layers') {
      if (value.join(',') === DEFAULT_LAYERS.join(',')) continue;
      value = value.join(',');
    }
    if (key === 'tab' && value === 'inbox') continue;
    if (key === 'vessel') value = state.selection.join(',');
    if (key === 'map') value = `${value.lon.toFixed(3)},${value.lat.toFixed(3)},${value.zoom.toFixed(2)}`;
    query.set(key, value);
  }
  const text = query.toString().replaceAll('%3A', ':').replaceAll('%2C', ',');
  return text ? `?${text}` : window.location.pathname;
}

/** The filters of the current view as API query parameters. */
export function filtersOf(state) {
  return {
    since: state.from,
    until: state.to,
    type: state.type,
    min_score: state.min,
  };
}

/**
 * A tiny store: `set(patch, {push})` updates the state, writes the URL (a history entry
 * when `push`, otherwise replacing the current one) and tells the subscribers what changed.
 * A patch of `vessel` alone selects that one vessel (or none); one of `selection` sets the
 * whole selection, its last MMSI becoming `vessel`.
 */
export function createStore() {
  let state = readState();
  const listeners = [];
  const notify = (previous) => {
    const changed = new Set(KEYS.filter((key) => JSON.stringify(previous[key]) !== JSON.stringify(state[key])));
    if (JSON.stringify(previous.selection) !== JSON.stringify(state.selection)) changed.add('vessel');
    if (changed.size) for (const listener of listeners) listener(state, changed);
  };
  window.addEventListener('popstate', () => {
    const previous = state;
    state = readState();
    notify(previous);
  });
  return {
    get: () => state,
    subscribe: (listener) => listeners.push(listener),
    set(patch, { push = false } = {}) {
      const previous = state;
      state = { ...state, ...patch };
      if ('selection' in patch) state.selection = selectionOf(patch.selection.join(','));
      else if ('vessel' in patch) state.selection = patch.vessel === null ? [] : [patch.vessel];
      if (('selection' in patch || 'vessel' in patch) && !('event' in patch)) state.event = null;
      if (('selection' in patch || 'vessel' in patch) && !('container' in patch)) state.container = null;
      state.vessel = state.selection.at(-1) ?? null;
      const search = toSearch(state);
      if (push) window.history.pushState(null, '', search);
      else window.history.replaceState(null, '', search);
      notify(previous);
    },
  };
}
