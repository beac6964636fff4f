// Batch norm and fit's padded last batch: the padding rows (mask 0) must not count in the batch
// statistics, nor in the running statistics they update, while a full batch trains exactly as
// it did before the mask existed (bit for bit).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runs } from "../props/runs.js";
import * as fx from "../src/index.js";
import { fit as fitBrowser } from "../src/train/fit-browser.js";
import { makeTrainStep } from "../src/train/steps.js";

const { layers: L } = fx.nn;
type Tree = fx.nn.layers.Tree;
type Tensor = fx.Tensor;

const BATCH = 8;
const FEATURES = 3;

/** n examples of FEATURES features (float64, features of different scales and offsets) and labels in {0, 1}. */
function data(seed: number, n: number, dtype: "float32" | "float64" = "float64"): fx.data.Split {
  const z = fx.random.normal(fx.random.key(seed), [n, FEATURES]).data() as Float32Array;
  const x = dtype === "float64" ? new Float64Array(n * FEATURES) : new Float32Array(n * FEATURES);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < FEATURES; j++) x[i * FEATURES + j] = z[i * FEATURES + j]! * (j + 1) + 2 * j - 1;
    y[i] = x[i * FEATURES]! + x[i * FEATURES + 1]! > 0 ? 1 : 0;
  }
  return { x: fx.tensor(x, { shape: [n, FEATURES], dtype }), y: fx.tensor(y, { shape: [n], dtype: "int32" }) };
}

/** Batch norm first (its statistics depend on the data only), then more layers with a hidden batch norm. */
const bnModel = () => L.serial({ bn0: L.batchNorm({ momentum: 0.8 }), fc: L.dense(5), bn1: L.batchNorm({ momentum: 0.7 }), act: L.tanh(), out: L.dense(2) });

const values = (tree: unknown) => fx.tree.leaves<Tensor>(tree).flatMap((t) => Array.from(t.data() as Float64Array));

function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.length).toBeGreaterThan(0);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected[i]!))));
}

function expectBits(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.length).toBeGreaterThan(0);
  const differ = actual.flatMap((v, i) => (Object.is(v, expected[i]) ? [] : [`${i}: ${v} vs ${expected[i]}`]));
  expect(differ).toEqual([]);
}

/** The running mean and variance of a batch norm over the rows of `x` in `order`, batch by batch, by hand in float64. */
function handRunningStats(x: Float64Array, batches: readonly (readonly number[])[], momentum: number): { mean: number[]; var: number[] } {
  const run = { mean: new Array<number>(FEATURES).fill(0), var: new Array<number>(FEATURES).fill(1) };
  for (const rows of batches) {
    for (let j = 0; j < FEATURES; j++) {
      const col = rows.map((r) => x[r * FEATURES + j]!);
      const mu = col.reduce((a, b) => a + b, 0) / col.length;
      const v = col.reduce((a, b) => a + (b - mu) ** 2, 0) / col.length;
      run.mean[j] = momentum * run.mean[j]! + (1 - momentum) * mu;
      run.var[j] = momentum * run.var[j]! + (1 - momentum) * v;
    }
  }
  return run;
}

