// The laws fx.optim promises, over random gradients, trees, hyperparameters and metric
// sequences (float64, eager), each paired with the values it implies:
//   - sgd: θ + (−α·g), bit for bit as JS computes it;
//   - adam's first step is −α·g/(|g| + ε) per coordinate (so |u| < α);
//   - clipByGlobalNorm scales every leaf by one factor k ∈ (0, 1], leaves trees under the norm
//     unchanged bit for bit, and lands on the norm otherwise;
//   - chain is associative and chain(t) is t;
//   - decaying schedules never increase and stay between their end and start values; piecewise
//     is values[number of boundaries ≤ t];
//   - reduceOnPlateau matches PyTorch's algorithm, written out here, on any metric sequence.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { runs } from "./runs.js";

const { optim, tree } = fx;
const { schedules } = optim;
type Tensor = fx.Tensor;
const f64 = { dtype: "float64" } as const;

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const vec = (n: number, min = -10, max = 10) => fc.array(finite(min, max), { minLength: n, maxLength: n });

/** A nested tree of 1–3 leaves of 1–4 float64 values each, and the flat values. */
const treeArb = fc.array(fc.array(finite(-1e3, 1e3), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }).map((leaves) => ({
  values: leaves,
  tree: { first: fx.tensor(leaves[0]!, f64), rest: leaves.slice(1).map((l) => ({ w: fx.tensor(l, f64) })) },
}));

const flat = (t: unknown): number[] => tree.leaves<Tensor>(t).flatMap((l) => Array.from(l.data()));

describe("optimiser laws", () => {
  it("sgd: applyUpdates(θ, update) is θ + (−α·g), bit for bit", () => {
    fc.assert(
      fc.property(vec(4), vec(4), finite(0, 10), (theta, g, lr) => {
        const opt = optim.sgd(lr);
        const p = { w: fx.tensor(theta, f64) };
        const [u] = opt.update({ w: fx.tensor(g, f64) }, opt.init(p), p);
        const next = Array.from(optim.applyUpdates(p, u).w.data());
        next.forEach((x, i) => expect(Object.is(x, theta[i]! + -lr * g[i]!)).toBe(true));
      }),
      runs(100),
    );
  });

  it("adam's first step is −α·g/(|g| + ε) per coordinate, whatever b1 and b2", () => {
    fc.assert(
      fc.property(vec(3, -1e4, 1e4), finite(1e-4, 1), finite(0, 0.99), finite(0, 0.999), finite(1e-12, 1e-2), (g, lr, b1, b2, eps) => {
        const opt = optim.adam(lr, { b1, b2, eps });
        const p = { w: fx.zeros([3], f64) };
        const [u] = opt.update({ w: fx.tensor(g, f64) }, opt.init(p), p);
        Array.from(u.w.data()).forEach((ui, i) => {
          const want = (-lr * g[i]!) / (Math.abs(g[i]!) + eps);
          expect(Math.abs(ui - want)).toBeLessThanOrEqual(1e-12 * Math.max(lr, Math.abs(want)));
          expect(Math.abs(ui)).toBeLessThan(lr);
        });
      }),
      runs(100),
    );
  });

  it("clipByGlobalNorm: one factor k ∈ (0, 1] for all leaves; unchanged under the norm, on the norm above it", () => {
    fc.assert(
      fc.property(treeArb, finite(1e-3, 1e3), ({ tree: g, values }, maxNorm) => {
        const [u] = optim.clipByGlobalNorm(maxNorm).update(g, {});
        const gs = values.flat();
        const us = flat(u);
        const norm = Math.sqrt(gs.reduce((a, x) => a + x * x, 0));
        if (norm <= maxNorm) {
          us.forEach((x, i) => expect(Object.is(x, gs[i])).toBe(true));
          return;
        }
        const k = maxNorm / norm;
        us.forEach((x, i) => expect(Math.abs(x - k * gs[i]!)).toBeLessThanOrEqual(1e-12 * Math.abs(gs[i]!) + 1e-300));
        const clippedNorm = Math.sqrt(us.reduce((a, x) => a + x * x, 0));
        expect(Math.abs(clippedNorm - maxNorm)).toBeLessThanOrEqual(1e-12 * maxNorm);
      }),
      runs(100),
    );
  });

  it("chain is associative and chain(t) is t, step after step", () => {
    const make = () => [optim.clipByValue(-2, 3), optim.addWeightDecay(0.1), optim.momentum(0.2, 0.7)] as const;
    fc.assert(
      fc.property(vec(3), fc.array(vec(3), { minLength: 1, maxLength: 4 }), (theta, grads) => {
        const [a, b, c] = make();
        const flatChain = optim.chain(a, b, c);
        const nested = optim.chain(a, optim.chain(b, c));
        const single = optim.chain(c);
        const p = { w: fx.tensor(theta, f64) };
        let [s1, s2, s3, s4] = [flatChain.init(p), nested.init(p), single.init(p), c.init(p)];
        for (const g of grads) {
          const gt = { w: fx.tensor(g, f64) };
          const [u1, n1] = flatChain.update(gt, s1, p);
          const [u2, n2] = nested.update(gt, s2, p);
          const [u3, n3] = single.update(gt, s3, p);
          const [u4, n4] = c.update(gt, s4, p);
          [s1, s2, s3, s4] = [n1, n2, n3, n4];
          expect(flat(u2)).toEqual(flat(u1));
          expect(flat(u3)).toEqual(flat(u4));
          expect(flat(n2)).toEqual(flat(n1));
        }
      }),
      runs(100),
    );
  });
});

