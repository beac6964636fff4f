// fx.nn.models and summary: structure (names, parameter counts known from the papers and
// PyTorch), forward passes, the input shapes each model insists on, and the summary table.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { type AvalTree, abstractInit } from "../src/nn/layers/abstract.js";

const M = fx.nn.models;
type Tree = fx.nn.layers.Tree;
const key = (n: number) => fx.random.key(n);
const count = (tree: Tree) => fx.tree.leaves<Tensor>(tree).reduce((n, t) => n + t.size, 0);

describe("mlp", () => {
  it("sizes [in, hidden…, out]: dense layers named dense1…, relu between them, logits out", () => {
    const model = M.mlp([784, 256, 10]);
    const { params, state, outputShape } = model.init(key(0), [784]);
    expect(outputShape).toEqual([10]);
    expect(Object.keys(params).sort()).toEqual(["act1", "dense1", "dense2"]);
    expect(count(params)).toBe(784 * 256 + 256 + 256 * 10 + 10);
    expect(fx.tree.leaves(state)).toEqual([]);
    const [y] = model.apply(params, state, fx.ones([3, 784]));
    expect(y.shape).toEqual([3, 10]);
    expect(() => model.init(key(0), [28, 28])).toThrow(/mlp\(784-256-10\): expected inputs of per-example shape \[784\], got \[28,28\]/);
  });

  it("batchNorm and dropout options add those layers; training returns new batch-norm state", () => {
    const model = M.mlp([4, 8, 8, 2], { activation: "tanh", dropout: 0.5, batchNorm: true });
    const { params, state } = model.init(key(1), [4]);
    expect(Object.keys(params).sort()).toEqual(["act1", "act2", "batchNorm1", "batchNorm2", "dense1", "dense2", "dense3", "dropout1", "dropout2"]);
    const x = fx.random.normal(key(2), [16, 4]);
    expect(() => model.apply(params, state, x, { train: true })).toThrow(/dropout\(0\.5\): training needs a random key/);
    const [y, s1] = model.apply(params, state, x, { train: true, key: key(3) });
    expect(y.shape).toEqual([16, 2]);
    const bn = (s: Tree) => (s as { batchNorm1: { mean: Tensor } }).batchNorm1.mean;
    expect(bn(s1).toArray()).not.toEqual(bn(state).toArray());
    // Inference is deterministic and leaves the state as it is.
    const [a, s2] = model.apply(params, s1, x);
    const before = fx.tree.leaves(s1);
    fx.tree.leaves(s2).forEach((t, i) => expect(t).toBe(before[i]));
    expect(fx.tree.structure(s2)).toEqual(fx.tree.structure(s1));
    expect(a.toArray()).toEqual(model.apply(params, s1, x)[0].toArray());
    expect(() => M.mlp([4])).toThrow(/mlp: sizes must list the input size and at least one layer size/);
    expect(() => M.mlp([4, 2], { dropout: 1 })).toThrow(/mlp: dropout must be in \[0, 1\)/);
  });
});

describe("mlp 784-256-128-100-10 (the Fashion-MNIST benchmarks' 256-128-100)", () => {
  it("builds with three hidden layers and 247,766 parameters", () => {
    const model = M.mlp([784, 256, 128, 100, 10]);
    const { params, outputShape } = model.init(key(0), [784]);
    expect(outputShape).toEqual([10]);
    const p = params as Record<string, { w?: Tensor }>;
    expect(["dense1", "dense2", "dense3", "dense4"].map((k) => p[k]!.w!.shape)).toEqual([[784, 256], [256, 128], [128, 100], [100, 10]]);
    expect(count(params)).toBe(784 * 256 + 256 + 256 * 128 + 128 + 128 * 100 + 100 + 100 * 10 + 10);
    expect(count(params)).toBe(247_766);
    expect(model.apply(params, {}, fx.zeros([2, 784]))[0].shape).toEqual([2, 10]);
  });
});

