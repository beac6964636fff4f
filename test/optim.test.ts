// fx.optim: each optimiser's first steps against its update rule written out here in plain JS
// numbers (float64 tensors in, to ~1e-12); the same steps under jit bit for bit; one
// compilation across many jitted steps; structure of nested pytrees; convergence on least
// squares; the transforms; and the errors of malformed options and states.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import * as fx from "../src/index.js";

const { optim, tree } = fx;
type Tensor = fx.Tensor;
type DType = fx.DType;

// ---------------------------------------------------------------- fixtures

/** A nested parameter tree of 5 scalars: a[3], nested[0].b[1], nested[1][0][1] (flatten order). */
function makeTree(values: readonly number[], dtype: DType = "float64") {
  return {
    a: fx.tensor(values.slice(0, 3), { dtype }),
    nested: [{ b: fx.tensor([values[3]!], { dtype }) }, [fx.tensor([values[4]!], { dtype })]],
  };
}
type Params = ReturnType<typeof makeTree>;

function values(t: unknown): number[] {
  return tree.leaves<Tensor>(t).flatMap((l) => Array.from(l.data()));
}

const THETA0 = [0.5, -1.25, 2, 0.75, -0.3];
/** The gradient at step t (0-based), coordinate i: varied signs and sizes, one exact zero. */
const gradAt = (t: number, i: number): number => (i === 2 && t === 1 ? 0 : Math.sin(1 + 2 * i + 3 * t) * (1 + 0.5 * t) + 0.1 * i);

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    const err = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (!(err <= 1e-12)) throw new Error(`${what}[${i}]: got ${a}, expected ${e} (relative error ${err})`);
  });
}

function expectSameBits(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => {
    if (!Object.is(a, expected[i])) throw new Error(`${what}[${i}]: jit gave ${a}, eager ${expected[i]}`);
  });
}

const JIT_DTYPES: readonly DType[] = ["float32", "float64"];

// ---------------------------------------------------------------- hand-written update rules

/** One coordinate's update rule: state in, (update, state) out; t counts updates done (0 first). */
interface Rule {
  init(theta: number): number[];
  step(g: number, s: number[], theta: number, t: number): [number, number[]];
}

const lrOf = (lr: number | ((t: number) => number), t: number) => (typeof lr === "number" ? lr : lr(t));

const rules = {
  sgd: (lr: number | ((t: number) => number)): Rule => ({ init: () => [], step: (g, s, _p, t) => [-lrOf(lr, t) * g, s] }),
  momentum: (lr: number, beta: number, nesterov: boolean): Rule => ({
    init: () => [0],
    step: (g, [v], _p, t) => {
      const v1 = beta * v! + g;
      return [-lrOf(lr, t) * (nesterov ? g + beta * v1 : v1), [v1]];
    },
  }),
  adagrad: (lr: number, eps: number, acc0: number): Rule => ({
    init: () => [acc0],
    step: (g, [G], _p, t) => {
      const G1 = G! + g * g;
      return [(-lrOf(lr, t) * g) / (Math.sqrt(G1) + eps), [G1]];
    },
  }),
  rmsprop: (lr: number, rho: number, eps: number, centered: boolean, mom: number): Rule => ({
    init: () => [0, 0, 0],
    step: (g, [nu, mu, buf], _p, t) => {
      const nu1 = rho * nu! + (1 - rho) * g * g;
      const mu1 = centered ? rho * mu! + (1 - rho) * g : 0;
      const d = Math.sqrt(centered ? Math.max(nu1 - mu1 * mu1, 0) : nu1) + eps;
      const buf1 = mom > 0 ? mom * buf! + g / d : 0;
      return [-lrOf(lr, t) * (mom > 0 ? buf1 : g / d), [nu1, mu1, buf1]];
    },
  }),
  adam: (lr: number | ((t: number) => number), b1: number, b2: number, eps: number, wd = 0): Rule => ({
    init: () => [0, 0],
    step: (g, [m, v], theta, t) => {
      const m1 = b1 * m! + (1 - b1) * g;
      const v1 = b2 * v! + (1 - b2) * g * g;
      const mHat = m1 / (1 - b1 ** (t + 1));
      const vHat = v1 / (1 - b2 ** (t + 1));
      return [-lrOf(lr, t) * (mHat / (Math.sqrt(vHat) + eps) + wd * theta), [m1, v1]];
    },
  }),
  lion: (lr: number, b1: number, b2: number, wd: number): Rule => ({
    init: () => [0],
    step: (g, [m], theta, t) => {
      const c = b1 * m! + (1 - b1) * g;
      return [-lrOf(lr, t) * (Math.sign(c) + wd * theta), [b2 * m! + (1 - b2) * g]];
    },
  }),
};

