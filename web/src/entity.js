// Entities: search the registries, the vessels heard on AIS and the parties of the bills of
// lading, and one entity's page: its identifiers, the tree of its owners up to the ultimate
// owners (effective shares along each path), what it owns and directs, its directors, its
// shell indicators with their reasons, its list matches, and links to its vessels, containers
// and events. Who stands behind a company is a lead, not proof.

import * as api from './api.js';
import { h, humanType, number, timeElement } from './format.js';
import { stateMessage } from './lists.js';

function linkTo(id, name, onEntity) {
  return h('button', { class: 'link', type: 'button', onclick: () => onEntity(id) }, name || id);
}

function resultRow(row, onEntity) {
  return h('li', { class: 'entity-row' },
    h('button', { class: 'row', type: 'button', onclick: () => onEntity(row.id) },
      h('span', { class: 'name' }, row.name || row.id),
      h('span', { class: 'kind' }, [row.schema, row.country ? row.country.toUpperCase() : ''].filter(Boolean).join(' · ')),
      h('span', { class: 'id' }, row.id)));
}

function share(value, complete = true) {
  if (value === null || value === undefined) return 'share not given';
  return `${number(value, 1)} %${complete ? '' : ' or more'}`;
}

function ownersTree(page, onEntity) {
  if (!page.ultimate_owners?.length) return h('p', { class: 'muted' }, 'No owner known.');
  return h('ul', { class: 'owners-tree' }, page.ultimate_owners.map((owner) => h('li', {},
    h('div', { class: 'owner' }, linkTo(owner.id, owner.name, onEntity), ' ',
      h('span', { class: 'share' }, share(owner.effective_pct, owner.complete)),
      owner.truncated ? h('span', { class: 'muted' }, ' (chain cut at the depth limit)') : null),
    h('ol', { class: 'paths' }, owner.paths.map((path) => h('li', {},
      path.map((step, i) => [i ? ' → ' : '', i === path.length - 1 ? step.name : linkTo(step.id, step.name, onEntity)]).flat()))))));
}

function linksTable(title, rows, onEntity) {
  if (!rows?.length) return null;
  return h('section', {}, h('h3', {}, title),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Entity'), h('th', {}, 'Share'), h('th', {}, 'Role'), h('th', {}, 'Since'))),
      h('tbody', {}, rows.map((r) => h('tr', {},
        h('td', {}, linkTo(r.id, r.name, onEntity)),
        h('td', {}, r.share_pct === null || r.share_pct === undefined ? '' : `${number(r.share_pct, 1)} %`),
        h('td', {}, r.role ?? ''),
        h('td', {}, r.start ?? ''))))));
}

function indicators(shell) {
  if (!shell) return null;
  const found = shell.indicators ?? [];
  return h('section', {}, h('h3', {}, `Shell indicators (score ${number(shell.score, 2)}${shell.is_shell ? ', a shell' : ''})`),
    found.length
      ? h('ul', { class: 'indicators' }, found.map((i) => h('li', {}, h('strong', {}, humanType(i.code)), ` (${number(i.weight, 2)}): ${i.reason}`)))
      : h('p', { class: 'muted' }, 'None.'));
}

