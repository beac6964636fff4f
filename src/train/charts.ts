// Pictures of a run, as self-contained SVG strings (no scripts, no external files): the
// history by epoch (loss and accuracy, train vs validation), the confusion matrix as a heat
// map, and a grid of misclassified images drawn as <rect> pixels. All text is XML-escaped.

import type { Split } from "../data/dataset.js";
import { ShapeError, ValueError, fmtShape } from "../errors.js";
import type { History } from "./history.js";

/** Text safe inside an SVG element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const TRAIN_COLOUR = "#1f77b4";
const VALIDATION_COLOUR = "#ff7f0e";
const num = (x: number): string => (Math.round(x * 100) / 100).toString();

function svgOpen(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="${width}" height="${height}" fill="#ffffff"/>\n`;
}

function text(x: number, y: number, content: string, attrs = ""): string {
  return `<text x="${num(x)}" y="${num(y)}" ${FONT} ${attrs}>${escapeXml(content)}</text>\n`;
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.7)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

interface Series {
  readonly name: string;
  readonly colour: string;
  readonly points: readonly (readonly [number, number])[];
}

/** One line chart: axes, ticks, labels, a polyline and point markers per series, a legend. */
function panel(x0: number, y0: number, w: number, h: number, title: string, yLabel: string, series: readonly Series[], yRange?: [number, number], legendAtBottom = false): string {
  const m = { left: 56, right: 12, top: 28, bottom: 44 };
  const pw = w - m.left - m.right;
  const ph = h - m.top - m.bottom;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xMin = Math.min(1, ...xs);
  const xMax = Math.max(xMin + 1, ...xs);
  let [yMin, yMax] = yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (!(yMax > yMin)) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const pad = (yMax - yMin) * 0.05;
  if (yRange === undefined) [yMin, yMax] = [yMin - pad, yMax + pad];
  const sx = (v: number) => x0 + m.left + ((v - xMin) / (xMax - xMin)) * pw;
  const sy = (v: number) => y0 + m.top + ph - ((v - yMin) / (yMax - yMin)) * ph;
  let out = `<g class="panel" data-title="${escapeXml(title)}">\n`;
  out += text(x0 + m.left + pw / 2, y0 + 18, title, 'font-size="14" font-weight="bold" text-anchor="middle"');
  // Grid and ticks.
  for (const v of niceTicks(yMin, yMax, 5)) {
    out += `<line class="tick y" x1="${num(x0 + m.left - 4)}" y1="${num(sy(v))}" x2="${num(x0 + m.left + pw)}" y2="${num(sy(v))}" stroke="#e0e0e0"/>\n`;
    out += text(x0 + m.left - 7, sy(v) + 4, String(v), 'font-size="11" text-anchor="end" fill="#333333"');
  }
  const xTicks = niceTicks(xMin, xMax, Math.min(8, xMax - xMin)).filter(Number.isInteger);
  for (const v of xTicks) {
    out += `<line class="tick x" x1="${num(sx(v))}" y1="${num(y0 + m.top + ph)}" x2="${num(sx(v))}" y2="${num(y0 + m.top + ph + 4)}" stroke="#333333"/>\n`;
    out += text(sx(v), y0 + m.top + ph + 17, String(v), 'font-size="11" text-anchor="middle" fill="#333333"');
  }
  // Axes and their labels.
  out += `<path class="axes" d="M${num(x0 + m.left)} ${num(y0 + m.top)}V${num(y0 + m.top + ph)}H${num(x0 + m.left + pw)}" fill="none" stroke="#333333"/>\n`;
  out += text(x0 + m.left + pw / 2, y0 + h - 8, "epoch", 'font-size="12" text-anchor="middle"');
  out += text(0, 0, yLabel, `font-size="12" text-anchor="middle" transform="translate(${num(x0 + 14)} ${num(y0 + m.top + ph / 2)}) rotate(-90)"`);
  // Series: a polyline and a marker per point.
  for (const s of series) {
    out += `<g class="series" data-name="${escapeXml(s.name)}">\n`;
    if (s.points.length > 1) out += `<polyline points="${s.points.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(" ")}" fill="none" stroke="${s.colour}" stroke-width="2"/>\n`;
    for (const [x, y] of s.points) out += `<circle class="point" cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${s.colour}"/>\n`;
    out += "</g>\n";
  }
  // Legend, inside the plot on the right: at the top for a falling curve (loss), at the bottom for a rising one.
  series.forEach((s, i) => {
    const lx = x0 + m.left + pw - 110;
    const ly = legendAtBottom ? y0 + m.top + ph - 10 - (series.length - 1 - i) * 18 : y0 + m.top + 14 + i * 18;
    out += `<g class="legend-entry"><rect x="${num(lx)}" y="${num(ly - 9)}" width="14" height="10" fill="${s.colour}"/>${text(lx + 20, ly, s.name, 'font-size="12"').trimEnd()}</g>\n`;
  });
  return out + "</g>\n";
}

