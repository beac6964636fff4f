// Stochastic gradient descent and its momentum forms (updates are added to the parameters):
//   sgd:       u = −α·g
//   momentum:  v ← β·v + g;  u = −α·v                 (heavy ball, as PyTorch's SGD)
//   nesterov:  v ← β·v + g;  u = −α·(g + β·v)         (the look-ahead form of PyTorch and optax)
// α may be a schedule of the step count; state.count counts the updates done.

import { add, mul, neg } from "../prims/index.js";
import { zerosLike } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import { unflatten } from "../tree/index.js";
import {
  type Count,
  type GradientTransformation,
  type LearningRate,
  asDType,
  checkCount,
  floatLeaves,
  incrementCount,
  learningRateAt,
  leavesLike,
  scalarDType,
  zeroCount,
} from "./base.js";
import { checkArg } from "../options/validate.js";
import { DecayRate, LearningRateCodec } from "./options.js";

/** The state of `sgd`: the step count (for schedules). */
export interface SgdState {
  count: Count;
}

/** The state of `momentum` and `nesterov`: the step count and the velocity. */
export interface MomentumState {
  count: Count;
  /** The velocity v, one tensor per parameter (the parameters' structure). */
  velocity: unknown;
}

/** −lr as a factor for one leaf. */
export function negated(lr: Tensor | number, dtype: Tensor["dtype"]): Tensor | number {
  const x = asDType(lr, dtype);
  return typeof x === "number" ? -x : neg(x);
}

/** u = −α·g under the name `op` (sgd, scaleByLearningRate). */
export function descend(op: string, learningRate: LearningRate): GradientTransformation<SgdState> {
  const lr = checkArg(op, "learning rate", LearningRateCodec, learningRate);
  return {
    init: () => ({ count: zeroCount() }),
    update(grads, state) {
      const [gs, def] = floatLeaves(`${op}.update`, "grads", grads);
      const count = checkCount(`${op}.update`, state?.count);
      const rate = learningRateAt(op, lr, count, scalarDType(gs));
      const updates = gs.map((g) => mul(negated(rate, g.dtype), g));
      return [unflatten(def, updates), { count: incrementCount(count) }];
    },
  };
}

/** Plain gradient descent: u = −α·g. */
export function sgd(learningRate: LearningRate): GradientTransformation<SgdState> {
  return descend("sgd", learningRate);
}

function heavyBall(op: string, learningRate: LearningRate, beta: number, lookAhead: boolean): GradientTransformation<MomentumState> {
  const lr = checkArg(op, "learning rate", LearningRateCodec, learningRate);
  const b = checkArg(op, "beta", DecayRate, beta);
  return {
    init(params) {
      const [ps, def] = floatLeaves(op, "params", params);
      return { count: zeroCount(), velocity: unflatten(def, ps.map((p) => zerosLike(p))) };
    },
    update(grads, state) {
      const [gs, def] = floatLeaves(`${op}.update`, "grads", grads);
      const count = checkCount(`${op}.update`, state?.count);
      const vs = leavesLike(`${op}.update`, "state.velocity", state.velocity, def, gs);
      const rate = learningRateAt(op, lr, count, scalarDType(gs));
      const velocity = gs.map((g, i) => add(mul(b, vs[i]!), g));
      const updates = gs.map((g, i) => mul(negated(rate, g.dtype), lookAhead ? add(g, mul(b, velocity[i]!)) : velocity[i]!));
      return [unflatten(def, updates), { count: incrementCount(count), velocity: unflatten(def, velocity) }];
    },
  };
}

/** SGD with momentum: v ← β·v + g; u = −α·v. */
export function momentum(learningRate: LearningRate, beta = 0.9): GradientTransformation<MomentumState> {
  return heavyBall("momentum", learningRate, beta, false);
}

/** Nesterov momentum: v ← β·v + g; u = −α·(g + β·v). */
export function nesterov(learningRate: LearningRate, beta = 0.9): GradientTransformation<MomentumState> {
  return heavyBall("nesterov", learningRate, beta, true);
}
