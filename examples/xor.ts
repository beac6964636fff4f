// A tiny network learns XOR, the function no single linear layer can: a 2-8-1 perceptron
// (fx.nn.models.mlp, tanh), binary cross-entropy on its logit, gradients by fx.valueAndGrad,
// updates by fx.optim.adam, the whole step compiled once by fx.jit.
// Run: npm run example:xor    (STEPS=n for the number of steps, default 300)

import { pathToFileURL } from "node:url";
import * as fx from "../src/index.js";

/** The four inputs of XOR and their targets. */
const X = fx.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const Y = fx.tensor([[0], [1], [1], [0]]);

/** Trains for `steps` steps; returns the final loss and each input's predicted probability. */
export function trainXor(steps: number, seed = 0): { loss: number; probabilities: number[] } {
  const model = fx.nn.models.mlp([2, 8, 1], { activation: "tanh" });
  const { params: initial, state } = model.init(fx.random.key(seed), [2]);
  const optimizer = fx.optim.adam(0.05);

  // The mean binary cross-entropy of the logits the network gives the four inputs.
  const loss = (params: fx.nn.layers.Tree) => fx.nn.losses.binaryCrossEntropy(model.apply(params, state, X)[0], Y);
  const step = fx.jit((params: fx.nn.layers.Tree, optState: unknown) => {
    const [value, grads] = fx.valueAndGrad(loss)(params);
    const [updates, next] = optimizer.update(grads, optState as never, params);
    return [value, fx.optim.applyUpdates(params, updates), next];
  });

  let params = initial;
  let optState: unknown = optimizer.init(params);
  let value = Infinity;
  for (let i = 1; i <= steps; i++) {
    const [l, p, o] = step(params, optState) as [fx.Tensor, fx.nn.layers.Tree, unknown];
    [params, optState, value] = [p, o, l.item()];
    if (i % 100 === 0 || i === steps) console.log(`step ${i}  loss ${value.toFixed(4)}`);
  }
  const probabilities = Array.from(fx.sigmoid(model.apply(params, state, X)[0]).data());
  return { loss: value, probabilities };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { probabilities } = trainXor(Number(process.env.STEPS ?? 300));
  console.log("a b | xor | network");
  [[0, 0], [0, 1], [1, 0], [1, 1]].forEach(([a, b], i) => {
    const p = probabilities[i]!;
    console.log(`${a} ${b} |  ${a! ^ b!}  | ${p >= 0.5 ? 1 : 0} (p = ${p.toFixed(3)})`);
  });
}