describe("batch norm under fit's padded last batch", () => {
  const n = 2 * BATCH + 3;
  const train = data(1, n);
  const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  for (const [host, run] of [
    ["node", fx.train.fit],
    ["browser", fitBrowser],
  ] as const) {
    it(`(a, ${host} loop) after one epoch on N = 2·batch + 3, the running statistics are those of the real rows only`, async () => {
      const res = await run(bnModel(), { train }, { optimizer: fx.optim.adam(0.05), epochs: 1, batchSize: BATCH, shuffle: false, dtype: "float64", verbose: false, metrics: [] });
      expect(res.compiled.train).toBe(1);
      // bn0 sees the data itself, so its statistics can be computed by hand.
      const bn0 = (res.state as { bn0: { mean: Tensor; var: Tensor } }).bn0;
      const hand = handRunningStats(train.x.data() as Float64Array, [rows(0, 8), rows(8, 16), rows(16, 19)], 0.8);
      expectClose(Array.from(bn0.mean.data()), hand.mean, 1e-13);
      expectClose(Array.from(bn0.var.data()), hand.var, 1e-13);
      // Counting the padding (rows 0..4 again, as the old code did) gives other statistics.
      const padded = handRunningStats(train.x.data() as Float64Array, [rows(0, 8), rows(8, 16), [...rows(16, 19), ...rows(0, 5)]], 0.8);
      expect(Math.max(...hand.mean.map((v, j) => Math.abs(v - padded.mean[j]!)))).toBeGreaterThan(1e-3);
    });
  }

  it("(a) the whole state and parameters after an epoch equal a hand loop over unpadded batches of the real rows", async () => {
    const model = bnModel();
    const optimizer = fx.optim.sgd(0.1);
    const res = await fx.train.fit(model, { train }, { optimizer, epochs: 1, batchSize: BATCH, shuffle: false, dtype: "float64", verbose: false, key: fx.random.key(5) });
    // fit's initial parameters come from the first of three keys split from `key`.
    const [initKey] = fx.random.splitKeys(fx.random.key(5), 3);
    let { params, state } = model.init(initKey!, [FEATURES], { dtype: "float64" });
    let optState: unknown = optimizer.init(params);
    const step = makeTrainStep(model, optimizer, fx.train.crossEntropy, true);
    for (const b of fx.data.batches(train, { batchSize: BATCH, pad: false })) {
      const out = step(params, state, optState, fx.scalar(1, "float32"), b.x, b.y, b.mask, fx.random.key(0)) as [Tensor, Tensor, Tree, Tree, unknown];
      [params, state, optState] = [out[2] as typeof params, out[3] as typeof state, out[4]];
    }
    expectClose(values(res.state), values(state), 1e-12);
    expectClose(values(res.params), values(params), 1e-12);
  });
});

