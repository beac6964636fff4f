// reduceOnPlateau: lowers a learning-rate scale when a validation metric stops improving
// (PyTorch's ReduceLROnPlateau, as pure data). The state is a pytree of scalar tensors, and
// `update` is built from fluxion ops, so it can be checkpointed and run inside jit:
//   improved   = metric < best·(1 − threshold)   (mode "min", thresholdMode "rel"; see below)
//   best       ← improved ? metric : best;       badEpochs ← improved ? 0 : badEpochs + 1
//   in cooldown (cooldown > 0): cooldown ← cooldown − 1, badEpochs ← 0
//   badEpochs > patience: scale ← max(scale·factor, minScale), cooldown ← cooldownSteps, badEpochs ← 0
// "min"/"abs": metric < best − threshold;  "max"/"rel": metric > best·(1 + threshold);
// "max"/"abs": metric > best + threshold. `scale(state)` is the factor to multiply the
// updates by (see scaleUpdates), 1 at the start.

import * as t from "io-ts";
import { ValueError } from "../errors.js";
import { add, cast, greater, less, maximum, mul, sub, where } from "../prims/index.js";
import type { TensorLike } from "../prims/index.js";
import { scalar } from "../tensor/create.js";
import { Tensor } from "../tensor/tensor.js";
import { NonNegativeInt, NonNegativeNumber, optionsObject } from "../options/codecs.js";
import { describeValue } from "../options/describe.js";
import { checkOptions } from "../options/validate.js";
import { DecayRate } from "./options.js";

const Mode = t.keyof({ min: null, max: null }, '"min" or "max"');
const ThresholdMode = t.keyof({ rel: null, abs: null }, '"rel" or "abs"');
const PlateauOptions = optionsObject({
  factor: DecayRate,
  patience: NonNegativeInt,
  threshold: NonNegativeNumber,
  thresholdMode: ThresholdMode,
  mode: Mode,
  cooldown: NonNegativeInt,
  minScale: NonNegativeNumber,
});
/**
 * Options of `reduceOnPlateau`: factor, patience, threshold and its mode, mode ("min"/"max"), cooldown and minScale.
 */
export type PlateauOptions = t.TypeOf<typeof PlateauOptions>;

/** All float64 / int32 scalars. */
export interface PlateauState {
  /** The best metric so far (+∞ for "min", −∞ for "max" before the first). */
  best: Tensor;
  /** Evaluations since the last improvement (reset by a reduction and during cooldown). */
  badEpochs: Tensor;
  /** Evaluations left in the cooldown after a reduction. */
  cooldown: Tensor;
  /** The current factor, 1 at the start. */
  scale: Tensor;
}

/**
 * A learning-rate reduction on plateau as pure functions of its state: evaluate with `update`, scale updates by `scale`.
 */
export interface ReduceOnPlateau {
  /** The state before the first evaluation (scale 1). */
  init(): PlateauState;
  /** The state after one evaluation of the metric (a number or scalar tensor). */
  update(metric: TensorLike, state: PlateauState): PlateauState;
  /** The factor to multiply the learning rate (the updates) by. */
  scale(state: PlateauState): Tensor;
}

/** Defaults (PyTorch's): factor 0.1, patience 10, threshold 1e-4, thresholdMode "rel", mode "min", cooldown 0, minScale 0. */
export function reduceOnPlateau(options?: PlateauOptions): ReduceOnPlateau {
  const o = checkOptions("reduceOnPlateau", PlateauOptions, options);
  const factor = o.factor ?? 0.1;
  const patience = o.patience ?? 10;
  const threshold = o.threshold ?? 1e-4;
  const relative = (o.thresholdMode ?? "rel") === "rel";
  const minimise = (o.mode ?? "min") === "min";
  const cooldownSteps = o.cooldown ?? 0;
  const minScale = o.minScale ?? 0;

  const improved = (metric: Tensor, best: Tensor): Tensor => {
    if (minimise) return less(metric, relative ? mul(best, 1 - threshold) : sub(best, threshold));
    return greater(metric, relative ? mul(best, 1 + threshold) : add(best, threshold));
  };

  return {
    init: () => ({
      best: scalar(minimise ? Infinity : -Infinity, "float64"),
      badEpochs: scalar(0, "int32"),
      cooldown: scalar(0, "int32"),
      scale: scalar(1, "float64"),
    }),
    update(metric, state) {
      const m = checkMetric(metric);
      const better = improved(m, state.best);
      const best = where(better, m, state.best);
      let bad = where(better, 0, add(state.badEpochs, 1));
      const cooling = greater(state.cooldown, 0);
      let cooldown = where(cooling, sub(state.cooldown, 1), state.cooldown);
      bad = where(cooling, 0, bad);
      const reduce = greater(bad, patience);
      const scale = where(reduce, maximum(mul(state.scale, factor), minScale), state.scale);
      cooldown = where(reduce, cooldownSteps, cooldown);
      bad = where(reduce, 0, bad);
      return { best, badEpochs: bad, cooldown, scale };
    },
    scale: (state) => state.scale,
  };
}

function checkMetric(metric: TensorLike): Tensor {
  if (typeof metric === "number") return scalar(metric, "float64");
  if (metric instanceof Tensor && metric.shape.length === 0 && metric.dtype !== "bool") return cast(metric, "float64");
  throw new ValueError(`reduceOnPlateau.update: the metric must be a number or a scalar tensor, got ${describeValue(metric)}`);
}
