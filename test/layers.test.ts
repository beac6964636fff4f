// fx.nn.layers: each layer's init (param shapes, names, output shape, keys) and apply (values
// against plain float64 loops, training vs inference), the combinators, and the errors a
// shape or option mistake gives at init.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { mismatch, prng } from "../props/gradcheck.js";
import { valuesOf } from "./nn-reference.js";

const L = fx.nn.layers;
type Tree = fx.nn.layers.Tree;
const f64 = { dtype: "float64" } as const;
const key = (n: number) => fx.random.key(n);

function expectClose(actual: readonly number[], expected: readonly number[], rtol = 1e-12, atol = 1e-14): void {
  expect(mismatch(actual, expected, { rtol, atol })).toBeNull();
}

/** A float64 tensor of `shape` with entries in [−1, 1) from a seeded generator. */
function randomTensor(shape: number[], seed: number): Tensor {
  const rand = prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return fx.tensor(Float64Array.from({ length: n }, () => 2 * rand() - 1), { shape, dtype: "float64" });
}

const shapesOf = (tree: Tree) => fx.tree.map((t: Tensor) => t.shape, tree);

describe("init and apply agree on shapes", () => {
  const cases: [string, fx.nn.layers.Layer, number[]][] = [
    ["dense", L.dense(5), [3]],
    ["dense over the last axis", L.dense(5), [2, 3]],
    ["conv1d", L.conv1d(4, 3, { padding: 1, stride: 2 }), [2, 9]],
    ["conv2d", L.conv2d(4, [3, 2], { stride: 2, dilation: [1, 2] }), [2, 9, 8]],
    ["conv2d same, groups", L.conv2d(4, 3, { padding: "same", groups: 2 }), [2, 7, 7]],
    ["conv2dTranspose", L.conv2dTranspose(3, 3, { stride: 2, outputPadding: 1 }), [2, 4, 5]],
    ["maxPool2d", L.maxPool2d(2), [3, 7, 6]],
    ["avgPool2d", L.avgPool2d(3, { stride: 1, padding: 1 }), [3, 5, 5]],
    ["globalAvgPool2d", L.globalAvgPool2d(), [3, 4, 4]],
    ["flatten", L.flatten(), [3, 4, 5]],
    ["reshape", L.reshape([-1, 4]), [2, 6]],
    ["dropout", L.dropout(0.3), [7]],
    ["batchNorm", L.batchNorm(), [3, 4, 4]],
    ["layerNorm", L.layerNorm(), [2, 6]],
    ["prelu", L.prelu(), [3, 2, 2]],
    ["maxout", L.maxout(2), [6, 3]],
    ["gelu", L.gelu(), [4]],
    ["activation(fn)", L.activation((x) => fx.mul(x, 2)), [4]],
    ["parallel concat", L.parallel([L.conv2d(2, 1), L.conv2d(3, 3, { padding: 1 })]), [2, 4, 4]],
    ["parallel sum", L.parallel([L.dense(3), L.dense(3)], { merge: "sum" }), [5]],
    ["residual", L.residual(L.dense(4), L.tanh()), [4]],
  ];
  for (const [label, layer, inputShape] of cases) {
    it(label, () => {
      const { params, state, outputShape } = layer.init(key(1), inputShape);
      const x = fx.cast(randomTensor([3, ...inputShape], 7), "float32");
      for (const train of [false, true]) {
        const [y, s] = layer.apply(params, state, x, { train, key: key(2) });
        expect(y.shape).toEqual([3, ...outputShape]);
        expect(fx.tree.structure(s)).toEqual(fx.tree.structure(state));
      }
    });
  }
  it("embedding maps int32 ids [..] to [.., features]", () => {
    const layer = L.embedding(10, 4);
    const { params, outputShape } = layer.init(key(0), [5]);
    expect(outputShape).toEqual([5, 4]);
    const ids = fx.tensor([[1, 2, 3, 4, 9], [0, 0, 1, 1, 2]], { dtype: "int32" });
    const [y] = layer.apply(params, {}, ids);
    expect(y.shape).toEqual([2, 5, 4]);
    const table = (params as { table: Tensor }).table.toArray() as number[][];
    expect((y.toArray() as number[][][])[0]![4]).toEqual(table[9]);
    expect(() => layer.apply(params, {}, fx.tensor([[1.5]]))).toThrow(/embedding\(10, 4\): ids must be int32/);
  });
});

