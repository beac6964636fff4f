// Laws of fx.nn's activations on float32 inputs anywhere in [−1e4, 1e4] (fast-check's
// float32 draws include ±0, subnormals and the range's ends):
// - every activation and its gradient are finite, and both match the float64 formula
//   (test/nn-reference.ts) evaluated at the same float32 input;
// - softmax rows sum to 1, logSoftmax = log(softmax) wherever softmax is a normal float32, and their
//   gradients match the closed forms Jᵀu = s ⊙ (u − ⟨u, s⟩) and u − s·Σu.
//
// Tolerances (float32, ε = 2⁻²⁴ ≈ 6e-8): values within 1e-5·(|f| + |x·f'|) — the second term
// is the rounding of x itself amplified by the conditioning of f — and gradients within
// 1e-5·|f'| + 1e-6 (an absolute term, since a derivative that underflows to 0 in float32, as
// tanh'(20), cannot be matched relatively).

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { runs } from "./runs.js";
import { ACTIVATIONS, valuesOf } from "../test/nn-reference.js";

const LIMIT = 1e4;
const finite32 = fc.oneof(
  fc.float({ min: -LIMIT, max: LIMIT, noNaN: true }),
  fc.float({ min: -20, max: 20, noNaN: true }),
);
const vector = fc.array(finite32, { minLength: 1, maxLength: 8 });

function describeMismatch(x: number, got: number, want: number): string {
  return `at x = ${x}: got ${got}, expected ${want}`;
}

describe("activations on finite float32 inputs up to |x| = 1e4", () => {
  for (const [name, c] of Object.entries(ACTIVATIONS)) {
    it(`${name}: finite values and gradients that match the float64 formula`, () => {
      const grad = fx.grad((x: Tensor) => fx.sum(c.fn(x)));
      fc.assert(
        fc.property(vector, (xs) => {
          const x = fx.tensor(xs);
          const ins = valuesOf(x); // the float32 inputs as float64 numbers
          const y = valuesOf(c.fn(x));
          const g = valuesOf(grad(x));
          ins.forEach((xi, i) => {
            const f = c.f(xi);
            const d = c.d(xi);
            expect(Number.isFinite(y[i]!), `${name}(${xi}) = ${y[i]}`).toBe(true);
            expect(Number.isFinite(g[i]!), `${name}'(${xi}) = ${g[i]}`).toBe(true);
            const tolValue = 1e-5 * (Math.abs(f) + Math.abs(xi * d)) + 2e-38;
            expect(Math.abs(y[i]! - f) <= tolValue, `${name} value ${describeMismatch(xi, y[i]!, f)}`).toBe(true);
            expect(Math.abs(g[i]! - d) <= 1e-5 * Math.abs(d) + 1e-6, `${name} derivative ${describeMismatch(xi, g[i]!, d)}`).toBe(true);
          });
        }),
        runs(100),
      );
    });
  }
});

/** A float32 matrix [rows, cols] with entries up to 1e4, and a cotangent of the same shape. */
const matrixCase = fc
  .record({ rows: fc.integer({ min: 1, max: 3 }), cols: fc.integer({ min: 1, max: 6 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      shape: fc.constant([rows, cols]),
      xs: fc.array(finite32, { minLength: rows * cols, maxLength: rows * cols }),
      us: fc.array(fc.integer({ min: -256, max: 256 }).map((k) => k / 256), { minLength: rows * cols, maxLength: rows * cols }),
    }),
  );

/** Softmax of each row in float64. */
function softmaxRows(xs: readonly number[], cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < xs.length; r += cols) {
    const row = xs.slice(r, r + cols);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

describe("softmax and logSoftmax", () => {
  it("rows sum to 1, values and gradients are finite and match float64, logSoftmax = log(softmax) where finite", () => {
    fc.assert(
      fc.property(matrixCase, ({ shape, xs, us }) => {
        const cols = shape[1]!;
        const x = fx.tensor(xs, { shape });
        const u = fx.tensor(us, { shape });
        const s = valuesOf(fx.nn.softmax(x));
        const ls = valuesOf(fx.nn.logSoftmax(x));
        const ref = softmaxRows(valuesOf(x), cols);
        for (let r = 0; r < s.length; r += cols) {
          const rowSum = s.slice(r, r + cols).reduce((a, b) => a + b, 0);
          expect(Math.abs(rowSum - 1) <= cols * 2 ** -23, `row sum ${rowSum}`).toBe(true);
        }
        s.forEach((p, i) => {
          expect(Number.isFinite(ls[i]!), `logSoftmax = ${ls[i]}`).toBe(true);
          expect(Math.abs(p - ref[i]!) <= 1e-6, `softmax ${p} vs ${ref[i]}`).toBe(true);
          // Where softmax is subnormal in float32 it has lost digits; compare from the normal range up.
          if (p >= 2 ** -126) expect(Math.abs(ls[i]! - Math.log(p)) <= 1e-6 * Math.max(1, Math.abs(ls[i]!)), `logSoftmax ${ls[i]} vs log ${Math.log(p)}`).toBe(true);
        });
        // ⟨u, softmax⟩ has gradient s ⊙ (u − ⟨u, s⟩) row by row; ⟨u, logSoftmax⟩ has u − s·Σu.
        const gs = valuesOf(fx.grad((v: Tensor) => fx.sum(fx.mul(u, fx.nn.softmax(v))))(x));
        const gl = valuesOf(fx.grad((v: Tensor) => fx.sum(fx.mul(u, fx.nn.logSoftmax(v))))(x));
        const uv = valuesOf(u);
        for (let r = 0; r < ref.length; r += cols) {
          let dotUs = 0;
          let sumU = 0;
          for (let j = r; j < r + cols; j++) {
            dotUs += uv[j]! * ref[j]!;
            sumU += uv[j]!;
          }
          for (let j = r; j < r + cols; j++) {
            const wantS = ref[j]! * (uv[j]! - dotUs);
            const wantL = uv[j]! - ref[j]! * sumU;
            expect(Number.isFinite(gs[j]!) && Math.abs(gs[j]! - wantS) <= 1e-5 * cols, `softmax grad ${gs[j]} vs ${wantS}`).toBe(true);
            expect(Number.isFinite(gl[j]!) && Math.abs(gl[j]! - wantL) <= 1e-5 * cols, `logSoftmax grad ${gl[j]} vs ${wantL}`).toBe(true);
          }
        }
      }),
      runs(100),
    );
  });
});
