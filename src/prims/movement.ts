// Movement primitives: slice (strided), pad (edge and interior, constant value), concat,
// flip, gather and its transpose scatter_add. Each one is its own family's adjoint pair —
// slice ↔ pad, concat ↔ slices, flip ↔ flip, gather ↔ scatter_add — so gradients of any
// order stay inside this small set.
//
// Index conventions: `slice` front end is NumPy-like (negative indices count from the end,
// out-of-range bounds are clamped, step ≥ 1). `gather`/`take` indices must lie in
// [0, size): a negative or too-large index is a ValueError naming the op, index and size
// (no silent wrapping or clamping).

import { ArgumentError, DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import type { Aval } from "../ir/var.js";
import { type DType, allocArray, coerceScalar, promoteTypes } from "../tensor/dtype.js";
import { checkTensorSize, normalizeAxes, normalizeAxis, sizeOf, stridesOf } from "../tensor/shape.js";
import { scalar, tensorFrom } from "../tensor/create.js";
import * as schemas from "../options/schemas.js";
import { checkArg, checkIntList, checkOptions } from "../options/validate.js";
import { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { type TensorLike, castAll, toTensors } from "./elementwise.js";
import { type ConcreteArg, type Primitive, definePrimitive } from "./primitive.js";
import { broadcastTo, gatherStrided, reshape } from "./layout.js";
import { forEachIndex } from "./reduce.js";

/** A zero tensor of `aval`'s shape, as one broadcast of a literal (cheap to trace). */
function zerosOf(aval: Aval): Tensor {
  return broadcastTo(scalar(0, aval.dtype), aval.shape);
}

// ---------------------------------------------------------------- slice

type SliceParams = { readonly start: readonly number[]; readonly stop: readonly number[]; readonly step: readonly number[] };

/** Length of the strided range start, start+step, … below stop. */
function rangeLength(start: number, stop: number, step: number): number {
  return stop <= start ? 0 : Math.ceil((stop - start) / step);
}

/** The `slice` primitive: strided windows. */
export const slicePrim: Primitive<SliceParams> = definePrimitive<SliceParams>({
  name: "slice",
  abstractEval([x], { start, stop, step }) {
    const shape = x!.shape;
    const rank = shape.length;
    checkIntList("slice", "start", start, rank, 0);
    checkIntList("slice", "stop", stop, rank, 0);
    checkIntList("slice", "step", step, rank, 1);
    for (let i = 0; i < rank; i++) {
      if (start[i]! > stop[i]! || stop[i]! > shape[i]!) {
        throw new ValueError(`slice: axis ${i} needs 0 <= start <= stop <= ${shape[i]}, got start ${start[i]}, stop ${stop[i]} for shape ${fmtShape(shape)}`);
      }
    }
    return { shape: shape.map((_, i) => rangeLength(start[i]!, stop[i]!, step[i]!)), dtype: x!.dtype };
  },
  impl([x], { start, step }, out) {
    const strides = stridesOf(x!.shape);
    const offset = start.reduce((o, s, i) => o + s * strides[i]!, 0);
    return gatherStrided(x!.data, out.shape, strides.map((s, i) => s * step[i]!), offset, out.dtype);
  },
  // The cotangent goes back to the positions read: pad with start before, step−1 between.
  vjp(g, { inputs: [x], params: { start, step } }) {
    const lo = [...start];
    const interior = step.map((s) => s - 1);
    const hi = x!.shape.map((d, i) => {
      const n = g.shape[i]!;
      return d - lo[i]! - n - Math.max(0, n - 1) * interior[i]!;
    });
    return [padRaw(g, lo, hi, interior, 0)];
  },
  jvp: ({ tangents: [t], params }) => (t ? bind(slicePrim, [t], params) : null),
  lowering: { kind: "kernel", kernel: "slice" },
});

/** One axis of a slice spec: `[start, stop, step]` (any may be null/omitted), or null for all. */
export type SliceRange = readonly [(number | null)?, (number | null)?, (number | null)?] | null | undefined;

/**
 * Strided slice, NumPy-like. `spec[i]` describes axis i as `[start, stop, step]`:
 * - `start` defaults to 0, `stop` to the axis length, `step` to 1 (step must be ≥ 1; use
 *   `flip` to reverse);
 * - negative `start`/`stop` count from the end; bounds beyond the axis are clamped;
 * - `null`/`undefined` (or a missing trailing entry) keeps the whole axis.
 * Example: `slice(x, [[1, -1], null, [null, null, 2]])` is NumPy's `x[1:-1, :, ::2]`.
 * The result keeps every axis (a range of length 1 stays a length-1 axis).
 */
export function slice(x: TensorLike, spec: readonly SliceRange[]): Tensor {
  const ranges = checkArg("slice", "spec", schemas.SliceSpec, spec);
  const [t] = toTensors("slice", [x]);
  const shape = t!.shape;
  if (ranges.length > shape.length) {
    throw new ValueError(`slice: spec has ${ranges.length} entries but the tensor has rank ${shape.length} (shape ${fmtShape(shape)})`);
  }
  const start: number[] = [];
  const stop: number[] = [];
  const step: number[] = [];
  shape.forEach((d, i) => {
    const [a, b, s] = ranges[i] ?? [];
    const st = s ?? 1;
    if (st < 1) throw new ValueError(`slice: axis ${i}: step must be >= 1, got ${st}; use fx.flip to reverse an axis`);
    const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
    const lo = a === null || a === undefined ? 0 : clamp(a);
    const hi = b === null || b === undefined ? d : clamp(b);
    start.push(lo);
    stop.push(Math.max(lo, hi));
    step.push(st);
  });
  if (shape.every((d, i) => start[i] === 0 && stop[i] === d && step[i] === 1)) return t!;
  return bind(slicePrim, [t!], { start, stop, step });
}

/** The primitive with already-normalised params (used by gradient rules and composites). */
export function sliceRaw(x: Tensor, start: readonly number[], stop: readonly number[], step?: readonly number[]): Tensor {
  return bind(slicePrim, [x], { start: [...start], stop: [...stop], step: step ? [...step] : start.map(() => 1) });
}

// ---------------------------------------------------------------- pad

type PadParams = {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly interior: readonly number[];
  readonly value: number;
};

function paddedLength(n: number, lo: number, hi: number, interior: number): number {
  return lo + hi + n + Math.max(0, n - 1) * interior;
}

/** The `pad` primitive: low, high and interior padding with a constant. */
export const padPrim: Primitive<PadParams> = definePrimitive<PadParams>({
  name: "pad",
  abstractEval([x], { lo, hi, interior, value }) {
    const rank = x!.shape.length;
    checkIntList("pad", "lo", lo, rank, 0);
    checkIntList("pad", "hi", hi, rank, 0);
    checkIntList("pad", "interior", interior, rank, 0);
    if (typeof value !== "number") throw new ValueError(`pad: value must be a number, got ${JSON.stringify(value)}`);
    return { shape: x!.shape.map((n, i) => paddedLength(n, lo[i]!, hi[i]!, interior[i]!)), dtype: x!.dtype };
  },
  impl([x], { lo, interior, value }, out) {
    const result = allocArray(out.dtype, sizeOf(out.shape));
    result.fill(coerceScalar(value, out.dtype));
    const outStrides = stridesOf(out.shape);
    const offset = lo.reduce((o, l, i) => o + l * outStrides[i]!, 0);
    const data = x!.data;
    forEachIndex(x!.shape, outStrides.map((s, i) => s * (interior[i]! + 1)), (src, dst) => {
      result[offset + dst] = data[src]!;
    });
    return result;
  },
  // Only the positions holding x receive gradient: a strided slice.
  vjp(g, { inputs: [x], params: { lo, interior } }) {
    const step = interior.map((s) => s + 1);
    const stop = x!.shape.map((n, i) => (n === 0 ? lo[i]! : lo[i]! + (n - 1) * step[i]! + 1));
    return [sliceRaw(g, lo, stop, step)];
  },
  jvp: ({ tangents: [t], params }) => (t ? bind(padPrim, [t], { ...params, value: 0 }) : null),
  lowering: { kind: "kernel", kernel: "pad" },
});

/** The primitive with explicit per-axis params (used by gradient rules and composites). */
export function padRaw(x: Tensor, lo: readonly number[], hi: readonly number[], interior: readonly number[], value: number): Tensor {
  return bind(padPrim, [x], { lo: [...lo], hi: [...hi], interior: [...interior], value });
}

/** Options of `pad`. */
export interface PadOptions {
  /** The constant written into the padding (default 0; coerced to the tensor's dtype). */
  value?: number | boolean;
  /** Elements inserted between neighbours along each axis (a number for all axes; default 0). */
  interior?: number | readonly number[];
}

/**
 * Constant padding. `widths` is a number (that many on both sides of every axis), a pair
 * `[lo, hi]` used for every axis, or one `[lo, hi]` pair per axis. Widths must be ≥ 0
 * (use `slice` to crop).
 *
 * @example
 * fx.pad(fx.ones([2, 2]), 1);                   // shape [4, 4], zeros around
 * fx.pad(fx.ones([2, 2]), [[0, 0], [1, 2]], { value: -1 }); // shape [2, 5]
 */
export function pad(x: TensorLike, widths: number | readonly [number, number] | readonly (readonly [number, number])[], options: PadOptions = {}): Tensor {
  const w = checkArg("pad", "widths", schemas.PadWidths, widths);
  const o = checkOptions("pad", schemas.PadOptions, options);
  const [t] = toTensors("pad", [x]);
  const rank = t!.shape.length;
  let pairs: (readonly [number, number])[];
  if (typeof w === "number") pairs = Array.from({ length: rank }, () => [w, w] as const);
  else if (w.length === 2 && typeof w[0] === "number" && typeof w[1] === "number") {
    const [lo, hi] = w as number[];
    pairs = Array.from({ length: rank }, () => [lo!, hi!] as const);
  } else {
    if (w.length !== rank) {
      throw new ValueError(`pad: got ${w.length} [lo, hi] pairs for a tensor of rank ${rank} (shape ${fmtShape(t!.shape)})`);
    }
    pairs = (w as number[][]).map(([lo, hi]) => [lo!, hi!] as const);
  }
  const interiorOpt = o.interior ?? 0;
  const interior = typeof interiorOpt === "number" ? pairs.map(() => interiorOpt) : [...interiorOpt];
  if (interior.length !== rank) {
    throw new ValueError(`pad: interior must be a non-negative integer or one per axis (rank ${rank}), got ${JSON.stringify(interiorOpt)}`);
  }
  const raw = o.value ?? 0;
  // A given fill value is a weak scalar: x promotes when the value does not fit its dtype.
  const padded = o.value === undefined ? t! : castAll([t!], toTensors("pad", [t!, raw])[1]!.dtype)[0]!;
  const value = coerceScalar(raw, padded.dtype);
  if (pairs.every(([a, b], i) => a === 0 && b === 0 && interior[i] === 0)) return padded;
  checkTensorSize("pad", padded.shape.map((n, i) => paddedLength(n, pairs[i]![0], pairs[i]![1], interior[i]!)), padded.dtype);
  return padRaw(padded, pairs.map((p) => p[0]), pairs.map((p) => p[1]), interior, value);
}

// ---------------------------------------------------------------- concat

type ConcatParams = { readonly axis: number };

/** The `concatenate` primitive. */
export const concatPrim: Primitive<ConcatParams> = definePrimitive<ConcatParams>({
  name: "concatenate",
  abstractEval(inputs, { axis }) {
    if (inputs.length === 0) throw new ValueError("concat: needs at least one tensor");
    const first = inputs[0]!;
    const rank = first.shape.length;
    if (rank === 0) throw new ShapeError("concat: rank-0 tensors cannot be concatenated; use fx.stack");
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) throw new ValueError(`concat: axis ${axis} is out of range for rank ${rank}`);
    let total = 0;
    for (const a of inputs) {
      if (a.dtype !== first.dtype) throw new DTypeError(`concat: operand dtypes differ: ${inputs.map((x) => x.dtype).join(", ")}`);
      if (a.shape.length !== rank || a.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeError(`concat: shapes ${inputs.map((x) => fmtShape(x.shape)).join(", ")} differ outside axis ${axis}`);
      }
      total += a.shape[axis]!;
    }
    const shape = [...first.shape];
    shape[axis] = total;
    return { shape, dtype: first.dtype };
  },
  impl(inputs, { axis }, out) {
    const result = allocArray(out.dtype, sizeOf(out.shape));
    const outer = sizeOf(out.shape.slice(0, axis));
    const rowLen = sizeOf(out.shape.slice(axis));
    let col = 0;
    for (const a of inputs) {
      const block = sizeOf(a.shape.slice(axis));
      for (let o = 0; o < outer; o++) result.set(a.data.subarray(o * block, (o + 1) * block), o * rowLen + col);
      col += block;
    }
    return result;
  },
  vjp(g, { inputs, params: { axis } }) {
    let at = 0;
    return inputs.map((x) => {
      const start = g.shape.map((_, i) => (i === axis ? at : 0));
      const stop = g.shape.map((d, i) => (i === axis ? at + x.shape[axis]! : d));
      at += x.shape[axis]!;
      return sliceRaw(g, start, stop);
    });
  },
  jvp({ inputs, tangents, params }) {
    if (tangents.every((t) => t === null)) return null;
    return bind(concatPrim, tangents.map((t, i) => t ?? zerosOf(inputs[i]!)), params);
  },
  lowering: { kind: "kernel", kernel: "concatenate" },
});

/** Options of the ops that work along one axis (concat, stack, split, take, softmax, …). */
export interface AxisOptions {
  /** The axis (negative counts from the end). */
  readonly axis?: number;
}

/** Options of the ops that work along several axes (flip, squeeze): one axis, a list, or null for all. */
export interface AxesOptions {
  /** The axis or axes (negative counts from the end); omitted or null: every axis the op allows. */
  readonly axis?: number | readonly number[] | null;
}

/**
 * Axes are given in one form everywhere, the options object `{ axis }`: an ArgumentError for
 * the positional form (a number or a list) that earlier versions took, saying what to write.
 */
export function rejectPositionalAxis(op: string, options: unknown, call = `${op}(x, { axis: … })`): void {
  if (typeof options === "number" || Array.isArray(options)) {
    const given = JSON.stringify(options);
    throw new ArgumentError(`${op}: the axis is an options object now: write ${call.replace("…", given)} instead of passing ${given} positionally`);
  }
}

/** Checks an `{ axis }` options object and reads the axis (or `fallback`). */
export function axisOption(op: string, options: unknown, fallback: number, call?: string): number {
  rejectPositionalAxis(op, options, call);
  return checkOptions(op, schemas.AxisOption, options).axis ?? fallback;
}

/** Checks an `{ axis }` options object of a several-axes op; null when no axis is given. */
export function axesOption(op: string, options: unknown, call?: string): number[] | null {
  rejectPositionalAxis(op, options, call);
  return checkOptions(op, schemas.AxesOption, options).axis ?? null;
}

/**
 * Joins tensors along an existing axis (default 0). dtypes are promoted to a common one; JS
 * numbers and booleans stand for scalars (of rank 0, so they need `stack`).
 *
 * @example
 * fx.concat([fx.ones([2, 3]), fx.zeros([1, 3])]);              // shape [3, 3]
 * fx.concat([fx.ones([2, 3]), fx.zeros([2, 1])], { axis: 1 }); // shape [2, 4]
 */
export function concat(xs: readonly TensorLike[], options: AxisOptions = {}): Tensor {
  const ts = toTensors("concat", checkArg("concat", "xs", schemas.TensorList, xs));
  const axisArg = axisOption("concat", options, 0, "concat(xs, { axis: … })");
  const rank = ts[0]!.shape.length;
  if (rank === 0) throw new ShapeError("concat: rank-0 tensors cannot be concatenated; use fx.stack");
  for (const t of ts) {
    if (t.shape.length !== rank) throw new ShapeError(`concat: ranks differ: ${ts.map((x) => fmtShape(x.shape)).join(", ")}`);
  }
  const axis = normalizeAxis("concat", axisArg, rank);
  let dtype: DType = ts[0]!.dtype;
  for (const t of ts) dtype = promoteTypes(dtype, t.dtype);
  const same = castAll(ts, dtype);
  if (same.length === 1) return same[0]!;
  return bind(concatPrim, same, { axis });
}

// ---------------------------------------------------------------- flip

type FlipParams = { readonly axes: readonly number[] };

/** The `rev` primitive: reversal along axes. */
export const flipPrim: Primitive<FlipParams> = definePrimitive<FlipParams>({
  name: "rev",
  abstractEval([x], { axes }) {
    const rank = x!.shape.length;
    if (!Array.isArray(axes) || axes.some((a, i) => !Number.isInteger(a) || a < 0 || a >= rank || (i > 0 && a <= axes[i - 1]!))) {
      throw new ValueError(`flip: axes ${JSON.stringify(axes)} must be sorted, distinct and within rank ${rank}`);
    }
    return { shape: x!.shape, dtype: x!.dtype };
  },
  impl([x], { axes }, out) {
    const strides = stridesOf(x!.shape);
    let offset = 0;
    const s = strides.map((st, i) => {
      if (!axes.includes(i)) return st;
      offset += (x!.shape[i]! - 1) * st;
      return -st;
    });
    if (sizeOf(x!.shape) === 0) return allocArray(out.dtype, 0);
    return gatherStrided(x!.data, x!.shape, s, offset, out.dtype);
  },
  vjp: (g, { params }) => [bind(flipPrim, [g], params)],
  jvp: ({ tangents: [t], params }) => (t ? bind(flipPrim, [t], params) : null),
  lowering: { kind: "kernel", kernel: "rev" },
});

/**
 * Reverses the order of elements along the given axes (all axes when omitted).
 *
 * @example
 * fx.flip(fx.tensor([[1, 2], [3, 4]]), { axis: 1 }); // [[2, 1], [4, 3]]
 */
export function flip(x: TensorLike, options: AxesOptions = {}): Tensor {
  const a = axesOption("flip", options);
  const [t] = toTensors("flip", [x]);
  const axes = normalizeAxes("flip", a, t!.shape.length);
  if (axes.length === 0) return t!;
  return bind(flipPrim, [t!], { axes });
}

// ---------------------------------------------------------------- gather / scatter_add

type GatherParams = { readonly axis: number };
type ScatterParams = { readonly axis: number; readonly size: number };

function checkIndices(op: string, idx: Aval): void {
  if (idx.dtype !== "int32") throw new DTypeError(`${op}: indices must be int32, got ${idx.dtype}; cast them with fx.cast(indices, "int32")`);
}

/** Reads index j, throwing a ValueError when it is outside [0, size). */
function readIndex(op: string, indices: ConcreteArg, j: number, size: number, axis: number): number {
  const k = indices.data[j]!;
  if (k < 0 || k >= size) {
    throw new ValueError(`${op}: index ${k} is out of range for axis ${axis} of size ${size} (valid indices are 0..${size - 1}; negative indices are not supported)`);
  }
  return k;
}

/** The `gather` primitive: indexing along one axis. */
export const gatherPrim: Primitive<GatherParams> = definePrimitive<GatherParams>({
  name: "gather",
  abstractEval([x, idx], { axis }) {
    const rank = x!.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) throw new ValueError(`gather: axis ${axis} is out of range for a tensor of shape ${fmtShape(x!.shape)}`);
    checkIndices("gather", idx!);
    return { shape: [...x!.shape.slice(0, axis), ...idx!.shape, ...x!.shape.slice(axis + 1)], dtype: x!.dtype };
  },
  impl([x, idx], { axis }, out) {
    const n = x!.shape[axis]!;
    const outer = sizeOf(x!.shape.slice(0, axis));
    const inner = sizeOf(x!.shape.slice(axis + 1));
    const m = idx!.data.length;
    const result = allocArray(out.dtype, sizeOf(out.shape));
    for (let j = 0; j < m; j++) {
      const k = readIndex("gather", idx!, j, n, axis);
      for (let o = 0; o < outer; o++) {
        const src = (o * n + k) * inner;
        const dst = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) result[dst + i] = x!.data[src + i]!;
      }
    }
    return result;
  },
  vjp: (g, { inputs: [x, idx], params: { axis } }) => [
    bind(scatterAddPrim, [g, idx!], { axis, size: x!.shape[axis]! }),
    null,
  ],
  jvp: ({ inputs: [, idx], tangents: [t], params }) => (t ? bind(gatherPrim, [t, idx!], params) : null),
  lowering: { kind: "kernel", kernel: "gather" },
});

