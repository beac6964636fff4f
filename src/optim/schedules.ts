/**
 * Learning-rate schedules: functions of the step count built from fluxion ops, so they run under
 * jit (constant, stepDecay, exponential, cosine, warmup, …).
 * @module
 */
// Learning-rate schedules: functions of the step count t (the number of updates done before
// this one, 0 first), built from fluxion ops so that they run under jit with t a traced tensor.
// A schedule takes a float tensor (any shape: arange(n) gives a whole curve) or a JS number
// (read as a float64 scalar) and returns a tensor of the step's float dtype:
//   constant(v)                        v
//   stepDecay(α₀, {stepSize, factor})  α₀·factor^⌊t/stepSize⌋
//   exponential(α₀, k)                 α₀·e^(−k·t)
//   inverseTime(α₀, k)                 α₀/(1 + k·t)
//   polynomial(α₀, {steps, end, power, begin})
//                                      τ = clip(t − begin, 0, steps);  (α₀ − end)(1 − τ/steps)^power + end
//   cosine(α₀, {steps, alpha})         τ = min(t, steps);  α₀·((1 − alpha)·½(1 + cos(πτ/steps)) + alpha)
//   warmupCosine({peak, warmupSteps, totalSteps, init, end})
//                                      t < w: init + (peak − init)·t/w
//                                      t ≥ w: end + (peak − end)·½(1 + cos(π·min(t − w, T − w)/(T − w)))
//   piecewise(boundaries, values)      values[i], i = the number of boundaries ≤ t
// reduceOnPlateau, which follows a validation metric instead of the step, is in plateau.ts.

import * as t from "io-ts";
import { ValueError } from "../errors.js";
import { add, cast, cos, div, exp, floor, lessEqual, less, maximum, minimum, mul, pow, sub, where } from "../prims/index.js";
import { fullLike, scalar } from "../tensor/create.js";
import { isFloat } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { FiniteNumber, NonNegativeInt, NonNegativeNumber, PositiveInt, PositiveNumber, listOf, optionsObject } from "../options/codecs.js";
import { describeValue } from "../options/describe.js";
import { checkArg } from "../options/validate.js";

const FiniteList = listOf(FiniteNumber);

export { reduceOnPlateau, type PlateauOptions, type PlateauState, type ReduceOnPlateau } from "./plateau.js";

/** A schedule as built here: the value at step t, in t's float dtype. */
export type StepSchedule = (step: Tensor | number) => Tensor;

/** The step as a float tensor: numbers become float64 scalars, int tensors float32. */
function asStep(op: string, step: unknown): Tensor {
  if (typeof step === "number") return scalar(step, "float64");
  if (step instanceof Tensor && step.dtype !== "bool") return isFloat(step.dtype) ? step : cast(step, "float32");
  throw new ValueError(`${op}: the step must be a number or a numeric tensor, got ${describeValue(step)}`);
}

function schedule(op: string, f: (step: Tensor) => Tensor): StepSchedule {
  return (step) => f(asStep(op, step));
}

/** The same value at every step. */
export function constant(value: number): StepSchedule {
  const v = checkArg("constant", "value", FiniteNumber, value);
  return schedule("constant", (s) => fullLike(s, v));
}

const StepDecayOptions = optionsObject({ factor: NonNegativeNumber }, { stepSize: PositiveInt });
/** Options of `stepDecay`: every `stepSize` steps the rate is multiplied by `factor`. */
export type StepDecayOptions = t.TypeOf<typeof StepDecayOptions>;

/** α₀·factor^⌊t/stepSize⌋ (PyTorch's StepLR). Default factor 0.1. */
export function stepDecay(init: number, options: StepDecayOptions): StepSchedule {
  const a0 = checkArg("stepDecay", "init", FiniteNumber, init);
  const o = checkArg("stepDecay", "options", StepDecayOptions, options);
  const factor = o.factor ?? 0.1;
  return schedule("stepDecay", (s) => mul(a0, pow(factor, floor(div(s, o.stepSize)))));
}

/** α₀·e^(−k·t). */
export function exponential(init: number, k: number): StepSchedule {
  const a0 = checkArg("exponential", "init", FiniteNumber, init);
  const rate = checkArg("exponential", "k", NonNegativeNumber, k);
  return schedule("exponential", (s) => mul(a0, exp(mul(-rate, s))));
}

/** α₀/(1 + k·t). */
export function inverseTime(init: number, k: number): StepSchedule {
  const a0 = checkArg("inverseTime", "init", FiniteNumber, init);
  const rate = checkArg("inverseTime", "k", NonNegativeNumber, k);
  return schedule("inverseTime", (s) => div(a0, add(1, mul(rate, s))));
}

