// `fx.nn.ensemble(model, n)`: n copies of a model trained side by side as one program. The
// members' parameters (and layer and optimiser states) are stacked along a new leading axis of
// size n; initialising, training and predicting are one member's functions mapped over that axis
// with vmap, so the n members cost one jitted step, not n. Members differ by the keys they are
// initialised from (split from one key) and by their dropout keys.

import * as t from "io-ts";
import { valueAndGrad } from "../autodiff/transforms.js";
import { jit } from "../compile/index.js";
import { ValueError } from "../errors.js";
import { applyUpdates, type GradientTransformation } from "../optim/base.js";
import { argmax, cast, equal } from "../prims/index.js";
import { mean } from "../ops/reductions.js";
import { oneHot } from "../ops/shape.js";
import { checkKey, key, split } from "../random/keys.js";
import type { Tensor } from "../tensor/tensor.js";
import { vmap } from "../vmap/vmap.js";
import { softmax } from "./activations.js";
import type { ApplyOptions, InitOptions, Initialized, Layer, Tree } from "./layers/layer.js";
import { isLayer } from "./layers/layer.js";
import { softmaxCrossEntropy } from "./losses.js";
import { decodeOptions, optionsCodec } from "./options.js";
import { positiveInt } from "./layers/params.js";

/** A batch loss of one member: its outputs and the labels → a scalar. */
export type EnsembleLoss = (outputs: Tensor, labels: Tensor) => Tensor;

/** How `predict` combines the members: average their class probabilities, or count their votes. */
export type Combine = "mean" | "vote";

const PredictCodec = optionsCodec("ensemble predict options", { combine: t.keyof({ mean: null, vote: null }) });

/**
 * `params, state, optState, x, y, key?` → `[params, state, optState, losses]`: one optimiser step
 * of every member on the same batch; `losses` holds each member's batch loss, shape [n].
 */
export type EnsembleStep = (params: Tree, state: Tree, optState: unknown, x: Tensor, y: Tensor, key?: Tensor) => [Tree, Tree, unknown, Tensor];

/** n members of one model with stacked parameters (see `ensemble`). */
export interface Ensemble {
  /** The member model. */
  readonly model: Layer;
  /** The number of members. */
  readonly size: number;
  /** Initialises every member from its own key split from `key`: params and state stacked along a leading axis of `size`. */
  init(key: Tensor, inputShape: readonly number[], options?: InitOptions): Initialized;
  /** Every member on the same batch `x`: outputs [size, batch, …] and the stacked new state. */
  apply(params: Tree, state: Tree, x: Tensor, options?: ApplyOptions): [Tensor, Tree];
  /** The optimiser's state for every member, stacked like the parameters. */
  initOptimizer(optimizer: GradientTransformation, params: Tree): unknown;
  /**
   * One jitted training step of all members at once: each member's loss (default: mean softmax
   * cross-entropy on int32 labels), gradient and optimiser update, vmapped over the members.
   */
  trainStep(optimizer: GradientTransformation, loss?: EnsembleLoss): EnsembleStep;
  /**
   * Class probabilities of the ensemble for logits-producing members, [batch, classes]: the mean
   * of the members' softmax probabilities (`combine: "mean"`, the default), or the share of
   * members voting for each class (`combine: "vote"`).
   */
  predict(params: Tree, state: Tree, x: Tensor, options?: { readonly combine?: Combine }): Tensor;
}

/** The members' class probabilities [n, batch, classes] averaged, or their argmax votes counted. */
function combineMembers(outputs: Tensor, combine: Combine): Tensor {
  const classes = outputs.shape[outputs.shape.length - 1]!;
  if (combine === "vote") return mean(oneHot(argmax(outputs, { axis: -1 }), classes), { axis: 0 });
  return mean(softmax(outputs), { axis: 0 });
}