/** A rule over whole leaves (lamb's trust ratio needs each leaf's norms). */
interface LeafRule {
  init(theta: readonly number[]): number[][];
  step(g: readonly number[], s: number[][], theta: readonly number[], t: number): [number[], number[][]];
}

const norm = (xs: readonly number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0));

/** LAMB per leaf: adam's direction plus decay, times ‖θ‖/‖r‖ (1 where a norm is 0). */
const lambRule = (lr: number, b1: number, b2: number, eps: number, wd: number): LeafRule => ({
  init: (theta) => [theta.map(() => 0), theta.map(() => 0)],
  step: (g, [m, v], theta, t) => {
    const m1 = g.map((gi, i) => b1 * m![i]! + (1 - b1) * gi);
    const v1 = g.map((gi, i) => b2 * v![i]! + (1 - b2) * gi * gi);
    const r = g.map((_, i) => m1[i]! / (1 - b1 ** (t + 1)) / (Math.sqrt(v1[i]! / (1 - b2 ** (t + 1))) + eps) + wd * theta[i]!);
    const pn = norm(theta);
    const rn = norm(r);
    const trust = pn === 0 || rn === 0 ? 1 : pn / rn;
    return [r.map((ri) => -lr * trust * ri), [m1, v1]];
  },
});

interface Case {
  name: string;
  make: () => fx.optim.GradientTransformation<any>;
  rule: Rule | LeafRule;
  perLeaf?: boolean;
}

/** The leaves of the fixture tree as index ranges of THETA0: a[3], b[1], c[1]. */
const LEAF_RANGES: [number, number][] = [[0, 3], [3, 4], [4, 5]];

/** One reference step over all coordinates, leaf by leaf or coordinate by coordinate. */
function referenceStep(c: Case, theta: number[], states: unknown[], t: number): [number[], unknown[]] {
  const u: number[] = [];
  if (c.perLeaf) {
    const next = LEAF_RANGES.map(([lo, hi], k) => {
      const g = theta.slice(lo, hi).map((_, j) => gradAt(t, lo + j));
      const [uk, sk] = (c.rule as LeafRule).step(g, states[k] as number[][], theta.slice(lo, hi), t);
      u.push(...uk);
      return sk;
    });
    return [u, next];
  }
  const next = theta.map((x, i) => {
    const [ui, si] = (c.rule as Rule).step(gradAt(t, i), states[i] as number[], x, t);
    u.push(ui);
    return si;
  });
  return [u, next];
}

function referenceInit(c: Case, theta: number[]): unknown[] {
  return c.perLeaf ? LEAF_RANGES.map(([lo, hi]) => (c.rule as LeafRule).init(theta.slice(lo, hi))) : theta.map((x) => (c.rule as Rule).init(x));
}

const expDecay = (t: number) => 0.1 * Math.exp(-0.3 * t);

