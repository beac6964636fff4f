// Float64 reference formulas for the activations, written with Math alone (independently of
// src/nn): each entry gives f(x) and f'(x), with the kink conventions fx.nn documents. The
// normal CDF uses its own erfc: the Taylor series of erf for |z| < 3 and the continued
// fraction of erfc beyond (both accurate to ~1e-13 relative in float64).

import { expect } from "vitest";
import type { Tensor } from "../src/tensor/tensor.js";
import * as fx from "../src/index.js";

export const SELU_LAMBDA = 1.0507009873554804934193349852946;
export const SELU_A = 1.6732632423543772848170429916717;

/** erfc(z) in float64. */
export function erfcRef(z: number): number {
  if (z < 0) return 2 - erfcRef(-z);
  if (z < 3) {
    // erf(z) = 2/√π Σ (−1)ⁿ z^(2n+1) / (n! (2n+1))
    let term = z; // z^(2n+1)/n! · (−1)ⁿ
    let s = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      s += add;
      if (Math.abs(add) < 1e-18 * Math.abs(s)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * s;
  }
  // erfc(z) = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …))))
  let k = z;
  for (let n = 80; n >= 1; n--) k = z + n / 2 / k;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * k);
}

export const normalCdf = (x: number) => 0.5 * erfcRef(-x / Math.SQRT2);
export const normalPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

export function sigmoidRef(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
export function softplusRef(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const C = Math.sqrt(2 / Math.PI);
const K = 0.044715;

export interface ActivationCase {
  readonly fn: (x: Tensor) => Tensor;
  readonly f: (x: number) => number;
  readonly d: (x: number) => number;
  /** Points where f is not differentiable (finite differences must stay away). */
  readonly kinks: readonly number[];
  /** Relative accuracy the float64 implementation promises against f. */
  readonly rtol: number;
}

const exact = 1e-14;

export const ACTIVATIONS: Readonly<Record<string, ActivationCase>> = {
  identity: { fn: fx.nn.identity, f: (x) => x, d: () => 1, kinks: [], rtol: 0 },
  sigmoid: { fn: fx.nn.sigmoid, f: sigmoidRef, d: (x) => sigmoidRef(x) * sigmoidRef(-x), kinks: [], rtol: exact },
  tanh: { fn: fx.nn.tanh, f: Math.tanh, d: (x) => 1 / Math.cosh(x) ** 2, kinks: [], rtol: exact },
  relu: { fn: fx.nn.relu, f: (x) => (x > 0 ? x : 0), d: (x) => (x > 0 ? 1 : 0), kinks: [0], rtol: 0 },
  relu6: { fn: fx.nn.relu6, f: (x) => Math.min(Math.max(x, 0), 6), d: (x) => (x > 0 && x < 6 ? 1 : 0), kinks: [0, 6], rtol: 0 },
  hardTanh: { fn: (x) => fx.nn.hardTanh(x), f: (x) => Math.min(Math.max(x, -1), 1), d: (x) => (x > -1 && x < 1 ? 1 : 0), kinks: [-1, 1], rtol: 0 },
  leakyRelu: { fn: (x) => fx.nn.leakyRelu(x, 0.2), f: (x) => (x > 0 ? x : 0.2 * x), d: (x) => (x > 0 ? 1 : 0.2), kinks: [0], rtol: exact },
  elu: { fn: (x) => fx.nn.elu(x, 1.5), f: (x) => (x > 0 ? x : 1.5 * Math.expm1(x)), d: (x) => (x > 0 ? 1 : 1.5 * Math.exp(x)), kinks: [0], rtol: exact },
  selu: {
    fn: fx.nn.selu,
    f: (x) => SELU_LAMBDA * (x > 0 ? x : SELU_A * Math.expm1(x)),
    d: (x) => SELU_LAMBDA * (x > 0 ? 1 : SELU_A * Math.exp(x)),
    kinks: [0],
    rtol: exact,
  },
  gelu: { fn: (x) => fx.nn.gelu(x), f: (x) => x * normalCdf(x), d: (x) => normalCdf(x) + x * normalPdf(x), kinks: [], rtol: 2e-7 },
  // ½x(1 + tanh u) = x·σ(2u) and 1 − tanh²u = 4σ(2u)σ(−2u): the σ forms keep float64's
  // digits where tanh u ≈ −1 (the plain formula loses them to cancellation for x ≪ 0).
  geluTanh: {
    fn: (x) => fx.nn.gelu(x, { approximate: true }),
    f: (x) => x * sigmoidRef(2 * C * (x + K * x ** 3)),
    d: (x) => {
      const u2 = 2 * C * (x + K * x ** 3);
      return sigmoidRef(u2) + 2 * x * sigmoidRef(u2) * sigmoidRef(-u2) * C * (1 + 3 * K * x * x);
    },
    kinks: [],
    rtol: exact,
  },
  silu: { fn: fx.nn.silu, f: (x) => x * sigmoidRef(x), d: (x) => sigmoidRef(x) * (1 + x * sigmoidRef(-x)), kinks: [], rtol: exact },
  swish: { fn: fx.nn.swish, f: (x) => x * sigmoidRef(x), d: (x) => sigmoidRef(x) * (1 + x * sigmoidRef(-x)), kinks: [], rtol: exact },
  softplus: { fn: fx.nn.softplus, f: softplusRef, d: sigmoidRef, kinks: [], rtol: exact },
  logSigmoid: { fn: fx.nn.logSigmoid, f: (x) => -softplusRef(-x), d: (x) => sigmoidRef(-x), kinks: [], rtol: exact },
  softsign: { fn: fx.nn.softsign, f: (x) => x / (1 + Math.abs(x)), d: (x) => 1 / (1 + Math.abs(x)) ** 2, kinks: [0], rtol: exact },
};

/** The values of a tensor as float64 numbers. */
export function valuesOf(t: Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number>, Number);
}

/** Whether jit(f) and f give the same bits (Object.is) on the inputs. */
export function expectJitIdentical(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): void {
  const eager = valuesOf(f(...xs));
  const jitted = valuesOf(fx.jit(f)(...xs));
  expect(jitted.length).toBe(eager.length);
  jitted.forEach((v, i) => expect(Object.is(v, eager[i]), `element ${i}: jit ${v} vs eager ${eager[i]}`).toBe(true));
}
