// Lists: the screening lists in the left panel. First the review queue an analyst works
// through: each candidate match with its score, whether screening raised it (a list match) or
// nearly (a near miss), the reasons, the screened vessel or party beside the list entry, and
// Same / Not same / Unsure buttons (a judged row leaves the queue; an unsure one stays,
// marked). Then the lists with their kind and counts; a list opens its entries with their
// provenance (source, date, reason, who added it, validity) and, for analysts, a form to add
// one and a button to remove one; below the lists, for analysts, a form to make a new list.
// Every change screens the stored records again on the server.
//
// Scores here are match scores, not risk: written as numbers with their words, never coloured.

import * as api from './api.js';
import { h, number, timeElement } from './format.js';
import { stateMessage } from './lists.js';

const KIND_TITLES = {
  vessels_of_interest: 'vessels of interest', banned_companies: 'banned companies', sanctions: 'sanctions', user: 'user list',
};
const VERDICTS = [
  { verdict: 'same', title: 'Same', hint: 'The screened record is the listed one: keep the match at full score, even after a rename.' },
  { verdict: 'not_same', title: 'Not same', hint: 'A false match: it will not be raised again unless the entry changes.' },
  { verdict: 'unsure', title: 'Unsure', hint: 'Keep it in the queue, marked.' },
];

const dateText = (value) => value ?? '—';
const count = (n, one, many = `${one}s`) => `${number(n)} ${n === 1 ? one : many}`;

function subjectColumn(row) {
  const s = row.subject ?? {};
  const names = s.names?.length ? s.names.join(', ') : s.name ?? '';
  const facts = row.subject_kind === 'vessel'
    ? [`MMSI ${row.subject_id}`, s.imos?.length ? `IMO ${s.imos.join(', ')}` : null, s.call_signs?.length ? `call sign ${s.call_signs.join(', ')}` : null]
    : [s.roles?.length ? s.roles.join(', ') : null, s.bills ? `${number(s.bills)} bills of lading` : null];
  return h('div', { class: 'side subject' }, h('h5', {}, row.subject_kind === 'vessel' ? 'Vessel' : 'Party'),
    h('p', { class: 'name' }, names || row.subject_id), h('p', { class: 'hint' }, facts.filter(Boolean).join(' · ')));
}

function entryColumn(row) {
  const e = row.entry ?? {};
  const ids = e.identifiers?.length ? e.identifiers.join(', ') : null;
  return h('div', { class: 'side entry' }, h('h5', {}, `${row.list_name} · ${KIND_TITLES[row.list_kind] ?? row.list_kind}`),
    h('p', { class: 'name' }, e.name, e.aliases?.length ? h('span', { class: 'hint' }, ` (also ${e.aliases.join(', ')})`) : null),
    h('p', { class: 'hint' }, [e.schema, ids, e.countries?.length ? e.countries.join(', ') : null].filter(Boolean).join(' · ')),
    h('p', { class: 'hint' }, `listed for ${e.reason || '—'} · source ${e.source || '—'}${e.source_date ? ` (${e.source_date})` : ''} · added by ${e.added_by ?? '—'}`));
}

function reviewRow(row, { canChange, onJudge }) {
  const status = h('span', { class: 'hint', role: 'status' });
  const state = row.raised ? 'list match' : 'near miss';
  const buttons = canChange ? h('div', { class: 'judge' }, VERDICTS.map(({ verdict, title, hint }) => h('button', {
    type: 'button', title: hint, dataset: { verdict },
    onclick: async (event) => {
      for (const button of event.target.parentElement.querySelectorAll('button')) button.disabled = true;
      status.textContent = 'Recording…';
      try {
        await onJudge(row, verdict);
      } catch (error) {
        status.textContent = `Not recorded: ${error.message}`;
        for (const button of event.target.parentElement.querySelectorAll('button')) button.disabled = false;
      }
    },
  }, title)), status) : null;
  return h('li', { class: `review-row${row.verdict ? ` judged-${row.verdict}` : ''}`,
    dataset: { subjectKind: row.subject_kind, subjectId: row.subject_id, list: row.list_name, entry: row.entry_id } },
  h('p', { class: 'review-head' }, h('strong', { class: 'score', title: 'match score (0–1)' }, `score ${number(row.score, 2)}`),
    ` · ${state}`, row.verdict ? h('span', { class: 'verdict' }, ` · marked ${row.verdict}${row.note ? `: ${row.note}` : ''}`) : null),
  h('div', { class: 'pair' }, subjectColumn(row), entryColumn(row)),
  h('ol', { class: 'reasons' }, row.reasons.map((r) => h('li', {}, r))),
  buttons);
}

