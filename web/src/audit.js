// The security officer's view: who read and changed what, from where (the audit log, newest
// first, a page at a time), whether the log's hash chain still holds, and the open alerts of
// insider look-ups with their reasons. Indicators, not proof: the wording says so.

import * as api from './api.js';
import { h, humanType, number, timeElement } from './format.js';
import { stateMessage } from './lists.js';

/** The actions the audit log records (`balise.model.records.ACCESS_ACTIONS`). */
const ACTIONS = ['read', 'change', 'sign_in', 'sign_in_failed', 'sign_out', 'denied'];
const NOTABLE = new Set(['sign_in_failed', 'denied']);
const RECORDS_SHOWN = 4;

function recordsText(records) {
  if (!records?.length) return '';
  const shown = records.slice(0, RECORDS_SHOWN).join(', ');
  return records.length > RECORDS_SHOWN ? `${shown} +${records.length - RECORDS_SHOWN} more` : shown;
}

function entryRow(entry) {
  const records = recordsText(entry.records);
  return h('tr', { class: NOTABLE.has(entry.action) ? 'notable' : '', dataset: { seq: entry.seq, action: entry.action } },
    h('td', { class: 'time' }, timeElement(entry.time)),
    h('td', { title: entry.role ? `roles: ${entry.role.replaceAll('+', ', ')}` : '' }, entry.user),
    h('td', {}, humanType(entry.agency)),
    h('td', { class: 'address' }, entry.address),
    h('td', { class: 'action' }, NOTABLE.has(entry.action) ? '⚠ ' : '', humanType(entry.action)),
    h('td', { title: entry.route }, humanType(entry.resource)),
    h('td', { class: 'count' }, number(entry.count)),
    h('td', { class: 'detail', title: (entry.records ?? []).join(', ') },
      entry.detail, entry.detail && records ? ' · ' : '', records ? h('span', { class: 'records' }, records) : null));
}

function entriesTable() {
  const head = ['Time (UTC)', 'User', 'Agency', 'Address', 'Action', 'Resource', 'Count', 'Detail / records'];
  return h('table', { class: 'audit-table' },
    h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}));
}

/** "Chain holds: 42 entries, head 3f…" or "Chain broken at entry 17: …", as a banner. */
function chainBanner(check) {
  if (check.ok) {
    return h('div', { class: 'chain ok', role: 'status' },
      h('b', {}, `Chain holds: ${number(check.entries)} entries`), ', head ', h('code', { class: 'head' }, check.head),
      h('p', { class: 'hint' }, 'Note the head elsewhere: a later check that does not reach it shows a truncated log.'));
  }
  return h('div', { class: 'chain broken', role: 'alert' },
    h('b', {}, `Chain broken at entry ${check.broken_at ?? '?'}: ${check.reason || 'no reason given'}`),
    h('p', { class: 'hint' }, `${number(check.entries)} entries checked. Entries from there on may have been altered or removed.`));
}

function reasonsOf(evidence) {
  const reasons = evidence?.reasons ?? (evidence?.reason ? [evidence.reason] : []);
  return (Array.isArray(reasons) ? reasons : [reasons]).map((r) => (typeof r === 'string' ? r : r?.text ?? JSON.stringify(r)));
}

function insiderRow(alert) {
  const reasons = reasonsOf(alert.evidence);
  const user = alert.subject?.kind === 'user' ? alert.subject.id : (alert.subject?.id ?? '—');
  return h('li', { class: 'insider', dataset: { id: alert.id } },
    h('div', { class: 'line' },
      h('b', {}, user), ' · ', timeElement(alert.start),
      alert.evidence?.rule ? ` · ${humanType(alert.evidence.rule)}` : '',
      h('span', { class: 'severity' }, ` · ${alert.severity_label ?? ''} ${number(alert.severity, 2)}`)),
    reasons.length
      ? h('ul', { class: 'reasons' }, reasons.map((text) => h('li', {}, text)))
      : h('p', { class: 'hint' }, 'No reason recorded with this event.'));
}