describe("batch norm with a mask", () => {
  const real = 3;
  const padded = data(2, BATCH); // rows real.. are padding: anything, they must not matter
  const exact = { x: fx.slice(padded.x, [[0, real]]), y: fx.slice(padded.y, [[0, real]]) };
  const mask = fx.tensor(Float32Array.from({ length: BATCH }, (_, i) => (i < real ? 1 : 0)), { shape: [BATCH] });
  const model = bnModel();
  const init = model.init(fx.random.key(3), [FEATURES], { dtype: "float64" });

  /** Masked mean cross-entropy, its gradient and the new state, for a batch and its mask. */
  const lossAndGrads = (x: Tensor, y: Tensor, m: Tensor | undefined) => {
    const objective = (p: Tree) => {
      const [outputs, s1] = model.apply(p as typeof init.params, init.state, x, { train: true, ...(m ? { mask: m } : {}) });
      const per = fx.train.crossEntropy(outputs, y);
      const w = m ? fx.cast(m, per.dtype) : fx.onesLike(per);
      return [fx.div(fx.sum(fx.mul(per, w)), fx.sum(w)), s1] as const;
    };
    const [[loss, state], grads] = fx.valueAndGrad(objective, { hasAux: true })(init.params) as [[Tensor, Tree], Tree];
    return [loss, grads, state] as const;
  };
  const jitted = fx.jit(lossAndGrads);

  for (const [how, f] of [
    ["eager", lossAndGrads],
    ["jit", jitted],
  ] as const) {
    it(`(b, ${how}) a padded batch gives the loss, gradients and new state of the unpadded batch of its real rows`, () => {
      const [la, ga, sa] = f(padded.x, padded.y, mask);
      const [lb, gb, sb] = f(exact.x, exact.y, undefined);
      expectClose([la.item()], [lb.item()], 1e-13);
      expectClose(values(ga), values(gb), 1e-12);
      expectClose(values(sa), values(sb), 1e-13);
      // Without the mask the padding rows count, and the statistics move.
      const [, , sc] = f(padded.x, padded.y, fx.onesLike(mask));
      const moved = values(sc).map((v, i) => Math.abs(v - values(sb)[i]!));
      expect(Math.max(...moved)).toBeGreaterThan(1e-3);
    });
  }

  it("(b, jit) one compiled program serves every count of real rows: the mask is a tensor input", () => {
    const f = fx.jit((x: Tensor, m: Tensor) => model.apply(init.params, init.state, x, { train: true, mask: m }));
    for (let k = 1; k <= BATCH; k++) {
      const m = fx.tensor(Float32Array.from({ length: BATCH }, (_, i) => (i < k ? 1 : 0)), { shape: [BATCH] });
      const [, s] = f(padded.x, m);
      const [, want] = model.apply(init.params, init.state, fx.slice(padded.x, [[0, k]]), { train: true });
      expectClose(values(s), values(want), 1e-13);
    }
    expect(f.cacheSize).toBe(1);
  });

  it("(b) over NCHW inputs the statistics count the real examples' every pixel", () => {
    const bn = L.batchNorm({ momentum: 0 });
    const x = fx.random.normal(fx.random.key(4), [4, 2, 3, 3], { dtype: "float64" });
    const { params, state } = bn.init(fx.random.key(0), [2, 3, 3], { dtype: "float64" });
    const m = fx.tensor([1, 0, 1, 0], { shape: [4] });
    const [ya, sa] = bn.apply(params, state, x, { train: true, mask: m });
    const kept = fx.concat([fx.slice(x, [[0, 1]]), fx.slice(x, [[2, 3]])], { axis: 0 });
    const [yb, sb] = bn.apply(params, state, kept, { train: true });
    expectClose(values(sa), values(sb), 1e-13);
    const rowsOf = (y: Tensor, i: number) => Array.from(fx.slice(y, [[i, i + 1]]).data());
    expectClose([...rowsOf(ya, 0), ...rowsOf(ya, 2)], Array.from(yb.data()), 1e-13);
  });

  it("(b, ensemble) every member's statistics ignore the padding under vmap", () => {
    const ens = fx.nn.ensemble(bnModel(), 3);
    const { params, state } = ens.init(fx.random.key(6), [FEATURES], { dtype: "float64" });
    const key = fx.random.key(9);
    const [, sa] = ens.apply(params, state, padded.x, { train: true, key, mask });
    const [, sb] = ens.apply(params, state, exact.x, { train: true, key });
    expectClose(values(sa), values(sb), 1e-13);
    const [, sj] = fx.jit((p: Tree, s: Tree, x: Tensor, m: Tensor) => ens.apply(p, s, x, { train: true, key, mask: m }))(params, state, padded.x, mask);
    expectClose(values(sj), values(sb), 1e-13);
  });

  it("a mask that does not match the batch is an error naming the shapes", () => {
    expect(() => model.apply(init.params, init.state, padded.x, { train: true, mask: fx.ones([BATCH + 1]) })).toThrow(/batchNorm: the mask of shape \[9\] does not match inputs of shape \[8,3\]/);
    expect(() => model.apply(init.params, init.state, padded.x, { train: true, mask: fx.ones([BATCH, 1]) })).toThrow(/mask/);
  });
});

describe("batch norm with a mask: properties", () => {
  /** A batch [B, F, ...spatial] of float64 values and a mask [B] with at least one real row, anywhere. */
  const cases = fc
    .record({ b: fc.integer({ min: 1, max: 7 }), f: fc.integer({ min: 1, max: 3 }), spatial: fc.constantFrom([], [2], [2, 3]), seed: fc.integer({ min: 0, max: 1e6 }), momentum: fc.double({ min: 0, max: 1, noNaN: true }) })
    .chain((c) => fc.record({ c: fc.constant(c), real: fc.array(fc.boolean(), { minLength: c.b, maxLength: c.b }).filter((r) => r.some(Boolean)) }));

  it("the statistics, running statistics and the real rows' outputs are those of the real rows alone", () => {
    fc.assert(
      fc.property(cases, ({ c, real }) => {
        const bn = L.batchNorm({ momentum: c.momentum });
        const shape = [c.b, c.f, ...c.spatial];
        const x = fx.mul(fx.random.normal(fx.random.key(c.seed), shape, { dtype: "float64" }), 3);
        const init = bn.init(fx.random.key(c.seed + 1), shape.slice(1), { dtype: "float64" });
        const rows = real.flatMap((r, i) => (r ? [i] : []));
        const mask = fx.tensor(real.map(Number), { shape: [c.b] });
        const [ya, sa] = bn.apply(init.params, init.state, x, { train: true, mask });
        const kept = fx.take(x, fx.tensor(rows, { shape: [rows.length], dtype: "int32" }), { axis: 0 });
        const [yb, sb] = bn.apply(init.params, init.state, kept, { train: true });
        const keptOut = fx.take(ya, fx.tensor(rows, { shape: [rows.length], dtype: "int32" }), { axis: 0 });
        expectClose(values(sa), values(sb), 1e-12);
        // One real row of one value per feature has variance 0: its outputs are 0 up to rounding.
        expectClose(Array.from(keptOut.data()), Array.from(yb.data()), 1e-9);
      }),
      runs(100),
    );
  });

  it("an all-ones mask gives the unmasked outputs and state bit for bit (float32)", () => {
    fc.assert(
      fc.property(cases, ({ c }) => {
        const bn = L.batchNorm({ momentum: c.momentum });
        const shape = [c.b, c.f, ...c.spatial];
        const x = fx.random.normal(fx.random.key(c.seed), shape);
        const init = bn.init(fx.random.key(c.seed + 1), shape.slice(1));
        const [ya, sa] = bn.apply(init.params, init.state, x, { train: true, mask: fx.ones([c.b]) });
        const [yb, sb] = bn.apply(init.params, init.state, x, { train: true });
        expectBits([...Array.from(ya.data()), ...values(sa)], [...Array.from(yb.data()), ...values(sb)]);
      }),
      runs(100),
    );
  });
});