function entryRow(entry, { canChange, onRemove }) {
  const ids = entry.identifiers?.length ? ` · ${entry.identifiers.join(', ')}` : '';
  const validity = entry.valid_from || entry.valid_until ? `valid ${dateText(entry.valid_from)} → ${dateText(entry.valid_until)}` : 'valid with no end';
  return h('li', { class: 'list-entry', dataset: { entry: entry.entry_id } },
    h('p', {}, h('strong', {}, entry.name), h('span', { class: 'hint' }, ` ${entry.schema}${ids}`)),
    h('p', { class: 'hint provenance' }, `${entry.reason || 'no reason given'} · source ${entry.source || '—'}${entry.source_date ? ` (${entry.source_date})` : ''} · added by ${entry.added_by ?? '—'} `,
      timeElement(entry.added_at), ` · ${validity}`),
    canChange ? h('button', { type: 'button', class: 'remove-entry', onclick: () => onRemove(entry) }, 'Remove') : null);
}

function addForm(list, onAdded) {
  const status = h('span', { class: 'hint', role: 'status' });
  const field = (name, label, attributes = {}) => h('label', {}, label, ' ', h('input', { name, ...attributes }));
  const form = h('form', { class: 'add-entry' }, h('fieldset', {}, h('legend', {}, `Add to ${list.name}`),
    field('name', 'Name', { required: true, maxlength: '300' }),
    h('label', {}, 'Kind ', h('select', { name: 'schema' }, ['Vessel', 'Company', 'Person', 'Organization', 'LegalEntity']
      .map((s) => h('option', { value: s, selected: s === (list.kind === 'vessels_of_interest' ? 'Vessel' : 'Company') }, s)))),
    field('imo', 'IMO', { maxlength: '20', inputmode: 'numeric' }),
    field('mmsi', 'MMSI', { maxlength: '20', inputmode: 'numeric' }),
    field('source', 'Source', { required: true, maxlength: '300', placeholder: 'e.g. MAOC-N bulletin 2026-48' }),
    field('reason', 'Reason', { required: true, minlength: '3', maxlength: '1000' }),
    field('valid_until', 'Valid until', { type: 'date' }),
    h('button', { type: 'submit' }, 'Add'), status));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    for (const [key, value] of new FormData(form)) if (String(value).trim()) body[key] = String(value).trim();
    status.textContent = 'Adding and screening again…';
    try {
      const added = await api.addListEntry(list.name, body);
      const s = added.screening;
      status.textContent = s ? `Added. List matches: ${s.new} new, ${s.retracted} retracted.` : 'Added.';
      form.reset();
      onAdded();
    } catch (error) {
      status.textContent = `Not added: ${error.message}`;
    }
  });
  return form;
}

const LIST_NAME = '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}';

function newListForm(onMade) {
  const status = h('span', { class: 'hint', role: 'status' });
  const form = h('form', { class: 'new-list' }, h('fieldset', {}, h('legend', {}, 'New list'),
    h('label', {}, 'Name ', h('input', { name: 'name', required: true, maxlength: '64', pattern: LIST_NAME,
      title: 'Letters, digits, _ . - (64 at most), starting with a letter or a digit', placeholder: 'e.g. maoc-voi' })),
    h('label', {}, 'Kind ', h('select', { name: 'kind' }, Object.entries(KIND_TITLES)
      .map(([kind, title]) => h('option', { value: kind }, title)))),
    h('label', {}, 'Description ', h('input', { name: 'description', maxlength: '1000', placeholder: 'what it holds, and why' })),
    h('button', { type: 'submit' }, 'Create'), status));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { name: String(data.get('name')).trim(), kind: String(data.get('kind')),
      description: String(data.get('description') ?? '').trim() };
    status.textContent = 'Creating…';
    try {
      await api.createList(body);
      status.textContent = `${body.name} created: open it to add entries.`;
      form.reset();
      await onMade(body.name);
    } catch (error) {
      status.textContent = `Not created: ${error.message}`;
    }
  });
  return form;
}