async function loadInsider(root) {
  root.replaceChildren(stateMessage('loading', 'Loading insider look-up alerts…'));
  try {
    const alerts = await api.alerts({ type: 'insider_lookup', state: 'open' });
    root.replaceChildren(alerts.length
      ? h('ul', { class: 'insider-list' }, alerts.map(insiderRow))
      : stateMessage('empty', 'No open insider look-up alert.'));
  } catch (error) {
    root.replaceChildren(stateMessage('error', `Could not load the insider look-up alerts: ${error.message}`, () => loadInsider(root)));
  }
}

function filtersForm(onApply) {
  const form = h('form', { class: 'audit-filters', id: 'audit-filters' },
    h('label', {}, 'User ', h('input', { name: 'user', autocomplete: 'off', spellcheck: 'false', maxlength: '64' })),
    h('label', {}, 'Action ', h('select', { name: 'action' }, h('option', { value: '' }, 'any'),
      ACTIONS.map((a) => h('option', { value: a }, humanType(a))))),
    h('label', {}, 'Since (UTC) ', h('input', { name: 'since', type: 'datetime-local', step: '60' })),
    h('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    onApply({ user: value('user').toLowerCase(), action: value('action'), since: value('since') ? `${value('since')}:00Z` : '' });
  });
  return form;
}

/**
 * The audit view in `root`: `show()` (re)loads it, `hide()` leaves it. `insider` lists the open
 * insider look-up alerts (when that event type exists); `onClose()` goes back to the map.
 */
export function createAuditView(root, { insider, onClose }) {
  let filters = {};
  let next = null;
  const status = h('p', { class: 'audit-status', role: 'status' });
  const table = entriesTable();
  const more = h('button', { type: 'button', id: 'audit-more', hidden: true }, 'Older entries');
  const chain = h('div', { id: 'chain-status' });
  const insiderList = h('div', { id: 'insider-alerts' });

  const page = async (append) => {
    const body = table.tBodies[0];
    if (!append) body.replaceChildren();
    status.textContent = 'Loading entries…';
    more.disabled = true;
    try {
      const found = await api.audit(filters, append ? next : null);
      next = found.next ?? null;
      body.append(...found.items.map(entryRow));
      const shown = body.rows.length;
      status.textContent = shown ? `${number(shown)} entries shown, newest first${next ? '' : ' (all that match)'}` : 'No audit entry matches these filters.';
    } catch (error) {
      status.textContent = `Could not load the audit log: ${error.message}`;
    }
    more.hidden = !next;
    more.disabled = false;
  };
  more.addEventListener('click', () => page(true));

  const verify = async () => {
    chain.replaceChildren(h('p', { class: 'hint' }, 'Checking every entry of the chain…'));
    try {
      chain.replaceChildren(chainBanner(await api.verifyAudit()));
    } catch (error) {
      chain.replaceChildren(h('p', { class: 'state error' }, `Could not check the chain: ${error.message}`));
    }
  };

  // sections without data are null: replaceChildren would print them as the text "null"
  root.replaceChildren(...[
    h('header', { class: 'audit-head' },
      h('h2', {}, 'Audit log'),
      h('p', { class: 'hint' }, 'Every sign-in, sensitive read, change and refusal, hash-chained: an entry changed or removed breaks the chain from there.'),
      h('button', { type: 'button', class: 'icon', title: 'Back to the map', onclick: onClose }, '×')),
    h('section', { class: 'audit-chain' },
      h('button', { type: 'button', id: 'verify-chain', class: 'primary', onclick: verify }, 'Verify chain'), chain),
    insider ? h('section', { class: 'audit-insider' },
      h('h3', {}, 'Open insider look-up alerts'),
      h('p', { class: 'hint' }, 'Reading patterns of Balise users that are consistent with an insider; each says why. Indicators, not proof.'),
      insiderList) : null,
    h('section', { class: 'audit-entries' },
      h('h3', {}, 'Entries'),
      filtersForm((chosen) => {
        filters = chosen;
        page(false);
      }),
      status, table, more),
  ].filter((section) => section !== null));

  return {
    show() {
      root.hidden = false;
      page(false);
      if (insider) loadInsider(insiderList);
    },
    hide() {
      root.hidden = true;
    },
  };
}
