// Laws of comparisons, logic and where: trichotomy, duality of operators, where symmetry,
// where against a JS reference, De Morgan, maximum/minimum via where.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { broadcastShapesArb, sameValues, tensorArb } from "./arbitraries.js";
import { runs } from "./runs.js";

const RUNS = runs(150);

/** Two broadcast-compatible int-valued float tensors (so ties happen often) and a bool condition. */
const tripleArb = broadcastShapesArb(3, { maxRank: 3, maxDim: 3 }).chain(({ shapes }) =>
  fc.tuple(
    tensorArb(shapes[0]!, { dtype: "int32", min: -2, max: 2 }).map((t) => fx.cast(t, "float64")),
    tensorArb(shapes[1]!, { dtype: "int32", min: -2, max: 2 }).map((t) => fx.cast(t, "float64")),
    tensorArb(shapes[2]!, { dtype: "int32", min: 0, max: 1 }).map((t) => fx.cast(t, "bool")),
  ),
);

const count = (b: fx.Tensor) => fx.sum(fx.cast(b, "int32")).item();

describe("comparison laws", () => {
  it("trichotomy: exactly one of a < b, a = b, a > b holds (no NaN)", () => {
    fc.assert(
      fc.property(tripleArb, ([a, b]) => {
        const total = fx.add(fx.add(fx.cast(fx.less(a, b), "int32"), fx.cast(fx.equal(a, b), "int32")), fx.cast(fx.greater(a, b), "int32"));
        for (const v of total.data()) expect(v).toBe(1);
      }),
      RUNS,
    );
  });

  it("operators are dual: a < b ⇔ b > a, a ≤ b ⇔ ¬(a > b), a ≠ b ⇔ ¬(a = b)", () => {
    fc.assert(
      fc.property(tripleArb, ([a, b]) => {
        expect(sameValues(fx.less(a, b), fx.greater(b, a))).toBe(true);
        expect(sameValues(fx.lessEqual(a, b), fx.logicalNot(fx.greater(a, b)))).toBe(true);
        expect(sameValues(fx.greaterEqual(a, b), fx.lessEqual(b, a))).toBe(true);
        expect(sameValues(fx.notEqual(a, b), fx.logicalNot(fx.equal(a, b)))).toBe(true);
      }),
      RUNS,
    );
  });

  it("NaN compares false except with notEqual", () => {
    fc.assert(
      fc.property(tensorArb([4], { dtype: "float64" }), (a) => {
        const n = fx.full([4], NaN, { dtype: "float64" });
        for (const op of [fx.less, fx.lessEqual, fx.greater, fx.greaterEqual, fx.equal]) expect(count(op(a, n))).toBe(0);
        expect(count(fx.notEqual(a, n))).toBe(4);
      }),
      RUNS,
    );
  });
});

describe("where laws", () => {
  it("where(c, a, b) = where(¬c, b, a)", () => {
    fc.assert(
      fc.property(tripleArb, ([a, b, c]) => {
        expect(sameValues(fx.where(c, a, b), fx.where(fx.logicalNot(c), b, a))).toBe(true);
      }),
      RUNS,
    );
  });

  it("where matches an elementwise JS reference after broadcasting", () => {
    fc.assert(
      fc.property(tripleArb, ([a, b, c]) => {
        const out = fx.where(c, a, b);
        const shape = [...out.shape];
        const [ca, aa, bb] = [fx.broadcastTo(c, shape), fx.broadcastTo(a, shape), fx.broadcastTo(b, shape)].map((t) => t.data());
        const expected = Array.from(ca!, (ci, i) => (ci ? aa![i]! : bb![i]!));
        expect(Array.from(out.data())).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("where(c, a, a) = a broadcast; where(true, a, b) = a", () => {
    fc.assert(
      fc.property(tripleArb, ([a, b, c]) => {
        const shape = fx.where(c, a, a).shape;
        expect(sameValues(fx.where(c, a, a), fx.broadcastTo(a, [...shape]))).toBe(true);
        const both = fx.add(a, b).shape;
        expect(sameValues(fx.where(true, a, b), fx.broadcastTo(a, [...both]))).toBe(true);
      }),
      RUNS,
    );
  });

  it("maximum and minimum equal their where forms", () => {
    fc.assert(
      fc.property(tripleArb, ([a, b]) => {
        expect(sameValues(fx.maximum(a, b), fx.where(fx.greaterEqual(a, b), a, b))).toBe(true);
        expect(sameValues(fx.minimum(a, b), fx.where(fx.lessEqual(a, b), a, b))).toBe(true);
        expect(sameValues(fx.add(fx.maximum(a, b), fx.minimum(a, b)), fx.add(a, b))).toBe(true);
      }),
      RUNS,
    );
  });

  it("De Morgan: ¬(p ∧ q) = ¬p ∨ ¬q and ¬(p ∨ q) = ¬p ∧ ¬q", () => {
    fc.assert(
      fc.property(tripleArb, ([a, b, c]) => {
        const p = fx.greater(a, 0);
        const q = fx.logicalOr(c, fx.less(b, 0));
        expect(sameValues(fx.logicalNot(fx.logicalAnd(p, q)), fx.logicalOr(fx.logicalNot(p), fx.logicalNot(q)))).toBe(true);
        expect(sameValues(fx.logicalNot(fx.logicalOr(p, q)), fx.logicalAnd(fx.logicalNot(p), fx.logicalNot(q)))).toBe(true);
      }),
      RUNS,
    );
  });
});
