// The laws of pooling, as fast-check properties over random sizes, channels, windows, strides
// and paddings: max pooling is invariant to permutations inside (non-overlapping) windows and
// commutes with translations by multiples of the stride; average pooling is linear; the
// max-pool gradient goes to each window's first maximum; and every pooling op's gradients
// (first and second order) agree with finite differences in float64 (props/gradcheck.ts: the
// fourth-order central stencil with h = 2⁻¹⁰, relative tolerance 1e-6, absolute 1e-8).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import {
  assertClose,
  checkDotProduct,
  checkJvp,
  checkVjp,
  distinctTensorArb,
  fdDirectional,
  flatGradient,
  prng,
  randomLike,
  tensorOf,
  values,
  type TensorFn,
} from "./gradcheck.js";
import { runs } from "./runs.js";
import { cornerTensorArb } from "./arbitraries.js";
import { bitDifference } from "./exact.js";
import { type PoolGeometry, avgPoolLoop, maxPoolLoop, samePads } from "./reference-loops.js";

const RUNS = runs(100);

type PadKind = "explicit" | "same" | "valid";

interface PoolCase {
  nd: 1 | 2;
  n: number;
  c: number;
  window: number[];
  stride: number[];
  pads: [number, number][];
  padKind: PadKind;
  countIncludePad: boolean;
  sizes: number[];
  seed: number;
}

function poolCaseArb(limits: { padKinds?: PadKind[]; extra?: number; strideIsWindow?: boolean } = {}): fc.Arbitrary<PoolCase> {
  const pair = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: 2, maxLength: 2 });
  return fc
    .record({
      nd: fc.constantFrom(1 as const, 2 as const),
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 3 }),
      window: pair(1, 3),
      stride: pair(1, 3),
      padSeeds: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 2, maxLength: 2 }),
      padKind: fc.constantFrom(...(limits.padKinds ?? (["explicit", "same", "valid"] as PadKind[]))),
      countIncludePad: fc.boolean(),
      extra: pair(0, limits.extra ?? 4),
      seed: fc.nat(),
    })
    .map((r) => {
      const nd = r.nd;
      const window = r.window.slice(0, nd);
      const stride = limits.strideIsWindow ? window : r.stride.slice(0, nd);
      // Explicit padding must stay below the window on each side.
      const pads = r.padSeeds.slice(0, nd).map(([a, b], d) => [a % window[d]!, b % window[d]!] as [number, number]);
      const sizes = window.map((k, d) => Math.max(1, k - (r.padKind === "explicit" ? pads[d]![0] + pads[d]![1] : 0)) + r.extra[d]!);
      return { nd, n: r.n, c: r.c, window, stride, pads, padKind: r.padKind, countIncludePad: r.countIncludePad, sizes, seed: r.seed };
    });
}

/** Max pooling takes stride and padding; average pooling also countIncludePad (an unknown key is an error). */
function maxPoolOptions(p: PoolCase) {
  return { stride: p.stride, padding: p.padKind === "explicit" ? p.pads : p.padKind };
}

function poolOptions(p: PoolCase) {
  return { ...maxPoolOptions(p), countIncludePad: p.countIncludePad };
}

const maxPoolOf = (p: PoolCase) => (p.nd === 1 ? fx.maxPool1d : fx.maxPool2d);
const avgPoolOf = (p: PoolCase) => (p.nd === 1 ? fx.avgPool1d : fx.avgPool2d);

function shapeOf(p: PoolCase): number[] {
  return [p.n, p.c, ...p.sizes];
}

function labelled(c: unknown, body: () => void): void {
  try {
    body();
  } catch (e) {
    if (fc.PreconditionFailure.isFailure(e)) throw e;
    throw new Error(`${JSON.stringify(c)}\n${(e as Error).message}`);
  }
}

/** Row-major spatial coordinates of flat index i within a plane of `sizes`. */
function coords(i: number, sizes: readonly number[]): number[] {
  return sizes.length === 1 ? [i] : [Math.floor(i / sizes[1]!), i % sizes[1]!];
}

