// The acceptance tests of the model author's library (issue 10): a 2-layer MLP learns XOR
// while a linear model cannot; softmax regression separates a linearly separable 3-class
// problem; every layer's gradient (parameters and input) agrees with float64 finite
// differences; a whole training step gives the same bits with and without jit, and compiles
// once across an epoch.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { checkVjp, prng, randomLike } from "../props/gradcheck.js";

const L = fx.nn.layers;
type Layer = fx.nn.layers.Layer;
type Tree = fx.nn.layers.Tree;
const key = (n: number) => fx.random.key(n);

/**
 * Trains `model` full-batch on (x, labels) with `optimizer` for `steps` jitted steps and
 * returns the accuracy reached.
 */
function fit(model: Layer, optimizer: fx.optim.GradientTransformation, x: Tensor, labels: Tensor, steps: number, seed: number): number {
  let { params, state } = model.init(key(seed), x.shape.slice(1));
  let opt = optimizer.init(params);
  const step = fx.jit((p: Tree, s: Tree, o: unknown) => {
    const loss = (q: Tree) => {
      const [logits, s1] = model.apply(q, s, x, { train: true });
      return [fx.nn.losses.softmaxCrossEntropy(logits, labels), s1] as const;
    };
    const [[, s1], grads] = fx.valueAndGrad(loss, { hasAux: true })(p);
    const [updates, o1] = optimizer.update(grads, o, p);
    return [fx.optim.applyUpdates(p, updates), s1, o1] as const;
  });
  for (let i = 0; i < steps; i++) {
    const [p1, s1, o1] = step(params, state, opt);
    [params, state, opt] = [p1 as Tree, s1 as Tree, o1];
  }
  expect(step.cacheSize).toBe(1);
  return fx.nn.accuracy(model.apply(params, state, x)[0], labels).item();
}

describe("learning", () => {
  const xor = fx.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const xorLabels = fx.tensor([0, 1, 1, 0], { dtype: "int32" });

  it("a 2-layer MLP learns XOR to 100%", () => {
    for (const seed of [0, 1, 2]) {
      const acc = fit(fx.nn.models.mlp([2, 8, 2], { activation: "tanh" }), fx.optim.adam(0.05), xor, xorLabels, 300, seed);
      expect(acc, `seed ${seed}`).toBe(1);
    }
  });

  it("a linear model cannot: it gets at most 3 of the 4 XOR points right", () => {
    for (const seed of [0, 1, 2]) {
      const acc = fit(L.dense(2), fx.optim.adam(0.05), xor, xorLabels, 300, seed);
      expect(acc, `seed ${seed}`).toBeLessThanOrEqual(0.75);
    }
  });

  it("softmax regression separates a linearly separable 3-class problem", () => {
    // 3 clusters of 30 points: centres on a circle of radius 3, points within ±1 of them.
    const rand = prng(11);
    const centres = [0, 1, 2].map((c) => [3 * Math.cos((2 * Math.PI * c) / 3), 3 * Math.sin((2 * Math.PI * c) / 3)]);
    const points: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      points.push([centres[c]![0]! + 2 * rand() - 1, centres[c]![1]! + 2 * rand() - 1]);
      labels.push(c);
    }
    const acc = fit(L.dense(3), fx.optim.sgd(0.5), fx.tensor(points), fx.tensor(labels, { dtype: "int32" }), 200, 0);
    expect(acc).toBe(1);
  });
});

/**
 * A float64 tensor of `shape` with distinct entries of magnitude in [0.1, 1], both signs, in a
 * random order: no ties for max-like layers and no input within finite-difference reach of a
 * kink at 0.
 */
function distinctInput(shape: number[], seed: number): Tensor {
  const rand = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const magnitudes = Array.from({ length: n }, (_, i) => 0.1 + (0.9 * i) / n);
  const order = magnitudes.map((m) => [rand(), m] as const).sort((a, b) => a[0] - b[0]);
  return fx.tensor(order.map(([, m], i) => (i % 2 === 0 ? m : -m)), { shape, dtype: "float64" });
}

