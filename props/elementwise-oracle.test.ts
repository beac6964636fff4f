// Elementwise ops equal an oracle written here from their definitions — plain JS closures over
// Math, one per op and dtype, sharing nothing with the templates in src/prims — bit for bit
// (Object.is), eager and under jit, alone and fused in chains, on corner values (NaN, ±Inf, ±0,
// subnormals, huge values, ties; int32 over its full range). float32 results are rounded once
// per op (Math.fround), as a stored float32 value is; int32 arithmetic wraps like C.
// float32 exp, log, tanh, expm1 and log1p are documented approximations (≤ 0.501 ulp, exact
// special values; test/fastmath.test.ts sweeps them): here they are checked within 1 ulp of the
// oracle, with special values exact, and the fused-chain property uses them in float64 only.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { cornerTensorArb } from "./arbitraries.js";
import { bitDifference } from "./exact.js";
import { runs } from "./runs.js";

type NumDType = "float32" | "float64" | "int32";
type Binary = { name: string; op: (a: Tensor, b: Tensor) => Tensor; float: (a: number, b: number) => number; int?: (a: number, b: number) => number; bool?: boolean };
type Unary = { name: string; op: (a: Tensor) => Tensor; float: (a: number) => number; int?: (a: number) => number; approx32?: boolean };

const nan = (a: number, b: number) => Number.isNaN(a) || Number.isNaN(b);
/** Ties (including −0 vs +0) keep the first operand. */
const max = (a: number, b: number) => (nan(a, b) ? NaN : b > a ? b : a);
const min = (a: number, b: number) => (nan(a, b) ? NaN : b < a ? b : a);

const BINARY: readonly Binary[] = [
  { name: "add", op: fx.add, float: (a, b) => a + b, int: (a, b) => (a + b) | 0 },
  { name: "sub", op: fx.sub, float: (a, b) => a - b, int: (a, b) => (a - b) | 0 },
  { name: "mul", op: fx.mul, float: (a, b) => a * b, int: (a, b) => Math.imul(a, b) },
  { name: "div", op: fx.div, float: (a, b) => a / b },
  { name: "pow", op: fx.pow, float: (a, b) => Math.pow(a, b) },
  { name: "maximum", op: fx.maximum, float: max, int: max },
  { name: "minimum", op: fx.minimum, float: min, int: min },
  { name: "greater", op: fx.greater, float: (a, b) => +(a > b), int: (a, b) => +(a > b), bool: true },
  { name: "less", op: fx.less, float: (a, b) => +(a < b), int: (a, b) => +(a < b), bool: true },
  { name: "greaterEqual", op: fx.greaterEqual, float: (a, b) => +(a >= b), int: (a, b) => +(a >= b), bool: true },
  { name: "lessEqual", op: fx.lessEqual, float: (a, b) => +(a <= b), int: (a, b) => +(a <= b), bool: true },
  { name: "equal", op: fx.equal, float: (a, b) => +(a === b), int: (a, b) => +(a === b), bool: true },
  { name: "notEqual", op: fx.notEqual, float: (a, b) => +(a !== b), int: (a, b) => +(a !== b), bool: true },
];

const UNARY: readonly Unary[] = [
  { name: "neg", op: fx.neg, float: (a) => -a, int: (a) => -a | 0 },
  { name: "abs", op: fx.abs, float: Math.abs, int: (a) => Math.abs(a) | 0 },
  { name: "sign", op: fx.sign, float: Math.sign, int: Math.sign },
  { name: "square", op: fx.square, float: (a) => a * a, int: (a) => Math.imul(a, a) },
  { name: "exp", op: fx.exp, float: Math.exp, approx32: true },
  { name: "log", op: fx.log, float: Math.log, approx32: true },
  { name: "sqrt", op: fx.sqrt, float: Math.sqrt },
  { name: "reciprocal", op: fx.reciprocal, float: (a) => 1 / a },
  { name: "floor", op: fx.floor, float: Math.floor, int: (a) => a },
  { name: "ceil", op: fx.ceil, float: Math.ceil, int: (a) => a },
  { name: "sin", op: fx.sin, float: Math.sin },
  { name: "cos", op: fx.cos, float: Math.cos },
  { name: "tanh", op: fx.tanh, float: Math.tanh, approx32: true },
  { name: "expm1", op: fx.expm1, float: Math.expm1, approx32: true },
  { name: "log1p", op: fx.log1p, float: Math.log1p, approx32: true },
];