const PolynomialOptions = optionsObject({ end: FiniteNumber, power: PositiveNumber, begin: NonNegativeInt }, { steps: PositiveInt });
/** Options of `polynomial`: the steps of the decay, its end value, power and first step. */
export type PolynomialOptions = t.TypeOf<typeof PolynomialOptions>;

/** From α₀ to `end` over `steps` steps after `begin`, along (1 − τ/steps)^power. Defaults: end 0, power 1, begin 0. */
export function polynomial(init: number, options: PolynomialOptions): StepSchedule {
  const a0 = checkArg("polynomial", "init", FiniteNumber, init);
  const o = checkArg("polynomial", "options", PolynomialOptions, options);
  const end = o.end ?? 0;
  const power = o.power ?? 1;
  const begin = o.begin ?? 0;
  return schedule("polynomial", (s) => {
    const tau = minimum(maximum(sub(s, begin), 0), o.steps);
    return add(mul(a0 - end, pow(sub(1, div(tau, o.steps)), power)), end);
  });
}

const CosineOptions = optionsObject({ alpha: NonNegativeNumber }, { steps: PositiveInt });
/** Options of `cosine`: the steps of the decay and the final fraction `alpha` of the initial rate. */
export type CosineOptions = t.TypeOf<typeof CosineOptions>;

/** Cosine decay (Loshchilov & Hutter's SGDR without restarts) from α₀ to α₀·alpha over `steps` steps. Default alpha 0. */
export function cosine(init: number, options: CosineOptions): StepSchedule {
  const a0 = checkArg("cosine", "init", FiniteNumber, init);
  const o = checkArg("cosine", "options", CosineOptions, options);
  const alpha = o.alpha ?? 0;
  if (alpha > 1) throw new ValueError(`cosine: alpha is the final fraction of init and must be in [0, 1], got ${alpha}`);
  return schedule("cosine", (s) => {
    const tau = minimum(s, o.steps);
    const decay = mul(0.5, add(1, cos(mul(Math.PI / o.steps, tau))));
    return mul(a0, add(mul(1 - alpha, decay), alpha));
  });
}

const WarmupCosineOptions = optionsObject({ init: FiniteNumber, end: FiniteNumber }, { peak: FiniteNumber, warmupSteps: NonNegativeInt, totalSteps: PositiveInt });
/** Options of `warmupCosine`: start, peak and end rates, the warmup steps and the total steps. */
export type WarmupCosineOptions = t.TypeOf<typeof WarmupCosineOptions>;

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then cosine decay to `end` until
 * `totalSteps` (which counts the warmup, like optax's decay_steps). Defaults: init 0, end 0.
 */
export function warmupCosine(options: WarmupCosineOptions): StepSchedule {
  const o = checkArg("warmupCosine", "options", WarmupCosineOptions, options);
  const init = o.init ?? 0;
  const end = o.end ?? 0;
  const w = o.warmupSteps;
  const decaySteps = o.totalSteps - w;
  if (decaySteps < 0) throw new ValueError(`warmupCosine: totalSteps (${o.totalSteps}) must be at least warmupSteps (${w})`);
  return schedule("warmupCosine", (s) => {
    const decayed =
      decaySteps === 0
        ? fullLike(s, end)
        : add(end, mul(o.peak - end, mul(0.5, add(1, cos(mul(Math.PI / decaySteps, minimum(sub(s, w), decaySteps)))))));
    if (w === 0) return decayed;
    const warm = add(init, mul(o.peak - init, div(s, w)));
    return where(less(s, w), warm, decayed);
  });
}

/** values[i] where i is the number of boundaries ≤ t: values[0] before boundaries[0], and so on. */
export function piecewise(boundaries: readonly number[], values: readonly number[]): StepSchedule {
  const bs = checkArg("piecewise", "boundaries", FiniteList, boundaries);
  const vs = checkArg("piecewise", "values", FiniteList, values);
  if (vs.length !== bs.length + 1) {
    throw new ValueError(`piecewise: needs one more value than boundaries, got ${bs.length} boundaries and ${vs.length} values`);
  }
  for (let i = 1; i < bs.length; i++) {
    if (!(bs[i]! > bs[i - 1]!)) throw new ValueError(`piecewise: boundaries must increase strictly, got ${describeValue(bs)}`);
  }
  const bounds = [...bs];
  const vals = [...vs];
  return schedule("piecewise", (s) => {
    let out = fullLike(s, vals[0]!);
    bounds.forEach((b, i) => (out = where(lessEqual(b, s), vals[i + 1]!, out)));
    return out;
  });
}
