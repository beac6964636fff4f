// embedding(vocabulary, features): int32 token ids [N, ...] → rows of a learned table
// [N, ..., features]. The table's gradient is a scatter-add over the ids looked up.

import * as t from "io-ts";
import { DTypeError, fmtShape } from "../../errors.js";
import { take } from "../../prims/movement.js";
import type { Tensor } from "../../tensor/tensor.js";
import { normal } from "../../random/samplers.js";
import type { Initializer } from "../init.js";
import { decodeOptions, optionsCodec } from "../options.js";
import { type Layer, type Tree, applyOptions, checkShape, initOptions } from "./layer.js";
import { InitializerCodec, draw, positiveInt } from "./params.js";

const EmbeddingOptions = optionsCodec("embedding options", { init: InitializerCodec });

/** N(0, 1) entries (Flax's and PyTorch's default for embeddings). */
const standardNormal: Initializer = (key, shape, o) => normal(key, shape, { dtype: o?.dtype ?? "float32" });

/** A lookup table `{ table: [vocabulary, features] }`; ids must be int32 in [0, vocabulary). */
export function embedding(vocabulary: number, features: number, options?: { readonly init?: Initializer }): Layer {
  positiveInt("embedding", "vocabulary", vocabulary);
  positiveInt("embedding", "features", features);
  const o = decodeOptions("embedding", EmbeddingOptions, options);
  const name = `embedding(${vocabulary}, ${features})`;
  return {
    name,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const { dtype } = initOptions(name, initOpts);
      return { params: draw(key, dtype, [["table", o.init ?? standardNormal, [vocabulary, features]]]), state: {}, outputShape: [...shape, features] };
    },
    apply(params: Tree, state: Tree, x: Tensor, applyOpts) {
      applyOptions(name, applyOpts);
      if (x.dtype !== "int32") throw new DTypeError(`${name}: ids must be int32, got ${x.dtype}${fmtShape(x.shape)}`);
      return [take((params as { table: Tensor }).table, x, { axis: 0 }), state];
    },
  };
}
