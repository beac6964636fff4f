// Activation layers: activation(name or function) and a shorthand per activation of fx.nn
// (relu(), tanh(), …), plus the two with something of their own: prelu() learns its slopes,
// maxout(k) takes the max over groups of k features (axis 1, the feature axis).

import * as t from "io-ts";
import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { reshape } from "../../prims/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import * as act from "../activations.js";
import { constant } from "../init.js";
import { decodeOptions, optionsCodec } from "../options.js";
import { type Layer, type NoParams, type Tree, applyOptions, checkShape, initOptions, statelessLayer } from "./layer.js";
import { draw, positiveInt } from "./params.js";

const activations = {
  identity: act.identity,
  sigmoid: act.sigmoid,
  tanh: act.tanh,
  relu: act.relu,
  relu6: act.relu6,
  hardTanh: (x: Tensor) => act.hardTanh(x),
  leakyRelu: (x: Tensor) => act.leakyRelu(x),
  elu: (x: Tensor) => act.elu(x),
  selu: act.selu,
  gelu: (x: Tensor) => act.gelu(x),
  silu: act.silu,
  swish: act.swish,
  softplus: act.softplus,
  logSigmoid: act.logSigmoid,
  softsign: act.softsign,
  softmax: (x: Tensor) => act.softmax(x),
  logSoftmax: (x: Tensor) => act.logSoftmax(x),
} as const satisfies Record<string, (x: Tensor) => Tensor>;

/** The names `activation(name)` and the models' `activation` option know ("relu", "tanh", …). */
export type ActivationName = keyof typeof activations;

/** The activations `activation(name)` knows, each as a function of one tensor. */
export const ACTIVATIONS: Readonly<Record<ActivationName, (x: Tensor) => Tensor>> = activations;

/** An elementwise (or per-example) function as a layer: a name from ACTIVATIONS or a function. */
export function activation(nameOrFn: ActivationName | ((x: Tensor) => Tensor)): Layer<NoParams, NoParams> {
  if (typeof nameOrFn === "function") return statelessLayer(`activation(${nameOrFn.name || "fn"})`, null, "", nameOrFn);
  if (typeof nameOrFn !== "string" || !Object.prototype.hasOwnProperty.call(ACTIVATIONS, nameOrFn)) {
    throw new ValueError(`activation: unknown activation ${JSON.stringify(nameOrFn)} (known: ${Object.keys(ACTIVATIONS).join(", ")}; or pass a function)`);
  }
  return statelessLayer(nameOrFn, null, "", ACTIVATIONS[nameOrFn]);
}

/** A layer that returns its input. */
export const identity = (): Layer<NoParams, NoParams> => activation("identity");
/** A layer applying `fx.sigmoid`. */
export const sigmoid = (): Layer<NoParams, NoParams> => activation("sigmoid");
/** A layer applying `fx.tanh`. */
export const tanh = (): Layer<NoParams, NoParams> => activation("tanh");
/** A layer applying `fx.nn.relu`. */
export const relu = (): Layer<NoParams, NoParams> => activation("relu");
/** A layer applying `fx.nn.relu6`. */
export const relu6 = (): Layer<NoParams, NoParams> => activation("relu6");
/** A layer applying `fx.nn.selu`. */
export const selu = (): Layer<NoParams, NoParams> => activation("selu");
/** A layer applying `fx.nn.silu`. */
export const silu = (): Layer<NoParams, NoParams> => activation("silu");
/** A layer applying `fx.nn.swish`. */
export const swish = (): Layer<NoParams, NoParams> => activation("swish");
/** A layer applying `fx.nn.softplus`. */
export const softplus = (): Layer<NoParams, NoParams> => activation("softplus");
/** A layer applying `fx.nn.softsign`. */
export const softsign = (): Layer<NoParams, NoParams> => activation("softsign");
/** A layer applying `fx.nn.logSigmoid`. */
export const logSigmoid = (): Layer<NoParams, NoParams> => activation("logSigmoid");
/** A layer clipping to [min, max] (default [−1, 1]). */
export const hardTanh = (min = -1, max = 1): Layer<NoParams, NoParams> => statelessLayer(`hardTanh(${min}, ${max})`, null, "", (x) => act.hardTanh(x, min, max));
/** A layer applying `fx.nn.leakyRelu` with slope `alpha` below 0 (default 0.01). */
export const leakyRelu = (alpha = 0.01): Layer<NoParams, NoParams> => statelessLayer(`leakyRelu(${alpha})`, null, "", (x) => act.leakyRelu(x, alpha));
/** A layer applying `fx.nn.elu` with `alpha` (default 1). */
export const elu = (alpha = 1): Layer<NoParams, NoParams> => statelessLayer(`elu(${alpha})`, null, "", (x) => act.elu(x, alpha));
/** A layer applying `fx.nn.gelu` (exact, or its tanh approximation with `approximate: true`). */
export const gelu = (options?: { approximate?: boolean }): Layer<NoParams, NoParams> => statelessLayer(options?.approximate ? "gelu(tanh)" : "gelu", null, "", (x) => act.gelu(x, options));
/** softmax over the last axis (the classes of [N, C]). */
export const softmax = (): Layer<NoParams, NoParams> => activation("softmax");
/** log softmax over the last axis (the classes of [N, C]). */
export const logSoftmax = (): Layer<NoParams, NoParams> => activation("logSoftmax");

/** Max over groups of k consecutive features along axis 1 (per example, axis 0): F → F/k. */
export function maxout(k: number): Layer<NoParams, NoParams> {
  positiveInt("maxout", "k", k);
  const name = `maxout(${k})`;
  const layer = statelessLayer(name, null, "", (x) => act.maxout(x, k, { axis: 1 }));
  return {
    ...layer,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      if (shape.length === 0 || shape[0]! % k !== 0) {
        throw new ShapeError(`${name}: the features (first per-example axis) of ${fmtShape(shape)} must divide into groups of ${k}`);
      }
      return layer.init(key, shape, initOpts);
    },
  };
}

const PreluOptions = optionsCodec("prelu options", { init: t.number, shared: t.boolean });

/**
 * Leaky relu with learned slopes: x if x > 0, else α·x. `α` is one per feature (axis 1; the
 * channels of NCHW) — or one for all with `shared: true` — initialised to 0.25 (PyTorch).
 */
export function prelu(options?: { readonly init?: number; readonly shared?: boolean }): Layer {
  const o = decodeOptions("prelu", PreluOptions, options);
  const name = "prelu";
  return {
    name,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const { dtype } = initOptions(name, initOpts);
      if (!o.shared && shape.length === 0) throw new ShapeError(`${name}: per-feature slopes need inputs of per-example shape [features, ...], got []; use { shared: true }`);
      const alphaShape = o.shared ? [] : [shape[0]!];
      return { params: draw(key, dtype, [["alpha", constant(o.init ?? 0.25), alphaShape]]), state: {}, outputShape: shape };
    },
    apply(params: Tree, state: Tree, x: Tensor, applyOpts) {
      applyOptions(name, applyOpts);
      const alpha = (params as { alpha: Tensor }).alpha;
      const view = alpha.shape.length === 0 ? alpha : reshape(alpha, [alpha.shape[0]!, ...x.shape.slice(2).map(() => 1)]);
      return [act.prelu(x, view), state];
    },
  };
}