/** The `scatter_add` primitive: the transpose of gather. */
export const scatterAddPrim: Primitive<ScatterParams> = definePrimitive<ScatterParams>({
  name: "scatter_add",
  abstractEval([u, idx], { axis, size }) {
    checkIndices("scatter_add", idx!);
    if (u!.dtype === "bool") throw new DTypeError("scatter_add: bool updates are not supported; cast them first");
    if (!Number.isInteger(size) || size < 0) throw new ValueError(`scatter_add: size must be a non-negative integer, got ${size}`);
    const k = idx!.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis + k > u!.shape.length) {
      throw new ShapeError(`scatter_add: updates ${fmtShape(u!.shape)} do not hold indices ${fmtShape(idx!.shape)} at axis ${axis}`);
    }
    const mid = u!.shape.slice(axis, axis + k);
    if (mid.some((d, i) => d !== idx!.shape[i])) {
      throw new ShapeError(`scatter_add: updates ${fmtShape(u!.shape)} must have indices' shape ${fmtShape(idx!.shape)} at axis ${axis}`);
    }
    return { shape: [...u!.shape.slice(0, axis), size, ...u!.shape.slice(axis + k)], dtype: u!.dtype };
  },
  impl([u, idx], { axis, size }, out) {
    const outer = sizeOf(out.shape.slice(0, axis));
    const inner = sizeOf(out.shape.slice(axis + 1));
    const m = idx!.data.length;
    // Accumulate in float64 so float32 sums are rounded once.
    const acc = new Float64Array(sizeOf(out.shape));
    for (let j = 0; j < m; j++) {
      const k = readIndex("scatter_add", idx!, j, size, axis);
      for (let o = 0; o < outer; o++) {
        const src = (o * m + j) * inner;
        const dst = (o * size + k) * inner;
        for (let i = 0; i < inner; i++) acc[dst + i] += u!.data[src + i]!;
      }
    }
    const result = allocArray(out.dtype, acc.length);
    for (let i = 0; i < acc.length; i++) result[i] = acc[i]!;
    return result;
  },
  vjp: (g, { inputs: [, idx], params: { axis } }) => [bind(gatherPrim, [g, idx!], { axis }), null],
  jvp: ({ inputs: [, idx], tangents: [t], params }) => (t ? bind(scatterAddPrim, [t, idx!], params) : null),
  lowering: { kind: "kernel", kernel: "scatter_add" },
});