function linked(page, { onEntity, onVessel, onContainer }) {
  const parts = [];
  if (page.list_matches?.length) {
    parts.push(h('section', {}, h('h3', {}, 'On lists'), h('ul', {}, page.list_matches.map((m) =>
      h('li', {}, `${m.entry_name} (${m.entry}), score ${number(m.score, 2)}`)))));
  }
  if (page.vessels?.length) {
    parts.push(h('section', {}, h('h3', {}, 'Vessels'), h('ul', {}, page.vessels.map((v) =>
      h('li', {}, h('button', { class: 'link', type: 'button', onclick: () => onVessel(v.mmsi) }, v.names?.at(-1) || String(v.mmsi)),
        ` MMSI ${v.mmsi}`, v.imos?.length ? ` · IMO ${v.imos.join(', ')}` : '',
        v.call_signs?.length ? ` · call signs ${v.call_signs.join(', ')}` : '')))));
  }
  for (const [key, title] of [['linked_registry', 'In the registry'], ['parties', 'On bills of lading']]) {
    if (page[key]?.length) {
      parts.push(h('section', {}, h('h3', {}, title), h('ul', {}, page[key].map((p) =>
        h('li', {}, linkTo(p.id, p.name, onEntity), p.roles ? ` (${p.roles.map(humanType).join(', ')}; ${p.bills} bills)` : ` (${p.schema})`)))));
    }
  }
  if (page.containers?.length) {
    parts.push(h('section', {}, h('h3', {}, `Containers (${page.container_count})`), h('p', { class: 'boxes' }, page.containers.map((c) =>
      h('button', { class: 'link', type: 'button', onclick: () => onContainer(c) }, c)))));
  }
  if (page.events?.length) {
    parts.push(h('section', {}, h('h3', {}, `Events (${page.event_count})`), h('ul', {}, page.events.map((e) =>
      h('li', {}, humanType(e.type), ' · ', timeElement(e.start), e.score !== null ? ` · ${number(e.score, 2)}` : '')))));
  }
  return parts;
}

function facts(page) {
  const rows = [['Kind', page.schema], ['Country', page.country?.toUpperCase()], ['Incorporated', page.incorporation_date],
    ['Address', page.address], ...Object.entries(page.identifiers ?? {}).map(([k, v]) => [humanType(k), String(v)])];
  return h('dl', { class: 'facts' }, rows.filter(([, v]) => v).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]).flat());
}

/** The page of one entity (`api.entity`), into `root`. */
export function renderEntity(root, page, handlers) {
  root.replaceChildren(h('article', { class: 'entity-page' },
    h('h2', {}, page.name ?? page.id), h('p', { class: 'muted' }, page.id),
    facts(page),
    page.kind === 'registry' ? h('section', {}, h('h3', {}, 'Ultimate owners'), ownersTree(page, handlers.onEntity)) : null,
    page.cycles?.length ? h('p', { class: 'warning' }, `Circular ownership: ${page.cycles.map((c) => c.join(' → ')).join('; ')}`) : null,
    linksTable('Owners', page.owners, handlers.onEntity),
    linksTable('Directors', page.directors, handlers.onEntity),
    linksTable('Owns', page.owns, handlers.onEntity),
    linksTable('Directs', page.directs, handlers.onEntity),
    indicators(page.shell),
    ...linked(page, handlers)));
}

/** The Entities tab: a search box, its results and the chosen entity's page. */
export function createEntityView(panel, { onVessel, onContainer }) {
  const input = h('input', { type: 'search', placeholder: 'Name, id, IMO or MMSI', maxlength: '200', autocomplete: 'off' });
  const results = h('div', { class: 'list entity-results' });
  const pageRoot = h('div', { class: 'entity-panel' });
  const openEntity = async (id) => {
    pageRoot.replaceChildren(stateMessage('loading', 'Loading the entity…'));
    try {
      renderEntity(pageRoot, await api.entity(id), { onEntity: openEntity, onVessel, onContainer });
    } catch (error) {
      pageRoot.replaceChildren(stateMessage('error', error.message));
    }
  };
  const search = async (event) => {
    event?.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    results.replaceChildren(stateMessage('loading', 'Searching…'));
    try {
      const rows = await api.entities(q);
      results.replaceChildren(rows.length
        ? h('ul', { class: 'entities' }, rows.map((row) => resultRow(row, openEntity)))
        : stateMessage('empty', `No entity matches ${q}.`));
    } catch (error) {
      results.replaceChildren(stateMessage('error', error.message));
    }
  };
  panel.replaceChildren(h('form', { class: 'filter entity-search', onsubmit: search }, input, h('button', { type: 'submit' }, 'Search')), results, pageRoot);
  return { open: openEntity };
}