const CASES: Case[] = [
  { name: "sgd", make: () => optim.sgd(0.1), rule: rules.sgd(0.1) },
  { name: "sgd with an exponential schedule", make: () => optim.sgd(optim.schedules.exponential(0.1, 0.3)), rule: rules.sgd(expDecay) },
  { name: "momentum", make: () => optim.momentum(0.1, 0.8), rule: rules.momentum(0.1, 0.8, false) },
  { name: "momentum (default beta 0.9)", make: () => optim.momentum(0.05), rule: rules.momentum(0.05, 0.9, false) },
  { name: "nesterov", make: () => optim.nesterov(0.1, 0.8), rule: rules.momentum(0.1, 0.8, true) },
  { name: "adagrad", make: () => optim.adagrad(0.1, { eps: 1e-3, initialAccumulator: 0.2 }), rule: rules.adagrad(0.1, 1e-3, 0.2) },
  { name: "adagrad (defaults)", make: () => optim.adagrad(0.1), rule: rules.adagrad(0.1, 1e-7, 0.1) },
  { name: "rmsprop", make: () => optim.rmsprop(0.05, { decay: 0.8, eps: 1e-3 }), rule: rules.rmsprop(0.05, 0.8, 1e-3, false, 0) },
  { name: "rmsprop (defaults)", make: () => optim.rmsprop(0.05), rule: rules.rmsprop(0.05, 0.9, 1e-8, false, 0) },
  { name: "rmsprop centered", make: () => optim.rmsprop(0.05, { decay: 0.8, eps: 1e-3, centered: true }), rule: rules.rmsprop(0.05, 0.8, 1e-3, true, 0) },
  {
    name: "rmsprop centered with momentum",
    make: () => optim.rmsprop(0.05, { decay: 0.7, eps: 1e-2, centered: true, momentum: 0.6 }),
    rule: rules.rmsprop(0.05, 0.7, 1e-2, true, 0.6),
  },
  { name: "adam", make: () => optim.adam(0.1, { b1: 0.8, b2: 0.95, eps: 1e-3 }), rule: rules.adam(0.1, 0.8, 0.95, 1e-3) },
  { name: "adam (defaults)", make: () => optim.adam(0.01), rule: rules.adam(0.01, 0.9, 0.999, 1e-8) },
  { name: "adam with a schedule", make: () => optim.adam(optim.schedules.exponential(0.1, 0.3), { eps: 1e-3 }), rule: rules.adam(expDecay, 0.9, 0.999, 1e-3) },
  { name: "adamw", make: () => optim.adamw(0.1, { b1: 0.8, b2: 0.95, eps: 1e-3, weightDecay: 0.05 }), rule: rules.adam(0.1, 0.8, 0.95, 1e-3, 0.05) },
  { name: "adamw (default decay 1e-4)", make: () => optim.adamw(0.1), rule: rules.adam(0.1, 0.9, 0.999, 1e-8, 1e-4) },
  { name: "lion", make: () => optim.lion(0.1, { b1: 0.8, b2: 0.9, weightDecay: 0.1 }), rule: rules.lion(0.1, 0.8, 0.9, 0.1) },
  { name: "lion (defaults)", make: () => optim.lion(0.01), rule: rules.lion(0.01, 0.9, 0.99, 0) },
  { name: "lamb", make: () => optim.lamb(0.1, { b1: 0.8, b2: 0.95, eps: 1e-3, weightDecay: 0.05 }), rule: lambRule(0.1, 0.8, 0.95, 1e-3, 0.05), perLeaf: true },
  { name: "lamb (defaults)", make: () => optim.lamb(0.01), rule: lambRule(0.01, 0.9, 0.999, 1e-6, 0), perLeaf: true },
];

const STEPS = 5;

/** Runs `STEPS` updates, returning each step's updates and parameters. */
function runOptimiser(opt: fx.optim.GradientTransformation<any>, dtype: DType, jitted: boolean) {
  const update = (g: Params, s: unknown, p: Params) => {
    const [u, s1] = opt.update(g, s, p);
    return [u, s1, optim.applyUpdates(p, u)] as const;
  };
  const step = jitted ? fx.jit(update) : update;
  let params = makeTree(THETA0, dtype);
  let state = opt.init(params);
  const trace: { updates: number[]; params: number[]; state: number[] }[] = [];
  for (let t = 0; t < STEPS; t++) {
    const grads = makeTree(THETA0.map((_, i) => gradAt(t, i)), dtype);
    const [u, s1, p1] = step(grads, state, params);
    [state, params] = [s1, p1 as Params];
    trace.push({ updates: values(u), params: values(params), state: values(state) });
  }
  return { trace, step };
}