const storeAs = (dtype: NumDType, bool = false) => (v: number) => (bool ? v : dtype === "float32" ? Math.fround(v) : v);

/** The oracle of a binary op on stored operand values (b broadcast when it has one element). */
function binaryOracle(b: Binary, dtype: NumDType, xs: ArrayLike<number>, ys: ArrayLike<number>): number[] {
  const f = dtype === "int32" ? b.int! : b.float;
  const store = storeAs(dtype, b.bool);
  return Array.from({ length: xs.length }, (_, i) => store(f(xs[i]!, ys[ys.length === 1 ? 0 : i]!)));
}

const RUNS = runs(200);

/** float32 spacing at |v|. */
const ulp32 = (v: number) => (Math.abs(v) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23));

/** Why `got` is more than 1 ulp from `expected`, or differs at a special value (NaN, ±Inf, ±0): null when within. */
function ulpDifference(got: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  if (got.length !== expected.length) return `length ${got.length} vs expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) {
    const [g, e] = [got[i]!, expected[i]!];
    const special = !Number.isFinite(e) || e === 0 || !Number.isFinite(g) || g === 0;
    if (special ? !Object.is(g, e) : Math.abs(g - e) > ulp32(e)) return `element ${i}: ${g} vs expected ${e}`;
  }
  return null;
}

describe("elementwise ops equal an independent oracle, bit for bit", () => {
  // One test per op, so that a failure of one op does not hide another's.
  for (const op of BINARY) {
    const dtypes: NumDType[] = op.int ? ["float32", "float64", "int32"] : ["float32", "float64"];
    it(`${op.name} (${dtypes.join(", ")}), eager and jit`, () => {
      const arb = fc
        .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }), scalarB: fc.boolean(), tie: fc.boolean() })
        .chain((r) => fc.record({ r: fc.constant(r), a: cornerTensorArb(r.shape, r.dtype), b: cornerTensorArb(r.scalarB ? [] : r.shape, r.dtype) }))
        // Ties: b equal to a, except that every zero has the other sign (which operand wins a tie?).
        .map(({ r, a, b }) => ({ r, a, b: r.tie && !r.scalarB ? fx.tensor(Array.from(a.data(), (v) => (v === 0 ? -v : v)), { dtype: r.dtype, shape: [...r.shape] }) : b }));
      fc.assert(
        fc.property(arb, ({ r, a, b }) => {
          const expected = binaryOracle(op, r.dtype, a.data(), b.data());
          const label = `${op.name} ${r.dtype} a=${JSON.stringify(Array.from(a.data()).map(String))} b=${JSON.stringify(Array.from(b.data()).map(String))}`;
          expect(bitDifference(op.op(a, b).data(), expected), `eager ${label}`).toBeNull();
          expect(bitDifference(fx.jit(op.op)(a, b).data(), expected), `jit ${label}`).toBeNull();
        }),
        runs(100),
      );
    });
  }

  for (const op of UNARY) {
    const dtypes: NumDType[] = op.int ? ["float32", "float64", "int32"] : ["float32", "float64"];
    it(`${op.name} (${dtypes.join(", ")}), eager and jit`, () => {
      const arb = fc
        .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }) })
        .chain((r) => fc.record({ r: fc.constant(r), a: cornerTensorArb(r.shape, r.dtype) }));
      fc.assert(
        fc.property(arb, ({ r, a }) => {
          const f = r.dtype === "int32" ? op.int! : op.float;
          const expected = Array.from(a.data(), (v) => storeAs(r.dtype)(f(v)));
          const label = `${op.name} ${r.dtype} ${JSON.stringify(Array.from(a.data()).map(String))}`;
          const differ = op.approx32 && r.dtype === "float32" ? ulpDifference : bitDifference;
          expect(differ(op.op(a).data(), expected), `eager ${label}`).toBeNull();
          expect(differ(fx.jit(op.op)(a).data(), expected), `jit ${label}`).toBeNull();
        }),
        runs(100),
      );
    });
  }

  it("fused chains round every intermediate: jit(g(f(a, b), c)) ≡ oracle, stored value by stored value", () => {
    const arb = fc
      .record({
        f: fc.constantFrom(...BINARY.filter((o) => !o.bool)),
        g: fc.constantFrom(...BINARY),
        u: fc.constantFrom(...UNARY),
        dtype: fc.constantFrom<NumDType>("float32", "float64", "int32"),
        shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
      })
      .filter((r) => r.dtype !== "int32" || (r.f.int !== undefined && r.g.int !== undefined && r.u.int !== undefined))
      .filter((r) => !(r.u.approx32 && r.dtype === "float32"))
      .chain((r) => fc.record({ r: fc.constant(r), a: cornerTensorArb(r.shape, r.dtype), b: cornerTensorArb(r.shape, r.dtype), c: cornerTensorArb([], r.dtype) }));
    fc.assert(
      fc.property(arb, ({ r, a, b, c }) => {
        const chain = (x: Tensor, y: Tensor, z: Tensor) => r.g.op(r.u.op(r.f.op(x, y)), z);
        const uf = r.dtype === "int32" ? r.u.int! : r.u.float;
        const t = binaryOracle(r.f, r.dtype, a.data(), b.data()).map((v) => storeAs(r.dtype)(uf(v)));
        const expected = binaryOracle(r.g, r.dtype, t, c.data());
        const label = `${r.g.name}(${r.u.name}(${r.f.name}(a, b)), c) ${r.dtype} a=${JSON.stringify(Array.from(a.data()).map(String))} b=${JSON.stringify(Array.from(b.data()).map(String))} c=${c.item()}`;
        expect(bitDifference(chain(a, b, c).data(), expected), `eager ${label}`).toBeNull();
        expect(bitDifference(fx.jit(chain)(a, b, c).data(), expected), `jit ${label}`).toBeNull();
      }),
      RUNS,
    );
  });
});

describe("int32 arithmetic wraps like C over the full range", () => {
  const fullRange = (shape: number[]) =>
    fc.array(fc.noBias(fc.integer({ min: -2147483648, max: 2147483647 })), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((v) => fx.tensor(v, { dtype: "int32", shape }));
  const arb = fc
    .record({ op: fc.constantFrom(...BINARY.filter((o) => o.int !== undefined && !o.bool)), shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }) })
    .chain((r) => fc.record({ r: fc.constant(r), a: fullRange(r.shape), b: fullRange(r.shape) }));
  it("add, sub, mul (Math.imul), maximum, minimum; eager, jit, and fused with square", () => {
    fc.assert(
      fc.property(arb, ({ r, a, b }) => {
        const expected = binaryOracle(r.op, "int32", a.data(), b.data());
        const label = `${r.op.name} int32 a=${JSON.stringify(Array.from(a.data()))} b=${JSON.stringify(Array.from(b.data()))}`;
        expect(bitDifference(r.op.op(a, b).data(), expected), `eager ${label}`).toBeNull();
        expect(bitDifference(fx.jit(r.op.op)(a, b).data(), expected), `jit ${label}`).toBeNull();
        const squared = expected.map((v) => Math.imul(v, v));
        expect(bitDifference(fx.jit((x: Tensor, y: Tensor) => fx.square(r.op.op(x, y)))(a, b).data(), squared), `jit square(${label})`).toBeNull();
      }),
      runs(100),
    );
  });
});
