// Shapes: sizes, row-major strides, NumPy broadcasting and axis normalisation.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import type { DType } from "./dtype.js";

/** The extent of each axis of a tensor, outermost first; `[]` for a scalar. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The most elements fluxion lets one tensor hold: 2³¹ − 1, a typed-array length every
 * JavaScript engine supports (V8 on 64-bit hosts goes to 2³², others stop at 2³¹ − 1).
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Throws a ShapeError naming the op, the shape and its byte size when a tensor of it cannot be made. */
export function checkTensorSize(op: string, shape: Shape, dtype: DType): void {
  const n = sizeOf(shape);
  if (n <= MAX_TENSOR_ELEMENTS && shape.every((d) => d <= MAX_TENSOR_ELEMENTS)) return;
  throw new ShapeError(
    `${op}: a tensor of shape ${fmtShape(shape)} and dtype ${dtype} (${n} elements, ${n * BYTES_PER_ELEMENT[dtype]} bytes) is larger than the engine allows (at most ${MAX_TENSOR_ELEMENTS} elements per tensor, and no dimension above that)`,
  );
}

/** NumPy broadcasting of two shapes: align right, each pair equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (axis ${i - rank}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Whether `from` broadcasts to `to` under NumPy's rules. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) if (from[i] !== 1 && from[i] !== to[off + i]) return false;
  return true;
}

/** Resolves a possibly negative axis against `rank`, or throws naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ValueError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves an axis option (undefined = all axes) to a sorted list of distinct axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new ValueError(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return out.sort((x, y) => x - y);
}