describe("bnCnn", () => {
  it("two batch-normed conv blocks, dropout, dense 128 with batch norm, dense 10: 207,098 parameters, 352 of state", () => {
    const model = M.bnCnn();
    const { params, state, outputShape } = model.init(key(0), [1, 28, 28]);
    expect(outputShape).toEqual([10]);
    const convs = 16 * 9 + 32 * 16 * 9;
    const dense = 32 * 7 * 7 * 128 + 128 * 10 + 10;
    const norms = 2 * (16 + 32 + 128);
    expect(count(params)).toBe(convs + dense + norms);
    expect(count(params)).toBe(207_098);
    expect(count(state)).toBe(norms); // running mean and variance per feature
    const s = fx.nn.summary(model, [1, 28, 28], { print: false });
    expect(s.rows.map((r) => [r.path, r.outputShape])).toEqual([
      ["block1.conv", [16, 28, 28]],
      ["block1.bn", [16, 28, 28]],
      ["block1.relu", [16, 28, 28]],
      ["pool1", [16, 14, 14]],
      ["block2.conv", [32, 14, 14]],
      ["block2.bn", [32, 14, 14]],
      ["block2.relu", [32, 14, 14]],
      ["pool2", [32, 7, 7]],
      ["flatten", [1568]],
      ["dropout1", [1568]],
      ["fc1", [128]],
      ["bn", [128]],
      ["relu", [128]],
      ["dropout2", [128]],
      ["fc2", [10]],
    ]);
    expect(() => model.init(key(0), [3, 32, 32])).toThrow(/bnCnn: expected inputs of per-example shape \[1,28,28\], got \[3,32,32\]/);
  });

  it("options: classes, dropout, filters and hidden change the network; bad values are errors naming them", () => {
    const model = M.bnCnn({ classes: 3, dropout: 0, filters: [4, 8], hidden: 16 });
    const { params, outputShape } = model.init(key(0), [1, 28, 28]);
    expect(outputShape).toEqual([3]);
    expect(count(params)).toBe(4 * 9 + 8 * 4 * 9 + 8 * 49 * 16 + 16 * 3 + 3 + 2 * (4 + 8 + 16));
    expect(() => M.bnCnn({ dropout: 1 })).toThrow(/bnCnn: dropout must be in \[0, 1\), got 1/);
    expect(() => M.bnCnn({ classes: 0 })).toThrow(/bnCnn.*classes/);
    expect(() => M.bnCnn({ filters: [4, 8, 16] as unknown as [number, number] })).toThrow(/bnCnn: filters must list the two conv blocks' widths/);
    expect(() => M.bnCnn({ hidden: 2.5 })).toThrow(/bnCnn.*hidden/);
    expect(() => M.bnCnn({ clases: 3 } as never)).toThrow(/classes/);
  });

  it("training mode: batch statistics, a new state and a dropout mask per key; inference: running statistics, per-example, deterministic", () => {
    const model = M.bnCnn();
    const { params, state } = model.init(key(0), [1, 28, 28]);
    const x = fx.random.uniform(key(1), [6, 1, 28, 28]);
    expect(() => model.apply(params, state, x, { train: true })).toThrow(/dropout\(0\.3\): training needs a random key/);
    const [a, s1] = model.apply(params, state, x, { train: true, key: key(2) });
    const [b] = model.apply(params, state, x, { train: true, key: key(3) });
    const [a2] = model.apply(params, state, x, { train: true, key: key(2) });
    expect(a.shape).toEqual([6, 10]);
    expect(a2.toArray()).toEqual(a.toArray()); // the same key, the same mask
    expect(b.toArray()).not.toEqual(a.toArray()); // another key, another mask
    // Every batch norm's running mean moved towards the batch's.
    const means = (t: Tree) => {
      const m = t as { block1: { bn: { mean: Tensor } }; block2: { bn: { mean: Tensor } }; bn: { mean: Tensor } };
      return [m.block1.bn.mean, m.block2.bn.mean, m.bn.mean].map((v) => v.toArray());
    };
    means(s1).forEach((m, i) => expect(m).not.toEqual(means(state)[i]));
    // Inference: no key needed, the state comes back unchanged, and the same inputs give the same outputs.
    const [e, s2] = model.apply(params, s1, x);
    const before = fx.tree.leaves(s1);
    fx.tree.leaves(s2).forEach((t, i) => expect(t).toBe(before[i]));
    expect(model.apply(params, s1, x)[0].toArray()).toEqual(e.toArray());
    expect(e.toArray()).not.toEqual(a.toArray());
    // With dropout off, training mode still normalises by the batch: an example's output depends
    // on the rest of the batch; in inference it does not.
    const noDrop = M.bnCnn({ dropout: 0 });
    const first = fx.slice(x, [[0, 2]]);
    const rowsOf = (y: Tensor) => (y.toArray() as number[][]).slice(0, 2);
    const trainAll = noDrop.apply(params, state, x, { train: true })[0];
    const trainFirst = noDrop.apply(params, state, first, { train: true })[0];
    expect(rowsOf(trainFirst)).not.toEqual(rowsOf(trainAll));
    const evalAll = noDrop.apply(params, s1, x)[0];
    const evalFirst = noDrop.apply(params, s1, first)[0];
    rowsOf(evalFirst).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(rowsOf(evalAll)[i]![j]!, 5)));
  });
});