describe("(c) a full batch trains exactly as before the mask", () => {
  const x = data(7, BATCH, "float32");
  const model = bnModel();
  const init = model.init(fx.random.key(8), [FEATURES]);
  const ones = fx.ones([BATCH]);

  const objective = (m: Tensor | undefined) => (p: Tree) => {
    const [outputs, s1] = model.apply(p as typeof init.params, init.state, x.x, { train: true, ...(m ? { mask: m } : {}) });
    return [fx.mean(fx.train.crossEntropy(outputs, x.y)), [outputs, s1]] as const;
  };
  const run = (m: Tensor | undefined) => fx.valueAndGrad(objective(m), { hasAux: true })(init.params) as [[Tensor, Tree], Tree];

  it("eager and jit: outputs, state, loss and gradients with an all-ones mask are bit for bit those without a mask", () => {
    expectBits(values(run(ones)), values(run(undefined)));
    const jitted = fx.jit((m: Tensor) => run(m));
    const plain = fx.jit(() => run(undefined));
    expectBits(values(jitted(ones)), values(plain()));
  });

  it("fit on full batches gives, bit for bit, what a training step without a mask gives", async () => {
    const n = 3 * BATCH;
    const train = data(9, n, "float32");
    const optimizer: fx.optim.GradientTransformation = fx.optim.adam(0.01);
    const res = await fx.train.fit(model, { train }, { optimizer, epochs: 2, batchSize: BATCH, shuffle: false, verbose: false, key: fx.random.key(2) });
    // The training step as it was: the model applied without a mask.
    const oldStep = fx.jit((p: Tree, s: Tree, o: unknown, xb: Tensor, yb: Tensor, mb: Tensor, k: Tensor) => {
      const f = (q: Tree) => {
        const [outputs, s1] = model.apply(q as typeof init.params, s as typeof init.state, xb, { train: true, key: k });
        const per = fx.train.crossEntropy(outputs, yb);
        return [fx.div(fx.sum(fx.mul(per, mb)), fx.sum(mb)), s1] as const;
      };
      const [[, s1], grads] = fx.valueAndGrad(f, { hasAux: true })(p) as [[Tensor, Tree], Tree];
      const [updates, o1] = optimizer.update(grads, o, p);
      return [fx.optim.applyUpdates(p, updates), s1, o1];
    });
    const [initKey, , dropoutKey] = fx.random.splitKeys(fx.random.key(2), 3);
    let { params, state } = model.init(initKey!, [FEATURES]);
    let optState: unknown = optimizer.init(params);
    for (let epoch = 1; epoch <= 2; epoch++) {
      let step = 0;
      for (const b of fx.data.batches(train, { batchSize: BATCH })) {
        const k = fx.random.foldIn(fx.random.foldIn(dropoutKey!, epoch), step++);
        [params, state, optState] = oldStep(params, state, optState, b.x, b.y, b.mask, k) as [typeof params, typeof state, unknown];
      }
    }
    expectBits(values(res.state), values(state));
    expectBits(values(res.params), values(params));
  });
});
