// Glyphs drawn on a canvas at start-up (no sprite sheet to fetch): a vessel arrow and one
// shape per event type. They are signed-distance-field icons, so the map colours them by risk.

export const SHAPES = [
  'circle', 'square', 'triangle', 'diamond', 'cross', 'star', 'hexagon', 'bar', 'ring', 'chevron',
  'pentagon', 'x',
  'tee', 'eye', 'flag',
  'hourglass', 'key', 'twin', 'door', 'box', 'snowflake', 'octagon',
  'shield', 'house', 'crown', 'stack',
];

const SIZE = 32;

function path(ctx, shape, size) {
  const c = size / 2;
  const r = size * 0.34;
  ctx.beginPath();
  if (shape === 'vessel') {
    ctx.moveTo(c, size * 0.08);
    ctx.lineTo(c + size * 0.26, size * 0.86);
    ctx.lineTo(c, size * 0.7);
    ctx.lineTo(c - size * 0.26, size * 0.86);
  } else if (shape === 'square') {
    ctx.rect(c - r * 0.85, c - r * 0.85, r * 1.7, r * 1.7);
  } else if (shape === 'triangle') {
    ctx.moveTo(c, c - r * 1.1);
    ctx.lineTo(c + r, c + r * 0.8);
    ctx.lineTo(c - r, c + r * 0.8);
  } else if (shape === 'diamond') {
    ctx.moveTo(c, c - r * 1.15);
    ctx.lineTo(c + r * 0.9, c);
    ctx.lineTo(c, c + r * 1.15);
    ctx.lineTo(c - r * 0.9, c);
  } else if (shape === 'cross') {
    const w = r * 0.42;
    for (const [x, y, dx, dy] of [[c - w, c - r, 2 * w, 2 * r], [c - r, c - w, 2 * r, 2 * w]]) {
      ctx.rect(x, y, dx, dy);
    }
  } else if (shape === 'star' || shape === 'hexagon' || shape === 'pentagon') {
    const points = { star: 10, hexagon: 6, pentagon: 5 }[shape];
    for (let i = 0; i < points; i += 1) {
      const radius = shape === 'star' && i % 2 ? r * 0.5 : r * 1.1;
      const angle = (Math.PI * 2 * i) / points - Math.PI / 2;
      ctx.lineTo(c + radius * Math.cos(angle), c + radius * Math.sin(angle));
    }
  } else if (shape === 'bar') {
    ctx.rect(c - r * 1.1, c - r * 0.4, r * 2.2, r * 0.8);
  } else if (shape === 'ring') {
    // the inner circle runs the other way, so the non-zero fill leaves it empty
    ctx.arc(c, c, r * 1.05, 0, Math.PI * 2);
    ctx.moveTo(c + r * 0.55, c);
    ctx.arc(c, c, r * 0.55, 0, Math.PI * 2, true);
  } else if (shape === 'chevron') {
    ctx.moveTo(c - r, c - r * 0.9);
    ctx.lineTo(c, c + r * 0.1);
    ctx.lineTo(c + r, c - r * 0.9);
    ctx.lineTo(c + r, c - r * 0.1);
    ctx.lineTo(c, c + r * 0.9);
    ctx.lineTo(c - r, c - r * 0.1);
  } else if (shape === 'x') {
    // the cross turned by 45°: rectangles wind alike, so their overlap stays filled
    const w = r * 0.36;
    ctx.save();
    ctx.translate(c, c);
    ctx.rotate(Math.PI / 4);
    ctx.rect(-w, -r * 1.15, 2 * w, 2.3 * r);
    ctx.rect(-r * 1.15, -w, 2.3 * r, 2 * w);
    ctx.restore();
  } else if (shape === 'tee') {
    // a T: a bar across the top and a stem down the middle, one outline
    const w = r * 0.38;
    ctx.moveTo(c - r * 1.1, c - r * 1.05);
    ctx.lineTo(c + r * 1.1, c - r * 1.05);
    ctx.lineTo(c + r * 1.1, c - r * 1.05 + 2 * w);
    ctx.lineTo(c + w, c - r * 1.05 + 2 * w);
    ctx.lineTo(c + w, c + r * 1.1);
    ctx.lineTo(c - w, c + r * 1.1);
    ctx.lineTo(c - w, c - r * 1.05 + 2 * w);
    ctx.lineTo(c - r * 1.1, c - r * 1.05 + 2 * w);
  } else if (shape === 'eye') {
    // an almond with the iris cut out and the pupil kept: the iris winds the other way, so the
    // non-zero fill leaves it empty, and the pupil winds like the almond
    const w = r * 1.2;
    const h = r * 0.8;
    ctx.moveTo(c - w, c);
    ctx.quadraticCurveTo(c, c - 2 * h, c + w, c);
    ctx.quadraticCurveTo(c, c + 2 * h, c - w, c);
    ctx.moveTo(c + r * 0.5, c);
    ctx.arc(c, c, r * 0.5, 0, Math.PI * 2, true);
    ctx.moveTo(c + r * 0.25, c);
    ctx.arc(c, c, r * 0.25, 0, Math.PI * 2);
  } else if (shape === 'flag') {
    // a pennant on its pole: the pole and the cloth are one outline
    const w = r * 0.3;
    ctx.moveTo(c - r * 0.9, c + r * 1.15);
    ctx.lineTo(c - r * 0.9, c - r * 1.15);
    ctx.lineTo(c + r * 1.1, c - r * 0.55);
    ctx.lineTo(c - r * 0.9 + w, c + r * 0.05);
    ctx.lineTo(c - r * 0.9 + w, c + r * 1.15);
  } else if (shape === 'hourglass') {
    // two triangles meeting at their tips: time spent at hubs (shell game)
    ctx.moveTo(c - r, c - r * 1.1);
    ctx.lineTo(c + r, c - r * 1.1);
    ctx.lineTo(c + r * 0.12, c);
    ctx.lineTo(c + r, c + r * 1.1);
    ctx.lineTo(c - r, c + r * 1.1);
    ctx.lineTo(c - r * 0.12, c);
  } else if (shape === 'key') {
    // a bow with a hole (wound the other way) and a shaft with one bit, as one outline
    const w = r * 0.22;
    ctx.arc(c - r * 0.55, c, r * 0.55, 0, Math.PI * 2);
    ctx.moveTo(c - r * 0.55 + r * 0.22, c);
    ctx.arc(c - r * 0.55, c, r * 0.22, 0, Math.PI * 2, true);
    ctx.moveTo(c - r * 0.05, c - w);
    ctx.lineTo(c + r * 1.15, c - w);
    ctx.lineTo(c + r * 1.15, c + r * 0.6);
    ctx.lineTo(c + r * 0.8, c + r * 0.6);
    ctx.lineTo(c + r * 0.8, c + w);
    ctx.lineTo(c - r * 0.05, c + w);
  } else if (shape === 'twin') {
    // two boxes side by side, apart: one number, two boxes (clone)
    const h = r * 1.1;
    ctx.rect(c - r * 1.15, c - h, r * 0.95, 2 * h);
    ctx.rect(c + r * 0.2, c - h, r * 0.95, 2 * h);
  } else if (shape === 'door') {
    // a frame with its leaf swung open: the frame's opening winds the other way
    ctx.moveTo(c - r, c - r * 1.15);
    ctx.lineTo(c + r * 0.3, c - r * 1.15);
    ctx.lineTo(c + r * 0.3, c + r * 1.15);
    ctx.lineTo(c - r, c + r * 1.15);
    ctx.closePath();
    ctx.moveTo(c - r * 0.7, c - r * 0.85);
    ctx.lineTo(c - r * 0.7, c + r * 0.85);
    ctx.lineTo(c, c + r * 0.85);
    ctx.lineTo(c, c - r * 0.85);
    ctx.closePath();
    ctx.moveTo(c + r * 0.3, c - r * 1.15);
    ctx.lineTo(c + r * 1.15, c - r * 0.75);
    ctx.lineTo(c + r * 1.15, c + r * 0.95);
    ctx.lineTo(c + r * 0.3, c + r * 1.15);
  } else if (shape === 'box') {
    // a container seen from the side: a long rectangle with its corrugation cut in
    ctx.rect(c - r * 1.2, c - r * 0.7, r * 2.4, r * 1.4);
    for (const x of [-0.6, 0, 0.6]) {
      ctx.moveTo(c + r * (x + 0.1), c - r * 0.45);
      ctx.lineTo(c + r * (x - 0.1), c - r * 0.45);
      ctx.lineTo(c + r * (x - 0.1), c + r * 0.45);
      ctx.lineTo(c + r * (x + 0.1), c + r * 0.45);
      ctx.closePath();
    }
  } else if (shape === 'snowflake') {
    // three bars crossing at the centre (a six-armed star), as in the cross
    const w = r * 0.2;
    ctx.save();
    ctx.translate(c, c);
    for (let i = 0; i < 3; i += 1) {
      ctx.rect(-w, -r * 1.15, 2 * w, 2.3 * r);
      ctx.rotate(Math.PI / 3);
    }
    ctx.restore();
  } else if (shape === 'octagon') {
    // a stop sign
    for (let i = 0; i < 8; i += 1) {
      const angle = (Math.PI * 2 * i) / 8 + Math.PI / 8;
      ctx.lineTo(c + r * 1.1 * Math.cos(angle), c + r * 1.1 * Math.sin(angle));
    }
  } else if (shape === 'shield') {
    // a shield, flat on top and pointed below: a name on a list (list match)
    ctx.moveTo(c - r, c - r * 1.1);
    ctx.lineTo(c + r, c - r * 1.1);
    ctx.lineTo(c + r, c);
    ctx.quadraticCurveTo(c + r, c + r * 0.8, c, c + r * 1.2);
    ctx.quadraticCurveTo(c - r, c + r * 0.8, c - r, c);
  } else if (shape === 'house') {
    // a house: a company (shell company)
    ctx.moveTo(c, c - r * 1.15);
    ctx.lineTo(c + r, c - r * 0.2);
    ctx.lineTo(c + r, c + r);
    ctx.lineTo(c - r, c + r);
    ctx.lineTo(c - r, c - r * 0.2);
  } else if (shape === 'crown') {
    // a crown: who stands at the top of the chain (owned by a listed entity)
    ctx.moveTo(c - r, c + r * 0.8);
    ctx.lineTo(c - r, c - r * 0.9);
    ctx.lineTo(c - r * 0.5, c - r * 0.1);
    ctx.lineTo(c, c - r * 1.1);
    ctx.lineTo(c + r * 0.5, c - r * 0.1);
    ctx.lineTo(c + r, c - r * 0.9);
    ctx.lineTo(c + r, c + r * 0.8);
  } else if (shape === 'stack') {
    // two boxes one behind the other: a company behind a company (owned by a shell)
    ctx.rect(c - r, c - r * 0.3, r * 1.3, r * 1.3);
    ctx.rect(c - r * 0.3, c - r, r * 1.3, r * 1.3);
  } else {
    ctx.arc(c, c, r, 0, Math.PI * 2);
  }
  ctx.closePath();
}