describe("max pooling", () => {
  it("is invariant to permutations inside each window (non-overlapping windows)", () => {
    fc.assert(
      fc.property(poolCaseArb({ padKinds: ["explicit", "valid"], strideIsWindow: true }), (p) => {
        labelled(p, () => {
          const rand = prng(p.seed);
          const x = randomLike({ shape: shapeOf(p), dtype: "float64" }, rand);
          const xs = values(x);
          const plane = p.sizes.reduce((a, b) => a * b, 1);
          const lo = p.padKind === "explicit" ? p.pads.map((q) => q[0]) : p.pads.map(() => 0);
          const y = maxPoolOf(p)(x, p.window, maxPoolOptions(p));
          const counts = y.shape.slice(2);
          // Group each plane's elements by the window containing them and shuffle each group.
          const permuted = xs.slice();
          for (let base = 0; base < xs.length; base += plane) {
            const groups = new Map<string, number[]>();
            for (let i = 0; i < plane; i++) {
              const t = coords(i, p.sizes).map((s, d) => Math.floor((s + lo[d]!) / p.window[d]!));
              if (t.some((tt, d) => tt >= counts[d]!)) continue; // in no window
              const key = t.join(",");
              groups.set(key, [...(groups.get(key) ?? []), base + i]);
            }
            for (const members of groups.values()) {
              const shuffled = members.map((m) => [rand(), m] as const).sort((a, b) => a[0] - b[0]);
              shuffled.forEach(([, src], k) => (permuted[members[k]!] = xs[src]!));
            }
          }
          const y2 = maxPoolOf(p)(tensorOf(permuted, x.shape), p.window, maxPoolOptions(p));
          expect(Array.from(values(y2))).toEqual(Array.from(values(y)));
        });
      }),
      RUNS,
    );
  });

  it("commutes with translation by a multiple of the stride (and so does average pooling)", () => {
    const arb = fc.record({
      p: poolCaseArb({ padKinds: ["explicit", "valid"] }),
      m: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 2 }),
      offset: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 2 }),
    });
    fc.assert(
      fc.property(arb, ({ p, m, offset }) => {
        labelled(p, () => {
          const nd = p.nd;
          const content = randomLike({ shape: shapeOf(p), dtype: "float64" }, prng(p.seed));
          const shiftIn = m.slice(0, nd).map((mm, d) => mm * p.stride[d]!);
          // Canvases filled like the padding (−∞ for max, 0 for the sum of average pooling).
          const place = (extra: readonly number[], fill: number) =>
            fx.pad(content, [[0, 0], [0, 0], ...extra.map((e, d) => [offset[d]! + e, shiftIn[d]! - e + p.window[d]!] as [number, number])], { value: fill });
          const ms = m.slice(0, nd);
          const compare = (pool: (x: Tensor) => Tensor, fill: number, label: string) => {
            const y1 = pool(place(shiftIn.map(() => 0), fill));
            const y2 = pool(place(shiftIn, fill));
            const keep = y1.shape.slice(2).map((t, d) => t - ms[d]!);
            fc.pre(keep.every((t) => t > 0));
            const a = fx.slice(y2, [null, null, ...ms.map((mm, d) => [mm, mm + keep[d]!] as [number, number])]);
            const b = fx.slice(y1, [null, null, ...keep.map((t) => [0, t] as [number, number])]);
            expect(Array.from(values(a)), label).toEqual(Array.from(values(b)));
          };
          compare((x) => maxPoolOf(p)(x, p.window, maxPoolOptions(p)), -Infinity, "max pool");
          compare((x) => avgPoolOf(p)(x, p.window, { ...poolOptions(p), countIncludePad: true }), 0, "average pool");
        });
      }),
      RUNS,
    );
  });

  it("sends each window's gradient to its first maximum (ties: the earliest in row-major order)", () => {
    fc.assert(
      fc.property(poolCaseArb(), (p) => {
        labelled(p, () => {
          const rand = prng(p.seed);
          // Few distinct values: many ties.
          const xs = Array.from({ length: shapeOf(p).reduce((a, b) => a * b, 1) }, () => Math.floor(rand() * 3));
          const x = tensorOf(xs, shapeOf(p));
          const y = maxPoolOf(p)(x, p.window, maxPoolOptions(p));
          const g = randomLike(y, rand);
          const [, vjpFn] = fx.vjp((z: Tensor) => maxPoolOf(p)(z, p.window, maxPoolOptions(p)), x);
          const [dx] = vjpFn(g) as Tensor[];
          // Reference: scan each window in row-major order, keep the first strictly greater.
          const out = y.shape.slice(2);
          const outPlane = out.reduce((a, b) => a * b, 1);
          const plane = p.sizes.reduce((a, b) => a * b, 1);
          // "same": total = max((⌈S/s⌉ − 1)·s + k − S, 0), low side ⌊total/2⌋.
          const sameLo = (s: number, d: number) => Math.floor(Math.max((Math.ceil(s / p.stride[d]!) - 1) * p.stride[d]! + p.window[d]! - s, 0) / 2);
          const padLo = p.padKind === "same" ? p.sizes.map(sameLo) : p.padKind === "explicit" ? p.pads.map((q) => q[0]) : p.sizes.map(() => 0);
          const expected = new Float64Array(xs.length);
          const gs = values(g);
          for (let q = 0; q < p.n * p.c; q++) {
            for (let o = 0; o < outPlane; o++) {
              const t = coords(o, out);
              let best = -1;
              for (let i = 0; i < plane; i++) {
                const s = coords(i, p.sizes);
                const inside = s.every((sv, d) => sv >= t[d]! * p.stride[d]! - padLo[d]! && sv < t[d]! * p.stride[d]! - padLo[d]! + p.window[d]!);
                if (inside && (best < 0 || xs[q * plane + i]! > xs[best]!)) best = q * plane + i;
              }
              expected[best]! += gs[q * outPlane + o]!;
            }
          }
          assertClose(values(dx!), expected, "max-pool VJP vs first-maximum reference", { rtol: 1e-12, atol: 1e-12 });
        });
      }),
      RUNS,
    );
  });
});