describe("parameters", () => {
  it("dense: w [in, out] and b [out], glorotUniform by default, bias zeros; useBias: false drops b", () => {
    const { params } = L.dense(7).init(key(3), [5]);
    expect(shapesOf(params)).toEqual({ b: [7], w: [5, 7] });
    const p = params as { w: Tensor; b: Tensor };
    expect(valuesOf(p.b)).toEqual(Array(7).fill(0));
    const limit = Math.sqrt(6 / 12);
    expect(valuesOf(p.w).every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(p.w.dtype).toBe("float32");
    expect(shapesOf(L.dense(7, { useBias: false }).init(key(3), [5]).params)).toEqual({ w: [5, 7] });
  });

  it("conv filters are OIHW (transposed: [in, out/groups, kH, kW])", () => {
    expect(shapesOf(L.conv2d(6, 5).init(key(0), [3, 9, 9]).params)).toEqual({ b: [6], w: [6, 3, 5, 5] });
    expect(shapesOf(L.conv2d(4, 3, { groups: 2 }).init(key(0), [2, 5, 5]).params)).toEqual({ b: [4], w: [4, 1, 3, 3] });
    expect(shapesOf(L.conv1d(4, 3).init(key(0), [2, 5]).params)).toEqual({ b: [4], w: [4, 2, 3] });
    expect(shapesOf(L.conv2dTranspose(4, 3).init(key(0), [2, 5, 5]).params)).toEqual({ b: [4], w: [2, 4, 3, 3] });
  });

  it("an initialiser option is used, and init's dtype sets the parameters' dtype", () => {
    const { params } = L.dense(3, { kernelInit: fx.nn.init.ones, biasInit: fx.nn.init.constant(0.5) }).init(key(0), [2], f64);
    const p = params as { w: Tensor; b: Tensor };
    expect(p.w.dtype).toBe("float64");
    expect(valuesOf(p.w)).toEqual(Array(6).fill(1));
    expect(valuesOf(p.b)).toEqual([0.5, 0.5, 0.5]);
  });

  it("the same key gives the same parameters; serial gives each layer its own key", () => {
    const model = L.serial(L.dense(4), L.dense(4));
    const a = model.init(key(5), [4]).params as { w: Tensor }[];
    const b = model.init(key(5), [4]).params as { w: Tensor }[];
    expect(valuesOf(a[0]!.w)).toEqual(valuesOf(b[0]!.w));
    expect(valuesOf(a[1]!.w)).toEqual(valuesOf(b[1]!.w));
    expect(valuesOf(a[0]!.w)).not.toEqual(valuesOf(a[1]!.w));
    const c = model.init(key(6), [4]).params as { w: Tensor }[];
    expect(valuesOf(a[0]!.w)).not.toEqual(valuesOf(c[0]!.w));
    // The keys are fx.random.split's: layer i is initialised with the i-th split key.
    const [k0, k1] = fx.random.splitKeys(key(5));
    expect(valuesOf((L.dense(4).init(k0!, [4]).params as { w: Tensor }).w)).toEqual(valuesOf(a[0]!.w));
    expect(valuesOf((L.dense(4).init(k1!, [4]).params as { w: Tensor }).w)).toEqual(valuesOf(a[1]!.w));
  });

  it("parameter paths are stable and readable: arrays give 0.w, named layers conv1.b", () => {
    const paths = (tree: Tree): string[] => {
      const out: string[] = [];
      const walk = (t: unknown, path: string) => {
        if (t instanceof fx.Tensor) out.push(path);
        else for (const [k, v] of Object.entries(t as object)) walk(v, path === "" ? k : `${path}.${k}`);
      };
      walk(tree, "");
      return out.sort();
    };
    expect(paths(L.serial(L.dense(3), L.relu(), L.dense(2)).init(key(0), [4]).params)).toEqual(["0.b", "0.w", "2.b", "2.w"]);
    const named = L.serial({ conv1: L.conv2d(2, 3), act: L.relu(), flat: L.flatten(), out: L.dense(2, { useBias: false }) });
    expect(paths(named.init(key(0), [1, 5, 5]).params)).toEqual(["conv1.b", "conv1.w", "out.w"]);
    expect(paths(L.serial(L.batchNorm()).init(key(0), [3]).state)).toEqual(["0.mean", "0.var"]);
  });
});

describe("apply computes what the layer promises", () => {
  it("dense: x·w + b", () => {
    const layer = L.dense(3);
    const { params } = layer.init(key(0), [2], f64);
    const p = params as { w: Tensor; b: Tensor };
    const b = fx.tensor([0.5, -1, 2], f64);
    const x = randomTensor([4, 2], 1);
    const [y] = layer.apply({ w: p.w, b }, {}, x);
    const w = p.w.toArray() as number[][];
    const xs = x.toArray() as number[][];
    const expected = xs.flatMap((row) => [0, 1, 2].map((j) => row[0]! * w[0]![j]! + row[1]! * w[1]![j]! + valuesOf(b)[j]!));
    expectClose(valuesOf(y), expected);
  });

  it("conv2d: the correlation of each example with the filters, plus the bias", () => {
    const layer = L.conv2d(2, 2);
    const { params } = layer.init(key(0), [1, 3, 3], f64);
    const p = params as { w: Tensor; b: Tensor };
    const x = randomTensor([1, 1, 3, 3], 2);
    const [y] = layer.apply(params, {}, x);
    const w = p.w.toArray() as number[][][][];
    const xs = (x.toArray() as number[][][][])[0]![0]!;
    const expected: number[] = [];
    for (let o = 0; o < 2; o++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          let s = 0;
          for (let a = 0; a < 2; a++) for (let c = 0; c < 2; c++) s += xs[i + a]![j + c]! * w[o]![0]![a]![c]!;
          expected.push(s);
        }
    expectClose(valuesOf(y), expected);
  });

  it("flatten and reshape keep the batch axis", () => {
    const x = randomTensor([2, 3, 4], 3);
    expect(L.flatten().apply({}, {}, x)[0].shape).toEqual([2, 12]);
    const [r] = L.reshape([4, -1]).apply({}, {}, x);
    expect(r.shape).toEqual([2, 4, 3]);
    expect(valuesOf(r)).toEqual(valuesOf(x));
  });

  it("activation by name and shorthand equal fx.nn's functions", () => {
    const x = randomTensor([3, 4], 4);
    expect(valuesOf(L.activation("gelu").apply({}, {}, x)[0])).toEqual(valuesOf(fx.nn.gelu(x)));
    expect(valuesOf(L.relu().apply({}, {}, x)[0])).toEqual(valuesOf(fx.nn.relu(x)));
    expect(valuesOf(L.leakyRelu(0.2).apply({}, {}, x)[0])).toEqual(valuesOf(fx.nn.leakyRelu(x, 0.2)));
    expect(() => L.activation("rectifier" as never)).toThrow(/activation: unknown activation "rectifier"/);
  });

  it("maxout(k): the max over groups of k features along axis 1", () => {
    const x = fx.tensor([[1, 5, -2, -3, 0, 4]], f64);
    expect(valuesOf(L.maxout(2).apply({}, {}, x)[0])).toEqual([5, -2, 4]);
    expect(valuesOf(L.maxout(3).apply({}, {}, x)[0])).toEqual([5, 4]);
    expect(() => L.maxout(4).init(key(0), [6])).toThrow(/maxout\(4\).*\[6\].*groups of 4/);
  });

  it("prelu: one learned slope per channel (0.25 at init), or one shared", () => {
    const layer = L.prelu();
    const { params } = layer.init(key(0), [2, 1, 2], f64);
    expect(shapesOf(params)).toEqual({ alpha: [2] });
    const alpha = fx.tensor([0.5, 2], f64);
    const x = fx.tensor([[[[-1, 3]], [[-2, 4]]]], f64);
    expect(valuesOf(layer.apply({ alpha }, {}, x)[0])).toEqual([-0.5, 3, -4, 4]);
    const g = fx.grad((a: Tensor) => fx.sum(layer.apply({ alpha: a }, {}, x)[0]))(alpha);
    expect(valuesOf(g)).toEqual([-1, -2]);
    const shared = L.prelu({ shared: true }).init(key(0), [2, 1, 2]).params as { alpha: Tensor };
    expect(shared.alpha.shape).toEqual([]);
    expect(shared.alpha.item()).toBe(0.25);
  });

  it("embedding's gradient adds up the rows looked up", () => {
    const layer = L.embedding(4, 2);
    const { params } = layer.init(key(0), [3], f64);
    const ids = fx.tensor([[1, 1, 3]], { dtype: "int32" });
    const g = fx.grad((p: Tree) => fx.sum(layer.apply(p, {}, ids)[0]))(params) as { table: Tensor };
    expect(valuesOf(g.table)).toEqual([0, 0, 2, 2, 0, 0, 1, 1]);
  });

  it("parallel concatenates along the feature axis or sums; residual adds the input", () => {
    const a = L.dense(2, { kernelInit: fx.nn.init.ones, useBias: false });
    const b = L.dense(1, { kernelInit: fx.nn.init.constant(2), useBias: false });
    const x = fx.tensor([[1, 2]], f64);
    const par = L.parallel({ a, b });
    const { params, state, outputShape } = par.init(key(0), [2], f64);
    expect(outputShape).toEqual([3]);
    expect(Object.keys(params)).toEqual(["a", "b"]);
    expect(valuesOf(par.apply(params, state, x)[0])).toEqual([3, 3, 6]);
    const sum = L.parallel([a, a], { merge: "sum" });
    const s0 = sum.init(key(0), [2], f64);
    expect(valuesOf(sum.apply(s0.params, s0.state, x)[0])).toEqual([6, 6]);
    const res = L.residual(a);
    const r0 = res.init(key(0), [2], f64);
    expect(valuesOf(res.apply(r0.params, r0.state, x)[0])).toEqual([4, 5]);
  });
});

describe("dropout", () => {
  const x = fx.ones([200, 50]);
  it("is the identity when not training, with or without a key", () => {
    expect(L.dropout(0.5).apply({}, {}, x)[0]).toBe(x);
    expect(L.dropout(0.5).apply({}, {}, x, { train: false, key: key(0) })[0]).toBe(x);
  });
  it("needs a key to train", () => {
    expect(() => L.dropout(0.5).apply({}, {}, x, { train: true })).toThrow(/dropout\(0\.5\): training needs a random key/);
  });
  it("keeps each element with probability 1 − rate, scaled by 1/(1 − rate); same key, same mask", () => {
    const [y] = L.dropout(0.25).apply({}, {}, x, { train: true, key: key(3) });
    const v = valuesOf(y);
    const kept = v.filter((e) => e !== 0);
    expect(kept.every((e) => Math.abs(e - 1 / 0.75) < 1e-6)).toBe(true);
    // 10,000 Bernoulli(0.75) draws: the kept fraction is within 5 sigma (0.0217) of 0.75.
    expect(Math.abs(kept.length / v.length - 0.75)).toBeLessThan(0.022);
    expect(valuesOf(L.dropout(0.25).apply({}, {}, x, { train: true, key: key(3) })[0])).toEqual(v);
    expect(valuesOf(L.dropout(0.25).apply({}, {}, x, { train: true, key: key(4) })[0])).not.toEqual(v);
    expect(valuesOf(L.dropout(1).apply({}, {}, x, { train: true, key: key(3) })[0]).every((e) => e === 0)).toBe(true);
  });
  it("serial gives each dropout layer its own key", () => {
    const model = L.serial(L.dropout(0.5), L.dropout(0.5));
    const [y] = model.apply([{}, {}], [{}, {}], x, { train: true, key: key(0) });
    const [k0, k1] = fx.random.splitKeys(key(0));
    const [once] = L.dropout(0.5).apply({}, {}, x, { train: true, key: k0 });
    const [twice] = L.dropout(0.5).apply({}, {}, once, { train: true, key: k1 });
    expect(valuesOf(y)).toEqual(valuesOf(twice));
  });
});

describe("normalisation", () => {
  it("batchNorm in training: batch statistics per channel; the running ones come back as new state", () => {
    const layer = L.batchNorm({ momentum: 0.9, eps: 1e-3 });
    const { params, state } = layer.init(key(0), [2, 3], f64);
    const x = randomTensor([4, 2, 3], 9);
    const [y, s1] = layer.apply(params, state, x, { train: true });
    const xs = x.toArray() as number[][][];
    const newMean: number[] = [];
    const newVar: number[] = [];
    const expected = new Float64Array(24);
    for (let c = 0; c < 2; c++) {
      const vals = xs.flatMap((ex) => ex[c]!);
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      const v = vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length;
      newMean.push(0.9 * 0 + 0.1 * m);
      newVar.push(0.9 * 1 + 0.1 * v);
      for (let n = 0; n < 4; n++) for (let j = 0; j < 3; j++) expected[n * 6 + c * 3 + j] = (xs[n]![c]![j]! - m) / Math.sqrt(v + 1e-3);
    }
    expectClose(valuesOf(y), Array.from(expected), 1e-12, 1e-12);
    const s = s1 as { mean: Tensor; var: Tensor };
    expectClose(valuesOf(s.mean), newMean);
    expectClose(valuesOf(s.var), newVar);
    // The old state is untouched.
    const old = state as { mean: Tensor; var: Tensor };
    expect(valuesOf(old.mean)).toEqual([0, 0]);
    expect(valuesOf(old.var)).toEqual([1, 1]);
  });

  it("batchNorm in inference: the running statistics, scale and bias; the state is returned as it was", () => {
    const layer = L.batchNorm();
    const state = { mean: fx.tensor([1, -1], f64), var: fx.tensor([4, 0.25], f64) };
    const params = { scale: fx.tensor([2, 3], f64), bias: fx.tensor([0.5, 0], f64) };
    const x = fx.tensor([[3, 1]], f64);
    const [y, s] = layer.apply(params, state, x);
    expect(s).toBe(state);
    expectClose(valuesOf(y), [2 * (2 / Math.sqrt(4 + 1e-5)) + 0.5, 3 * (2 / Math.sqrt(0.25 + 1e-5))]);
  });

  it("layerNorm normalises each example over its last axis", () => {
    const layer = L.layerNorm({ eps: 0 });
    const { params } = layer.init(key(0), [4], f64);
    const [y] = layer.apply(params, {}, fx.tensor([[1, 2, 3, 4], [2, 2, 2, 6]], f64));
    const r = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
      return xs.map((v) => (v - m) / sd);
    };
    expectClose(valuesOf(y), [...r([1, 2, 3, 4]), ...r([2, 2, 2, 6])]);
  });
});