/** The finite [epoch, value] pairs of one field of the history. */
function pointsOf(history: History, field: "loss" | "accuracy" | "val_loss" | "val_accuracy"): [number, number][] {
  return history.flatMap((r) => (r[field] !== undefined && Number.isFinite(r[field]) ? [[r.epoch, r[field]!] as [number, number]] : []));
}

/** The training history as an SVG chart: loss (and accuracy, when recorded) by epoch, train vs validation. */
export function historyChart(history: History, options?: { title?: string }): string {
  if (!Array.isArray(history) || history.length === 0) throw new ValueError("historyChart: the history is empty (no epoch finished)");
  const panels: { title: string; y: string; series: Series[]; range?: [number, number] }[] = [];
  const seriesOf = (train: "loss" | "accuracy", val: "val_loss" | "val_accuracy"): Series[] =>
    [
      { name: "train", colour: TRAIN_COLOUR, points: pointsOf(history, train) },
      { name: "validation", colour: VALIDATION_COLOUR, points: pointsOf(history, val) },
    ].filter((s) => s.points.length > 0);
  panels.push({ title: "Loss", y: "loss", series: seriesOf("loss", "val_loss") });
  const acc = seriesOf("accuracy", "val_accuracy");
  // Accuracy keeps 1 at the top and starts at the tenth below its lowest value.
  const lowest = Math.min(...acc.flatMap((s) => s.points.map((p) => p[1])));
  if (acc.length > 0) panels.push({ title: "Accuracy", y: "accuracy", series: acc, range: [Math.max(0, Math.floor(lowest * 10 - 1e-9) / 10), 1] });
  const pw = 380;
  const top = options?.title !== undefined ? 28 : 0;
  const height = 300 + top;
  let svg = svgOpen(pw * panels.length, height);
  if (options?.title !== undefined) svg += text((pw * panels.length) / 2, 20, options.title, 'font-size="15" font-weight="bold" text-anchor="middle"');
  panels.forEach((p, i) => (svg += panel(i * pw, top, pw, 300, p.title, p.y, p.series, p.range, p.range !== undefined)));
  return svg + "</svg>\n";
}

