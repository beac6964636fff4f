// Shape composites built from the layout and movement primitives (no new primitives):
// expandDims, squeeze, flatten, stack, split, tile, oneHot.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { type DType, checkDType } from "../tensor/dtype.js";
import { arange, tensor } from "../tensor/create.js";
import { normalizeAxis } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { type TensorLike, toTensors } from "../prims/elementwise.js";
import { broadcastTo, reshape } from "../prims/layout.js";
import { axisOption, concat, sliceRaw } from "../prims/movement.js";
import { cast, equal } from "../prims/compare.js";

type AxisArg = number | readonly number[] | { axis?: number | readonly number[] | null } | null | undefined;

function axisList(arg: AxisArg): number[] | null {
  if (arg === null || arg === undefined) return null;
  if (typeof arg === "number") return [arg];
  if (Array.isArray(arg)) return [...(arg as readonly number[])];
  const a = (arg as { axis?: number | readonly number[] | null }).axis;
  return a === null || a === undefined ? null : typeof a === "number" ? [a] : [...a];
}

/** Inserts size-1 axes at the given positions of the result (negative counts from the end). */
export function expandDims(x: TensorLike, axis: number | readonly number[] | { axis: number | readonly number[] }): Tensor {
  const [t] = toTensors("expandDims", [x]);
  const axes = axisList(axis);
  if (axes === null || axes.length === 0) throw new ValueError("expandDims: needs at least one axis");
  const outRank = t!.shape.length + axes.length;
  const norm = axes.map((a) => normalizeAxis("expandDims", a, outRank));
  if (new Set(norm).size !== norm.length) throw new ValueError(`expandDims: repeated axis in ${JSON.stringify(axes)}`);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < outRank; i++) shape.push(norm.includes(i) ? 1 : t!.shape[k++]!);
  return reshape(t!, shape);
}

