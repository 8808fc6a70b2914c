// Colours and pictures: TensorFlow Playground's scale, orange (-1) through light grey (0) to blue (+1).

const NEG = [245, 147, 34];
const MID = [232, 234, 235];
const POS = [8, 119, 189];

export function colour(v) {
  const t = Math.max(-1, Math.min(1, v));
  const [a, b, s] = t < 0 ? [MID, NEG, -t] : [MID, POS, t];
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * s));
}

export function css(v) {
  const [r, g, b] = colour(v);
  return `rgb(${r},${g},${b})`;
}

// A picture sent as base64 bytes (0..255 for -1..1), n x n cells, row by row from the top.
export function decodePicture(b64) {
  const raw = atob(b64);
  const values = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) values[i] = raw.charCodeAt(i) / 127.5 - 1;
  return values;
}

export function paintValues(canvas, values) {
  const n = Math.round(Math.sqrt(values.length));
  if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = colour(values[i]);
    image.data.set([r, g, b, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

export function paintPicture(canvas, b64, discretize = false) {
  const values = decodePicture(b64);
  // discretized: each cell as the class it is given (TensorFlow Playground's "discretize output")
  paintValues(canvas, discretize ? values.map((v) => (v >= 0 ? 1 : -1)) : values);
}

// A data set's small picture on its button: its points, scaled to fill the square.
export function paintPreview(canvas, rows, classification) {
  const ctx = canvas.getContext("2d");
  const n = canvas.width;
  ctx.fillStyle = css(0);
  ctx.fillRect(0, 0, n, n);
  const span = (k) => [Math.min(...rows.map((r) => r[k])), Math.max(...rows.map((r) => r[k]))];
  const [[x0, x1], [y0, y1]] = [span(0), span(1)];
  const [t0, t1] = span(2);
  for (const [a, b, t] of rows) {
    const v = classification ? (t > 0.5 ? 1 : -1) : (t1 > t0 ? 2 * (t - t0) / (t1 - t0) - 1 : 0);
    ctx.fillStyle = css(v);
    ctx.fillRect(2 + ((a - x0) / (x1 - x0 || 1)) * (n - 5), 2 + ((y1 - b) / (y1 - y0 || 1)) * (n - 5), 2, 2);
  }
}

// A feature's own picture over the plane (computed here: it is the input itself), scaled into [-1, 1].
const FEATURE = {
  x1: (a) => a / 6, x2: (a, b) => b / 6, x1sq: (a) => a * a / 18 - 1, x2sq: (a, b) => b * b / 18 - 1,
  x1x2: (a, b) => a * b / 18, sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b),
};

export function featurePicture(name, n = 16, domain = 6) {
  const values = new Float32Array(n * n);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const x1 = ((col + 0.5) / n) * 2 * domain - domain;
      const x2 = domain - ((row + 0.5) / n) * 2 * domain;
      values[row * n + col] = FEATURE[name](x1, x2);
    }
  }
  return values;
}

// The data points on the output picture: training points with a white ring, test points with a black one.
export function drawPoints(canvas, points, domain, classification, ring) {
  const ctx = canvas.getContext("2d");
  const scale = canvas.width / (2 * domain);
  for (const [x1, x2, label] of points) {
    const v = classification ? (label > 0.5 ? 1 : -1) : label;
    ctx.beginPath();
    ctx.arc((x1 + domain) * scale, (domain - x2) * scale, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = css(v);
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = ring;
    ctx.stroke();
  }
}
