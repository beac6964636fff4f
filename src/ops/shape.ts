// Shape composites built from the layout and movement primitives (no new primitives):
// expandDims, squeeze, flatten, stack, split, tile, oneHot.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import type { DType } from "../tensor/dtype.js";
import { arange } from "../tensor/create.js";
import { checkTensorSize, normalizeAxis } from "../tensor/shape.js";
import * as schemas from "../options/schemas.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { Tensor } from "../tensor/tensor.js";
import { type TensorLike, toTensors } from "../prims/elementwise.js";
import { broadcastTo, reshape } from "../prims/layout.js";
import { type AxesOptions, type AxisOptions, axesOption, axisOption, concat, sliceRaw, toIndexTensor } from "../prims/movement.js";
import { cast, equal } from "../prims/compare.js";

/**
 * Inserts size-1 axes at the given positions of the result (negative counts from the end).
 *
 * @example
 * fx.expandDims(fx.ones([2, 3]), { axis: 0 });        // shape [1, 2, 3]
 * fx.expandDims(fx.ones([2, 3]), { axis: [1, -1] });  // shape [2, 1, 3, 1]
 */
export function expandDims(x: TensorLike, options: { readonly axis: number | readonly number[] }): Tensor {
  const axes = axesOption("expandDims", options);
  const [t] = toTensors("expandDims", [x]);
  if (axes === null || axes.length === 0) throw new ValueError("expandDims: needs at least one axis");
  const outRank = t!.shape.length + axes.length;
  const norm = axes.map((a) => normalizeAxis("expandDims", a, outRank));
  if (new Set(norm).size !== norm.length) throw new ValueError(`expandDims: repeated axis in ${JSON.stringify(axes)}`);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < outRank; i++) shape.push(norm.includes(i) ? 1 : t!.shape[k++]!);
  return reshape(t!, shape);
}

/**
 * Removes size-1 axes: the given ones (each must have size 1), or all of them.
 *
 * @example
 * fx.squeeze(fx.ones([1, 2, 1]));               // shape [2]
 * fx.squeeze(fx.ones([1, 2, 1]), { axis: 0 });  // shape [2, 1]
 */
export function squeeze(x: TensorLike, options: AxesOptions = {}): Tensor {
  const list = axesOption("squeeze", options);
  const [t] = toTensors("squeeze", [x]);
  const shape = t!.shape;
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

/**
 * Collapses axes startAxis..endAxis (inclusive; default all) into one.
 *
 * @example
 * fx.flatten(fx.ones([2, 3, 4]), { startAxis: 1 }); // shape [2, 12]
 */
export function flatten(x: TensorLike, rawOptions: { startAxis?: number; endAxis?: number } = {}): Tensor {
  const options = checkOptions("flatten", schemas.FlattenOptions, rawOptions);
  const [t] = toTensors("flatten", [x]);
  const shape = t!.shape;
  if (shape.length === 0) return reshape(t!, [1]);
  const s = normalizeAxis("flatten", options.startAxis ?? 0, shape.length);
  const e = normalizeAxis("flatten", options.endAxis ?? -1, shape.length);
  if (s > e) throw new ValueError(`flatten: startAxis ${s} is after endAxis ${e}`);
  const n = shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(t!, [...shape.slice(0, s), n, ...shape.slice(e + 1)]);
}

/**
 * Joins tensors of equal shape along a new axis (default 0); JS numbers stand for scalars.
 *
 * @example
 * fx.stack([fx.ones([3]), fx.zeros([3])]);              // shape [2, 3]
 * fx.stack([fx.ones([3]), fx.zeros([3])], { axis: 1 }); // shape [3, 2]
 * fx.stack([1, 2, 3]);                                  // shape [3]
 */
export function stack(xs: readonly TensorLike[], options: AxisOptions = {}): Tensor {
  const ts = toTensors("stack", checkArg("stack", "xs", schemas.TensorList, xs));
  const axisArg = axisOption("stack", options, 0, "stack(xs, { axis: … })");
  const first = ts[0]!.shape;
  for (const t of ts) {
    if (t.shape.length !== first.length || t.shape.some((d, i) => d !== first[i])) {
      throw new ShapeError(`stack: all tensors must have the same shape, got ${ts.map((u) => fmtShape(u.shape)).join(", ")}`);
    }
  }
  const axis = normalizeAxis("stack", axisArg, first.length + 1);
  return concat(ts.map((t) => expandDims(t, { axis })), { axis });
}

/**
 * Splits along `axis` (default 0) into `sections` equal parts (the axis length must divide
 * evenly), or at the given increasing split indices (NumPy's `array_split` by indices:
 * `[2, 5]` gives x[:2], x[2:5], x[5:]).
 *
 * @example
 * const [a, b] = fx.split(fx.ones([4, 6]), 2);                // two [2, 6]
 * const [l, m, r] = fx.split(fx.ones([4, 6]), [1, 3], { axis: 1 }); // [4, 1], [4, 2], [4, 3]
 */
export function split(x: TensorLike, sectionsArg: number | readonly number[], options: AxisOptions = {}): Tensor[] {
  const sections = checkArg("split", "sections", schemas.SplitSections, sectionsArg);
  const axisArg = axisOption("split", options, 0, "split(x, sections, { axis: … })");
  const [t] = toTensors("split", [x]);
  const shape = t!.shape;
  if (shape.length === 0) throw new ShapeError("split: cannot split a rank-0 tensor");
  const axis = normalizeAxis("split", axisArg, shape.length);
  const n = shape[axis]!;
  let bounds: number[];
  if (typeof sections === "number") {
    if (n % sections !== 0) {
      throw new ShapeError(`split: axis ${axis} of shape ${fmtShape(shape)} (length ${n}) does not divide into ${sections} equal parts`);
    }
    bounds = Array.from({ length: sections + 1 }, (_, i) => (i * n) / sections);
  } else {
    const idx = [...sections];
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]!;
      if (v > n || (i > 0 && v < idx[i - 1]!)) {
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
 *
 * @example
 * fx.tile(fx.tensor([1, 2]), 3);           // [1, 2, 1, 2, 1, 2]
 * fx.tile(fx.ones([2, 3]), [2, 1]);        // shape [4, 3]
 */
export function tile(x: TensorLike, reps: number | readonly number[]): Tensor {
  const checked = checkArg("tile", "reps", schemas.TileReps, reps);
  const [t] = toTensors("tile", [x]);
  const r = typeof checked === "number" ? [checked] : [...checked];
  const rank = Math.max(r.length, t!.shape.length);
  const shape = [...Array(rank - t!.shape.length).fill(1), ...t!.shape] as number[];
  const rr = [...Array(rank - r.length).fill(1), ...r] as number[];
  checkTensorSize("tile", shape.map((d, i) => d * rr[i]!), t!.dtype);
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
 *
 * @example
 * fx.oneHot([0, 2], 3); // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(indices: Tensor | readonly unknown[], depth: number, options: { dtype?: DType } = {}): Tensor {
  const op = "oneHot";
  checkArg(op, "depth", schemas.Count, depth);
  const dtype = checkOptions(op, schemas.DTypeOptions, options).dtype ?? "float32";
  const idx = toIndexTensor(op, indices);
  checkTensorSize(op, [...idx.shape, depth], dtype);
  const hot = equal(expandDims(idx, { axis: -1 }), arange(depth, undefined, 1, { dtype: "int32" }));
  return cast(hot, dtype);
}
