// The left panel: the alert inbox (with triage) and the events list of the current view.

import * as api from './api.js';
import { DISMISS_REASONS } from './api.js';
import { bandOf, eventBadge, h, humanType, number, timeElement } from './format.js';
import { shapeImage } from './icons.js';

/** Who or what a row is about: the vessel, else the event's subject (a dark target's radar track). */
function subjectOf(item) {
  if (item.mmsi !== null && item.mmsi !== undefined) return `MMSI ${item.mmsi}${item.other_mmsi ? ` · with ${item.other_mmsi}` : ''}`;
  const subject = item.subject;
  if (subject?.kind === 'radar_track') return `radar track ${subject.id}`;
  if (subject?.id) return `${humanType(subject.kind)} ${subject.id}`;
  return 'MMSI —';
}

const SUSPEND_HOURS = [6, 24, 72, 168];

const STATUS_ORDER = { open: 0, acknowledged: 1, suspended: 2, dismissed: 3, retracted: 4 };

export function stateMessage(kind, text, retry) {
  return h('div', { class: `state ${kind}` }, h('p', {}, text), retry ? h('button', { onclick: retry }, 'Retry') : null);
}

function counters(alerts) {
  const byStatus = {};
  for (const alert of alerts) byStatus[alert.status] = (byStatus[alert.status] ?? 0) + 1;
  return h('div', { class: 'counters' },
    Object.keys(STATUS_ORDER).map((status) => h('span', { class: `counter ${status}` }, `${byStatus[status] ?? 0} ${status}`)));
}

function triageForm(alert, action, done) {
  if (action === 'dismiss') {
    const select = h('select', { name: 'reason', 'aria-label': 'Reason for dismissal' },
      Object.entries(DISMISS_REASONS).map(([value, label]) => h('option', { value }, label)));
    const note = h('input', { name: 'note', placeholder: 'note (needed for "other")', 'aria-label': 'Note' });
    return h('form', { class: 'triage-form', onsubmit: (event) => {
      event.preventDefault();
      if (select.value === 'other' && !note.value.trim()) {
        note.focus();
        note.setCustomValidity('say why');
        note.reportValidity();
        return;
      }
      done({ reason: select.value, note: note.value.trim() || undefined });
    } }, select, note, h('button', { type: 'submit' }, 'Dismiss'));
  }
  const select = h('select', { name: 'hours', 'aria-label': 'Suspend for' },
    SUSPEND_HOURS.map((hours) => h('option', { value: hours }, hours < 48 ? `${hours} h` : `${hours / 24} days`)));
  return h('form', { class: 'triage-form', onsubmit: (event) => {
    event.preventDefault();
    const base = Date.parse(alert.start) || Date.now();
    done({ until: new Date(Math.max(base, Date.now()) + Number(select.value) * 3600000).toISOString() });
  } }, select, h('button', { type: 'submit' }, 'Suspend'));
}

/** The triage buttons of a row: for accounts that may change alerts (`context.canTriage`). */
function triageButtons(alert, act) {
  return h('div', { class: 'actions' },
    h('button', { 'data-action': 'acknowledge', title: 'Acknowledge (a)', disabled: !['open', 'suspended'].includes(alert.status), onclick: () => act('acknowledge') }, 'Ack'),
    h('button', { 'data-action': 'suspend', title: 'Suspend (s)', disabled: ['dismissed', 'retracted'].includes(alert.status), onclick: () => act('suspend') }, 'Suspend'),
    h('button', { 'data-action': 'dismiss', title: 'Dismiss with a reason (d)', disabled: ['dismissed', 'retracted'].includes(alert.status), onclick: () => act('dismiss') }, 'Dismiss'));
}

function alertRow(alert, context) {
  const { types, shapes, selectedMmsi, onPick, onTriage, canTriage } = context;
  const band = bandOf(alert.score, alert.band);
  const row = h('li', {
    class: `alert band-${band} status-${alert.status}${alert.mmsi !== null && alert.mmsi === selectedMmsi ? ' selected' : ''}`,
    dataset: { id: alert.id, mmsi: alert.mmsi },
    tabindex: '-1',
  });
  const extra = h('div', { class: 'extra' });
  const act = (action) => {
    if (action === 'acknowledge') return onTriage(alert, action, {});
    extra.replaceChildren(triageForm(alert, action, (payload) => onTriage(alert, action, payload)));
    extra.querySelector('select')?.focus();
    return null;
  };
  row.append(
    h('button', { class: 'row', onclick: () => onPick(alert) },
      shapeImage(shapes[alert.type] ?? 'circle'),
      h('span', { class: 'type', title: types[alert.type]?.definition ?? '' }, types[alert.type]?.title ?? humanType(alert.type)),
      h('span', { class: 'vessel' }, subjectOf(alert)),
      h('span', { class: 'when' }, timeElement(alert.start)),
      h('span', { class: `risk risk-${band}`, title: 'severity: the event strength combined with the vessel risk (0–1)' },
        `${alert.severity_label ?? band} ${number(alert.severity, 2)}`),
      h('span', { class: `status ${alert.status}` }, alert.status)),
    canTriage ? triageButtons(alert, act) : null,
    extra);
  if (canTriage) row.triage = act;
  return row;
}

/** Renders the inbox into `root`, open alerts first, then by score. A triage form being filled
 * in stays open, with what was chosen, when its alert is still listed (live updates re-render). */
export function renderInbox(root, alerts, context) {
  const form = root.querySelector('li.alert form.triage-form');
  const formOf = form?.closest('li.alert')?.dataset.id;
  renderRows(root, alerts, context);
  if (!form) return;
  const row = [...root.querySelectorAll('li.alert')].find((li) => li.dataset.id === formOf);
  row?.querySelector('.extra')?.replaceChildren(form);
}

function renderRows(root, alerts, context) {
  if (!alerts.length) {
    root.replaceChildren(stateMessage('empty', 'The inbox is clear: no alert for this view. Alerts are raised from events by the zone and vessel rules.'));
    return;
  }
  const sorted = [...alerts].sort((a, b) =>
    (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) || (b.severity ?? -1) - (a.severity ?? -1));
  root.replaceChildren(counters(alerts), h('ul', { class: 'alerts' }, sorted.map((a) => alertRow(a, context))));
}

/** Renders the events list into `root`, newest first, with the counts per type. */
export function renderEvents(root, events, { types, shapes, selectedMmsi, onPick }) {
  if (!events.length) {
    root.replaceChildren(stateMessage('empty', 'No event in this time range and filter. Widen the range or clear the filters.'));
    return;
  }
  const counts = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  const sorted = [...events].sort((a, b) => String(b.start).localeCompare(String(a.start)));
  root.replaceChildren(
    h('div', { class: 'counters' }, Object.entries(counts).map(([type, count]) =>
      h('span', { class: 'counter', title: types[type]?.definition ?? '' }, shapeImage(shapes[type] ?? 'circle'), ` ${count} ${types[type]?.title ?? humanType(type)}`))),
    h('ul', { class: 'event-list' }, sorted.slice(0, 500).map((event) =>
      h('li', { class: event.mmsi !== null && event.mmsi === selectedMmsi ? 'selected' : '', dataset: { id: event.id } },
        h('button', { class: 'row', onclick: () => onPick(event) },
          shapeImage(shapes[event.type] ?? 'circle'),
          h('span', { class: 'type', title: types[event.type]?.definition ?? '' }, types[event.type]?.title ?? humanType(event.type)),
          h('span', { class: 'vessel' }, subjectOf(event)),
          h('span', { class: 'when' }, timeElement(event.start)),
          eventBadge(event.score))))));
}

