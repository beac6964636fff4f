// The course's optimisers with per-parameter adaptive step sizes (updates are added to the
// parameters; g is the gradient, θ the parameter, α the learning rate at this step, t = count + 1):
//   adagrad:  G ← G + g²;                    u = −α·g / (√G + ε)
//   rmsprop:  ν ← ρν + (1−ρ)g²;  [centered: μ ← ρμ + (1−ρ)g, ν̃ = max(ν − μ², 0)]
//             d = √ν̃ + ε;        u = −α·g/d,  or with momentum m: b ← m·b + g/d; u = −α·b
//   adam:     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ)
//             u = −α·m̂/(√v̂ + ε)                  (ε outside the square root, as in the paper)
//   adamw:    adam's step plus decoupled decay: u = −α·(m̂/(√v̂ + ε) + λθ)
// Step-dependent scalars (α, β₁ᵗ, β₂ᵗ) are computed once per update, in float64 when any leaf
// is float64 and in float32 otherwise, then cast to each leaf's dtype. lion and lamb are in
// modern.ts.

import * as t from "io-ts";
import { add, cast, div, maximum, mul, pow, sqrt, square, sub } from "../prims/index.js";
import type { DType } from "../tensor/dtype.js";
import { fullLike, zerosLike } from "../tensor/create.js";
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
  requireParams,
  scalarDType,
  zeroCount,
} from "./base.js";
import { Bool, NonNegativeNumber, optionsObject } from "../options/codecs.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { DecayRate, LearningRateCodec } from "./options.js";
import { negated } from "./sgd.js";

/** Zeros (or `value`) shaped like each parameter, in the parameters' structure. */
export function slotsLike(op: string, params: unknown, value = 0): unknown {
  const [ps, def] = floatLeaves(op, "params", params);
  return unflatten(def, ps.map((p) => (value === 0 ? zerosLike(p) : fullLike(p, value))));
}

/** The bias correction 1 − βᵗ at step t (a scalar of `dtype`). */
export function biasCorrection(beta: number, step: Tensor): Tensor {
  return sub(1, pow(beta, step));
}

// ---------------------------------------------------------------- adagrad

const AdagradOptions = optionsObject({ eps: NonNegativeNumber, initialAccumulator: NonNegativeNumber });
/** Options of `adagrad`: ε (default 1e-7) and the accumulator's start (default 0.1). */
export type AdagradOptions = t.TypeOf<typeof AdagradOptions>;
/** The state of `adagrad`: the step count and the running sum of squared gradients. */
export interface AdagradState {
  count: Count;
  /** G: the running sum of squared gradients (starts at `initialAccumulator`). */
  sumSquares: unknown;
}

/** Adagrad (Duchi et al.): G ← G + g²; u = −α·g/(√G + ε). Defaults: eps 1e-7, initialAccumulator 0.1. */
export function adagrad(learningRate: LearningRate, options?: AdagradOptions): GradientTransformation<AdagradState> {
  const lr = checkArg("adagrad", "learning rate", LearningRateCodec, learningRate);
  const o = checkOptions("adagrad", AdagradOptions, options);
  const eps = o.eps ?? 1e-7;
  const initial = o.initialAccumulator ?? 0.1;
  return {
    init: (params) => ({ count: zeroCount(), sumSquares: slotsLike("adagrad", params, initial) }),
    update(grads, state) {
      const [gs, def] = floatLeaves("adagrad.update", "grads", grads);
      const count = checkCount("adagrad.update", state?.count);
      const sums = leavesLike("adagrad.update", "state.sumSquares", state.sumSquares, def, gs);
      const rate = learningRateAt("adagrad", lr, count, scalarDType(gs));
      const next = gs.map((g, i) => add(sums[i]!, square(g)));
      const updates = gs.map((g, i) => mul(negated(rate, g.dtype), div(g, add(sqrt(next[i]!), eps))));
      return [unflatten(def, updates), { count: incrementCount(count), sumSquares: unflatten(def, next) }];
    },
  };
}

// ---------------------------------------------------------------- rmsprop

const RmspropOptions = optionsObject({ decay: DecayRate, eps: NonNegativeNumber, centered: Bool, momentum: DecayRate });
/** Options of `rmsprop`: the decay of the running mean of g², ε, `centered` and momentum. */
export type RmspropOptions = t.TypeOf<typeof RmspropOptions>;
/** The state of `rmsprop`: the step count and the running means (and momentum when asked for). */
export interface RmspropState {
  count: Count;
  /** ν: the running mean of g². */
  nu: unknown;
  /** μ: the running mean of g (only when centered). */
  mu?: unknown;
  /** b: the momentum buffer (only when momentum > 0). */
  trace?: unknown;
}

