// The models the CLI can train, by name, each built from fx.nn.models, with the one change of
// input layout it needs: mlp reads flat vectors (images are flattened), cifarNet reads 3×32×32
// (grey 28×28 images are padded by 2 and repeated over three channels). A checkpoint records
// the name and these options, so `fluxion evaluate` can rebuild the same network.

import * as models from "../nn/models.js";
import type { Layer } from "../nn/layers/layer.js";
import { pad } from "../prims/movement.js";
import { reshape } from "../prims/layout.js";
import { tile } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { UsageError } from "./errors.js";

/** The model options the command line can set. */
export interface ModelOptions {
  /** mlp: the hidden layers' widths (default 256,128,100). */
  readonly hidden?: readonly number[] | undefined;
  /** mlp, bnCnn: the dropout rate. */
  readonly dropout?: number | undefined;
}

/** The option names (as flags) a model takes. */
type OptionName = "hidden" | "dropout";

interface ModelEntry {
  readonly summary: string;
  readonly options: readonly OptionName[];
  /** The images of a split (x [N, C, H, W]) in the layout the model reads. */
  prepare(x: Tensor): Tensor;
  /** The network for `classes` classes and per-example inputs of `inputShape` (after prepare). */
  build(classes: number, inputShape: readonly number[], options: ModelOptions): Layer;
  /** False when this build of fluxion lacks the model. */
  available(): boolean;
}

/** mlp's hidden widths when --hidden is not given: the 256-128-100 network of the Fashion-MNIST benchmarks. */
export const DEFAULT_HIDDEN: readonly number[] = Object.freeze([256, 128, 100]);

const identity = (x: Tensor) => x;
const always = () => true;

/** The models by name. bnCnn is there when fx.nn.models has it. */
export const MODELS = {
  lenet5: {
    summary: "LeNet-5: conv 6@5x5, pool, conv 16@5x5, pool, 120, 84 (28x28 grey images)",
    options: [],
    prepare: identity,
    build: (classes) => models.lenet5({ classes }),
    available: always,
  },
  mlp: {
    summary: "multilayer perceptron on the flattened image, relu (--hidden, --dropout)",
    options: ["hidden", "dropout"],
    prepare: (x) => reshape(x, [x.shape[0]!, x.size / x.shape[0]!]),
    build: (classes, inputShape, o) =>
      models.mlp([inputShape.reduce((a, b) => a * b, 1), ...(o.hidden ?? DEFAULT_HIDDEN), classes], o.dropout === undefined ? {} : { dropout: o.dropout }),
    available: always,
  },
  cifarNet: {
    summary: "small conv net with batch norm (images padded to 32x32, grey repeated over 3 channels)",
    options: [],
    prepare: (x) => {
      const padded = x.shape[2] === 28 && x.shape[3] === 28 ? pad(x, [[0, 0], [0, 0], [2, 2], [2, 2]]) : x;
      return padded.shape[1] === 1 ? tile(padded, [1, 3, 1, 1]) : padded;
    },
    build: (classes) => models.cifarNet({ classes }),
    available: always,
  },
  bnCnn: {
    summary: "conv net with batch norm and dropout (--dropout)",
    options: ["dropout"],
    prepare: identity,
    build: (classes, _inputShape, o) => bnCnnBuilder()!({ classes, ...(o.dropout === undefined ? {} : { dropout: o.dropout }) }),
    available: () => bnCnnBuilder() !== undefined,
  },
} satisfies Record<string, ModelEntry>;

export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

/** fx.nn.models.bnCnn, once the batch-norm + dropout CNN is part of fx.nn.models. */
function bnCnnBuilder(): ((options: { classes: number; dropout?: number }) => Layer) | undefined {
  const f = (models as Record<string, unknown>)["bnCnn"];
  return typeof f === "function" ? (f as (options: { classes: number; dropout?: number }) => Layer) : undefined;
}

/** The entry of `name`, checking that it is available and that it takes the options given. */
export function modelEntry(name: ModelName, options: ModelOptions = {}): ModelEntry {
  const entry: ModelEntry = MODELS[name];
  if (!entry.available()) throw new UsageError(`--model ${name}: this build of fluxion has no fx.nn.models.${name}`);
  for (const k of ["hidden", "dropout"] as const) {
    if (options[k] !== undefined && !entry.options.includes(k)) {
      const takers = MODEL_NAMES.filter((m) => (MODELS[m].options as readonly string[]).includes(k));
      throw new UsageError(`--${k} applies to ${takers.join(" and ")}; --model ${name} does not take it`);
    }
  }
  return entry;
}
