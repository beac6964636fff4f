// Row selection on concrete tensors: the building block of splits, folds and subsets. Works on
// the storage directly (data sets are concrete, and copying rows is all a split needs).

import { ValueError, fmtShape } from "../errors.js";
import { allocArray } from "../tensor/dtype.js";
import { fromArray } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Split } from "./dataset.js";

/** Rows `idx` of `x` (along axis 0), in that order. */
export function takeRows(op: string, x: Tensor, idx: ArrayLike<number>): Tensor {
  const src = x._concrete(op);
  const n = x.shape[0] ?? 0;
  const row = n === 0 ? 0 : x.size / n;
  const out = allocArray(x.dtype, idx.length * row);
  for (let i = 0; i < idx.length; i++) {
    const k = idx[i]!;
    if (!(k >= 0 && k < n)) throw new ValueError(`${op}: row index ${k} out of range for ${n} rows`);
    out.set(src.subarray(k * row, (k + 1) * row), i * row);
  }
  return fromArray(out, [idx.length, ...x.shape.slice(1)], x.dtype);
}

/** Samples `idx` of a split. */
export function takeSplit(op: string, split: Split, idx: ArrayLike<number>): Split {
  return { x: takeRows(op, split.x, idx), y: takeRows(op, split.y, idx) };
}

/** Checks that a split is { x, y } of concrete tensors with one label per sample; returns the count. */
export function checkSplit(op: string, name: string, split: unknown): number {
  const s = split as Partial<Split> | null;
  if (typeof s !== "object" || s === null || !isConcrete(s.x) || !isConcrete(s.y)) {
    throw new ValueError(`${op}: ${name} must be a split { x, y } of concrete tensors`);
  }
  const x = s.x!;
  const y = s.y!;
  if (x.rank < 1 || y.rank !== 1 || x.shape[0] !== y.shape[0]) {
    throw new ValueError(`${op}: ${name}: x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} must have one label per sample (y of rank 1, as many as x's first dimension)`);
  }
  return y.shape[0]!;
}

function isConcrete(u: unknown): u is Tensor {
  return typeof u === "object" && u !== null && "_data" in u && (u as Tensor)._data !== null;
}
