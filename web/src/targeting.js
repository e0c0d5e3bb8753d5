// Targeting: a site's inspection plan for a day in the left panel. The capacity bar (scanner
// minutes used of the day's), the boxes by lane (red: scanned, yellow: documentary check,
// green: released) with their risk, severity, why they were selected ("random" for the
// exploration draw) and their probability of being scanned; a box's reasons and, for those who
// may, a form to record what its inspection found; the hit rates per planned day, naive beside
// inverse-propensity weighted, as a small SVG chart. Risk, not proof.
//
// Lanes are a risk grade, so they take the risk colours (red lane: high), always with the
// lane's name; the chart's two series differ by dash and marker, not by colour.

import * as api from './api.js';
import { h, number, timeElement, utc } from './format.js';
import { stateMessage } from './lists.js';

const SVG = 'http://www.w3.org/2000/svg';
const LANES = [
  { lane: 'red', band: 'high', title: 'Red: scan', open: true },
  { lane: 'yellow', band: 'medium', title: 'Yellow: documentary check', open: true },
  { lane: 'green', band: 'low', title: 'Green: released', open: false },
];
const BY = { held: 'held (banned party)', risk: 'risk', exploration: 'random' };

const percent = (value) => (value === null || value === undefined ? '—' : `${number(value * 100, 1)} %`);

function laneChip(lane, text = lane) {
  const band = LANES.find((l) => l.lane === lane)?.band ?? 'unscored';
  return h('span', { class: `risk risk-${band} lane lane-${lane}`, title: `${lane} lane` }, text);
}

/** The used / capacity bar: scanner minutes, never colour alone (the figures are written). */
export function capacityBar(used, capacity) {
  const share = capacity ? Math.min(used / capacity, 1) : 0;
  return h('div', { class: 'capacity', role: 'meter', 'aria-label': 'Scanner minutes used',
    'aria-valuemin': '0', 'aria-valuemax': String(capacity ?? 0), 'aria-valuenow': String(used) },
  h('div', { class: 'capacity-bar' }, h('div', { class: 'capacity-used', style: { width: `${(share * 100).toFixed(1)}%` } })),
  h('p', { class: 'capacity-text' }, capacity === null || capacity === undefined
    ? `${number(used)} scanner min used (the site is not in the sites table any more)`
    : `${number(used)} of ${number(capacity)} scanner min (${number(share * 100)} %)`));
}

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) element.append(child);
  return element;
}

const text = (value) => document.createTextNode(value);