/** The Lists tab's controller: `show()` loads the review queue and the lists. */
export function createWatchlists(root, { canChange }) {
  const queue = root.querySelector('#review-queue');
  const lists = root.querySelector('#watchlists');
  let chosen = null;

  async function judge(row, verdict) {
    await api.judgeMatch({ subject_kind: row.subject_kind, subject_id: row.subject_id, list_name: row.list_name,
      entry_id: row.entry_id, verdict });
    await Promise.all([showQueue(), showLists()]);
  }

  async function showQueue() {
    let found;
    try {
      found = await api.reviewQueue();
    } catch (error) {
      queue.replaceChildren(stateMessage('error', `The review queue could not be loaded: ${error.message}`, showQueue));
      return;
    }
    const head = h('p', { class: 'hint' }, `${count(found.total, 'candidate')} · list matches from score ${number(found.match_threshold, 3)}, near misses from ${number(found.review_threshold, 3)}`);
    queue.replaceChildren(head, found.items.length
      ? h('ul', { class: 'review-rows' }, found.items.map((row) => reviewRow(row, { canChange, onJudge: judge })))
      : stateMessage('empty', 'Nothing to judge: every candidate match has been judged, and no near miss is waiting.'));
    document.body.dataset.review = String(found.total);
  }

  async function removeEntry(entry) {
    await api.removeListEntry(chosen, entry.entry_id, 'removed in the workstation');
    await Promise.all([showLists(), showQueue()]);
  }

  async function showEntries(list, into) {
    into.replaceChildren(stateMessage('loading', `Loading ${list.name}…`));
    try {
      const entries = await api.listEntries(list.name);
      into.replaceChildren(
        entries.length ? h('ul', { class: 'list-entries' }, entries.map((e) => entryRow(e, { canChange, onRemove: removeEntry })))
          : stateMessage('empty', `${list.name} holds no entry.`),
        canChange ? addForm(list, () => Promise.all([showLists(), showQueue()])) : null);
    } catch (error) {
      into.replaceChildren(stateMessage('error', `The entries could not be loaded: ${error.message}`));
    }
  }

  async function showLists() {
    let found;
    try {
      found = await api.screeningLists();
    } catch (error) {
      lists.replaceChildren(stateMessage('error', `The lists could not be loaded: ${error.message}`, showLists));
      return;
    }
    if (!found.length) {
      lists.replaceChildren(stateMessage('empty', canChange ? 'No list yet: make one below.'
        : 'No list yet: an analyst makes one here, or `balise list create NAME --kind KIND`.'));
      return;
    }
    lists.replaceChildren(...found.map((list) => {
      const body = h('div', { class: 'entries' });
      const item = h('details', { class: 'watchlist', open: list.name === chosen, dataset: { list: list.name } },
        h('summary', {}, h('strong', {}, list.name), ` · ${KIND_TITLES[list.kind] ?? list.kind} · ${count(list.entries, 'entry', 'entries')}`,
          list.removed ? h('span', { class: 'hint' }, ` (${number(list.removed)} removed)`) : null),
        list.description ? h('p', { class: 'hint' }, list.description) : null, body);
      const load = () => {
        if (body.dataset.loaded) return;
        body.dataset.loaded = 'true';
        showEntries(list, body);
      };
      item.addEventListener('toggle', () => {
        if (!item.open) return;
        chosen = list.name;
        load();
      });
      if (list.name === chosen) load();
      return item;
    }));
  }

  async function show() {
    queue.replaceChildren(stateMessage('loading', 'Loading the review queue…'));
    await Promise.all([showQueue(), showLists()]);
  }

  if (canChange) lists.after(newListForm(async (name) => {
    chosen = name;
    await showLists();
  }));

  return { show };
}
