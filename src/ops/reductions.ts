// Reduction composites built from the primitives (no new primitives): mean, logSumExp,
// variance and std, all with `{ axis, keepDims }` like sum. Integer and bool inputs are
// reduced in float32 (float64 stays float64).

import { ValueError, fmtShape } from "../errors.js";
import { floatTypeOf, isFloat } from "../tensor/dtype.js";
import { normalizeAxes } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { type TensorLike, toTensors } from "../prims/elementwise.js";
import { type ReduceOptions, keptShape, max, sum } from "../prims/reduce.js";
import { reshape } from "../prims/layout.js";
import { cast, where } from "../prims/compare.js";
import { add, div, mul, sub } from "../prims/binary.js";
import { exp, isFinite, log, sqrt, square, stopGradient } from "../prims/unary.js";
import * as schemas from "../options/schemas.js";
import { checkOptions } from "../options/validate.js";

/** The input as a float tensor, its normalised axes and the number of elements reduced. */
function prepare(op: string, x: TensorLike, axis: readonly number[] | null | undefined): [Tensor, number[], number] {
  let [t] = toTensors(op, [x]);
  if (!isFloat(t!.dtype)) t = cast(t!, floatTypeOf(t!.dtype));
  const axes = normalizeAxes(op, axis, t!.shape.length);
  const n = axes.reduce((k, a) => k * t!.shape[a]!, 1);
  return [t!, axes, n];
}

function finish(y: Tensor, x: Tensor, axes: readonly number[], keepDims: boolean | undefined): Tensor {
  return keepDims ? reshape(y, keptShape(x.shape, axes)) : y;
}

/** Arithmetic mean over axes (all by default). Reducing over an empty axis is an error. */
export function mean(x: TensorLike, rawOptions: ReduceOptions = {}): Tensor {
  const options = checkOptions("mean", schemas.ReduceOptions, rawOptions);
  const [t, axes, n] = prepare("mean", x, options.axis);
  if (n === 0) throw new ValueError(`mean: cannot average over an empty axis of shape ${fmtShape(t.shape)}`);
  return finish(div(sum(t, { axis: axes }), n), t, axes, options.keepDims);
}

/**
 * log(Σ exp(x)) over axes, computed stably as m + log(Σ exp(x − m)) with m the max (held
 * constant for differentiation; a non-finite max is replaced by 0 so that all −∞ inputs give
 * −∞ and +∞ gives +∞ rather than NaN).
 */
export function logSumExp(x: TensorLike, rawOptions: ReduceOptions = {}): Tensor {
  const options = checkOptions("logSumExp", schemas.ReduceOptions, rawOptions);
  const [t, axes, n] = prepare("logSumExp", x, options.axis);
  if (n === 0) throw new ValueError(`logSumExp: cannot reduce over an empty axis of shape ${fmtShape(t.shape)}`);
  const mRaw = stopGradient(max(t, { axis: axes, keepDims: true }));
  const m = where(isFinite(mRaw), mRaw, 0);
  const s = log(sum(exp(sub(t, m)), { axis: axes, keepDims: true }));
  const y = add(s, m);
  return options.keepDims ? y : reshape(y, t.shape.filter((_, i) => !axes.includes(i)));
}

/** Options of `variance` and `std`. */
export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: divide by n − ddof (default 0; 1 gives the unbiased estimate). */
  ddof?: number;
}

/** Variance over axes: mean of squared deviations from the mean, divided by n − ddof. */
export function variance(x: TensorLike, options: VarianceOptions = {}): Tensor {
  return varianceOf("variance", x, options);
}

function varianceOf(op: string, x: TensorLike, rawOptions: VarianceOptions): Tensor {
  const options = checkOptions(op, schemas.VarianceOptions, rawOptions);
  const [t, axes, n] = prepare(op, x, options.axis);
  const ddof = options.ddof ?? 0;
  if (n - ddof <= 0) {
    throw new ValueError(`${op}: ${n} elements reduced over axes ${JSON.stringify(axes)} of shape ${fmtShape(t.shape)} leave no degrees of freedom with ddof ${ddof}`);
  }
  const centered = sub(t, mean(t, { axis: axes, keepDims: true }));
  return finish(mul(sum(square(centered), { axis: axes }), 1 / (n - ddof)), t, axes, options.keepDims);
}

/** Standard deviation: sqrt(variance) with the same options. */
export function std(x: TensorLike, options: VarianceOptions = {}): Tensor {
  return sqrt(varianceOf("std", x, options));
}
