// NumPy-like printing of tensors, summarised with "..." when large.

import type { DType, TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

function formatNumber(v: number, dtype: DType, allIntegers: boolean): string {
  if (dtype === "bool") return v ? "true" : "false";
  if (dtype === "int32") return String(v);
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (allIntegers && Math.abs(v) < 1e16) return `${v}.`;
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e8)) return v.toExponential(dtype === "float32" ? 4 : 8);
  return String(Number(v.toPrecision(dtype === "float32" ? 6 : 10)));
}

export function formatTensor(data: TypedArray, shape: Shape, dtype: DType): string {
  const summarise = data.length > SUMMARY_THRESHOLD;
  let allIntegers = true;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isInteger(data[i]!)) {
      allIntegers = false;
      break;
    }
  }
  const cells: string[] = [];
  for (let i = 0; i < data.length; i++) cells.push(formatNumber(data[i]!, dtype, allIntegers));
  const width = cells.reduce((w, c) => Math.max(w, c.length), 0);
  const pad = (s: string) => s.padStart(width);

  const render = (dim: number, offset: number, stride: number, indent: string): string => {
    if (dim === shape.length) return pad(cells[offset]!);
    const n = shape[dim]!;
    const inner = n === 0 ? 0 : stride / n;
    const indices: (number | null)[] = [];
    if (summarise && n > 2 * EDGE_ITEMS) {
      for (let i = 0; i < EDGE_ITEMS; i++) indices.push(i);
      indices.push(null);
      for (let i = n - EDGE_ITEMS; i < n; i++) indices.push(i);
    } else {
      for (let i = 0; i < n; i++) indices.push(i);
    }
    const parts = indices.map((i) => (i === null ? "..." : render(dim + 1, offset + i * inner, inner, indent + " ")));
    if (dim === shape.length - 1) return `[${parts.join(", ")}]`;
    const sep = "," + "\n".repeat(shape.length - dim - 1) + indent + " ";
    return `[${parts.join(sep)}]`;
  };
  const body = render(0, 0, data.length, "       ");
  const shapeNote = summarise ? `, shape=[${shape.join(",")}]` : "";
  return `tensor(${body}, dtype=${dtype}${shapeNote})`;
}