/** White → dark blue for a fraction in [0, 1]. */
function heat(f: number): string {
  const mix = (a: number, b: number) => Math.round(a + (b - a) * Math.min(1, Math.max(0, f)));
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

/**
 * The confusion matrix (rows: true class, columns: predicted) as an SVG heat map: each cell's
 * shade is its fraction of the row (the class's recall on the diagonal) on a square-root scale,
 * so that small confusions show; its count is written in it.
 */
export function confusionChart(matrix: readonly (readonly number[])[], classes: readonly string[], options?: { title?: string }): string {
  const k = matrix.length;
  if (k === 0 || matrix.some((row) => row.length !== k)) throw new ShapeError(`confusionChart: the matrix must be square and non-empty, got ${k} rows of lengths ${matrix.map((r) => r.length).join(", ")}`);
  if (classes.length !== k) throw new ValueError(`confusionChart: ${classes.length} class names for a ${k}×${k} matrix`);
  const longest = Math.max(...classes.map((c) => c.length));
  const cell = Math.max(28, Math.min(56, Math.floor(560 / k)));
  const left = 40 + Math.min(160, longest * 7);
  const top = 56;
  const bottom = 30 + Math.min(160, longest * 7);
  const width = left + cell * k + 20;
  const height = top + cell * k + bottom;
  let svg = svgOpen(width, height);
  svg += text(width / 2, 22, options?.title ?? "Confusion matrix", 'font-size="15" font-weight="bold" text-anchor="middle"');
  svg += text(left + (cell * k) / 2, height - 8, "predicted class", 'font-size="12" text-anchor="middle"');
  svg += text(0, 0, "true class", `font-size="12" text-anchor="middle" transform="translate(14 ${num(top + (cell * k) / 2)}) rotate(-90)"`);
  for (let r = 0; r < k; r++) {
    const rowTotal = matrix[r]!.reduce((s, v) => s + v, 0);
    for (let c = 0; c < k; c++) {
      const v = matrix[r]![c]!;
      const f = rowTotal === 0 ? 0 : v / rowTotal;
      const x = left + c * cell;
      const y = top + r * cell;
      svg += `<rect class="cell" data-row="${r}" data-col="${c}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${heat(Math.sqrt(f))}" stroke="#ffffff"/>\n`;
      if (cell >= 28) svg += text(x + cell / 2, y + cell / 2 + 4, String(v), `font-size="${cell >= 40 ? 12 : 10}" text-anchor="middle" fill="${f > 0.25 ? "#ffffff" : "#222222"}"`);
    }
    svg += text(left - 6, top + r * cell + cell / 2 + 4, classes[r]!, 'class="label row" font-size="12" text-anchor="end"');
  }
  for (let c = 0; c < k; c++) {
    const x = left + c * cell + cell / 2;
    svg += text(0, 0, classes[c]!, `class="label col" font-size="12" text-anchor="end" transform="translate(${num(x + 4)} ${top + cell * k + 8}) rotate(-60)"`);
  }
  return svg + "</svg>\n";
}

/** Options of `misclassifiedGrid`: how many images, per row, and at what scale. */
export interface MisclassifiedOptions {
  /** At most this many images (the first misclassified in split order). Default 36. */
  readonly max?: number;
  /** Images per row. Default 6. */
  readonly columns?: number;
  /** Screen pixels per image pixel. Default 3. */
  readonly scale?: number;
}

/** [channels, height, width] of one example of x, for drawing. */
function imageShape(shape: readonly number[]): [number, number, number] {
  const s = shape.slice(1);
  if (s.length === 3 && (s[0] === 1 || s[0] === 3)) return [s[0]!, s[1]!, s[2]!];
  if (s.length === 2) return [1, s[0]!, s[1]!];
  if (s.length === 1 && Number.isInteger(Math.sqrt(s[0]!))) return [1, Math.sqrt(s[0]!), Math.sqrt(s[0]!)];
  throw new ShapeError(`misclassifiedGrid: cannot draw examples of shape ${fmtShape(s)} (need [1 or 3, H, W], [H, W] or a square number of features)`);
}

/** One image as rows of <rect> runs of equal colour, its values stretched to its own min…max. */
function imageRects(data: ArrayLike<number>, offset: number, [c, h, w]: [number, number, number], x0: number, y0: number, scale: number): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < c * h * w; i++) {
    const v = data[offset + i]!;
    if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  const range = hi > lo ? hi - lo : 1;
  const level = (ch: number, y: number, x: number) => {
    const v = data[offset + (ch * h + y) * w + x]!;
    return Number.isFinite(v) ? Math.round(((v - lo) / range) * 255) : 0;
  };
  const colour = (y: number, x: number) => {
    const r = level(0, y, x);
    return c === 3 ? `rgb(${r},${level(1, y, x)},${level(2, y, x)})` : `rgb(${r},${r},${r})`;
  };
  let out = "";
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; ) {
      const fill = colour(y, x);
      let end = x + 1;
      while (end < w && colour(y, end) === fill) end++;
      out += `<rect x="${x0 + x * scale}" y="${y0 + y * scale}" width="${(end - x) * scale}" height="${scale}" fill="${fill}"/>`;
      x = end;
    }
  }
  return out;
}

/** A grid of the examples of `split` whose prediction is wrong, each captioned "true → predicted". */
export function misclassifiedGrid(split: Split, predictions: ArrayLike<number>, classes: readonly string[], options?: MisclassifiedOptions): string {
  const labels = split.y.data();
  if (predictions.length !== labels.length) throw new ShapeError(`misclassifiedGrid: ${predictions.length} predictions for ${labels.length} examples`);
  const [c, h, w] = imageShape(split.x.shape);
  const max = options?.max ?? 36;
  const columns = options?.columns ?? 6;
  const scale = options?.scale ?? 3;
  const wrong: number[] = [];
  for (let i = 0; i < labels.length && wrong.length < max; i++) if (predictions[i] !== labels[i]) wrong.push(i);
  const name = (k: number) => classes[k] ?? String(k);
  const tileW = Math.max(w * scale, 90) + 10;
  const tileH = h * scale + 34;
  const rows = Math.max(1, Math.ceil(wrong.length / columns));
  const width = Math.max(240, tileW * Math.min(columns, Math.max(1, wrong.length)) + 10);
  const height = 36 + rows * tileH;
  let svg = svgOpen(width, height);
  svg += text(width / 2, 22, `Misclassified: ${wrong.length} shown`, 'font-size="14" font-weight="bold" text-anchor="middle"');
  if (wrong.length === 0) svg += text(width / 2, 52, "no misclassified examples", 'font-size="12" text-anchor="middle"');
  const x = split.x.data();
  const size = c * h * w;
  wrong.forEach((i, k) => {
    const tx = 10 + (k % columns) * tileW;
    const ty = 36 + Math.floor(k / columns) * tileH;
    svg += `<g class="example" data-index="${i}" shape-rendering="crispEdges">${imageRects(x, i * size, [c, h, w], tx, ty, scale)}</g>\n`;
    svg += text(tx, ty + h * scale + 14, `${name(labels[i]!)} → ${name(predictions[i]!)}`, 'font-size="11" fill="#b00020"');
    svg += text(tx, ty + h * scale + 27, `#${i}`, 'font-size="10" fill="#666666"');
  });
  return svg + "</svg>\n";
}