/** checkVjp of y = layer.apply(params, state, x) with respect to every parameter and x. */
function gradCheckLayer(layer: Layer, inputShape: number[], options: { train?: boolean; input?: Tensor; seed?: number } = {}): void {
  const seed = options.seed ?? 1;
  const { params, state } = layer.init(key(seed), inputShape, { dtype: "float64" });
  const [leaves, def] = fx.tree.flatten<Tensor>(params);
  const x = options.input ?? distinctInput([2, ...inputShape], seed + 100);
  const applyOpts = { train: options.train ?? false, key: key(seed + 200) };
  const f = (...xs: Tensor[]) => layer.apply(fx.tree.unflatten(def, xs.slice(0, -1)), state, xs[xs.length - 1]!, applyOpts)[0];
  const y = f(...leaves, x);
  const u = randomLike(y, prng(seed + 300));
  checkVjp(f, [...leaves, x], u, {}, `${layer.name}${options.train ? " (training)" : ""}`);
}

describe("every layer passes a float64 finite-difference gradient check (parameters and input)", () => {
  const cases: [Layer, number[], { train?: boolean }?][] = [
    [L.dense(3), [4]],
    [L.dense(2), [2, 3]],
    [L.conv1d(2, 3, { padding: 1 }), [2, 5]],
    [L.conv2d(2, 3, { stride: 2, padding: "same" }), [2, 5, 5]],
    [L.conv2d(4, 2, { groups: 2, dilation: 2 }), [2, 5, 5]],
    [L.conv2dTranspose(2, 3, { stride: 2 }), [2, 3, 3]],
    [L.maxPool2d(2), [2, 4, 4]],
    [L.avgPool2d(3, { stride: 2, padding: 1 }), [2, 5, 5]],
    [L.globalAvgPool2d(), [3, 3, 3]],
    [L.flatten(), [2, 3]],
    [L.reshape([3, -1]), [6]],
    [L.dropout(0.5), [6], { train: true }],
    [L.batchNorm(), [3, 2, 2], { train: true }],
    [L.batchNorm(), [3, 2, 2]],
    [L.batchNorm({ center: false }), [4], { train: true }],
    [L.layerNorm(), [2, 5]],
    [L.prelu(), [3, 2, 2]],
    [L.prelu({ shared: true }), [5]],
    [L.maxout(2), [6]],
    ...(Object.keys(fx.nn.layers.ACTIVATIONS) as fx.nn.layers.ActivationName[]).map((n) => [L.activation(n), [5]] as [Layer, number[]]),
    [L.gelu({ approximate: true }), [5]],
    [L.leakyRelu(0.2), [5]],
    [L.elu(0.5), [5]],
    [L.hardTanh(-0.5, 0.5), [5]],
    [L.serial({ conv: L.conv2d(2, 3, { padding: 1 }), bn: L.batchNorm(), act: L.tanh(), pool: L.avgPool2d(2), flat: L.flatten(), out: L.dense(3) }), [1, 4, 4], { train: true }],
    [L.parallel([L.dense(2), L.serial(L.dense(3), L.tanh())]), [3]],
    [L.parallel([L.dense(2), L.dense(2)], { merge: "sum" }), [3]],
    [L.residual(L.dense(3), L.tanh()), [3]],
  ];
  for (const [layer, shape, opts] of cases) {
    it(`${layer.name}${opts?.train ? " (training)" : ""} on ${JSON.stringify(shape)}`, () => gradCheckLayer(layer, shape, opts));
  }

  it("embedding (with respect to its table; the ids are integers)", () => {
    const layer = L.embedding(5, 3);
    const { params } = layer.init(key(0), [4], { dtype: "float64" });
    const ids = fx.tensor([[0, 4, 4, 2], [1, 2, 3, 2]], { dtype: "int32" });
    const f = (table: Tensor) => layer.apply({ table }, {}, ids)[0];
    const table = (params as { table: Tensor }).table;
    checkVjp(f, [table], randomLike(f(table), prng(3)), {}, "embedding");
  });

  it("the check catches a wrong gradient (a layer whose backward pass is off)", () => {
    // stopGradient on part of the output makes the analytic gradient differ from the numeric one.
    const broken = L.activation((x) => fx.add(fx.stopGradient(fx.mul(x, x)), x));
    expect(() => gradCheckLayer(broken, [4])).toThrow(/vs finite differences/);
  });
});