describe("errors", () => {
  it("a shape mistake surfaces at init, naming the layer, its index and both shapes", () => {
    expect(() => L.serial(L.dense(10), L.conv2d(3, 3)).init(key(0), [5])).toThrow(
      /serial: layer 1 \(conv2d\(3, 3×3\)\) cannot take the output of layer 0 \(dense\(10\)\), per-example shape \[10\]: .*\[channels, height, width\].*got \[10\]/,
    );
    expect(() => L.serial({ conv: L.conv2d(3, 3), fit: L.reshape([7]) }).init(key(0), [1, 5, 5])).toThrow(
      /serial: layer 1 "fit" \(reshape\(\[7\]\)\) cannot take the output of layer 0 "conv".*\[3,3,3\] \(27 elements\) into \[7\]/,
    );
    expect(() => L.serial(L.maxPool2d(4)).init(key(0), [1, 3, 3])).toThrow(/serial: layer 0 \(maxPool2d\(4×4\)\) cannot take the input, per-example shape \[1,3,3\]/);
    expect(() => L.residual(L.dense(3)).init(key(0), [4])).toThrow(/residual: the body maps per-example shape \[4\] to \[3\]/);
    expect(() => L.parallel([L.conv2d(2, 1), L.conv2d(2, 3)]).init(key(0), [1, 5, 5])).toThrow(
      /parallel\(concat\): branch 1 \(conv2d\(2, 3×3\)\) gives per-example shape \[2,3,3\] but branch 0 \(conv2d\(2, 1×1\)\) gives \[2,5,5\]/,
    );
    expect(() => L.serial(L.serial(L.dense(2)), L.conv1d(2, 2)).init(key(0), [3])).toThrow(fx.ShapeError);
    expect(() => L.dense(3).init(key(0), [2.5])).toThrow(/dense\(3\)\.init: inputShape must be an array of non-negative integers/);
    // An error other than a shape error keeps its class, with the layer and the shape named.
    const failing = L.activation(function failing() {
      throw new fx.ValueError("boom");
    });
    expect(() => failing.init(key(0), [3])).toThrow(fx.ValueError);
    expect(() => failing.init(key(0), [3])).toThrow(/^activation\(failing\): on inputs of per-example shape \[3\]: boom$/);
  });

  it("options are closed: unknown keys and wrong types name the layer", () => {
    expect(() => L.dense(3, { bias: false } as never)).toThrow(/dense: unknown option "bias"/);
    expect(() => L.conv2d(3, 3, { stride: "2" } as never)).toThrow(/^conv2d: stride: expected an integer or an array of integers, got "2"$/);
    expect(() => L.batchNorm({ momentum: 2 })).toThrow(/batchNorm: momentum must be in \[0, 1\], got 2/);
    expect(() => L.dropout(1.5)).toThrow(/dropout: rate must be a number in \[0, 1\], got 1.5/);
    expect(() => L.dense(0)).toThrow(/dense: units must be a positive integer, got 0/);
    expect(() => L.conv2d(3, [3])).toThrow(/conv2d: kernel must be a positive integer or 2 of them/);
    expect(() => L.dense(2).apply({} as never, {}, fx.ones([1, 2]), { training: true } as never)).toThrow(/dense\(2\)\.apply: unknown option "training"; did you mean "train"\?/);
    expect(() => L.dense(2).init(key(0), [2], { dtype: "int32" } as never)).toThrow(/dense\(2\)\.init: dtype: expected "float32" \| "float64", got "int32"/);
    expect(() => L.serial(L.dense(2), {} as never)).toThrow(/serial: argument 1 is not a layer/);
  });
});