/** RMSprop (Hinton): scale by a running root mean square. Defaults: decay 0.9, eps 1e-8, centered false, momentum 0. */
export function rmsprop(learningRate: LearningRate, options?: RmspropOptions): GradientTransformation<RmspropState> {
  const lr = checkArg("rmsprop", "learning rate", LearningRateCodec, learningRate);
  const o = checkOptions("rmsprop", RmspropOptions, options);
  const rho = o.decay ?? 0.9;
  const eps = o.eps ?? 1e-8;
  const centered = o.centered ?? false;
  const m = o.momentum ?? 0;
  return {
    init(params) {
      const state: RmspropState = { count: zeroCount(), nu: slotsLike("rmsprop", params) };
      if (centered) state.mu = slotsLike("rmsprop", params);
      if (m > 0) state.trace = slotsLike("rmsprop", params);
      return state;
    },
    update(grads, state) {
      const op = "rmsprop.update";
      const [gs, def] = floatLeaves(op, "grads", grads);
      const count = checkCount(op, state?.count);
      const nus = leavesLike(op, "state.nu", state.nu, def, gs);
      const mus = centered ? leavesLike(op, "state.mu (centered)", state.mu, def, gs) : [];
      const traces = m > 0 ? leavesLike(op, "state.trace (momentum)", state.trace, def, gs) : [];
      const rate = learningRateAt("rmsprop", lr, count, scalarDType(gs));
      const nu = gs.map((g, i) => add(mul(rho, nus[i]!), mul(1 - rho, square(g))));
      const mu = centered ? gs.map((g, i) => add(mul(rho, mus[i]!), mul(1 - rho, g))) : [];
      const scaled = gs.map((g, i) => {
        const meanSquare = centered ? maximum(sub(nu[i]!, square(mu[i]!)), 0) : nu[i]!;
        return div(g, add(sqrt(meanSquare), eps));
      });
      const trace = m > 0 ? scaled.map((s, i) => add(mul(m, traces[i]!), s)) : [];
      const steps = m > 0 ? trace : scaled;
      const updates = steps.map((s) => mul(negated(rate, s.dtype), s));
      const next: RmspropState = { count: incrementCount(count), nu: unflatten(def, nu) };
      if (centered) next.mu = unflatten(def, mu);
      if (m > 0) next.trace = unflatten(def, trace);
      return [unflatten(def, updates), next];
    },
  };
}

// ---------------------------------------------------------------- adam and adamw

const AdamOptions = optionsObject({ b1: DecayRate, b2: DecayRate, eps: NonNegativeNumber });
/** Options of `adam`: the moment decays b1 and b2 and ε. */
export type AdamOptions = t.TypeOf<typeof AdamOptions>;
const AdamWOptions = optionsObject({ b1: DecayRate, b2: DecayRate, eps: NonNegativeNumber, weightDecay: NonNegativeNumber });
/** Options of `adamw`: those of `adam` and the decoupled weight decay. */
export type AdamWOptions = t.TypeOf<typeof AdamWOptions>;
/** The state of `adam`, `adamw` and `lamb`: the step count and the first and second moments. */
export interface AdamState {
  count: Count;
  /** m: the running mean of g (first moment). */
  mu: unknown;
  /** v: the running mean of g² (second moment). */
  nu: unknown;
}

function adamLike(op: string, learningRate: LearningRate, o: AdamWOptions): GradientTransformation<AdamState> {
  const lr = checkArg(op, "learning rate", LearningRateCodec, learningRate);
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const decay = o.weightDecay ?? 0;
  return {
    init: (params) => ({ count: zeroCount(), mu: slotsLike(op, params), nu: slotsLike(op, params) }),
    update(grads, state, params) {
      const at = `${op}.update`;
      const [gs, def] = floatLeaves(at, "grads", grads);
      const count = checkCount(at, state?.count);
      const ms = leavesLike(at, "state.mu", state.mu, def, gs);
      const vs = leavesLike(at, "state.nu", state.nu, def, gs);
      const ps = decay > 0 ? requireParams(op, params, def, gs) : [];
      const dtype = scalarDType(gs);
      const rate = learningRateAt(op, lr, count, dtype);
      const step = cast(add(count, 1), dtype);
      const bc1 = biasCorrection(b1, step);
      const bc2 = biasCorrection(b2, step);
      const mu = gs.map((g, i) => add(mul(b1, ms[i]!), mul(1 - b1, g)));
      const nu = gs.map((g, i) => add(mul(b2, vs[i]!), mul(1 - b2, square(g))));
      const updates = gs.map((g, i) => {
        const d: DType = g.dtype;
        const mHat = div(mu[i]!, asDType(bc1, d));
        const vHat = div(nu[i]!, asDType(bc2, d));
        let u = div(mHat, add(sqrt(vHat), eps));
        if (decay > 0) u = add(u, mul(decay, ps[i]!));
        return mul(negated(rate, d), u);
      });
      return [unflatten(def, updates), { count: incrementCount(count), mu: unflatten(def, mu), nu: unflatten(def, nu) }];
    },
  };
}

/** Adam (Kingma & Ba), bias-corrected. Defaults: b1 0.9, b2 0.999, eps 1e-8. */
export function adam(learningRate: LearningRate, options?: AdamOptions): GradientTransformation<AdamState> {
  return adamLike("adam", learningRate, checkOptions("adam", AdamOptions, options));
}

/** AdamW (Loshchilov & Hutter): adam with decoupled weight decay −α·λθ. Defaults as adam, weightDecay 1e-4. */
export function adamw(learningRate: LearningRate, options?: AdamWOptions): GradientTransformation<AdamState> {
  const o = checkOptions("adamw", AdamWOptions, options);
  return adamLike("adamw", learningRate, { ...o, weightDecay: o.weightDecay ?? 1e-4 });
}