describe("optimisers: first steps against the update rule by hand (float64)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { trace } = runOptimiser(c.make(), "float64", false);
      let theta = [...THETA0];
      let states = referenceInit(c, theta);
      for (let t = 0; t < STEPS; t++) {
        const [u, next] = referenceStep(c, theta, states, t);
        states = next;
        theta = theta.map((x, i) => x + u[i]!);
        expectClose(trace[t]!.updates, u, `${c.name} step ${t} updates`);
        expectClose(trace[t]!.params, theta, `${c.name} step ${t} params`);
      }
    });
  }
});

describe("optimisers under jit", () => {
  for (const c of CASES) {
    it(`${c.name}: jit gives the eager numbers bit for bit (${JIT_DTYPES.join(" and ")})`, () => {
      for (const dtype of JIT_DTYPES) {
        const eager = runOptimiser(c.make(), dtype, false).trace;
        const { trace: compiled, step } = runOptimiser(c.make(), dtype, true);
        for (let t = 0; t < STEPS; t++) {
          expectSameBits(compiled[t]!.updates, eager[t]!.updates, `${c.name} ${dtype} step ${t} updates`);
          expectSameBits(compiled[t]!.params, eager[t]!.params, `${c.name} ${dtype} step ${t} params`);
          expectSameBits(compiled[t]!.state, eager[t]!.state, `${c.name} ${dtype} step ${t} state`);
        }
        expect((step as fx.Jitted<any>).cacheSize).toBe(1);
      }
    });
  }

  it("a whole training step (loss, grad, update) compiles once across 20 steps", () => {
    const x = fx.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const y = fx.tensor([1, 0, -1, 2]);
    const loss = (p: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) => fx.mean(fx.square(fx.sub(fx.add(fx.matmul(x, p.w), p.b), y)));
    const opt = optim.chain(optim.clipByGlobalNorm(10), optim.adam(optim.schedules.warmupCosine({ peak: 0.05, warmupSteps: 5, totalSteps: 20 })));
    const trainStep = fx.jit((p: { w: Tensor; b: Tensor }, s: ReturnType<typeof opt.init>, x: Tensor, y: Tensor) => {
      const [l, g] = fx.valueAndGrad(loss)(p, x, y) as [Tensor, { w: Tensor; b: Tensor }];
      const [u, s1] = opt.update(g, s, p);
      return [optim.applyUpdates(p, u), s1, l] as const;
    });
    let p = { w: fx.zeros([2]), b: fx.scalar(0) };
    let s = opt.init(p);
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [p1, s1, l] = trainStep(p, s, x, y);
      [p, s] = [p1, s1];
      losses.push(l.item());
    }
    expect(trainStep.cacheSize).toBe(1);
    expect(losses[19]).toBeLessThan(losses[0]!);
    // The step count is data in the state: an int32 scalar that reached 20.
    const adamState = (s as unknown[])[1] as fx.optim.AdamState;
    expect(adamState.count.dtype).toBe("int32");
    expect(adamState.count.item()).toBe(20);
  });
});

describe("state is data", () => {
  it("every optimiser's state is a pytree of tensors only; a copy rebuilt from its leaves continues identically", () => {
    const all = [...CASES.map((c) => c.make()), optim.chain(optim.clipByGlobalNorm(1), optim.rmsprop(0.1, { centered: true, momentum: 0.5 }))];
    for (const opt of all) {
      let p: Params = makeTree(THETA0);
      let s = opt.init(p);
      for (let t = 0; t < 2; t++) {
        const [u, s1] = opt.update(makeTree(THETA0.map((_, i) => gradAt(t, i))), s, p);
        [p, s] = [optim.applyUpdates(p, u), s1];
      }
      const [leaves, def] = tree.flatten(s);
      for (const l of leaves) expect(l).toBeInstanceOf(fx.Tensor);
      // A checkpoint: the leaves' values copied out and back in.
      const restored = tree.unflatten(def, (leaves as Tensor[]).map((l) => fx.tensor(l.data(), { dtype: l.dtype }).reshape(l.shape as number[])));
      const g = makeTree(THETA0.map((_, i) => gradAt(2, i)));
      const [u1, n1] = opt.update(g, s, p);
      const [u2, n2] = opt.update(g, restored, p);
      expectSameBits(values(u2), values(u1), "updates after restore");
      expectSameBits(values(n2), values(n1), "state after restore");
    }
  });
});

