// Shared by the float32 transcendental sweeps (test/fastmath.test.ts, test/fastmath32.test.ts):
// the swept inputs, the float32 ulp, and float64 references for the functions Math lacks.

import type * as fx from "../src/index.js";

/** Every `step`-th float32 bit pattern (a different offset in each block), plus the specials and the neighbours of 0 and ±1. */
export function sweepInputs(step: number): Float32Array {
  const n = 2 ** 32 / step;
  const bits = new Uint32Array(n + 8);
  for (let i = 0; i < n; i++) bits[i] = i * step + ((i * 2654435761) % step);
  const x = new Float32Array(bits.buffer);
  x.set([0, -0, Infinity, -Infinity, NaN, 1, -1, 1.401298464324817e-45], n);
  return x;
}

/** The spacing of float32 values around |v| (subnormal spacing below 2⁻¹²⁶). */
export function ulpOf(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** The logistic function in float64, without overflow on either side. */
export const sigmoid64 = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** log(1 + eˣ) in float64, without overflow. */
export const softplus64 = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** One swept function: the op under test, its float64 reference and its documented bounds. */
export interface SweepCase {
  name: string;
  op: (x: fx.Tensor) => fx.Tensor;
  ref: (x: number) => number;
  ulps: number;
  rel: number;
}