describe("convnets", () => {
  it("lenet5: 6-16-120-84-10 on [1, 28, 28], 61,706 parameters", () => {
    const model = M.lenet5();
    const { params, outputShape } = model.init(key(0), [1, 28, 28]);
    expect(outputShape).toEqual([10]);
    expect(count(params)).toBe(61_706);
    const p = params as Record<string, { w?: Tensor }>;
    expect(["conv1", "conv2", "fc1", "fc2", "fc3"].map((k) => p[k]!.w!.shape)).toEqual([[6, 1, 5, 5], [16, 6, 5, 5], [400, 120], [120, 84], [84, 10]]);
    const [y] = model.apply(params, {}, fx.zeros([2, 1, 28, 28]));
    expect(y.shape).toEqual([2, 10]);
    expect(() => model.init(key(0), [784])).toThrow(/lenet5: expected inputs of per-example shape \[1,28,28\], got \[784\]/);
  });

  it("cifarNet: batch-normed conv blocks on [3, 32, 32]; a training step updates every block's statistics", () => {
    const model = M.cifarNet({ classes: 10 });
    const { params, state, outputShape } = model.init(key(0), [3, 32, 32]);
    expect(outputShape).toEqual([10]);
    expect(count(params)).toBe(141_034);
    expect(count(state)).toBe(640);
    const x = fx.random.normal(key(1), [2, 3, 32, 32]);
    const [y, s1] = model.apply(params, state, x, { train: true });
    expect(y.shape).toEqual([2, 10]);
    const means = (s: Tree) => Object.values(s as Record<string, { bn?: { mean: Tensor } }>).flatMap((b) => (b.bn ? [b.bn.mean] : []));
    expect(means(s1)).toHaveLength(5);
    means(s1).forEach((m, i) => expect(m.toArray()).not.toEqual(means(state)[i]!.toArray()));
  });

  it("alexNet: shape-checked abstractly (61,100,840 parameters at 1000 classes), and a forward pass at batch 1 runs", () => {
    const s = fx.nn.summary(M.alexNet(), [3, 224, 224], { print: false });
    expect(s.outputShape).toEqual([1000]);
    expect(s.totalParams).toBe(61_100_840); // torchvision's alexnet
    expect(s.rows.find((r) => r.path === "pool5")!.outputShape).toEqual([256, 6, 6]);
    // The forward pass with zero weights of the shapes init gives (drawing 58M random weights
    // would take a minute here): every layer runs, the output is [1, classes].
    const model = M.alexNet({ classes: 10 });
    const abstract = fx.nn.summary(model, [3, 224, 224], { print: false });
    expect(abstract.totalParams).toBe(61_100_840 - 4097 * 990);
    const shapes = abstractInit(model, [3, 224, 224]).params;
    const zerosOf = (t: AvalTree): Tree =>
      Array.isArray(t) ? t.map(zerosOf) : "dtype" in (t as object) ? fx.zeros([...(t as unknown as { shape: number[] }).shape]) : Object.fromEntries(Object.entries(t).map(([k, v]) => [k, zerosOf(v as AvalTree)]));
    const params = zerosOf(shapes);
    const [y] = model.apply(params, {}, fx.ones([1, 3, 224, 224]));
    expect(y.shape).toEqual([1, 10]);
    expect(y.toArray()).toEqual([Array(10).fill(0)]);
  }, 120_000);
});

describe("summary", () => {
  it("lists each layer with its output shape and parameter count, and the total", () => {
    const s = fx.nn.summary(M.lenet5(), [1, 28, 28], { print: false });
    expect(s.rows.map((r) => [r.path, r.outputShape, r.params])).toEqual([
      ["conv1", [6, 28, 28], 156],
      ["relu1", [6, 28, 28], 0],
      ["pool1", [6, 14, 14], 0],
      ["conv2", [16, 10, 10], 2416],
      ["relu2", [16, 10, 10], 0],
      ["pool2", [16, 5, 5], 0],
      ["flatten", [400], 0],
      ["fc1", [120], 48120],
      ["relu3", [120], 0],
      ["fc2", [84], 10164],
      ["relu4", [84], 0],
      ["fc3", [10], 850],
    ]);
    expect(s.totalParams).toBe(61_706);
    const text = String(s);
    expect(text).toContain("lenet5: per-example input shape [1,28,28]");
    expect(text).toMatch(/conv2: conv2d\(16, 5×5\) +\[16,10,10\] +2,416/);
    expect(text).toContain("total params: 61,706");
  });

  it("blocks get a row followed by their layers, indented; the total counts each parameter once", () => {
    const L = fx.nn.layers;
    const model = L.serial(L.conv2d(4, 3, { padding: 1 }), L.residual(L.conv2d(4, 3, { padding: 1 }), L.batchNorm()), L.globalAvgPool2d(), L.dense(2));
    const s = fx.nn.summary(model, [3, 8, 8], { print: false });
    expect(s.rows.map((r) => [r.path, r.depth, r.params, r.state])).toEqual([
      ["0", 0, 112, 0],
      ["1", 0, 156, 8],
      ["1.0", 1, 148, 0],
      ["1.1", 1, 8, 8],
      ["2", 0, 0, 0],
      ["3", 0, 10, 0],
    ]);
    expect(s.totalParams).toBe(count(model.init(key(0), [3, 8, 8]).params));
    expect(s.totalState).toBe(8);
    expect(String(s)).toContain("total params: 278 (plus 8 scalars of state)");
  });

  it("a shape mistake is reported as init reports it", () => {
    const L = fx.nn.layers;
    expect(() => fx.nn.summary(L.serial(L.dense(3), L.maxPool2d(2)), [5], { print: false })).toThrow(/serial: layer 1 \(maxPool2d\(2×2\)\)|maxPool2d\(2×2\): expected/);
  });
});
