// LeNet-5 (fx.nn.models.lenet5) on Fashion-MNIST (60,000 training and 10,000 test images of
// clothes) through fx.train.fit with SGD + momentum; prints each epoch and the test accuracy.
// Without the data files (Debian: apt-get install dataset-fashion-mnist) it prints how to get
// them and exits without error.
// Run: npm run example:fashion-lenet -- --epochs 10
//      (--train-size N and --test-size N train and test on the first N images; or the env vars
//      EPOCHS, TRAIN_SIZE, TEST_SIZE)

import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import * as fx from "../src/index.js";

/** The first n samples of a split (all of them when n is undefined). */
function first(split: fx.data.Split, n: number | undefined): fx.data.Split {
  const count = Math.min(n ?? Infinity, split.y.shape[0]!);
  return fx.data.takeSplit("fashion-lenet", split, Int32Array.from({ length: count }, (_, i) => i));
}

/** Trains LeNet-5 and returns its test accuracy, or undefined (with the install hint printed) when the files are missing. */
export async function fashionLenet(options: { epochs: number; trainSize?: number | undefined; testSize?: number | undefined; dir?: string; verbose?: boolean }): Promise<number | undefined> {
  let data: fx.data.Dataset;
  try {
    data = fx.data.fashionMnist(options.dir === undefined ? {} : { dir: options.dir });
  } catch (e) {
    if (!(e instanceof fx.data.DataNotFoundError)) throw e;
    console.log(`skipped: ${e.message}`);
    return undefined;
  }
  const train = first(data.train, options.trainSize);
  const test = first(data.test, options.testSize);
  const model = fx.nn.models.lenet5();
  const { params, state } = await fx.train.fit(model, { train, validation: test }, {
    optimizer: fx.optim.momentum(0.05, 0.9),
    epochs: options.epochs,
    batchSize: 64,
    key: fx.random.key(42),
    verbose: options.verbose ?? true,
  });
  return fx.train.evaluate(model, params, state, test).accuracy;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { epochs: { type: "string" }, "train-size": { type: "string" }, "test-size": { type: "string" } } });
  // A flag, else its environment variable, else undefined.
  const arg = (flag: keyof typeof values, env: string) => {
    const v = values[flag] ?? process.env[env];
    return v === undefined ? undefined : Number(v);
  };
  const accuracy = await fashionLenet({ epochs: arg("epochs", "EPOCHS") ?? 3, trainSize: arg("train-size", "TRAIN_SIZE"), testSize: arg("test-size", "TEST_SIZE") });
  if (accuracy !== undefined) console.log(`test accuracy ${(100 * accuracy).toFixed(2)}%`);
}
