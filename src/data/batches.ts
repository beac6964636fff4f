// Minibatches of a split, for training and evaluation loops. A jitted step compiles once per
// input shape, so a last batch smaller than the others would compile the step a second time.
// Instead, by default, the last batch is padded to batchSize and carries a float mask (1 for a
// real example, 0 for padding): a loss averaged as Σ mask·loss / Σ mask, and counts weighted by
// the mask, see only the real examples. Padding rows are copies of the epoch's first examples
// (not zeros), so they stay finite; fit also passes the mask to the model (`apply`'s `mask`
// option), so batch norm's statistics count the real rows only.

import * as t from "io-ts";
import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { decodeOptions, optionsCodec } from "../nn/options.js";
import { permutation } from "../random/permute.js";
import { tensor } from "../tensor/create.js";
import type { TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import type { Split } from "./dataset.js";

/**
 * Options of `batches`: the batch size, the order (shuffled with a key) and whether to drop a last partial batch.
 */
export interface BatchOptions {
  /** Examples per batch (a positive integer). */
  readonly batchSize: number;
  /** Visit the examples in a random order drawn with `key`. Default: true when a key is given. */
  readonly shuffle?: boolean;
  /** A random key (fx.random.key) for the order; the same key gives the same batches. */
  readonly key?: Tensor;
  /** Leave out the last batch when it is not full. Default false. */
  readonly dropLast?: boolean;
  /** Pad a last partial batch to batchSize (mask 0 on the padding). Default true. */
  readonly pad?: boolean;
}

/** One minibatch: `size` real examples first, then padding (mask 0) up to x's batch axis. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
  /** float32 [B]: 1 for a real example, 0 for padding. */
  readonly mask: Tensor;
  /** The number of real examples (≤ B). */
  readonly size: number;
  /** The indices into the split of the B rows (padding rows repeat earlier indices). */
  readonly indices: Int32Array;
}

const PositiveInt = t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, "a positive integer");
const BatchCodec = optionsCodec("batch options", {
  batchSize: PositiveInt,
  shuffle: t.boolean,
  key: t.unknown,
  dropLast: t.boolean,
  pad: t.boolean,
});

/** The number of batches `batches(split, options)` yields for a split of n examples. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** The number of examples of a split, after checking that x and y agree. */
export function splitSize(op: string, split: Split): number {
  if (!(split?.x instanceof Tensor) || !(split?.y instanceof Tensor)) {
    throw new ValueError(`${op}: a split must be { x, y } with two tensors`);
  }
  const { x, y } = split;
  if (x.shape.length < 1 || y.shape.length !== 1 || x.shape[0] !== y.shape[0]) {
    throw new ShapeError(`${op}: x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} must have the same number of examples (y of shape [N])`);
  }
  return y.shape[0]!;
}

/** Validated options with the defaults filled in. */
export function batchOptions(op: string, options: BatchOptions): Required<Omit<BatchOptions, "key">> & { key: Tensor | undefined } {
  const o = decodeOptions(op, BatchCodec, options);
  if (o.batchSize === undefined) throw new ValueError(`${op}: option "batchSize" is required`);
  const key = o.key as Tensor | undefined;
  const shuffle = o.shuffle ?? key !== undefined;
  if (shuffle && key === undefined) throw new ValueError(`${op}: shuffle needs a random key (option "key")`);
  return { batchSize: o.batchSize, shuffle, key, dropLast: o.dropLast ?? false, pad: o.pad ?? true };
}

/** The order an epoch visits the examples in. */
function visitOrder(n: number, shuffle: boolean, key: Tensor | undefined): Int32Array {
  if (shuffle && n > 0) return permutation(key!, n).data() as Int32Array;
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Rows `idx` of a row-major array whose rows have `row` elements. */
function gatherRows(data: TypedArray, row: number, idx: Int32Array): TypedArray {
  const out = new (data.constructor as new (n: number) => TypedArray)(idx.length * row);
  for (let i = 0; i < idx.length; i++) out.set(data.subarray(idx[i]! * row, (idx[i]! + 1) * row), i * row);
  return out;
}

/**
 * The minibatches of `split`, in order or shuffled with `key` (deterministic given the key).
 * Each batch has x of shape [B, ...], y [B], a float32 mask [B] and its real size; every batch
 * has B = batchSize unless `pad: false` leaves the last one short.
 */
export function* batches(split: Split, options: BatchOptions): Generator<Batch, void, undefined> {
  const o = batchOptions("batches", options);
  const n = splitSize("batches", split);
  const order = visitOrder(n, o.shuffle, o.key);
  const xData = split.x.data();
  const yData = split.y.data();
  const rowShape = split.x.shape.slice(1);
  const row = rowShape.reduce((a, b) => a * b, 1);
  const count = batchCount(n, o.batchSize, o.dropLast);
  for (let b = 0; b < count; b++) {
    const real = order.subarray(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize));
    const rows = o.pad ? o.batchSize : real.length;
    const indices = new Int32Array(rows);
    indices.set(real);
    for (let i = real.length; i < rows; i++) indices[i] = order[(i - real.length) % n]!;
    const mask = new Float32Array(rows);
    mask.fill(1, 0, real.length);
    yield {
      x: tensor(gatherRows(xData, row, indices), { shape: [rows, ...rowShape], dtype: split.x.dtype }),
      y: tensor(gatherRows(yData, 1, indices), { shape: [rows], dtype: split.y.dtype }),
      mask: tensor(mask, { shape: [rows], dtype: "float32" }),
      size: real.length,
      indices,
    };
  }
}