describe("docs/nn.md", () => {
  it("the layers example runs as printed: the loss falls, the step compiles once", async () => {
    const doc = readFileSync(resolve(__dirname, "../docs/nn.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Layers — `fx.nn.layers`"));
    const block = /```ts\n([\s\S]*?)```/.exec(section);
    expect(block, "the Layers section has a ```ts example").not.toBeNull();
    const entry = pathToFileURL(resolve(__dirname, "../src/index.ts")).href;
    const dir = mkdtempSync(join(tmpdir(), "fluxion-layers-doc-"));
    const file = join(dir, "example.ts");
    writeFileSync(file, block![1]!.replace(`from "fluxion"`, `from ${JSON.stringify(entry)}`));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ pathToFileURL(file).href);
      const printed = log.mock.calls.map((c) => c.join(" ")).join("\n");
      const losses = [...printed.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
      expect(losses).toHaveLength(4);
      expect(losses[3]!).toBeLessThan(losses[0]! / 5);
      expect(printed).toMatch(/training accuracy (0\.9\d|1\.00), compiled 1 time\(s\)/);
      // The printed numbers in the doc are the ones the example prints.
      const shown = /Printed \(after the summary table\):\n\n```text\n([\s\S]*?)```/.exec(section)![1]!.trim();
      expect(printed).toContain(shown);
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
