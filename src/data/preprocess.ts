// Preprocessing of whole data sets: scaling to [0, 1], standardising, one-hot labels. Every
// statistic comes from the training split only and is applied to both splits, so nothing
// about the test split leaks into training. Pure: no Node imports.

import { ValueError, fmtShape } from "../errors.js";
import { Bool, FiniteNumber, optionsObject, PositiveInt } from "../options/codecs.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { fromArray } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Dataset } from "./dataset.js";
import { checkSplit } from "./rows.js";

function checkDataset(op: string, ds: unknown): Dataset {
  const d = ds as Partial<Dataset> | null;
  if (typeof d !== "object" || d === null) throw new ValueError(`${op}: expected a data set { train, test, classes }`);
  checkSplit(op, "train", d.train);
  checkSplit(op, "test", d.test);
  const x = d.train!.x;
  if (x.dtype !== "float32" || d.test!.x.dtype !== "float32") throw new ValueError(`${op}: x must be float32 (the Dataset contract), got ${x.dtype} and ${d.test!.x.dtype}`);
  return d as Dataset;
}

/** x mapped elementwise by f, as float32 of the same shape. */
function mapX(op: string, x: Tensor, f: (v: number, i: number) => number): Tensor {
  const src = x._concrete(op);
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!, i);
  return fromArray(out, x.shape, "float32");
}

/** Options of `scale`: the values that map to 0 and 1 (default: the training split's range). */
export interface ScaleOptions {
  /** The value that maps to 0 (default: the training split's minimum). */
  min?: number;
  /** The value that maps to 1 (default: the training split's maximum). */
  max?: number;
}
const ScaleCodec = optionsObject({ min: FiniteNumber, max: FiniteNumber });

/**
 * Maps x linearly so that `min` becomes 0 and `max` becomes 1, in both splits: `scale(ds,
 * { min: 0, max: 255 })` for image bytes. By default min and max are the training split's, so
 * training values land in [0, 1]; test values outside that range are kept (not clipped).
 */
export function scale(ds: Dataset, options?: ScaleOptions): Dataset {
  const op = "scale";
  const d = checkDataset(op, ds);
  const o = checkOptions(op, ScaleCodec, options);
  const values = d.train.x._concrete(op);
  let lo = o.min;
  let hi = o.max;
  if (lo === undefined || hi === undefined) {
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = 0; i < values.length; i++) {
      mn = Math.min(mn, values[i]!);
      mx = Math.max(mx, values[i]!);
    }
    lo ??= mn;
    hi ??= mx;
  }
  if (!(hi > lo)) throw new ValueError(`${op}: max must exceed min, got min ${lo} and max ${hi}`);
  const [a, b] = [lo, hi];
  const f = (v: number) => (v - a) / (b - a);
  return { ...d, train: { x: mapX(op, d.train.x, f), y: d.train.y }, test: { x: mapX(op, d.test.x, f), y: d.test.y } };
}

/** Options of `standardize`: statistics per channel or for all, and the smallest deviation. */
export interface StandardizeOptions {
  /** One mean and deviation per index of axis 1 (channels of NCHW, features of [N, D]) (default true), or one for all. */
  perChannel?: boolean;
  /** Deviations below eps are taken as 1, so constant channels stay finite (default 1e-7). */
  eps?: number;
}
const StandardizeCodec = optionsObject({ perChannel: Bool, eps: FiniteNumber });

/** The statistics standardize uses: means and population standard deviations (one per channel, or one). */
export interface Stats {
  mean: number[];
  std: number[];
}

/** Means and standard deviations of x per index of axis 1 (or one pair), computed in float64. */
export function stats(x: Tensor, options?: { perChannel?: boolean }): Stats {
  const op = "stats";
  const o = checkOptions(op, StandardizeCodec, options);
  if (x.rank < 2) throw new ValueError(`${op}: x must be [N, C, …] or [N, D], got shape ${fmtShape(x.shape)}`);
  const src = x._concrete(op);
  const channels = o.perChannel === false ? 1 : x.shape[1]!;
  const inner = x.size / ((x.shape[0] || 1) * x.shape[1]!) || 0;
  const channelOf = (i: number) => (channels === 1 ? 0 : Math.floor(i / inner) % channels);
  const sum = new Float64Array(channels);
  const count = new Float64Array(channels);
  for (let i = 0; i < src.length; i++) {
    sum[channelOf(i)]! += src[i]!;
    count[channelOf(i)]! += 1;
  }
  const mean = Array.from(sum, (s, c) => s / count[c]!);
  const sq = new Float64Array(channels);
  for (let i = 0; i < src.length; i++) {
    const c = channelOf(i);
    sq[c]! += (src[i]! - mean[c]!) ** 2;
  }
  return { mean, std: Array.from(sq, (s, c) => Math.sqrt(s / count[c]!)) };
}

/**
 * Standardises x of both splits to (x − mean) / std with the training split's statistics (per
 * channel by default). Returns the new data set; `stats(ds.train.x)` gives the numbers, e.g.
 * to apply the same transform to new samples at inference.
 */
export function standardize(ds: Dataset, options?: StandardizeOptions): Dataset {
  const op = "standardize";
  const d = checkDataset(op, ds);
  const o = checkOptions(op, StandardizeCodec, options);
  if (d.train.x.shape[0] === 0) throw new ValueError(`${op}: the training split is empty; there are no statistics to standardise with`);
  const eps = o.eps ?? 1e-7;
  const { mean, std } = stats(d.train.x, { perChannel: o.perChannel ?? true });
  const channels = mean.length;
  const apply = (x: Tensor) => {
    const inner = x.size / ((x.shape[0] || 1) * x.shape[1]!) || 0;
    return mapX(op, x, (v, i) => {
      const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
      return (v - mean[c]!) / (std[c]! < eps ? 1 : std[c]!);
    });
  };
  return { ...d, train: { x: apply(d.train.x), y: d.train.y }, test: { x: apply(d.test.x), y: d.test.y } };
}

/** Labels y (int32 [N], each in [0, numClasses)) as one-hot float32 rows [N, numClasses]; an out-of-range label is an error. */
export function oneHot(y: Tensor, numClasses: number): Tensor {
  const op = "data.oneHot";
  checkArg(op, "numClasses", PositiveInt, numClasses);
  if (y.rank !== 1 || y.dtype !== "int32") throw new ValueError(`${op}: y must be int32 labels [N], got a ${y.dtype} tensor of shape ${fmtShape(y.shape)}`);
  const labels = y._concrete(op);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (c < 0 || c >= numClasses) throw new ValueError(`${op}: label ${c} at index ${i} is out of range for ${numClasses} classes`);
    out[i * numClasses + c] = 1;
  }
  return fromArray(out, [labels.length, numClasses], "float32");
}
