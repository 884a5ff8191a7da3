// Drawing one frame on a canvas: the picture, each object's box in its
// class colour with its track id, each group's outline in its risk colour.
// Shared by the wall's tiles and the full-screen detail.

const CLASS_COLOURS = {
  car: '#4cc9f0', truck: '#f7b801', bus: '#f18701', person: '#7bd389', bicycle: '#c77dff',
  motorcycle: '#ff70a6', motorbike: '#ff70a6',
};
export const RISK_COLOURS = {
  none: '#8a949e', low: '#f2d600', medium: '#ff8c1a', high: '#e5484d', critical: '#b3001b',
};

export function classColour(name) {
  if (CLASS_COLOURS[name]) return CLASS_COLOURS[name];
  let h = 0;
  for (const c of String(name)) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h} 70% 60%)`;
}

export function riskOf(group) {
  return group.riskLevelRaw || 'none';
}

// Keeps the canvas' backing store at its displayed size (times the pixel
// ratio); returns the size in CSS pixels.
// Sizes come from a ResizeObserver (cssSize) when there is one: reading
// clientWidth on every frame would force a layout each time.
const cssSize = new WeakMap();
const observer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    cssSize.set(entry.target, { width: entry.contentRect.width, height: entry.contentRect.height });
  }
});

export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  if (!cssSize.has(canvas)) {
    observer.observe(canvas);
    cssSize.set(canvas, { width: canvas.clientWidth, height: canvas.clientHeight });
  }
  const size = cssSize.get(canvas);
  const width = Math.max(1, size.width);
  const height = Math.max(1, size.height);
  const w = Math.round(width * ratio);
  const h = Math.round(height * ratio);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

// Draws `frame` ({data, bitmap}) and records on the canvas what it drew
// (data-request-id, data-boxes: the objects' bboxes in image pixels), so a
// test can hold the picture against the message it came from.
export function drawFrame(canvas, frame) {
  const { ctx, width, height } = fitCanvas(canvas);
  ctx.fillStyle = '#0b0f14';
  ctx.fillRect(0, 0, width, height);
  if (!frame || !frame.data) return;
  const data = frame.data;
  const bitmap = frame.bitmap;
  const imageWidth = data.imageWidth || (bitmap && bitmap.width) || 640;
  const imageHeight = data.imageHeight || (bitmap && bitmap.height) || 360;
  const scale = Math.min(width / imageWidth, height / imageHeight);
  const dw = imageWidth * scale;
  const dh = imageHeight * scale;
  const ox = (width - dw) / 2;
  const oy = (height - dh) / 2;
  if (bitmap) ctx.drawImage(bitmap, ox, oy, dw, dh);
  const box = (b) => [ox + b[0] * scale, oy + b[1] * scale, (b[2] - b[0]) * scale, (b[3] - b[1]) * scale];

  ctx.lineWidth = 1.5;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'bottom';
  const objects = Array.isArray(data.detectedObjects) ? data.detectedObjects : [];
  for (const object of objects) {
    if (!Array.isArray(object.bbox) || object.bbox.length !== 4) continue;
    const [x, y, w, h] = box(object.bbox);
    const colour = classColour(object.class);
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
    const id = data.trackingEnabled && object.objectId != null ? ` #${object.objectId}` : '';
    const label = `${object.class}${id}`;
    const tw = ctx.measureText(label).width + 4;
    ctx.fillStyle = colour;
    ctx.fillRect(x, y - 13, tw, 13);
    ctx.fillStyle = '#000';
    ctx.fillText(label, x + 2, y);
  }
  const groups = Array.isArray(data.trafficGroups) ? data.trafficGroups : [];
  for (const group of groups) {
    const bbox = group.groupBbox || group.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4) continue;
    const level = riskOf(group);
    const [x, y, w, h] = box(bbox);
    ctx.save();
    ctx.strokeStyle = RISK_COLOURS[level] || RISK_COLOURS.none;
    ctx.lineWidth = level === 'none' ? 1 : 3;
    if (level === 'none') ctx.setLineDash([4, 3]);
    ctx.strokeRect(x - 3, y - 3, w + 6, h + 6);
    ctx.restore();
  }
  canvas.dataset.requestId = data.requestId || '';
  canvas.dataset.timestamp = data.timestamp || '';
  canvas.dataset.boxes = JSON.stringify(objects.map((o) => o.bbox));
  canvas.dataset.drawn = String(Number(canvas.dataset.drawn || 0) + 1);
}

// base64 JPEG (data URI or bare) -> ImageBitmap. fetch() turns the data URI
// into bytes and createImageBitmap() decodes them, both off the main thread.
export async function decodeImage(uri) {
  const dataUri = uri.startsWith('data:') ? uri : 'data:image/jpeg;base64,' + uri;
  const blob = await (await fetch(dataUri)).blob();
  return createImageBitmap(blob);
}
