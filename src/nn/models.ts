/**
 * Ready-made models, each a Layer with readable parameter names: mlp, lenet5, cifarNet, alexNet.
 * @module
 */
// Ready-made models, each a Layer built from fx.nn.layers with readable parameter names.
// Per-example input shapes: mlp [sizes[0]], lenet5 and bnCnn [1, 28, 28], cifarNet [3, 32, 32],
// alexNet [3, 224, 224].

import * as t from "io-ts";
import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { heUniform, type Initializer } from "./init.js";
import { decodeOptions, optionsCodec } from "./options.js";
import { ACTIVATIONS, type ActivationName, activation } from "./layers/activation.js";
import { serial } from "./layers/combinators.js";
import { conv2d } from "./layers/conv.js";
import { dense } from "./layers/dense.js";
import { dropout } from "./layers/dropout.js";
import type { Layer } from "./layers/layer.js";
import { batchNorm } from "./layers/norm.js";
import { globalAvgPool2d, maxPool2d } from "./layers/pool.js";
import { flatten } from "./layers/shape.js";
import { InitializerCodec, positiveInt } from "./layers/params.js";

const ActivationCodec = t.keyof(Object.fromEntries(Object.keys(ACTIVATIONS).map((k) => [k, null])) as Record<ActivationName, null>);
const MlpOptions = optionsCodec("mlp options", { activation: ActivationCodec, dropout: t.number, batchNorm: t.boolean, kernelInit: InitializerCodec });
const ClassesOptions = optionsCodec("model options", { classes: t.number });
const BnCnnOptions = optionsCodec("bnCnn options", { classes: t.number, dropout: t.number, filters: t.array(t.number), hidden: t.number });

/** Options of `mlp`: the hidden layers' activation, dropout and batch norm. */
export interface MlpOptions {
  /** The hidden layers' activation (default "relu"). */
  readonly activation?: ActivationName;
  /** Dropout rate after each hidden activation (default 0: none). */
  readonly dropout?: number;
  /** Batch norm between each hidden dense layer and its activation (default false). */
  readonly batchNorm?: boolean;
  /** Initialiser of the dense weights (default heUniform, suited to relu). */
  readonly kernelInit?: Initializer;
}

/** Wraps `model` so that init insists on per-example inputs of `expected`. */
function expectingInput(name: string, expected: readonly number[], model: Layer): Layer {
  return {
    ...model,
    name,
    init(key, inputShape, options) {
      if (fmtShape(inputShape) !== fmtShape(expected)) {
        throw new ShapeError(`${name}: expected inputs of per-example shape ${fmtShape(expected)}, got ${fmtShape(inputShape)}`);
      }
      return model.init(key, inputShape, options);
    },
  };
}

/**
 * A multilayer perceptron: sizes [in, hidden…, out]. Layers are named `dense1`, `batchNorm1`,
 * `act1`, `dropout1`, …, the last `dense${n}` without activation (logits).
 */
export function mlp(sizes: readonly number[], options?: MlpOptions): Layer {
  if (!Array.isArray(sizes) || sizes.length < 2) throw new ValueError(`mlp: sizes must list the input size and at least one layer size, got ${JSON.stringify(sizes)}`);
  sizes.forEach((s, i) => positiveInt("mlp", `sizes[${i}]`, s));
  const o = decodeOptions("mlp", MlpOptions, options);
  const rate = o.dropout ?? 0;
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`mlp: dropout must be in [0, 1), got ${rate}`);
  const layers: Record<string, Layer> = {};
  const kernelInit = o.kernelInit ?? heUniform;
  for (let i = 1; i < sizes.length; i++) {
    layers[`dense${i}`] = dense(sizes[i]!, { kernelInit });
    if (i === sizes.length - 1) break;
    if (o.batchNorm) layers[`batchNorm${i}`] = batchNorm();
    layers[`act${i}`] = activation(o.activation ?? "relu");
    if (rate > 0) layers[`dropout${i}`] = dropout(rate);
  }
  return expectingInput(`mlp(${sizes.join("-")})`, [sizes[0]!], serial(layers));
}

function classes(op: string, options: unknown, fallback: number): number {
  const n = decodeOptions(op, ClassesOptions, options).classes ?? fallback;
  return positiveInt(op, "classes", n);
}

/**
 * LeNet-5 for 28×28 digits (LeCun et al. 1998, with relu and max pooling): conv 6@5×5 ("same")
 * → pool → conv 16@5×5 → pool → 120 → 84 → classes.
 */
export function lenet5(options?: { readonly classes?: number }): Layer {
  const init = { kernelInit: heUniform };
  return expectingInput("lenet5", [1, 28, 28], serial({
    conv1: conv2d(6, 5, { padding: "same", ...init }),
    relu1: activation("relu"),
    pool1: maxPool2d(2),
    conv2: conv2d(16, 5, init),
    relu2: activation("relu"),
    pool2: maxPool2d(2),
    flatten: flatten(),
    fc1: dense(120, init),
    relu3: activation("relu"),
    fc2: dense(84, init),
    relu4: activation("relu"),
    fc3: dense(classes("lenet5", options, 10), init),
  }));
}