/** Removes size-1 axes: the given ones (each must have size 1), or all of them. */
export function squeeze(x: TensorLike, axis?: AxisArg): Tensor {
  const [t] = toTensors("squeeze", [x]);
  const shape = t!.shape;
  const list = axisList(axis);
  let drop: number[];
  if (list === null) drop = shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else {
    drop = list.map((a) => normalizeAxis("squeeze", a, shape.length));
    for (const a of drop) {
      if (shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of shape ${fmtShape(shape)} has size ${shape[a]}, not 1`);
    }
  }
  return reshape(t!, shape.filter((_, i) => !drop.includes(i)));
}

/** Collapses axes startAxis..endAxis (inclusive; default all) into one. */
export function flatten(x: TensorLike, options: { startAxis?: number; endAxis?: number } = {}): Tensor {
  const [t] = toTensors("flatten", [x]);
  const shape = t!.shape;
  if (shape.length === 0) return reshape(t!, [1]);
  const s = normalizeAxis("flatten", options.startAxis ?? 0, shape.length);
  const e = normalizeAxis("flatten", options.endAxis ?? -1, shape.length);
  if (s > e) throw new ValueError(`flatten: startAxis ${s} is after endAxis ${e}`);
  const n = shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(t!, [...shape.slice(0, s), n, ...shape.slice(e + 1)]);
}

/** Joins tensors of equal shape along a new axis (default 0). */
export function stack(xs: readonly Tensor[], options: number | { axis?: number } = {}): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ValueError("stack: expects a non-empty array of tensors");
  const ts = toTensors("stack", xs);
  const first = ts[0]!.shape;
  for (const t of ts) {
    if (t.shape.length !== first.length || t.shape.some((d, i) => d !== first[i])) {
      throw new ShapeError(`stack: all tensors must have the same shape, got ${ts.map((u) => fmtShape(u.shape)).join(", ")}`);
    }
  }
  const axis = normalizeAxis("stack", axisOption(options, 0), first.length + 1);
  return concat(ts.map((t) => expandDims(t, axis)), axis);
}

/**
 * Splits along `axis` (default 0) into `sections` equal parts (the axis length must divide
 * evenly), or at the given increasing split indices (NumPy's `array_split` by indices:
 * `[2, 5]` gives x[:2], x[2:5], x[5:]).
 */
export function split(x: TensorLike, sections: number | readonly number[], options: number | { axis?: number } = {}): Tensor[] {
  const [t] = toTensors("split", [x]);
  const shape = t!.shape;
  if (shape.length === 0) throw new ShapeError("split: cannot split a rank-0 tensor");
  const axis = normalizeAxis("split", axisOption(options, 0), shape.length);
  const n = shape[axis]!;
  let bounds: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections < 1) throw new ValueError(`split: sections must be a positive integer, got ${sections}`);
    if (n % sections !== 0) {
      throw new ShapeError(`split: axis ${axis} of shape ${fmtShape(shape)} (length ${n}) does not divide into ${sections} equal parts`);
    }
    bounds = Array.from({ length: sections + 1 }, (_, i) => (i * n) / sections);
  } else {
    const idx = [...sections];
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]!;
      if (!Number.isInteger(v) || v < 0 || v > n || (i > 0 && v < idx[i - 1]!)) {
        throw new ValueError(`split: indices ${JSON.stringify(idx)} must be non-decreasing integers within [0, ${n}] for axis ${axis} of shape ${fmtShape(shape)}`);
      }
    }
    bounds = [0, ...idx, n];
  }
  const parts: Tensor[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = shape.map((_, k) => (k === axis ? bounds[i]! : 0));
    const stop = shape.map((d, k) => (k === axis ? bounds[i + 1]! : d));
    parts.push(bounds[i] === 0 && bounds[i + 1] === n ? t! : sliceRaw(t!, start, stop));
  }
  return parts;
}

/**
 * Repeats `x` `reps[i]` times along axis i (NumPy `tile`): when `reps` is shorter than the
 * rank, it is padded with leading 1s; when longer, `x` gains leading size-1 axes.
 */
export function tile(x: TensorLike, reps: number | readonly number[]): Tensor {
  const [t] = toTensors("tile", [x]);
  const r = typeof reps === "number" ? [reps] : [...reps];
  if (r.some((d) => !Number.isInteger(d) || d < 0)) throw new ValueError(`tile: reps must be non-negative integers, got ${JSON.stringify(reps)}`);
  const rank = Math.max(r.length, t!.shape.length);
  const shape = [...Array(rank - t!.shape.length).fill(1), ...t!.shape] as number[];
  const rr = [...Array(rank - r.length).fill(1), ...r] as number[];
  // [a, b] → [1, a, 1, b] → broadcast [ra, a, rb, b] → [ra·a, rb·b].
  const interleaved = shape.flatMap((d) => [1, d]);
  const target = shape.flatMap((d, i) => [rr[i]!, d]);
  const y = broadcastTo(reshape(t!, interleaved), target);
  return reshape(y, shape.map((d, i) => d * rr[i]!));
}

/**
 * One-hot encoding: a new last axis of length `depth` with 1 at each index and 0 elsewhere
 * (default dtype float32). Indices outside [0, depth) give an all-zero row, as in
 * TensorFlow; a float index tensor is an error.
 */
export function oneHot(indices: Tensor | readonly unknown[], depth: number, options: { dtype?: DType } = {}): Tensor {
  if (!Number.isInteger(depth) || depth < 0) throw new ValueError(`oneHot: depth must be a non-negative integer, got ${depth}`);
  const dtype = options.dtype ? checkDType("oneHot", options.dtype) : "float32";
  const idx = indices instanceof Tensor ? indices : fromNested(indices);
  if (idx.dtype !== "int32") throw new DTypeError(`oneHot: indices must be int32, got ${idx.dtype}; cast them with fx.cast(indices, "int32")`);
  const hot = equal(expandDims(idx, -1), arange(depth, undefined, 1, { dtype: "int32" }));
  return cast(hot, dtype);
}

function fromNested(data: readonly unknown[]): Tensor {
  const flat = (data as unknown[]).flat(Infinity);
  for (const v of flat) {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new ValueError(`oneHot: indices must be integers, got ${JSON.stringify(v)}`);
  }
  // tensor() infers the shape and rejects ragged input.
  return tensor(data, { dtype: "int32" });
}