/**
 * `ensemble(model, n)`: n members of `model` trained together. Parameters are stacked along a new
 * leading axis of size n; `init`, `apply`, `trainStep` and `predict` map one member's function
 * over it with vmap, so n members train in one jitted step.
 *
 * ```ts
 * const ens = fx.nn.ensemble(fx.nn.models.mlp([784, 64, 10]), 8);
 * let { params, state } = ens.init(fx.random.key(0), [784]);
 * let optState = ens.initOptimizer(fx.optim.sgd(0.1), params);
 * const step = ens.trainStep(fx.optim.sgd(0.1));
 * [params, state, optState] = step(params, state, optState, x, y, key);
 * const probabilities = ens.predict(params, state, xTest); // [batch, classes]
 * ```
 */
export function ensemble(model: Layer, n: number): Ensemble {
  if (!isLayer(model)) throw new ValueError(`ensemble: model must be a Layer (an init/apply pair), got ${model === null ? "null" : typeof model}`);
  const size = positiveInt("ensemble", "n", n);

  const apply = (params: Tree, state: Tree, x: Tensor, options?: ApplyOptions): [Tensor, Tree] => {
    const dropoutKey = options?.key;
    const member = (p: Tree, s: Tree, k: Tensor | undefined) => model.apply(p, s, x, { ...options, ...(k ? { key: k } : {}) });
    const keys = dropoutKey === undefined ? undefined : split(checkKey("ensemble.apply", dropoutKey), size);
    return vmap(member, { inAxes: [0, 0, 0] })(params, state, keys) as [Tensor, Tree];
  };

  return {
    model,
    size,
    init(seedKey, inputShape, options) {
      const keys = split(checkKey("ensemble.init", seedKey), size);
      let outputShape: number[] = [];
      const member = (k: Tensor) => {
        const r = model.init(k, inputShape, options);
        outputShape = r.outputShape;
        return [r.params, r.state];
      };
      const [params, state] = vmap(member)(keys) as [Tree, Tree];
      return { params, state, outputShape };
    },
    apply,
    initOptimizer: (optimizer, params) => vmap((p: Tree) => optimizer.init(p))(params),
    trainStep(optimizer, loss = (outputs, labels) => softmaxCrossEntropy(outputs, labels)) {
      const memberStep = (p: Tree, s: Tree, o: unknown, x: Tensor, y: Tensor, k: Tensor) => {
        const objective = (q: Tree) => {
          const [outputs, s1] = model.apply(q, s, x, { train: true, key: k });
          return [loss(outputs, y), s1] as const;
        };
        const [[value, s1], grads] = valueAndGrad(objective, { hasAux: true })(p) as [[Tensor, Tree], Tree];
        const [updates, o1] = optimizer.update(grads, o, p);
        return [applyUpdates(p, updates), s1, o1, value] as const;
      };
      const step = jit((p: Tree, s: Tree, o: unknown, x: Tensor, y: Tensor, key: Tensor) =>
        vmap(memberStep, { inAxes: [0, 0, 0, null, null, 0] })(p, s, o, x, y, split(key, size)),
      );
      return (p, s, o, x, y, k) => step(p, s, o, x, y, k === undefined ? DEFAULT_KEY : checkKey("ensemble.trainStep", k)) as unknown as [Tree, Tree, unknown, Tensor];
    },
    predict(params, state, x, options) {
      const combine = decodeOptions("ensemble.predict", PredictCodec, options).combine ?? "mean";
      return combineMembers(apply(params, state, x)[0], combine);
    },
  };
}

/** The dropout key of steps called without one (models without dropout ignore it). */
const DEFAULT_KEY = key(0);

/** Each member's accuracy on int32 `labels` [batch], from outputs [n, batch, classes] → [n]. */
export function memberAccuracies(outputs: Tensor, labels: Tensor): Tensor {
  return mean(cast(equal(argmax(outputs, { axis: -1 }), labels), "float32"), { axis: -1 });
}