describe("pytrees", () => {
  it("updates and state keep the parameters' nested structure", () => {
    const opt = optim.adam(0.1);
    const p = makeTree(THETA0);
    const s = opt.init(p);
    const [u, s1] = opt.update(makeTree([1, 2, 3, 4, 5]), s, p);
    const def = tree.treeDefKey(tree.structure(p));
    expect(tree.treeDefKey(tree.structure(u))).toBe(def);
    expect(tree.treeDefKey(tree.structure(s1.mu))).toBe(def);
    expect(tree.treeDefKey(tree.structure(s1.nu))).toBe(def);
    expect(Object.keys(s1).sort()).toEqual(["count", "mu", "nu"]);
    expect(Array.isArray(u.nested) && Array.isArray(u.nested[1])).toBe(true);
    expect((u.nested[0] as { b: Tensor }).b.shape).toEqual([1]);
  });

  it("null leaves stay null, and mixed float32/float64 leaves keep their dtypes", () => {
    const p = { w: fx.tensor([1, 2], { dtype: "float32" }), v: fx.tensor([3], { dtype: "float64" }), frozen: null };
    const g = { w: fx.tensor([0.5, -0.5], { dtype: "float32" }), v: fx.tensor([1], { dtype: "float64" }), frozen: null };
    const opt = optim.adam(optim.schedules.constant(0.1));
    const [u, s] = opt.update(g, opt.init(p), p);
    expect(u.frozen).toBeNull();
    expect(u.w.dtype).toBe("float32");
    expect(u.v.dtype).toBe("float64");
    const p1 = optim.applyUpdates(p, u);
    expect(p1.w.dtype).toBe("float32");
    expect(p1.v.dtype).toBe("float64");
    expect((s.mu as typeof p).frozen).toBeNull();
  });

  it("chain's state is the array of its members' states, and it applies them in order", () => {
    const opt = optim.chain(optim.clipByValue(-1, 1), optim.scale(2), optim.momentum(0.5, 0.5));
    const p = { w: fx.tensor([0, 0, 0], { dtype: "float64" }) };
    const s = opt.init(p);
    expect(Array.isArray(s) && s.length).toBe(3);
    const [u, s1] = opt.update({ w: fx.tensor([3, -0.25, -7], { dtype: "float64" }) }, s, p);
    // clip → [1, −0.25, −1]; ×2 → [2, −0.5, −2]; momentum from v = 0: v = g, u = −0.5·v.
    expect(u.w.toArray()).toEqual([-1, 0.25, 1]);
    expect(((s1 as unknown[])[2] as fx.optim.MomentumState).count.item()).toBe(1);
  });
});

describe("lamb's trust ratio", () => {
  it("is 1 for a leaf whose parameters are all zero (the first step is then adam's)", () => {
    const p = { w: fx.zeros([2], { dtype: "float64" }), v: fx.tensor([3, 4], { dtype: "float64" }) };
    const g = { w: fx.tensor([0.5, -2], { dtype: "float64" }), v: fx.tensor([1, 1], { dtype: "float64" }) };
    const opt = optim.lamb(0.1, { eps: 0 });
    const [u] = opt.update(g, opt.init(p), p);
    // First step with ε = 0: r = g/|g| = sign(g). w: trust 1; v: trust ‖θ‖/‖r‖ = 5/√2.
    expectClose(Array.from(u.w.data()), [-0.1, 0.1], "zero-parameter leaf");
    expectClose(Array.from(u.v.data()), [-0.1 * 5 / Math.SQRT2, -0.1 * 5 / Math.SQRT2], "scaled leaf");
  });
});

