// The timebar: the time range of the view with a tick per event (shape rows per type would
// crowd it; the tick colour is the event's risk), the current instant as a cursor that can be
// dragged, and playback at a chosen speed.

import { RISK_COLOURS, bandOf, utc } from './format.js';

const SPEEDS = [
  [3600, '1 h/s'], [6 * 3600, '6 h/s'], [24 * 3600, '1 d/s'],
];

export function createTimebar(root, { onCursor }) {
  const canvas = root.querySelector('canvas');
  const play = root.querySelector('[data-role=play]');
  const speed = root.querySelector('[data-role=speed]');
  const label = root.querySelector('[data-role=instant]');
  for (const [value, text] of SPEEDS) speed.append(new Option(text, value));
  speed.value = String(6 * 3600);

  let range = null; // [startMs, endMs]
  let cursor = null;
  let ticks = [];
  let coverage = null;
  let playing = false;
  let lastFrame = 0;

  const x = (t) => ((t - range[0]) / (range[1] - range[0])) * canvas.clientWidth;

  function draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    ctx.clearRect(0, 0, width, height);
    if (!range) return;
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#6f8191';
    ctx.strokeStyle = '#24323f';
    const day = 86400000;
    const step = (range[1] - range[0]) / day > 20 ? 7 * day : day;
    for (let t = Math.ceil(range[0] / step) * step; t <= range[1]; t += step) {
      ctx.beginPath();
      ctx.moveTo(x(t), 0);
      ctx.lineTo(x(t), height);
      ctx.stroke();
      ctx.fillText(new Date(t).toISOString().slice(5, 10), x(t) + 3, height - 4);
    }
    if (coverage) {
      ctx.fillStyle = 'rgba(214,225,234,0.18)';
      ctx.fillRect(x(coverage[0]), 8, Math.max(2, x(coverage[1]) - x(coverage[0])), 6);
    }
    for (const tick of ticks) {
      ctx.fillStyle = RISK_COLOURS[bandOf(tick.score)];
      ctx.fillRect(Math.round(x(tick.t)), tick.selected ? 16 : 20, tick.selected ? 3 : 2, tick.selected ? 18 : 12);
    }
    if (cursor !== null) {
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(Math.round(x(cursor)) - 1, 0, 2, height);
    }
  }

  function setCursor(t, { silent = false } = {}) {
    if (!range) return;
    cursor = Math.min(range[1], Math.max(range[0], t));
    label.textContent = utc(cursor);
    label.dateTime = new Date(cursor).toISOString();
    draw();
    if (!silent) onCursor(cursor);
  }

  function frame(now) {
    if (!playing) return;
    const elapsed = lastFrame ? (now - lastFrame) / 1000 : 0;
    lastFrame = now;
    const next = cursor + elapsed * Number(speed.value) * 1000;
    if (next >= range[1]) {
      setCursor(range[1]);
      toggle(false);
      return;
    }
    setCursor(next);
    requestAnimationFrame(frame);
  }

  function toggle(on = !playing) {
    if (!range) return;
    playing = on;
    play.textContent = playing ? '❚❚ Pause' : '▶ Play';
    play.setAttribute('aria-pressed', String(playing));
    root.classList.toggle('playing', playing);
    if (playing) {
      if (cursor === null || cursor >= range[1]) setCursor(range[0]);
      lastFrame = 0;
      requestAnimationFrame(frame);
    }
  }

  play.addEventListener('click', () => toggle());
  let dragging = false;
  const pick = (event) => {
    const box = canvas.getBoundingClientRect();
    setCursor(range[0] + ((event.clientX - box.left) / box.width) * (range[1] - range[0]));
  };
  canvas.addEventListener('pointerdown', (event) => {
    if (!range) return;
    dragging = true;
    canvas.setPointerCapture(event.pointerId);
    pick(event);
  });
  canvas.addEventListener('pointermove', (event) => dragging && pick(event));
  canvas.addEventListener('pointerup', () => { dragging = false; });
  new ResizeObserver(draw).observe(canvas);

  return {
    setRange(start, end) {
      range = start !== null && end !== null && end > start ? [start, end] : null;
      root.classList.toggle('empty', !range);
      play.disabled = !range;
      if (range && (cursor === null || cursor < range[0] || cursor > range[1])) cursor = range[1];
      if (range) label.textContent = utc(cursor);
      else label.textContent = 'no data in range';
      draw();
    },
    setTicks(list) {
      ticks = list;
      draw();
    },
    setCoverage(span) {
      coverage = span;
      draw();
    },
    setCursor,
    toggle,
    cursor: () => cursor,
    playing: () => playing,
  };
}
