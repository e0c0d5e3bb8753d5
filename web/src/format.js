// Formatting shared by every panel: UTC times, durations, numbers with units, risk bands.
// Colour means risk and nothing else: one sequential scale, always paired with a label.

export const RISK_COLOURS = {
  unscored: '#5d6873',
  low: '#8fa3b3',
  medium: '#f0b43c',
  high: '#f0603a',
};

export const RISK_LABELS = {
  unscored: 'not scored',
  low: 'low risk',
  medium: 'medium risk',
  high: 'high risk',
};

/** The band of a score (0–100) when the API gave none; thresholds of the risk model. */
export function bandOf(score, band) {
  if (band && RISK_COLOURS[band]) return band;
  if (score === null || score === undefined || Number.isNaN(Number(score)) || score < 0) return 'unscored';
  if (score >= 50) return 'high';
  return score >= 20 ? 'medium' : 'low';
}

export function riskColour(score, band) {
  return RISK_COLOURS[bandOf(score, band)];
}

/** "2024-03-05 14:20 UTC"; the local time is in the element title (see `timeElement`). */
export function utc(value) {
  const date = toDate(value);
  if (!date) return '—';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function timeElement(value) {
  const element = document.createElement('time');
  const date = toDate(value);
  element.textContent = utc(value);
  if (date) {
    element.dateTime = date.toISOString();
    element.title = `local time ${date.toLocaleString()}`;
  }
  return element;
}

/** "19 h 40 min", "3 d 2 h", "12 min". */
export function duration(start, end) {
  const a = toDate(start);
  const b = toDate(end);
  if (!a || !b) return '';
  const minutes = Math.round((b - a) / 60000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function number(value, digits = 0, unit = '') {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
  const text = Number(value).toLocaleString('en-GB', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit ? `${text} ${unit}` : text;
}

export function humanType(type) {
  return String(type ?? 'event').replaceAll('_', ' ');
}

/** Creates an element with attributes and children: the panels build their DOM with it. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    // through the CSSOM: the Content-Security-Policy refuses inline style attributes
    else if (key === 'style') element.style.cssText = value;
    else element.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** An event's strength (0–1) as a badge coloured on the same scale as vessel risk (×100). */
export function eventBadge(score) {
  if (score === null || score === undefined) return null;
  const name = bandOf(Number(score) * 100);
  return h('span', { class: `risk risk-${name}`, title: `indicator strength ${number(score, 2)} (0–1)` }, number(score, 2));
}

/** A risk badge: colour plus the score and band in words (never colour alone). */
export function riskBadge(score, band) {
  const name = bandOf(score, band);
  const text = score === null || score === undefined ? RISK_LABELS[name] : `${number(score)} · ${name}`;
  return h('span', { class: `risk risk-${name}`, title: RISK_LABELS[name] }, text);
}
