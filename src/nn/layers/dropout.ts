// dropout(rate): inverted dropout. In training each element is kept with probability 1 − rate
// and scaled by 1/(1 − rate), so inference is the identity; the mask comes from the key passed
// to apply, so a step is reproducible (and works under jit, the key being a tensor).

import { ValueError } from "../../errors.js";
import { div, where } from "../../prims/index.js";
import { zerosLike } from "../../tensor/create.js";
import { bernoulli } from "../../random/samplers.js";
import type { Tensor } from "../../tensor/tensor.js";
import { type Layer, type NoParams, applyOptions, checkShape, initOptions } from "./layer.js";

/**
 * Inverted dropout: in training each element is kept with probability 1 − rate and scaled by
 * 1/(1 − rate), the mask drawn from `apply`'s key; the identity at inference.
 */
export function dropout(rate: number): Layer<NoParams, NoParams> {
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) throw new ValueError(`dropout: rate must be a number in [0, 1], got ${String(rate)}`);
  const name = `dropout(${rate})`;
  return {
    name,
    init(_key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      initOptions(name, initOpts);
      return { params: {}, state: {}, outputShape: shape };
    },
    apply(_params, state, x: Tensor, applyOpts) {
      const { train, key } = applyOptions(name, applyOpts);
      if (!train || rate === 0) return [x, state];
      if (key === undefined) throw new ValueError(`${name}: training needs a random key: apply(params, state, x, { train: true, key })`);
      if (rate === 1) return [zerosLike(x), state];
      const keep = bernoulli(key, 1 - rate, x.shape);
      return [where(keep, div(x, 1 - rate), 0), state];
    },
  };
}
