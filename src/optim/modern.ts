// Two optimisers beyond the course (θ ← θ + u; α the learning rate at this step, t = count + 1):
//   lion:  c = β₁m + (1−β₁)g;  u = −α·(sign(c) + λθ);  m ← β₂m + (1−β₂)g
//   lamb:  adam's m̂, v̂;  r = m̂/(√v̂ + ε) + λθ;  u = −α·(‖θ‖/‖r‖)·r   (norms per leaf; the
//          trust ratio ‖θ‖/‖r‖ is 1 where either norm is 0)

import * as t from "io-ts";
import { add, cast, div, equal, logicalOr, mul, sign, sqrt, square, sum, where } from "../prims/index.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { unflatten } from "../tree/index.js";
import { type AdamState, biasCorrection, slotsLike } from "./adaptive.js";
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
  requireParams,
  scalarDType,
  zeroCount,
} from "./base.js";
import { NonNegativeNumber, optionsObject } from "../options/codecs.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { DecayRate, LearningRateCodec } from "./options.js";
import { negated } from "./sgd.js";

// ---------------------------------------------------------------- lion

const LionOptions = optionsObject({ b1: DecayRate, b2: DecayRate, weightDecay: NonNegativeNumber });
/** Options of `lion`: the interpolation rate b1, the momentum rate b2 and the decoupled weight decay. */
export type LionOptions = t.TypeOf<typeof LionOptions>;
/** The state of `lion`: the step count and the momentum. */
export interface LionState {
  count: Count;
  /** m: the running mean of g (with rate b2). */
  mu: unknown;
}

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an
 * interpolated momentum; every coordinate moves by exactly α (plus decay). Use a learning rate
 * 3–10× smaller than adam's. Defaults: b1 0.9, b2 0.99, weightDecay 0.
 */
export function lion(learningRate: LearningRate, options?: LionOptions): GradientTransformation<LionState> {
  const lr = checkArg("lion", "learning rate", LearningRateCodec, learningRate);
  const o = checkOptions("lion", LionOptions, options);
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.99;
  const decay = o.weightDecay ?? 0;
  return {
    init: (params) => ({ count: zeroCount(), mu: slotsLike("lion", params) }),
    update(grads, state, params) {
      const [gs, def] = floatLeaves("lion.update", "grads", grads);
      const count = checkCount("lion.update", state?.count);
      const ms = leavesLike("lion.update", "state.mu", state.mu, def, gs);
      const ps = decay > 0 ? requireParams("lion", params, def, gs) : [];
      const rate = learningRateAt("lion", lr, count, scalarDType(gs));
      const updates = gs.map((g, i) => {
        let u = sign(add(mul(b1, ms[i]!), mul(1 - b1, g)));
        if (decay > 0) u = add(u, mul(decay, ps[i]!));
        return mul(negated(rate, g.dtype), u);
      });
      const mu = gs.map((g, i) => add(mul(b2, ms[i]!), mul(1 - b2, g)));
      return [unflatten(def, updates), { count: incrementCount(count), mu: unflatten(def, mu) }];
    },
  };
}

// ---------------------------------------------------------------- lamb

const LambOptions = optionsObject({ b1: DecayRate, b2: DecayRate, eps: NonNegativeNumber, weightDecay: NonNegativeNumber });
/** Options of `lamb`: the moment decays b1 and b2, ε and the weight decay. */
export type LambOptions = t.TypeOf<typeof LambOptions>;

/** ‖x‖₂ of one leaf, a scalar of its dtype. */
function leafNorm(x: Tensor): Tensor {
  return sqrt(sum(square(x)));
}

/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning"): adam's step plus
 * decoupled decay, rescaled per leaf (per layer) by the trust ratio ‖θ‖/‖r‖. Needs `params`.
 * Defaults: b1 0.9, b2 0.999, eps 1e-6, weightDecay 0 (optax's).
 */
export function lamb(learningRate: LearningRate, options?: LambOptions): GradientTransformation<AdamState> {
  const lr = checkArg("lamb", "learning rate", LearningRateCodec, learningRate);
  const o = checkOptions("lamb", LambOptions, options);
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-6;
  const decay = o.weightDecay ?? 0;
  return {
    init: (params) => ({ count: zeroCount(), mu: slotsLike("lamb", params), nu: slotsLike("lamb", params) }),
    update(grads, state, params) {
      const [gs, def] = floatLeaves("lamb.update", "grads", grads);
      const count = checkCount("lamb.update", state?.count);
      const ms = leavesLike("lamb.update", "state.mu", state.mu, def, gs);
      const vs = leavesLike("lamb.update", "state.nu", state.nu, def, gs);
      const ps = requireParams("lamb", params, def, gs);
      const dtype = scalarDType(gs);
      const rate = learningRateAt("lamb", lr, count, dtype);
      const step = cast(add(count, 1), dtype);
      const bc1 = biasCorrection(b1, step);
      const bc2 = biasCorrection(b2, step);
      const mu = gs.map((g, i) => add(mul(b1, ms[i]!), mul(1 - b1, g)));
      const nu = gs.map((g, i) => add(mul(b2, vs[i]!), mul(1 - b2, square(g))));
      const updates = gs.map((g, i) => {
        const d: DType = g.dtype;
        let r = div(div(mu[i]!, asDType(bc1, d)), add(sqrt(div(nu[i]!, asDType(bc2, d))), eps));
        if (decay > 0) r = add(r, mul(decay, ps[i]!));
        const paramNorm = leafNorm(ps[i]!);
        const updateNorm = leafNorm(r);
        const trust = where(logicalOr(equal(paramNorm, 0), equal(updateNorm, 0)), 1, div(paramNorm, updateNorm));
        return mul(negated(rate, d), mul(trust, r));
      });
      return [unflatten(def, updates), { count: incrementCount(count), mu: unflatten(def, mu), nu: unflatten(def, nu) }];
    },
  };
}
