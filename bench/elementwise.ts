// Benchmark 1: a chain of 10 elementwise ops over 1M float32 values, each implementation
// producing a fresh output array. Measures fusion: jit should run it as one loop.

import { assertClose, type Case, FLUXION_MODE, type SuiteDef, fx, maybeJit, onBackend, randomArray, tf, useBackend } from "./common.js";

export const SIZE = 1 << 20;

/** y = sqrt(1 + exp(−0.5·max((1.5x + 0.5)² − x, 0))): mul, add, square, sub, max, mul, neg, exp, add, sqrt. */
export function chainFluxion(x: fx.Tensor): fx.Tensor {
  let t = fx.mul(x, 1.5);
  t = fx.add(t, 0.5);
  t = fx.square(t);
  t = fx.sub(t, x);
  t = fx.maximum(t, 0);
  t = fx.mul(t, 0.5);
  t = fx.neg(t);
  t = fx.exp(t);
  t = fx.add(t, 1);
  return fx.sqrt(t);
}

function chainTf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(1.5).add(0.5).square().sub(x).maximum(0).mul(0.5).neg().exp().add(1).sqrt());
}

/** What a person writes by hand: one loop, one output array. */
export function chainLoop(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    let t = v * 1.5 + 0.5;
    t = t * t - v;
    t = t > 0 ? t : 0;
    out[i] = Math.sqrt(1 + Math.exp(-0.5 * t));
  }
  return out;
}

export const elementwiseSuite: SuiteDef = {
  name: "elementwise chain (10 ops, 1M f32)",
  reference: `fluxion ${FLUXION_MODE}`,
  check() {
    const data = randomArray(4096, 1);
    const want = chainLoop(data);
    assertClose("elementwise fluxion", maybeJit(chainFluxion)(fx.tensor(data)).data(), want, 1e-5);
    for (const backend of ["cpu", "wasm"] as const) {
      const got = onBackend(backend, () => tf.tidy(() => chainTf(tf.tensor1d(data)).dataSync()));
      assertClose(`elementwise tfjs-${backend}`, got, want, 1e-5);
    }
  },
  cases() {
    const data = randomArray(SIZE, 1);
    const x = fx.tensor(data);
    const chain = maybeJit(chainFluxion);
    const tfCase = (backend: "cpu" | "wasm"): Case => {
      const tx = onBackend(backend, () => tf.tensor1d(data));
      return {
        name: `tfjs-${backend}`,
        fn: () => {
          useBackend(backend);
          const r = chainTf(tx);
          r.dataSync();
          r.dispose();
        },
      };
    };
    const cases: Case[] = [{ name: `fluxion ${FLUXION_MODE}`, fn: () => chain(x) }];
    if (FLUXION_MODE === "jit") cases.push({ name: "fluxion eager", fn: () => chainFluxion(x) });
    cases.push(tfCase("cpu"), tfCase("wasm"), { name: "hand-written loop", fn: () => chainLoop(data) });
    return cases;
  },
};
