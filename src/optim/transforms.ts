// Transformations of updates, to be composed with `chain` (each is an optimiser-shaped pair;
// the updates they receive are the gradients or the previous transformation's output):
//   clipByGlobalNorm(c):  u = g·min(1, c/‖g‖), ‖g‖ = √(Σ over all leaves of Σ g²)
//   clipByValue(lo, hi):  u = min(max(g, lo), hi)
//   addWeightDecay(λ):    u = g + λθ     (coupled L2 decay; put it before the learning rate)
//   scale(s):             u = s·g
//   scaleByLearningRate(α): u = −α·g     (α may be a schedule; state { count })
// and `scaleUpdates(updates, s)`, a plain function for a factor that lives in state (such as
// reduceOnPlateau's scale).

import { ValueError } from "../errors.js";
import { add, cast, div, greater, maximum, minimum, mul, sqrt, square, sum, where } from "../prims/index.js";
import type { TensorLike } from "../prims/index.js";
import { Tensor } from "../tensor/tensor.js";
import { unflatten } from "../tree/index.js";
import { type EmptyState, type GradientTransformation, type LearningRate, asDType, floatLeaves, requireParams, scalarDType } from "./base.js";
import { FiniteNumber, NonNegativeNumber, PositiveNumber } from "../options/codecs.js";
import { describeValue } from "../options/describe.js";
import { checkArg } from "../options/validate.js";
import { type SgdState, descend } from "./sgd.js";

const EMPTY: EmptyState = Object.freeze({}) as EmptyState;

/** A stateless transformation applying `f` to the gradient leaves (with the parameter leaves if asked). */
function stateless(op: string, f: (g: Tensor, p: Tensor | undefined) => Tensor, needsParams = false): GradientTransformation<EmptyState> {
  return {
    init: () => EMPTY,
    update(grads, _state, params) {
      const [gs, def] = floatLeaves(`${op}.update`, "grads", grads);
      const ps = needsParams ? requireParams(op, params, def, gs) : [];
      return [unflatten(def, gs.map((g, i) => f(g, ps[i]))), EMPTY];
    },
  };
}

/** The global L2 norm of a tree of float tensors: √(Σ over leaves of Σ g²), in float64 if any leaf is. */
export function globalNorm(tree: unknown): Tensor {
  const [gs] = floatLeaves("globalNorm", "the tree", tree);
  const dtype = scalarDType(gs);
  let total: Tensor | number = 0;
  for (const g of gs) total = add(total, cast(sum(square(g)), dtype));
  return sqrt(typeof total === "number" ? cast(total, dtype) : total);
}

/** Scales all updates together so their global norm is at most `maxNorm`. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  const c = checkArg("clipByGlobalNorm", "maxNorm", PositiveNumber, maxNorm);
  return {
    init: () => EMPTY,
    update(grads) {
      const [gs, def] = floatLeaves("clipByGlobalNorm.update", "grads", grads);
      const norm = globalNorm(grads);
      // One scalar factor; choosing it (not the scaled leaves) keeps 0·∞ out when the norm is 0.
      const factor = where(greater(norm, c), div(c, norm), 1);
      return [unflatten(def, gs.map((g) => mul(g, asDType(factor, g.dtype)))), EMPTY];
    },
  };
}

/** Clips every update coordinate into [min, max]. */
export function clipByValue(min: number, max: number): GradientTransformation<EmptyState> {
  const lo = checkArg("clipByValue", "min", FiniteNumber, min);
  const hi = checkArg("clipByValue", "max", FiniteNumber, max);
  if (lo > hi) throw new ValueError(`clipByValue: min must not exceed max, got min ${lo} and max ${hi}`);
  return stateless("clipByValue", (g) => minimum(maximum(g, lo), hi));
}

/** Adds λθ to the updates (L2 regularisation's gradient); needs `params` in update. */
export function addWeightDecay(weightDecay: number): GradientTransformation<EmptyState> {
  const lambda = checkArg("addWeightDecay", "weightDecay", NonNegativeNumber, weightDecay);
  return stateless("addWeightDecay", (g, p) => add(g, mul(lambda, p!)), true);
}

/** Multiplies the updates by a constant. */
export function scale(factor: number): GradientTransformation<EmptyState> {
  const s = checkArg("scale", "factor", FiniteNumber, factor);
  return stateless("scale", (g) => mul(s, g));
}

/** u = −α·g, α a number or a schedule of the step count (state { count }). */
export function scaleByLearningRate(learningRate: LearningRate): GradientTransformation<SgdState> {
  return descend("scaleByLearningRate", learningRate);
}

/** Multiplies every leaf by `factor` (a number or scalar tensor, cast to each leaf's dtype). */
export function scaleUpdates<T>(updates: T, factor: TensorLike): T {
  if (!(typeof factor === "number" || (factor instanceof Tensor && factor.shape.length === 0))) {
    throw new ValueError(`scaleUpdates: factor must be a number or a scalar tensor, got ${describeValue(factor)}`);
  }
  const [us, def] = floatLeaves("scaleUpdates", "updates", updates);
  return unflatten<T>(def, us.map((u) => mul(u, asDType(factor as Tensor | number, u.dtype))));
}