/** Naive and IPW (Horvitz-Thompson) hit rates per planned day, 0–100 % on the y axis. */
export function performanceChart(days, { width = 300, height = 120 } = {}) {
  const left = 34;
  const right = 8;
  const top = 8;
  const bottom = 20;
  const shown = days.filter((d) => d.naive !== null || d.horvitz_thompson !== null);
  const highest = Math.max(0.05, ...shown.flatMap((d) => [d.naive ?? 0, d.horvitz_thompson ?? 0]));
  const ceiling = Math.min(1, Math.ceil(highest * 10) / 10);
  const x = (i) => left + (shown.length < 2 ? (width - left - right) / 2 : (i / (shown.length - 1)) * (width - left - right));
  const y = (v) => top + (1 - v / ceiling) * (height - top - bottom);
  const chart = svg('svg', { class: 'performance-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `Hit rate per planned day, naive and inverse-propensity weighted, ${shown.length} days` });
  chart.append(svg('line', { x1: left, x2: width - right, y1: y(0), y2: y(0), class: 'axis-line' }),
    svg('text', { x: left - 4, y: y(0) + 3, class: 'axis end' }, text('0')),
    svg('text', { x: left - 4, y: y(ceiling) + 3, class: 'axis end' }, text(`${number(ceiling * 100)} %`)));
  for (const [key, kind] of [['naive', 'naive'], ['horvitz_thompson', 'ipw']]) {
    const points = shown.map((d, i) => [i, d[key], d]).filter(([, v]) => v !== null && v !== undefined);
    const group = svg('g', { class: `series series-${kind}`, 'data-series': kind });
    if (points.length > 1) {
      group.append(svg('path', { class: 'line', d: points.map(([i, v], n) => `${n ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('') }));
    }
    for (const [i, v, d] of points) {
      const tip = svg('title', {}, text(`${d.date}: ${kind === 'naive' ? 'naive' : 'IPW'} ${percent(v)} (${d.found} found in ${d.scanned} scans)`));
      group.append(kind === 'naive'
        ? svg('circle', { cx: x(i), cy: y(v), r: 3, class: 'marker' }, tip)
        : svg('rect', { x: x(i) - 3, y: y(v) - 3, width: 6, height: 6, class: 'marker' }, tip));
    }
    chart.append(group);
  }
  if (shown.length) {
    chart.append(svg('text', { x: left, y: height - 4, class: 'axis' }, text(shown[0].date)));
    if (shown.length > 1) chart.append(svg('text', { x: width - right, y: height - 4, class: 'axis end' }, text(shown.at(-1).date)));
  }
  return chart;
}

function performanceSection(found) {
  const days = found?.days ?? [];
  const overall = found?.overall;
  const section = h('section', { class: 'performance' }, h('h4', {}, 'Hit rate over time'));
  if (!overall || !overall.scanned) {
    section.append(h('p', { class: 'hint' }, 'No inspection result recorded on a plan yet: the hit rates appear with the first results.'));
    return section;
  }
  section.append(
    h('p', { class: 'rates' }, `${number(overall.found)} found in ${number(overall.scanned)} scans · naive ${percent(overall.naive)} · `,
      h('strong', {}, `IPW ${percent(overall.horvitz_thompson)}`), ` (self-normalised ${percent(overall.self_normalised)}) over ${number(overall.population)} boxes`),
    performanceChart(days),
    h('p', { class: 'hint' }, '● naive (finds ÷ scans: biased towards the boxes chosen for their risk) · ■ inverse-propensity weighted (Horvitz-Thompson, every box that could be scanned).'));
  return section;
}

function slotText(box) {
  if (!box.scanner) return 'no scanner slot';
  return `scanner ${box.scanner}, shift ${utc(box.shift_start).slice(11, 16)}–${utc(box.shift_end).slice(11, 16)} UTC`;
}

function resultText(result) {
  if (!result) return null;
  return h('p', { class: 'result' }, result.found ? `Found: ${result.what ?? 'something'}` : 'Nothing found',
    ` · recorded by ${result.recorded_by ?? '?'} `, timeElement(result.recorded_at));
}

function resultForm(box, day, onRecorded) {
  const status = h('span', { class: 'hint', role: 'status' });
  const form = h('form', { class: 'result-form', dataset: { number: box.container_number } },
    h('fieldset', {}, h('legend', {}, 'Record the result'),
      h('label', {}, h('input', { type: 'radio', name: 'found', value: 'no', checked: !box.result?.found }), ' nothing found'),
      h('label', {}, h('input', { type: 'radio', name: 'found', value: 'yes', checked: Boolean(box.result?.found) }), ' found'),
      h('input', { type: 'text', name: 'what', maxlength: '500', placeholder: 'what (e.g. cocaine, 40 kg)', value: box.result?.what ?? '' }),
      h('button', { type: 'submit' }, 'Record'), status));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const found = form.querySelector('input[name=found]:checked')?.value === 'yes';
    const what = form.querySelector('input[name=what]').value.trim() || null;
    status.textContent = 'Recording…';
    try {
      await api.recordInspectionResult({ container_number: box.container_number, date: day, found, what });
      status.textContent = 'Recorded.';
      onRecorded();
    } catch (error) {
      status.textContent = `Not recorded: ${error.message}`;
    }
  });
  return form;
}

function boxDetails(box, day, { canChange, onRecorded }) {
  return h('div', { class: 'box-details' },
    h('ol', { class: 'reasons' }, box.reasons.length ? box.reasons.map((r) => h('li', { dataset: { source: r.source } }, r.text))
      : h('li', { class: 'hint' }, 'No indicator: drawn at random or low risk.')),
    h('p', { class: 'hint' }, `window `, timeElement(box.earliest), ' → ', timeElement(box.latest), ` · ${slotText(box)}`,
      box.vessel_imo ? ` · IMO ${box.vessel_imo}` : '', box.bill_of_lading ? ` · bill ${box.bill_of_lading}` : ''),
    resultText(box.result),
    canChange ? resultForm(box, day, onRecorded) : null);
}

function boxRow(box, context) {
  const { selected, onPick } = context;
  const chosen = box.container_number === selected;
  const by = box.selected_by ? BY[box.selected_by] ?? box.selected_by : '—';
  return h('li', { class: `plan-box${chosen ? ' selected' : ''}`, dataset: { number: box.container_number, lane: box.lane, by: box.selected_by ?? '' } },
    h('button', { class: 'row', 'aria-expanded': String(chosen), onclick: () => onPick(box.container_number) },
      laneChip(box.lane),
      h('span', { class: 'number' }, box.container_number),
      h('span', { class: 'figures', title: 'risk (0–1), severity, selected by, probability of being scanned' },
        `risk ${number(box.risk, 2)} · sev ${number(box.severity, 1)} · ${by} · p ${number(box.probability, 2)}`),
      box.result ? h('span', { class: 'done', title: 'result recorded' }, box.result.found ? '✚ found' : '✓ checked') : null),
    chosen ? boxDetails(box, context.day, context) : null);
}

function planSection(plan, context) {
  const { lanes } = plan;
  const head = h('div', { class: 'plan-head' },
    h('p', {}, h('strong', {}, `${plan.site}${plan.name ? ` · ${plan.name}` : ''} · ${plan.date}`), ' ',
      h('span', { class: 'hint' }, `${number(plan.candidates)} boxes in the window · planned `, timeElement(plan.planned_at),
        plan.method ? ` (${plan.method}, seed ${plan.seed})` : '')),
    capacityBar(plan.used_minutes, plan.capacity_minutes),
    h('p', { class: 'lane-counts' }, LANES.map(({ lane }) => laneChip(lane, `${lane} ${number(lanes[lane] ?? 0)}`)),
      plan.selected_by?.exploration ? h('span', { class: 'hint' }, ` · ${plan.selected_by.exploration} drawn at random`) : null,
      plan.selected_by?.held ? h('span', { class: 'hint' }, ` · ${plan.selected_by.held} held`) : null));
  const groups = LANES.map(({ lane, title, open }) => {
    const boxes = plan.items.filter((b) => b.lane === lane);
    if (!boxes.length) return null;
    const expanded = open || boxes.some((b) => b.container_number === context.selected);
    return h('details', { class: `lane-group lane-group-${lane}`, open: expanded, dataset: { lane } },
      h('summary', {}, `${title} (${number(boxes.length)})`),
      h('ul', { class: 'plan-boxes' }, boxes.map((b) => boxRow(b, context))));
  });
  return [head, ...groups.filter(Boolean)];
}

/** The Targeting tab's controller: `show(site, day)` loads and draws; `onChoose({site, day})`
 * is called when the person picks another site or day; `onContainer(number)` when a box is
 * opened. */
export function createTargeting(root, { canChange, onChoose, onContainer }) {
  const siteSelect = root.querySelector('#targeting-site');
  const dayInput = root.querySelector('#targeting-date');
  const body = root.querySelector('#targeting');
  let sites = null;
  let current = { site: null, day: null, plan: null, performance: null, selected: null };

  const choose = () => onChoose({ site: siteSelect.value || null, day: dayInput.value || null });
  siteSelect.addEventListener('change', choose);
  dayInput.addEventListener('change', choose);

  async function planDay() {
    const { site, day } = current;
    body.replaceChildren(stateMessage('loading', `Planning ${site} on ${day}…`));
    let made;
    try {
      made = await api.makeInspectionPlan(site, day);
    } catch (error) {
      body.replaceChildren(stateMessage('error', `The day could not be planned: ${error.message}`));
      return;
    }
    await show(site, day);
    if (!made.candidates) body.prepend(stateMessage('empty', `No box discharged at ${site} is in the yard during the shifts of ${day}: nothing to plan.`));
  }

  function draw() {
    const { plan, performance, site, day } = current;
    const planButton = canChange ? h('button', { type: 'button', class: 'plan-day', onclick: planDay }, plan ? 'Plan again' : 'Plan this day') : null;
    const context = {
      day, selected: current.selected, canChange,
      onPick: (number) => {
        current.selected = current.selected === number ? null : number;
        draw();
        if (current.selected) onContainer(number);
        document.body.dataset.targetingBox = current.selected ?? '';
      },
      onRecorded: () => show(site, day),
    };
    const content = plan ? planSection(plan, context)
      : [stateMessage('empty', `No plan for ${site} on ${day}.${canChange ? '' : ' An analyst plans a day.'}`)];
    body.replaceChildren(...content, planButton ? h('p', { class: 'plan-actions' }, planButton) : null, performanceSection(performance));
    document.body.dataset.targeting = plan ? String(plan.items.length) : '0';
  }

  async function loadSites() {
    if (sites) return sites;
    sites = await api.inspectionSites();
    siteSelect.replaceChildren(...sites.map((s) => new Option(`${s.code}${s.name ? ` · ${s.name}` : ''}`, s.code)));
    return sites;
  }

  /** Draw `site`'s plan of `day`; without them, the first site and its latest planned day. */
  async function show(site, day) {
    body.replaceChildren(stateMessage('loading', 'Loading the plan…'));
    try {
      await loadSites();
    } catch (error) {
      body.replaceChildren(stateMessage('error', `The inspection sites could not be loaded: ${error.message}`));
      return;
    }
    if (!sites.length) {
      body.replaceChildren(stateMessage('empty', 'No inspection site: add one to the sites table (inspection.sites_file).'));
      return;
    }
    const code = site && sites.some((s) => s.code === site) ? site : sites[0].code;
    let performance = null;
    try {
      performance = await api.inspectionPerformance(code);
    } catch {
      performance = null; /* the plan still shows without the hit rates */
    }
    const planned = (performance?.days ?? []).map((d) => d.date);
    const chosen = day || planned.at(-1) || new Date().toISOString().slice(0, 10);
    siteSelect.value = code;
    dayInput.value = chosen;
    let plan = null;
    try {
      plan = await api.inspectionPlan(code, chosen);
    } catch (error) {
      if (error.status !== 404) {
        body.replaceChildren(stateMessage('error', `The plan could not be loaded: ${error.message}`));
        return;
      }
    }
    const keep = current.selected && plan?.items.some((b) => b.container_number === current.selected) ? current.selected : null;
    current = { site: code, day: chosen, plan, performance, selected: keep };
    draw();
  }

  return { show };
}