/** Every element of two pytrees of tensors, bit for bit (Object.is), with shapes and dtypes. */
function expectSameBits(a: unknown, b: unknown, label: string): void {
  const [la, da] = fx.tree.flatten<Tensor>(a);
  const [lb, db] = fx.tree.flatten<Tensor>(b);
  expect(db, label).toEqual(da);
  la.forEach((x, i) => {
    const y = lb[i]!;
    expect([y.shape, y.dtype], `${label}: leaf ${i}`).toEqual([x.shape, x.dtype]);
    const xs = x.data();
    const ys = y.data();
    for (let j = 0; j < xs.length; j++) {
      if (!Object.is(xs[j], ys[j])) throw new Error(`${label}: leaf ${i} element ${j}: jit ${ys[j]} ≠ eager ${xs[j]}`);
    }
  });
}

describe("a full training step: jit computes what eager computes, and compiles once", () => {
  const model = L.serial({
    conv: L.conv2d(4, 3, { padding: "same" }),
    bn: L.batchNorm({ momentum: 0.9 }),
    act: L.relu(),
    pool: L.maxPool2d(2),
    flat: L.flatten(),
    drop: L.dropout(0.25),
    out: L.dense(3),
  });
  const optimizer = fx.optim.chain(fx.optim.clipByGlobalNorm(1), fx.optim.adam(0.01));
  type P = fx.nn.layers.ParamsOf<typeof model>;
  type S = fx.nn.layers.StateOf<typeof model>;
  type O = ReturnType<typeof optimizer.init>;
  const trainStep = (p: P, s: S, o: O, x: Tensor, y: Tensor, k: Tensor) => {
    const loss = (q: P) => {
      const [logits, s1] = model.apply(q, s, x, { train: true, key: k });
      return [fx.nn.losses.softmaxCrossEntropy(logits, y), s1] as const;
    };
    const [[value, s1], grads] = fx.valueAndGrad(loss, { hasAux: true })(p);
    const [updates, o1] = optimizer.update(grads, o, p);
    return [value, grads, fx.optim.applyUpdates(p, updates), s1, o1] as const;
  };

  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: loss, gradients, parameters, batch-norm state and optimiser state, bit for bit over an epoch`, () => {
      const init = model.init(key(0), [1, 6, 6], { dtype });
      const jitted = fx.jit(trainStep);
      let eager: [P, S, O] = [init.params, init.state, optimizer.init(init.params)];
      let compiled: [P, S, O] = [...eager];
      const batches = 6;
      for (let b = 0; b < batches; b++) {
        const x = fx.random.normal(fx.random.foldIn(key(1), b), [8, 1, 6, 6], { dtype });
        const y = fx.random.randint(fx.random.foldIn(key(2), b), [8], 0, 3);
        const k = fx.random.foldIn(key(3), b);
        const e = trainStep(...eager, x, y, k);
        const j = jitted(...compiled, x, y, k);
        expectSameBits(e, j, `${dtype} batch ${b}`);
        eager = [e[2], e[3], e[4]];
        compiled = [j[2], j[3], j[4]];
      }
      expect(jitted.cacheSize).toBe(1);
      // The state really moved: batch-norm statistics and adam's count.
      const bn = (compiled[1] as { bn: { mean: Tensor } }).bn.mean;
      expect(bn.toArray()).not.toEqual((init.state as { bn: { mean: Tensor } }).bn.mean.toArray());
      expect((compiled[2] as [unknown, { count: Tensor }])[1].count.item()).toBe(batches);
    }, 120_000);
  }
});
