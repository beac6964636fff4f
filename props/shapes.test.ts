// Shape-op laws: reshape/transpose round trips, transpose composition, slice/pad/concat/split
// inverses, flip involution, stack/squeeze, take against slices.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { anyTensorArb, sameValues, shapeArb, tensorArb } from "./arbitraries.js";
import { runs } from "./runs.js";

const RUNS = runs(150);

const tensorArbRank = (minRank: number) => anyTensorArb({ minRank, maxRank: 4, maxDim: 4 }, { dtype: "float64" });

/** A random permutation of 0..n-1. */
const permArb = (n: number) =>
  fc.array(fc.nat(), { minLength: n, maxLength: n }).map((keys) => keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i));

describe("reshape and transpose", () => {
  it("reshape to any shape of the same size and back is the identity", () => {
    fc.assert(
      fc.property(tensorArbRank(0), fc.nat(), (x, seed) => {
        // Split the size into random factors.
        let n = x.size;
        const dims: number[] = [];
        let s = seed;
        for (let d = 2; d <= n; d++) {
          while (n % d === 0 && s % 3 !== 0) {
            dims.push(d);
            n /= d;
            s = Math.floor(s / 3) + 1;
          }
        }
        if (n > 1) dims.push(n);
        const y = fx.reshape(x, dims);
        expect(y.size).toBe(x.size);
        expect(sameValues(fx.reshape(y, x.shape), x)).toBe(true);
        expect(Array.from(fx.reshape(x, [-1]).data())).toEqual(Array.from(x.data()));
      }),
      RUNS,
    );
  });

  it("transpose by p then by p⁻¹ is the identity; shapes are permuted", () => {
    fc.assert(
      fc.property(tensorArbRank(0).chain((x) => fc.tuple(fc.constant(x), permArb(x.rank))), ([x, p]) => {
        const y = fx.transpose(x, p);
        expect(y.shape).toEqual(p.map((i) => x.shape[i]));
        const inv = new Array<number>(p.length);
        p.forEach((pi, i) => (inv[pi] = i));
        expect(sameValues(fx.transpose(y, inv), x)).toBe(true);
      }),
      RUNS,
    );
  });

  it("transpose composes: transpose(transpose(x, p), q) = transpose(x, p∘q)", () => {
    fc.assert(
      fc.property(tensorArbRank(1).chain((x) => fc.tuple(fc.constant(x), permArb(x.rank), permArb(x.rank))), ([x, p, q]) => {
        const composed = q.map((qi) => p[qi]!);
        expect(sameValues(fx.transpose(fx.transpose(x, p), q), fx.transpose(x, composed))).toBe(true);
      }),
      RUNS,
    );
  });

  it("expandDims then squeeze at the same axis is the identity", () => {
    fc.assert(
      fc.property(tensorArbRank(0).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: -(x.rank + 1), max: x.rank }))), ([x, ax]) => {
        const y = fx.expandDims(x, { axis: ax });
        expect(y.rank).toBe(x.rank + 1);
        expect(sameValues(fx.squeeze(y, { axis: ax }), x)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("movement inverses", () => {
  it("slicing the padding off a padded tensor gives it back", () => {
    fc.assert(
      fc.property(
        tensorArbRank(1).chain((x) =>
          fc.tuple(
            fc.constant(x),
            fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: x.rank, maxLength: x.rank }),
            fc.nat(2),
          ),
        ),
        ([x, widths, interior]) => {
          const y = fx.pad(x, widths as [number, number][], { value: 7, interior });
          const spec = widths.map(([lo], i) => [lo, lo + Math.max(0, (x.shape[i]! - 1) * (interior + 1) + 1), interior + 1] as [number, number, number]);
          expect(sameValues(fx.slice(y, spec), x)).toBe(true);
          // Everything else is the pad value: the total is sum(x) + 7·(new elements).
          expect(fx.sum(y).item()).toBeCloseTo(fx.sum(x).item() + 7 * (y.size - x.size), 9);
        },
      ),
      RUNS,
    );
  });

  it("split then concat is the identity, for equal parts and for indices", () => {
    fc.assert(
      fc.property(
        tensorArbRank(1).chain((x) => fc.tuple(fc.constant(x), fc.nat(x.rank - 1), fc.array(fc.nat(4), { maxLength: 3 }))),
        ([x, ax, cuts]) => {
          const n = x.shape[ax]!;
          const idx = cuts.map((c) => Math.min(c, n)).sort((a, b) => a - b);
          const parts = fx.split(x, idx, { axis: ax });
          expect(parts.length).toBe(idx.length + 1);
          expect(sameValues(fx.concat(parts, { axis: ax }), x)).toBe(true);
          const equal = fx.split(x, 1, { axis: ax });
          expect(sameValues(equal[0]!, x)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("concat then slicing each part out gives the parts back", () => {
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }), fc.nat(2), fc.integer({ min: 1, max: 4 }), (shape, ax0, extra) => {
        const ax = ax0 % shape.length;
        const other = shape.map((d, i) => (i === ax ? extra : d));
        const a = fx.arange(shape.reduce((p, d) => p * d, 1)).reshape(shape);
        const b = fx.arange(other.reduce((p, d) => p * d, 1)).reshape(other).neg();
        const c = fx.concat([a, b], { axis: ax });
        const specA = shape.map((d, i) => (i === ax ? ([0, d] as [number, number]) : null));
        const specB = shape.map((d, i) => (i === ax ? ([d, null] as [number, null]) : null));
        expect(sameValues(fx.slice(c, specA), a)).toBe(true);
        expect(sameValues(fx.slice(c, specB), b)).toBe(true);
      }),
      RUNS,
    );
  });

  it("flip is an involution and reverses element order along its axes", () => {
    fc.assert(
      fc.property(tensorArbRank(1).chain((x) => fc.tuple(fc.constant(x), fc.subarray([...Array(x.rank).keys()]))), ([x, axes]) => {
        const y = fx.flip(x, { axis: axes });
        expect(sameValues(fx.flip(y, { axis: axes }), x)).toBe(true);
        expect(fx.sum(y).item()).toBeCloseTo(fx.sum(x).item(), 9);
        if (x.rank === 1 && axes.length === 1) expect(Array.from(y.data())).toEqual(Array.from(x.data()).reverse());
      }),
      RUNS,
    );
  });

  it("stack then take along the new axis gives each tensor back", () => {
    fc.assert(
      fc.property(shapeArb({ maxRank: 3, maxDim: 3 }).chain((s) => fc.tuple(fc.array(tensorArb(s), { minLength: 1, maxLength: 4 }), fc.nat(s.length))), ([xs, ax]) => {
        const st = fx.stack(xs, { axis: ax });
        xs.forEach((x, i) => expect(sameValues(fx.take(st, i, { axis: ax }), x)).toBe(true));
      }),
      RUNS,
    );
  });

  it("take with a range of indices equals the corresponding slice", () => {
    fc.assert(
      fc.property(tensorArbRank(1).chain((x) => fc.tuple(fc.constant(x), fc.nat(x.rank - 1), fc.nat(3), fc.nat(3))), ([x, ax, s0, l0]) => {
        const n = x.shape[ax]!;
        const start = s0 % n;
        const stop = Math.min(n, start + 1 + l0);
        const idx = Array.from({ length: stop - start }, (_, i) => start + i);
        const spec = x.shape.map((_, i) => (i === ax ? ([start, stop] as [number, number]) : null));
        expect(sameValues(fx.take(x, idx, { axis: ax }), fx.slice(x, spec))).toBe(true);
      }),
      RUNS,
    );
  });

  it("tile(x, reps) equals concatenating copies axis by axis", () => {
    fc.assert(
      fc.property(tensorArbRank(1).chain((x) => fc.tuple(fc.constant(x), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: x.rank, maxLength: x.rank }))), ([x, reps]) => {
        let y = x;
        reps.forEach((r, ax) => (y = fx.concat(Array(r).fill(y), { axis: ax })));
        expect(sameValues(fx.tile(x, reps), y)).toBe(true);
      }),
      RUNS,
    );
  });
});
