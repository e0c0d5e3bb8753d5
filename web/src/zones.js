// Zones made at the watch: drawn on the map (click the corners, double-click or Enter to close,
// Esc to cancel, then name it and give it a rule) or imported from a GeoJSON file. Both are
// written to the workspace's zone file through the API, which the next detection run applies.

import * as api from './api.js';
import { h } from './format.js';

const KINDS = ['watch', 'protected', 'port_approach', 'anchorage'];

/** "Rías Baixas approach" -> "rias-baixas-approach": a zone id the API accepts. */
export function slug(name) {
  const text = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return text.replace(/[^a-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}

/** The message of a refused request: the problem's title, detail and reason. */
function problemText(error) {
  const problem = error.problem ?? {};
  const parts = [problem.title, problem.detail, problem.reason].filter(Boolean);
  const unique = parts.filter((part, i) => !parts.slice(0, i).some((p) => p.includes(part)));
  return unique.length ? unique.join(': ') : error.message;
}

/** The feature the form describes, around `ring`. */
function featureOf(form, ring) {
  const value = (name) => form.elements[name].value.trim();
  const rule = value('trigger') === 'dwell'
    ? { trigger: 'dwell', min_dwell_minutes: Number(value('minutes')) }
    : { trigger: 'entry' };
  return {
    type: 'Feature',
    id: value('id'),
    properties: { name: value('name'), kind: value('kind'), rules: [rule] },
    geometry: { type: 'Polygon', coordinates: [ring] },
  };
}

function zoneForm(ring, { onSave, onCancel }) {
  const message = h('p', { class: 'problem', role: 'alert', hidden: true });
  const minutes = h('input', { name: 'minutes', type: 'number', min: '1', step: '1', value: '60', required: true });
  const id = h('input', { name: 'id', required: true, pattern: '[A-Za-z0-9_.:\\-]{1,64}', title: 'letters, digits, _ . : -' });
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  name.addEventListener('input', () => { if (!id.dataset.edited) id.value = slug(name.value); });
  id.addEventListener('input', () => { id.dataset.edited = 'true'; });
  const trigger = h('select', { name: 'trigger' },
    h('option', { value: 'entry' }, 'entry: any visit'), h('option', { value: 'dwell' }, 'dwell: a stay of at least'));
  const dwellRow = h('label', { hidden: true }, 'Minutes ', minutes);
  trigger.addEventListener('change', () => {
    dwellRow.hidden = trigger.value !== 'dwell';
    minutes.disabled = dwellRow.hidden;
  });
  minutes.disabled = true;
  const form = h('form', { class: 'zone-form', id: 'zone-form' },
    h('h4', {}, `New zone · ${ring.length - 1} corners`),
    h('label', {}, 'Name ', name),
    h('label', {}, 'Id ', id),
    h('label', {}, 'Kind ', h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, k.replace('_', ' '))))),
    h('label', {}, 'Rule ', trigger),
    dwellRow,
    message,
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, 'Save zone'),
      h('button', { type: 'button', onclick: onCancel }, 'Cancel')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    const error = await onSave(featureOf(form, ring));
    if (error) {
      message.textContent = error;
      message.hidden = false;
    }
  });
  setTimeout(() => name.focus(), 0);
  return form;
}

function importReport(result) {
  const accepted = result.accepted ?? [];
  const problems = result.problems ?? [];
  return h('div', { class: 'zone-import', id: 'zone-import' },
    h('h4', {}, `Import: ${accepted.length} zone${accepted.length === 1 ? '' : 's'} accepted`),
    accepted.length ? h('p', { class: 'accepted' }, accepted.join(', ')) : null,
    problems.length ? h('ul', { class: 'problems' }, problems.map((p) =>
      h('li', {}, `feature ${p.index}${p.zone_id ? ` (${p.zone_id})` : ''}: ${p.reason}`))) : null);
}

/**
 * The zone controls in `root` (a "Draw zone" button, an "Import zones" file picker and the
 * panel that shows the form, the import result or a refusal). `onChanged()` reloads the zones.
 */
export function createZoneTools(root, map, { onChanged }) {
  const panel = h('div', { class: 'zone-panel', hidden: true });
  const show = (...children) => {
    panel.replaceChildren(...children, h('button', { class: 'icon close', title: 'Close', onclick: close }, '×'));
    panel.hidden = false;
  };
  const close = () => {
    panel.hidden = true;
    panel.replaceChildren();
    map.cancelDrawing();
    root.classList.remove('drawing');
  };
  const save = async (feature) => {
    try {
      await api.createZone(feature);
    } catch (error) {
      return problemText(error);
    }
    close();
    show(h('p', { class: 'saved', role: 'status' }, `Zone ${feature.id} saved; the next detection run applies it.`));
    await onChanged();
    return null;
  };
  const draw = () => {
    close();
    root.classList.add('drawing');
    show(h('p', { class: 'hint' }, 'Click the corners of the zone; double-click or Enter closes it, Esc cancels.'));
    map.startDrawing((ring) => show(zoneForm(ring, { onSave: save, onCancel: close })));
  };
  const file = h('input', { type: 'file', accept: '.geojson,.json,application/geo+json,application/json', id: 'import-zones', hidden: true });
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (!chosen) return;
    close();
    let collection;
    try {
      collection = JSON.parse(await chosen.text());
    } catch (error) {
      show(h('p', { class: 'problem', role: 'alert' }, `${chosen.name} is not JSON: ${error.message}`));
      return;
    }
    try {
      show(importReport(await api.importZones(collection)));
    } catch (error) {
      show(h('p', { class: 'problem', role: 'alert' }, problemText(error)));
      return;
    }
    await onChanged();
  });
  root.replaceChildren(
    h('button', { id: 'draw-zone', title: 'Draw a zone on the map', onclick: draw }, 'Draw zone'),
    h('button', { id: 'import-zones-button', title: 'Add zones from a GeoJSON file', onclick: () => file.click() }, 'Import zones'),
    file, panel);
  return {
    drawing: () => root.classList.contains('drawing'),
    /** Enter closes the polygon being drawn. */
    finish: () => map.finishDrawing(),
    cancel: close,
  };
}