describe("transforms", () => {
  const grads = () => ({ a: fx.tensor([3, -4], { dtype: "float64" }), b: [fx.tensor([[12]], { dtype: "float64" })] });

  it("clipByGlobalNorm scales to exactly the maximum norm, across all leaves", () => {
    const g = grads(); // global norm √(9 + 16 + 144) = 13
    expect(optim.globalNorm(g).item()).toBe(13);
    const [u] = optim.clipByGlobalNorm(6.5).update(g, {});
    expect(optim.globalNorm(u).item()).toBeCloseTo(6.5, 14);
    expectClose(values(u), [1.5, -2, 6], "clipped");
  });

  it("clipByGlobalNorm leaves updates under the norm unchanged, bit for bit, and zero updates zero", () => {
    const g = grads();
    const [u] = optim.clipByGlobalNorm(13).update(g, {});
    expectSameBits(values(u), values(g), "unclipped");
    const zero = { a: fx.zeros([3], { dtype: "float64" }) };
    const [z] = optim.clipByGlobalNorm(1).update(zero, {});
    expectSameBits(values(z), [0, 0, 0], "zero");
  });

  it("clipByGlobalNorm under jit matches eager", () => {
    const clip = optim.clipByGlobalNorm(2);
    const f = (g: fx.tree.TensorTree) => clip.update(g, {})[0];
    for (const dtype of JIT_DTYPES) {
      const g = { a: fx.tensor([0.3, -1.7, 2.2], { dtype }), b: fx.tensor([[0.1, 5]], { dtype }) };
      expectSameBits(values(fx.jit(f)(g)), values(f(g)), `jit clip ${dtype}`);
    }
  });

  it("clipByValue clips coordinates; addWeightDecay adds λθ; scale multiplies", () => {
    const g = grads();
    expect(values(optim.clipByValue(-3.5, 5).update(g, {})[0])).toEqual([3, -3.5, 5]);
    const p = { a: fx.tensor([1, 2], { dtype: "float64" }), b: [fx.tensor([[-10]], { dtype: "float64" })] };
    expectClose(values(optim.addWeightDecay(0.1).update(g, {}, p)[0]), [3.1, -3.8, 11], "decay");
    expect(values(optim.scale(-0.5).update(g, {})[0])).toEqual([-1.5, 2, -6]);
  });

  it("scaleByLearningRate follows a schedule of its own count; scaleUpdates takes a tensor factor", () => {
    const tr = optim.scaleByLearningRate(optim.schedules.piecewise([1], [1, 0.25]));
    const g = { a: fx.tensor([4], { dtype: "float64" }) };
    let s = tr.init(g);
    const out: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [u, s1] = tr.update(g, s);
      s = s1;
      out.push(u.a.item());
    }
    expect(out).toEqual([-4, -1, -1]);
    const scaled = optim.scaleUpdates({ w: fx.tensor([2, 4]) }, fx.scalar(0.5, "float64"));
    expect(scaled.w.dtype).toBe("float32");
    expect(scaled.w.toArray()).toEqual([1, 2]);
  });
});