describe("average pooling", () => {
  it("is linear: avg(λx + μy) = λ·avg(x) + μ·avg(y)", () => {
    fc.assert(
      fc.property(poolCaseArb(), (p) => {
        labelled(p, () => {
          const rand = prng(p.seed);
          const x = randomLike({ shape: shapeOf(p), dtype: "float64" }, rand);
          const y = randomLike({ shape: shapeOf(p), dtype: "float64" }, rand);
          const [lambda, mu] = [Math.round(rand() * 512 - 256) / 64, Math.round(rand() * 512 - 256) / 64];
          const pool = (t: Tensor) => avgPoolOf(p)(t, p.window, poolOptions(p));
          const lhs = pool(fx.add(fx.mul(x, lambda), fx.mul(y, mu)));
          const rhs = fx.add(fx.mul(pool(x), lambda), fx.mul(pool(y), mu));
          assertClose(values(lhs), values(rhs), "avg(λx+μy) vs λavg(x)+μavg(y)", { rtol: 1e-12, atol: 1e-12 });
        });
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- gradients vs finite differences

/** First order (vjp, jvp, dot-product test) and H·v by jvp-of-grad and grad-of-grad, all vs finite differences. */
function checkDerivatives(f: TensorFn, xs: readonly Tensor[], seed: number, label: string): void {
  const rand = prng(seed);
  const u = randomLike(f(...xs), rand);
  const vs = xs.map((x) => randomLike(x, rand));
  checkVjp(f, xs, u, {}, `${label}: vjp`);
  checkJvp(f, xs, vs, {}, `${label}: jvp`);
  checkDotProduct(f, xs, u, vs);
  const gradS = flatGradient(f, u, xs);
  const numeric = fdDirectional(gradS, xs, vs);
  const [, hv] = fx.jvp(gradS, [...xs], [...vs]);
  assertClose(values(hv), numeric, `${label}: jvp of grad vs finite differences of grad`);
  const vFlat = tensorOf(vs.flatMap((v) => Array.from(values(v))), [numeric.length]);
  const gg = fx.grad((...ys: Tensor[]) => fx.sum(fx.mul(vFlat, gradS(...ys))), { argnums: xs.map((_, i) => i) })(...xs) as Tensor[];
  assertClose(gg.flatMap((t) => Array.from(values(t))), numeric, `${label}: grad of grad vs finite differences of grad`);
}

/** A pooling case together with an input whose entries are pairwise ≥ 0.05 apart (no ties within reach of the stencil). */
const caseWithDistinctInput = poolCaseArb({ extra: 3 }).chain((p) => fc.record({ p: fc.constant(p), x: distinctTensorArb(shapeOf(p)) }));

describe("gradients agree with finite differences (float64)", () => {
  it("maxPool1d / maxPool2d, every window, stride and padding", () => {
    fc.assert(
      fc.property(caseWithDistinctInput, ({ p, x }) => {
        labelled(p, () => checkDerivatives((z) => fx.square(maxPoolOf(p)(z, p.window, maxPoolOptions(p))), [x], p.seed, "maxPool"));
      }),
      RUNS,
    );
  });

  it("avgPool1d / avgPool2d, with and without countIncludePad", () => {
    fc.assert(
      fc.property(caseWithDistinctInput, ({ p, x }) => {
        labelled(p, () => checkDerivatives((z) => fx.square(avgPoolOf(p)(z, p.window, poolOptions(p))), [x], p.seed, "avgPool"));
      }),
      RUNS,
    );
  });

  it("globalAvgPool2d and globalMaxPool2d", () => {
    const arb = fc
      .record({ shape: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })), keepDims: fc.boolean(), seed: fc.nat() })
      .chain((r) => fc.record({ r: fc.constant(r), x: distinctTensorArb(r.shape) }));
    fc.assert(
      fc.property(arb, ({ r, x }) => {
        checkDerivatives((z) => fx.square(fx.globalAvgPool2d(z, { keepDims: r.keepDims })), [x], r.seed, "globalAvgPool2d");
        checkDerivatives((z) => fx.square(fx.globalMaxPool2d(z, { keepDims: r.keepDims })), [x], r.seed, "globalMaxPool2d");
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- values vs independent loops

/** Pads of a case as [low, high] per axis ("same": TensorFlow's rule, odd element high). */
function padsOf(p: PoolCase): [number, number][] {
  if (p.padKind === "explicit") return p.pads;
  if (p.padKind === "same") return p.sizes.map((s, d) => samePads(s, p.window[d]!, p.stride[d]!));
  return p.sizes.map(() => [0, 0]);
}

const geometryOf = (p: PoolCase): PoolGeometry => ({ sizes: p.sizes, window: p.window, stride: p.stride, pads: padsOf(p) });
const roundOf = (dtype: "float32" | "float64") => (dtype === "float32" ? Math.fround : (v: number) => v);

/** A pooling case with a dtype and an input of corner values (NaN, ±Inf, ±0, subnormals, ties). */
const cornerCaseArb = poolCaseArb().chain((p) =>
  fc.constantFrom("float32" as const, "float64" as const).chain((dtype) =>
    fc.record({ p: fc.constant(p), dtype: fc.constant(dtype), x: cornerTensorArb(shapeOf(p), dtype) }),
  ),
);

/** Eager and jit results of `pool` both equal `expected` bit for bit, with the expected shape. */
function checkBoth(pool: (x: Tensor) => Tensor, x: Tensor, expected: { values: number[]; outSizes: number[] }, label: string): void {
  const shape = [x.shape[0]!, x.shape[1]!, ...expected.outSizes];
  for (const [name, y] of [["eager", pool(x)], ["jit", fx.jit(pool)(x)]] as const) {
    expect(y.shape, `${label} ${name} shape`).toEqual(shape);
    expect(y.dtype, `${label} ${name} dtype`).toBe(x.dtype);
    expect(bitDifference(y.data(), expected.values), `${label} ${name}`).toBeNull();
  }
}

describe("pooling equals independent loops, bit for bit (eager and jit)", () => {
  it("avgPool(ones, { countIncludePad: false }) ≡ 1 for every window, stride and padding", () => {
    const arb = poolCaseArb().chain((p) => fc.record({ p: fc.constant(p), dtype: fc.constantFrom("float32" as const, "float64" as const) }));
    fc.assert(
      fc.property(arb, ({ p, dtype }) => {
        labelled(p, () => {
          const pool = (x: Tensor) => avgPoolOf(p)(x, p.window, { ...poolOptions(p), countIncludePad: false });
          const x = fx.ones(shapeOf(p), { dtype });
          const expectedOut = maxPoolLoop(values(x), p.n * p.c, geometryOf(p)).outSizes;
          const ones = Array<number>(p.n * p.c * expectedOut.reduce((a, b) => a * b, 1)).fill(1);
          checkBoth(pool, x, { values: ones, outSizes: expectedOut }, `ones ${dtype}`);
        });
      }),
      RUNS,
    );
  });

  it("average pooling (with and without countIncludePad) equals the window-sum loop", () => {
    fc.assert(
      fc.property(cornerCaseArb, ({ p, dtype, x }) => {
        labelled(p, () => {
          const pool = (z: Tensor) => avgPoolOf(p)(z, p.window, poolOptions(p));
          const expected = avgPoolLoop(x.data(), p.n * p.c, geometryOf(p), p.countIncludePad, roundOf(dtype));
          checkBoth(pool, x, expected, `avgPool ${dtype} on ${JSON.stringify(Array.from(x.data()).map(String))}`);
        });
      }),
      RUNS,
    );
  });

  it("max pooling equals the first-maximum loop (ties, NaN, ±0, ±Inf)", () => {
    fc.assert(
      fc.property(cornerCaseArb, ({ p, dtype, x }) => {
        labelled(p, () => {
          const pool = (z: Tensor) => maxPoolOf(p)(z, p.window, maxPoolOptions(p));
          const expected = maxPoolLoop(x.data(), p.n * p.c, geometryOf(p));
          checkBoth(pool, x, expected, `maxPool ${dtype} on ${JSON.stringify(Array.from(x.data()).map(String))}`);
        });
      }),
      RUNS,
    );
  });
});