/** conv 3×3 ("same", no bias) → batch norm → relu. */
function convBlock(filters: number): Layer {
  return serial({ conv: conv2d(filters, 3, { padding: "same", useBias: false, kernelInit: heUniform }), bn: batchNorm(), relu: activation("relu") });
}

/**
 * A small convnet for 32×32 colour images (CIFAR-10): two conv blocks of 32, pool, two of 64,
 * pool, one of 128, global average pooling, dense to the classes. Each block is conv 3×3 →
 * batch norm → relu.
 */
export function cifarNet(options?: { readonly classes?: number }): Layer {
  return expectingInput("cifarNet", [3, 32, 32], serial({
    block1: convBlock(32),
    block2: convBlock(32),
    pool1: maxPool2d(2),
    block3: convBlock(64),
    block4: convBlock(64),
    pool2: maxPool2d(2),
    block5: convBlock(128),
    gap: globalAvgPool2d(),
    fc: dense(classes("cifarNet", options, 10)),
  }));
}

/** Options of `bnCnn`: classes, dropout rate, the conv widths and the hidden width. */
export interface BnCnnOptions {
  /** The number of classes (default 10). */
  readonly classes?: number;
  /** Dropout rate before the hidden dense layer and before the logits (default 0.3). */
  readonly dropout?: number;
  /** The two conv blocks' widths (default [16, 32]). */
  readonly filters?: readonly [number, number];
  /** The hidden dense layer's width (default 128). */
  readonly hidden?: number;
}

/**
 * A small convnet with batch norm and dropout for 28×28 grey images (Fashion-MNIST): two conv
 * blocks (conv 3×3 "same" → batch norm → relu → max pool 2, 16 then 32 filters), dropout,
 * dense 128 → batch norm → relu, dropout, dense to the classes. 207,098 parameters and about
 * 1.2M multiply-adds per image at the defaults: sized to train 10 epochs of Fashion-MNIST on a
 * laptop CPU in minutes, not hours.
 */
export function bnCnn(options?: BnCnnOptions): Layer {
  const o = decodeOptions("bnCnn", BnCnnOptions, options);
  const n = positiveInt("bnCnn", "classes", o.classes ?? 10);
  const rate = o.dropout ?? 0.3;
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`bnCnn: dropout must be in [0, 1), got ${rate}`);
  const filters = o.filters ?? [16, 32];
  if (filters.length !== 2) throw new ValueError(`bnCnn: filters must list the two conv blocks' widths, got ${JSON.stringify(filters)}`);
  const [f1, f2] = filters.map((f, i) => positiveInt("bnCnn", `filters[${i}]`, f)) as [number, number];
  const hidden = positiveInt("bnCnn", "hidden", o.hidden ?? 128);
  return expectingInput("bnCnn", [1, 28, 28], serial({
    block1: convBlock(f1),
    pool1: maxPool2d(2),
    block2: convBlock(f2),
    pool2: maxPool2d(2),
    flatten: flatten(),
    dropout1: dropout(rate),
    fc1: dense(hidden, { useBias: false, kernelInit: heUniform }),
    bn: batchNorm(),
    relu: activation("relu"),
    dropout2: dropout(rate),
    fc2: dense(n),
  }));
}

/**
 * AlexNet (Krizhevsky et al. 2012, in torchvision's single-tower form) for 224×224 images:
 * five convolutions (64, 192, 384, 256, 256) with three max pools, then dropout–4096–
 * dropout–4096–classes. 61,100,840 parameters at 1000 classes.
 */
export function alexNet(options?: { readonly classes?: number }): Layer {
  const n = classes("alexNet", options, 1000);
  const relu = () => activation("relu");
  return expectingInput("alexNet", [3, 224, 224], serial({
    conv1: conv2d(64, 11, { stride: 4, padding: 2 }),
    relu1: relu(),
    pool1: maxPool2d(3, { stride: 2 }),
    conv2: conv2d(192, 5, { padding: 2 }),
    relu2: relu(),
    pool2: maxPool2d(3, { stride: 2 }),
    conv3: conv2d(384, 3, { padding: 1 }),
    relu3: relu(),
    conv4: conv2d(256, 3, { padding: 1 }),
    relu4: relu(),
    conv5: conv2d(256, 3, { padding: 1 }),
    relu5: relu(),
    pool5: maxPool2d(3, { stride: 2 }),
    flatten: flatten(),
    dropout6: dropout(0.5),
    fc6: dense(4096),
    relu6: relu(),
    dropout7: dropout(0.5),
    fc7: dense(4096),
    relu7: relu(),
    fc8: dense(n),
  }));
}