/** Converts user indices (int tensor, number or nested JS arrays of integers) to an int32 tensor. */
export function toIndexTensor(op: string, indices: unknown): Tensor {
  const data = checkArg(op, "indices", schemas.IndexData, indices);
  if (data instanceof Tensor) {
    if (data.dtype !== "int32") throw new DTypeError(`${op}: indices must be int32, got ${data.dtype}; cast them with fx.cast(indices, "int32")`);
    return data;
  }
  const exact = tensorFrom(op, data as number | readonly unknown[], { dtype: "float64" });
  for (const v of exact._concrete(op)) {
    // Beyond int32 an index would wrap around into a valid-looking one.
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) throw new ValueError(`${op}: indices must be int32 integers, got ${v}`);
  }
  return tensorFrom(op, exact, { dtype: "int32" });
}

/** Concrete indices are range-checked here so the error names the public op (traced ones when evaluated). */
function checkIndexRange(op: string, idx: Tensor, size: number, axis: number): void {
  if (idx.isTracer) return;
  const concrete: ConcreteArg = { data: idx._concrete(op), shape: idx.shape, dtype: idx.dtype };
  for (let j = 0; j < concrete.data.length; j++) readIndex(op, concrete, j, size, axis);
}

function takeAlong(op: string, x: TensorLike, indices: unknown, options: unknown): Tensor {
  const axisArg = axisOption(op, options, 0, `${op}(x, indices, { axis: … })`);
  const idx = toIndexTensor(op, indices);
  const [t] = toTensors(op, [x]);
  if (t!.shape.length === 0) throw new ShapeError(`${op}: cannot index a rank-0 tensor`);
  const axis = normalizeAxis(op, axisArg, t!.shape.length);
  checkIndexRange(op, idx, t!.shape[axis]!, axis);
  return bind(gatherPrim, [t!, idx], { axis });
}