describe("convergence on least squares", () => {
  // A 30×3 design with a known exact solution: b = A·x*.
  const rows = 30;
  const aData = Array.from({ length: rows }, (_, r) => [1, Math.sin(r), Math.cos(0.7 * r) * 0.5 + r / rows]);
  const xStar = [0.7, -1.3, 2.1];
  const A = fx.tensor(aData, { dtype: "float64" });
  const b = fx.tensor(aData.map((row) => row.reduce((acc, v, j) => acc + v * xStar[j]!, 0)), { dtype: "float64" });
  const loss = (p: { x: Tensor }) => fx.mean(fx.square(fx.sub(fx.matmul(A, p.x), b)));

  const optimisers: [string, () => fx.optim.GradientTransformation<any>, number][] = [
    ["sgd", () => optim.sgd(0.5), 3000],
    ["momentum", () => optim.momentum(0.1, 0.9), 1500],
    ["nesterov", () => optim.nesterov(0.1, 0.9), 1500],
    ["adagrad", () => optim.adagrad(1), 3000],
    ["rmsprop", () => optim.rmsprop(optim.schedules.exponential(0.02, 0.003)), 3000],
    ["rmsprop centered with momentum", () => optim.rmsprop(optim.schedules.exponential(0.01, 0.003), { centered: true, momentum: 0.5 }), 3000],
    ["adam", () => optim.adam(optim.schedules.cosine(0.1, { steps: 2000 })), 2000],
    ["adamw (no decay)", () => optim.adamw(optim.schedules.cosine(0.1, { steps: 2000 }), { weightDecay: 0 }), 2000],
    ["lion", () => optim.lion(optim.schedules.exponential(0.02, 0.005)), 2000],
    ["lamb", () => optim.lamb(optim.schedules.cosine(0.05, { steps: 2000 })), 2000],
  ];

  for (const [name, make, steps] of optimisers) {
    it(`${name} finds the least-squares solution`, () => {
      const opt = make();
      const step = fx.jit((p: { x: Tensor }, s: unknown) => {
        const [u, s1] = opt.update(fx.grad(loss)(p) as { x: Tensor }, s, p);
        return [optim.applyUpdates(p, u), s1] as const;
      });
      let p = { x: fx.zeros([3], { dtype: "float64" }) };
      let s = opt.init(p);
      for (let i = 0; i < steps; i++) [p, s] = step(p, s);
      const x = Array.from(p.x.data());
      x.forEach((xi, j) => expect(Math.abs(xi - xStar[j]!), `${name} x[${j}] = ${xi}`).toBeLessThan(1e-3));
      expect(step.cacheSize).toBe(1);
    });
  }
});