describe("schedule laws", () => {
  const steps = fx.arange(0, 60, 1, f64);

  function nonIncreasingWithin(values: number[], hi: number, lo: number): void {
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    for (const v of values) {
      expect(v).toBeLessThanOrEqual(hi * (1 + 1e-12));
      expect(v).toBeGreaterThanOrEqual(lo * (1 - 1e-12) - 1e-300);
    }
  }

  it("decaying schedules never increase and stay between their end and start", () => {
    fc.assert(
      fc.property(finite(1e-4, 10), finite(0, 2), fc.integer({ min: 1, max: 40 }), finite(0, 1), finite(0.1, 4), (a0, k, n, frac, power) => {
        const curve = (s: (t: Tensor) => Tensor) => Array.from(s(steps).data());
        nonIncreasingWithin(curve(schedules.exponential(a0, k)), a0, 0);
        nonIncreasingWithin(curve(schedules.inverseTime(a0, k)), a0, 0);
        nonIncreasingWithin(curve(schedules.stepDecay(a0, { stepSize: n, factor: frac })), a0, 0);
        nonIncreasingWithin(curve(schedules.cosine(a0, { steps: n, alpha: frac })), a0, a0 * frac);
        nonIncreasingWithin(curve(schedules.polynomial(a0, { steps: n, end: a0 * frac, power })), a0, a0 * frac);
        const cos = curve(schedules.cosine(a0, { steps: n, alpha: frac }));
        expect(cos[0]).toBe(a0);
        expect(cos[n]).toBeCloseTo(a0 * frac, 12);
      }),
      runs(100),
    );
  });

  it("piecewise is values[the number of boundaries ≤ t]", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 0, maxLength: 5 }).map((b) => [...b].sort((x, y) => x - y)),
        fc.array(finite(0, 1), { minLength: 6, maxLength: 6 }),
        (boundaries, vals) => {
          const values = vals.slice(0, boundaries.length + 1);
          const got = Array.from(schedules.piecewise(boundaries, values)(steps).data());
          got.forEach((v, t) => expect(v).toBe(values[boundaries.filter((b) => b <= t).length]));
        },
      ),
      runs(100),
    );
  });
});

describe("reduceOnPlateau law", () => {
  it("follows PyTorch's algorithm on any metric sequence and options", () => {
    const optionsArb = fc.record({
      factor: finite(0, 0.99),
      patience: fc.integer({ min: 0, max: 4 }),
      threshold: fc.constantFrom(0, 1e-4, 0.01, 0.1),
      thresholdMode: fc.constantFrom("rel" as const, "abs" as const),
      mode: fc.constantFrom("min" as const, "max" as const),
      cooldown: fc.integer({ min: 0, max: 3 }),
      minScale: fc.constantFrom(0, 1e-3, 0.2),
    });
    const metricArb = fc.oneof(finite(-5, 5), fc.constantFrom(0, 1, 1, 1, NaN, Infinity, -Infinity));
    fc.assert(
      fc.property(optionsArb, fc.array(metricArb, { minLength: 1, maxLength: 25 }), (o, metrics) => {
        const plateau = schedules.reduceOnPlateau(o);
        let state = plateau.init();
        // PyTorch's ReduceLROnPlateau.step, with the learning rate as a scale from 1.
        let best = o.mode === "min" ? Infinity : -Infinity;
        let bad = 0;
        let cooldown = 0;
        let scale = 1;
        for (const m of metrics) {
          const better =
            o.mode === "min"
              ? o.thresholdMode === "rel" ? m < best * (1 - o.threshold) : m < best - o.threshold
              : o.thresholdMode === "rel" ? m > best * (1 + o.threshold) : m > best + o.threshold;
          if (better) [best, bad] = [m, 0];
          else bad += 1;
          if (cooldown > 0) [cooldown, bad] = [cooldown - 1, 0];
          if (bad > o.patience) [scale, cooldown, bad] = [Math.max(scale * o.factor, o.minScale), o.cooldown, 0];
          state = plateau.update(m, state);
          expect(Object.is(state.best.item(), best)).toBe(true);
          expect(state.badEpochs.item()).toBe(bad);
          expect(state.cooldown.item()).toBe(cooldown);
          expect(Object.is(plateau.scale(state).item(), scale)).toBe(true);
        }
      }),
      runs(100),
    );
  });
});