/**
 * Picks entries along `axis` (default 0): the result's shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. Indices are int32 tensors, numbers or
 * nested arrays; each must be in [0, x.shape[axis]) — otherwise a ValueError (at evaluation
 * time for traced indices). Unlike NumPy's `take`, the default axis is 0, not the flattened array.
 *
 * @example
 * fx.take(fx.tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]);          // [[5, 6], [1, 2]]
 * fx.take(fx.tensor([[1, 2], [3, 4]]), [1], { axis: 1 });        // [[2], [4]]
 */
export function take(x: TensorLike, indices: Tensor | number | readonly unknown[], options: AxisOptions = {}): Tensor {
  return takeAlong("take", x, indices, options);
}

/** `take` under its TensorFlow.js / PyTorch name. */
export function gather(x: TensorLike, indices: Tensor | number | readonly unknown[], options: AxisOptions = {}): Tensor {
  return takeAlong("gather", x, indices, options);
}

/**
 * Adds `updates` into a zero tensor with `size` entries along `axis` (default 0) at `indices`
 * (repeats accumulate): the transpose of `take`.
 *
 * @example
 * fx.scatterAdd(fx.tensor([1, 2, 3]), [0, 2, 0], 3); // [4, 0, 2]
 */
export function scatterAdd(updates: Tensor, indices: Tensor | number | readonly unknown[], size: number, options: AxisOptions = {}): Tensor {
  const op = "scatterAdd";
  const u = checkArg(op, "updates", schemas.TensorArg, updates);
  checkArg(op, "size", schemas.Count, size);
  const axis = axisOption(op, options, 0, "scatterAdd(updates, indices, size, { axis: … })");
  const idx = toIndexTensor(op, indices);
  const a = normalizeAxis(op, axis, u.shape.length - idx.shape.length + 1);
  checkIndexRange(op, idx, size, a);
  checkTensorSize(op, [...u.shape.slice(0, a), size, ...u.shape.slice(a + idx.shape.length)], u.dtype);
  return bind(scatterAddPrim, [u, idx], { axis: a, size });
}