describe("errors", () => {
  it("malformed options name the optimiser, the option and the value", () => {
    expect(() => optim.adam(-1)).toThrow(/^adam: learning rate: expected a non-negative finite number or a schedule .*got -1$/);
    expect(() => optim.adam(NaN)).toThrow(/adam: learning rate: .*got NaN/);
    expect(() => optim.adam(0.1, { beta1: 0.9 } as never)).toThrow(/^adam: unknown option "beta1"; did you mean "b1"\?$/);
    expect(() => optim.adam(0.1, { beta1: 0.9 } as never)).toThrow(fx.ArgumentError);
    expect(() => optim.adamw(0.1, { weight_decay: 0.1 } as never)).toThrow(/adamw: unknown option "weight_decay"; did you mean "weightDecay"\?/);
    expect(() => optim.adagrad(0.1, { epsilon: 1e-8 } as never)).toThrow(/adagrad: unknown option "epsilon"; did you mean "eps"\?/);
    expect(() => optim.rmsprop(0.1, { decay: 1 })).toThrow(/^rmsprop: decay: expected a number in \[0, 1\), got 1$/);
    expect(() => optim.rmsprop(0.1, { centered: "yes" } as never)).toThrow(/^rmsprop: centered: expected true or false, got "yes"$/);
    expect(() => optim.lion(0.1, 5 as never)).toThrow(/^lion: options: expected an options object \{ b1, b2, weightDecay \}, got 5$/);
    expect(() => optim.momentum(0.1, 1.5)).toThrow(/momentum: beta: expected a number in \[0, 1\), got 1.5/);
    expect(() => optim.sgd("fast" as never)).toThrow(/sgd: learning rate: .*got "fast"/);
    expect(() => optim.clipByGlobalNorm(0)).toThrow(/clipByGlobalNorm: maxNorm: expected a positive finite number, got 0/);
    expect(() => optim.clipByValue(1, -1)).toThrow(/clipByValue: min must not exceed max/);
    expect(() => optim.chain(optim.sgd(1), {} as never)).toThrow(/chain: argument 1 must be an optimiser/);
  });

  it("are FluxionErrors", () => {
    expect(() => optim.adam(-1)).toThrow(fx.FluxionError);
    expect(() => optim.adam(0.1, { beta1: 0.9 } as never)).toThrow(fx.FluxionError);
  });

  it("update checks the state and gradients it is given, naming the optimiser", () => {
    const opt = optim.adam(0.1);
    const p = { w: fx.zeros([2]) };
    const s = opt.init(p);
    expect(() => opt.update({ w: fx.zeros([2]), extra: fx.zeros([1]) } as never, s, p)).toThrow(/adam.update: state.mu has structure .* the gradients/);
    expect(() => opt.update({ w: fx.zeros([2], { dtype: "int32" }) }, s, p)).toThrow(/adam.update: grads must be float tensors; leaf 0 is int32/);
    expect(() => opt.update({ w: 3 } as never, s, p)).toThrow(/adam.update: grads must be a pytree of tensors; leaf 0 is 3/);
    expect(() => opt.update(p, { ...s, count: 0 } as never, p)).toThrow(/adam.update: state.count must be an int32 scalar tensor/);
    expect(() => optim.adamw(0.1).update(p, optim.adamw(0.1).init(p))).toThrow(/adamw: update\(grads, state, params\) needs the parameters/);
    const bad = optim.sgd(() => fx.zeros([2]));
    expect(() => bad.update(p, bad.init(p))).toThrow(/sgd: a learning-rate schedule must return a number or a scalar tensor/);
    expect(() => optim.applyUpdates(p, { v: fx.zeros([2]) } as never)).toThrow(/applyUpdates: updates have structure/);
  });

  it("a state, parameters or updates of other shapes or dtypes are errors, not broadcasts", () => {
    const opt = optim.adamw(0.1);
    const p = { w: fx.zeros([2]) };
    const s = opt.init(p);
    expect(() => opt.update({ w: fx.zeros([3]) }, s, { w: fx.zeros([3]) })).toThrow(
      /adamw.update: state.mu leaf 0 is float32 of shape \[2\] but its gradient is float32 of shape \[3\]/,
    );
    expect(() => opt.update({ w: fx.zeros([2], { dtype: "float64" }) }, s, p)).toThrow(/adamw.update: state.mu leaf 0 is float32 .* its gradient is float64/);
    expect(() => opt.update({ w: fx.zeros([2]) }, s, { w: fx.zeros([1]) })).toThrow(/adamw: params leaf 0 is float32 of shape \[1\] but its gradient is float32 of shape \[2\]/);
    expect(() => optim.applyUpdates(p, { w: fx.zeros([1]) })).toThrow(/applyUpdates: leaf 0 has shape \[2\] but its update \[1\]/);
    const m = optim.momentum(0.1);
    expect(() => m.update({ w: fx.zeros([2, 1]) }, m.init(p))).toThrow(/momentum.update: state.velocity leaf 0 is float32 of shape \[2\]/);
  });
});

describe("docs/optim.md", () => {
  /** Runs every ```ts block of the page as printed (importing this checkout) and returns what each printed. */
  async function runDocBlocks(): Promise<string[]> {
    const page = readFileSync(resolve(__dirname, "../docs/optim.md"), "utf8");
    const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const entry = pathToFileURL(resolve(__dirname, "../src/index.ts")).href;
    const dir = mkdtempSync(join(tmpdir(), "fluxion-optim-doc-"));
    const printed: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      for (const [i, block] of blocks.entries()) {
        const file = join(dir, `block${i}.ts`);
        writeFileSync(file, block.replace(`from "fluxion"`, `from ${JSON.stringify(entry)}`));
        log.mockClear();
        await import(/* @vite-ignore */ pathToFileURL(file).href);
        printed.push(log.mock.calls.map((c) => c.join(" ")).join("\n"));
      }
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
    return printed;
  }

  it("its examples run and print what the page says they print", async () => {
    const printed = await runDocBlocks();
    expect(printed.length).toBe(2);
    const page = readFileSync(resolve(__dirname, "../docs/optim.md"), "utf8");
    for (const out of printed) expect(page, "the page quotes this output").toContain(out);
    expect(printed[0]).toContain("step 299: loss 0.00553");
    expect(printed[0]).toContain("compiled 1 time(s)");
    expect(printed[1]).toContain("compiled 1 time(s)");
  }, 60_000);
});