function canvasOf(shape, size, fill) {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  path(ctx, shape, size);
  ctx.fillStyle = fill;
  ctx.fill('nonzero');
  return canvas;
}

/** Registers `vessel`, `dot` and `ev-<shape>` as SDF images on the map. */
export function addIcons(map) {
  for (const shape of ['vessel', ...SHAPES]) {
    const name = shape === 'vessel' ? 'vessel' : `ev-${shape}`;
    if (map.hasImage(name)) continue;
    const ctx = canvasOf(shape, SIZE, '#fff').getContext('2d');
    map.addImage(name, ctx.getImageData(0, 0, SIZE, SIZE), { sdf: true, pixelRatio: 2 });
  }
}

/** A small inline image of `shape` for lists and the legend. */
export function shapeImage(shape, colour = '#c9d4dd', size = 14) {
  const image = document.createElement('img');
  image.src = canvasOf(shape, size * 2, colour).toDataURL();
  image.width = size;
  image.height = size;
  image.alt = '';
  image.className = 'shape';
  return image;
}

/** The shape of each event type: the one the API's registry gives it, else one by its place in
 * the API's list (for a server that does not say). */
export function shapesFor(types) {
  const shapes = {};
  Object.entries(types).forEach(([type, info], index) => {
    shapes[type] = SHAPES.includes(info?.shape) ? info.shape : SHAPES[index % SHAPES.length];
  });
  return shapes;
}
