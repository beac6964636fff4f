// NumPy-like printing of tensors, summarised with "..." when large.

import type { DType, TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

const PRECISION = 8; // NumPy's default print precision

/** Whether `text` reads back as `v` once stored in `dtype` (float32 compares after rounding). */
function roundTrips(text: string, v: number, dtype: DType): boolean {
  const back = Number(text);
  return dtype === "float32" ? Math.fround(back) === v : back === v;
}

/**
 * Fewest digits (0..PRECISION) that `digitsText(v, d)` needs to read back as `v`; a value
 * that needs more is rounded to PRECISION digits with trailing zeros dropped (0.1+0.2 → 0.3).
 */
function shortestDigits(v: number, dtype: DType, digitsText: (d: number) => string): number {
  for (let d = 0; d < PRECISION; d++) if (roundTrips(digitsText(d), v, dtype)) return d;
  const text = digitsText(PRECISION).split("e")[0]!;
  const trimmed = text.replace(/0+$/, "");
  return PRECISION - (text.length - trimmed.length);
}

/** `1.5e+2` → `1.5e+02`, `1e-5` → `1.e-05` (NumPy's spelling). */
function numpyExponential(v: number, digits: number): string {
  const [mant, exp] = v.toExponential(digits).split("e");
  const sign = exp![0] === "-" ? "-" : "+";
  const e = exp!.replace(/^[+-]/, "").padStart(2, "0");
  return `${mant!.includes(".") ? mant : mant + "."}e${sign}${e}`;
}

/**
 * A formatter for the float values of one tensor, chosen like NumPy: scientific notation when
 * the finite magnitudes reach 1e8, go below 1e-4, or span more than three decades; otherwise
 * fixed notation with the fewest decimals that read every value back (integral values print
 * as `3.`), shorter fractions padded on the right so the decimal points line up.
 */
function floatFormatter(values: ArrayLike<number>, dtype: DType): (v: number) => string {
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (!Number.isFinite(a) || a === 0) continue;
    if (a > maxAbs) maxAbs = a;
    if (a < minAbs) minAbs = a;
  }
  const special = (v: number) => (Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
  const scientific = maxAbs >= 1e8 || (maxAbs > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1e3));
  let digits = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const d = scientific ? shortestDigits(v, dtype, (k) => v.toExponential(k)) : shortestDigits(v, dtype, (k) => v.toFixed(k));
    if (d > digits) digits = d;
  }
  if (scientific) return (v) => (Number.isFinite(v) ? numpyExponential(v, digits) : special(v));
  return (v) => {
    if (!Number.isFinite(v)) return special(v);
    const d = shortestDigits(v, dtype, (k) => v.toFixed(k));
    const text = d === 0 ? `${v.toFixed(0)}.` : v.toFixed(d);
    return text.padEnd(text.length + digits - d);
  };
}

/** Text of each given value; float formatting is chosen over exactly these values. */
function formatCells(values: readonly number[], dtype: DType): string[] {
  if (dtype === "bool") return values.map((v) => (v ? "true" : "false"));
  if (dtype === "int32") return values.map((v) => String(v));
  const f = floatFormatter(values, dtype);
  return values.map(f);
}

export function formatTensor(data: TypedArray, shape: Shape, dtype: DType): string {
  const summarise = data.length > SUMMARY_THRESHOLD;
  // The indices shown along an axis of length n (null stands for "...").
  const shown = (n: number): (number | null)[] => {
    if (summarise && n > 2 * EDGE_ITEMS) {
      const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
      return [...head, null, ...head.map((i) => n - EDGE_ITEMS + i)];
    }
    return Array.from({ length: n }, (_, i) => i);
  };
  // First pass: which elements are displayed (only they decide the number format).
  const offsets: number[] = [];
  const collect = (dim: number, offset: number, stride: number): void => {
    if (dim === shape.length) return void offsets.push(offset);
    const n = shape[dim]!;
    const inner = n === 0 ? 0 : stride / n;
    for (const i of shown(n)) if (i !== null) collect(dim + 1, offset + i * inner, inner);
  };
  collect(0, 0, data.length);
  const texts = formatCells(offsets.map((o) => data[o]!), dtype);
  const width = texts.reduce((w, c) => Math.max(w, c.length), 0);
  const cells = new Map<number, string>(offsets.map((o, k) => [o, texts[k]!.padStart(width)]));

  const render = (dim: number, offset: number, stride: number, indent: string): string => {
    if (dim === shape.length) return cells.get(offset)!;
    const n = shape[dim]!;
    const inner = n === 0 ? 0 : stride / n;
    const parts = shown(n).map((i) => (i === null ? "..." : render(dim + 1, offset + i * inner, inner, indent + " ")));
    if (dim === shape.length - 1) return `[${parts.join(", ")}]`;
    const sep = "," + "\n".repeat(shape.length - dim - 1) + indent + " ";
    return `[${parts.join(sep)}]`;
  };
  const body = render(0, 0, data.length, "       ");
  const shapeNote = summarise ? `, shape=[${shape.join(",")}]` : "";
  return `tensor(${body}, dtype=${dtype}${shapeNote})`;
}
