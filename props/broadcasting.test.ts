// NumPy broadcasting laws: the result shape rule, commutativity, equivalence with explicit
// broadcastTo, and the unbroadcast (sum over broadcast axes) consistency used by gradients.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { broadcastShapesArb, sameValues, shapeArb, tensorArb } from "./arbitraries.js";
import { unbroadcast } from "../src/prims/layout.js";
import { runs } from "./runs.js";

const RUNS = runs(150);

/** Two broadcast-compatible tensors (float64, so sums are exact enough to compare). */
const pairArb = broadcastShapesArb(2, { maxRank: 4, maxDim: 3 }).chain(({ shapes, result }) =>
  fc.tuple(tensorArb(shapes[0]!, { dtype: "float64" }), tensorArb(shapes[1]!, { dtype: "float64" }), fc.constant(result)),
);

/** NumPy's rule written independently: align right, equal or one of them 1. */
function numpyShape(a: readonly number[], b: readonly number[]): number[] | null {
  const out: number[] = [];
  for (let i = 1; i <= Math.max(a.length, b.length); i++) {
    const x = a[a.length - i] ?? 1;
    const y = b[b.length - i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.unshift(Math.max(x, y) === 1 ? 1 : x === 1 ? y : x);
  }
  return out;
}

describe("broadcasting laws", () => {
  it("the result shape follows NumPy's rule, and incompatible shapes raise ShapeError", () => {
    fc.assert(
      fc.property(shapeArb({ maxRank: 3, maxDim: 3 }), shapeArb({ maxRank: 3, maxDim: 3 }), (sa, sb) => {
        const expected = numpyShape(sa, sb);
        const f = () => fx.add(fx.zeros(sa), fx.zeros(sb));
        if (expected === null) expect(f).toThrow(fx.ShapeError);
        else expect(f().shape).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("shapes broadcast commutatively, and add/mul commute exactly", () => {
    fc.assert(
      fc.property(pairArb, ([a, b, result]) => {
        expect(fx.add(a, b).shape).toEqual(result);
        expect(fx.add(b, a).shape).toEqual(result);
        expect(sameValues(fx.add(a, b), fx.add(b, a))).toBe(true);
        expect(sameValues(fx.mul(a, b), fx.mul(b, a))).toBe(true);
      }),
      RUNS,
    );
  });

  it("an op on broadcast operands equals the op after explicit broadcastTo", () => {
    fc.assert(
      fc.property(pairArb, fc.constantFrom(fx.add, fx.sub, fx.mul, fx.maximum, fx.div), ([a, b, result], op) => {
        const explicit = op(fx.broadcastTo(a, result), fx.broadcastTo(b, result));
        expect(sameValues(op(a, b), explicit)).toBe(true);
      }),
      RUNS,
    );
  });

  it("broadcastTo repeats values: every element equals the source element it came from", () => {
    fc.assert(
      fc.property(pairArb, ([a, , result]) => {
        const big = fx.broadcastTo(a, result);
        const src = a.data();
        const out = big.data();
        const off = result.length - a.shape.length;
        // Walk every index of the result and map it back to a's index.
        for (let flat = 0; flat < out.length; flat++) {
          let rem = flat;
          let srcIdx = 0;
          let stride = 1;
          for (let k = result.length - 1; k >= 0; k--) {
            const i = rem % result[k]!;
            rem = Math.floor(rem / result[k]!);
            if (k >= off) {
              const d = a.shape[k - off]!;
              srcIdx += (d === 1 ? 0 : i) * stride;
              stride *= d;
            }
          }
          expect(out[flat]).toBe(src[srcIdx]);
        }
      }),
      RUNS,
    );
  });

  it("unbroadcast sums back to the operand's shape, preserving the total", () => {
    fc.assert(
      fc.property(pairArb, ([a, , result]) => {
        const g = fx.broadcastTo(fx.ones(a.shape, { dtype: "float64" }), result);
        const back = unbroadcast(g, a.shape);
        expect(back.shape).toEqual(a.shape);
        // Each source element was repeated (result size / a size) times.
        const reps = a.size === 0 ? 0 : g.size / a.size;
        for (const v of back.data()) expect(v).toBe(reps);
        expect(fx.sum(back).item()).toBe(fx.sum(g).item());
      }),
      RUNS,
    );
  });

  it("a JS number acts like a rank-0 tensor of the other operand's dtype", () => {
    fc.assert(
      fc.property(tensorArb([3, 2], { dtype: "float64" }), fc.double({ min: -5, max: 5, noNaN: true }), (a, s) => {
        expect(sameValues(fx.mul(a, s), fx.mul(a, fx.scalar(s, "float64")))).toBe(true);
        expect(sameValues(fx.sub(s, a), fx.sub(fx.scalar(s, "float64"), a))).toBe(true);
      }),
      RUNS,
    );
  });
});
