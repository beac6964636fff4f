// Benchmark 1: a chain of 10 elementwise ops over 1M float32 values, each implementation
// producing a fresh output array. Measures fusion: jit should run it as one loop.

import { assertClose, type Case, FLUXION_MODE, type SuiteDef, fx, maybeJit, onBackend, randomArray, tf, useBackend } from "./common.js";
import { S } from "../src/scalar/expr.js";
import { renderJsStatements } from "../src/compile/scalar/render-js.js";
import { compileKernelSource } from "../src/compile/codegen/emitter.js";

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

/** A tfjs case on `backend`: `chain` over `data` (uploaded once), read back and disposed. */
function tfjsCase(backend: "cpu" | "wasm", data: Float32Array, chain: (x: tf.Tensor) => tf.Tensor): Case {
  const tx = onBackend(backend, () => tf.tensor1d(data));
  return {
    name: `tfjs-${backend}`,
    fn: () => {
      useBackend(backend);
      const r = chain(tx);
      r.dataSync();
      r.dispose();
    },
  };
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
    const tfCase = (backend: "cpu" | "wasm"): Case => tfjsCase(backend, data, chainTf);
    const cases: Case[] = [{ name: `fluxion ${FLUXION_MODE}`, fn: () => chain(x) }];
    if (FLUXION_MODE === "jit") cases.push({ name: "fluxion eager", fn: () => chainFluxion(x) });
    cases.push(tfCase("cpu"), tfCase("wasm"), { name: "hand-written loop", fn: () => chainLoop(data) });
    return cases;
  },
};

// Benchmark 1b: the transcendental chain of issue 12, tanh(x·a + b)·σ(x) + max(x − 1, 0) over
// 1M float32 values, fused into one loop. "Before" is the same fused kernel with float32 tanh and
// σ written as `Math` calls (what code generation emitted before the inlined approximations),
// rendered and compiled in this run by the same renderer, so the two differ only in the
// transcendentals.

/** The chain's constants a and b (bench/compare.ts writes the chain for other libraries). */
export const CHAIN_A = 1.7;
export const CHAIN_B = -0.3;

/** tanh(x·a + b)·σ(x) + max(x − 1, 0). */
export function transcendentalChain(x: fx.Tensor): fx.Tensor {
  return fx.add(fx.mul(fx.tanh(fx.add(fx.mul(x, CHAIN_A), CHAIN_B)), fx.sigmoid(x)), fx.maximum(fx.sub(x, 1), 0));
}

/** The fused kernel of the chain with float32 tanh and σ as `Math` calls rounded once (the code of before). */
function mathCallKernel(n: number): (ins: readonly Float32Array[], out: Float32Array) => void {
  const x = S.arg(0, "f32");
  const f = (v: number) => S.c(Math.fround(v), "f32");
  const one = S.c(1, "f64");
  const tanh = S.demote(S.libm("tanh", S.promote(S.add(S.mul(x, f(CHAIN_A)), f(CHAIN_B)))));
  const xd = S.promote(x);
  const e = S.libm("exp", xd);
  const sigmoid = S.demote(S.select(S.ge(xd, S.c(0, "f64")), S.div(one, S.add(one, S.libm("exp", S.neg(xd)))), S.div(e, S.add(one, e))));
  const shifted = S.sub(x, f(1));
  const relu = S.select(S.or(S.ge(shifted, f(0)), S.ne(shifted, shifted)), shifted, f(0));
  const root = S.add(S.mul(tanh, sigmoid), relu);
  const source = [
    "return function kernel(ins, out) {",
    "const in0 = ins[0];",
    `for (let i0 = 0; i0 < ${n}; i0++) {`,
    "const t0 = in0[i0];",
    ...renderJsStatements(root, ["t0"], "t1", (k) => `t1_${k}`),
    "out[i0] = t1;",
    "}",
    "};",
  ].join("\n");
  const kernel = compileKernelSource(source);
  return (ins, out) => kernel(ins, out);
}

/** The chain by hand in double precision with `Math` (one loop, one output array). */
export function transcendentalLoop(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    out[i] = Math.tanh(v * CHAIN_A + CHAIN_B) * s + Math.max(v - 1, 0);
  }
  return out;
}

function transcendentalTf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(CHAIN_A).add(CHAIN_B).tanh().mul(x.sigmoid()).add(x.sub(1).maximum(0)));
}

export const transcendentalSuite: SuiteDef = {
  name: "transcendental chain tanh(x·a+b)·σ(x) + max(x−1, 0), 1M f32",
  reference: `fluxion ${FLUXION_MODE}`,
  check() {
    const data = randomArray(4096, 2, 4);
    const want = transcendentalLoop(data);
    assertClose("transcendental fluxion", maybeJit(transcendentalChain)(fx.tensor(data)).data(), want, 1e-5);
    const before = new Float32Array(data.length);
    mathCallKernel(data.length)([data], before);
    assertClose("transcendental fluxion (Math calls)", before, want, 1e-5);
    for (const backend of ["cpu", "wasm"] as const) {
      const got = onBackend(backend, () => tf.tidy(() => transcendentalTf(tf.tensor1d(data)).dataSync()));
      assertClose(`transcendental tfjs-${backend}`, got, want, 1e-5);
    }
  },
  cases() {
    const data = randomArray(SIZE, 2, 4);
    const x = fx.tensor(data);
    const chain = maybeJit(transcendentalChain);
    const before = mathCallKernel(SIZE);
    const tfCase = (backend: "cpu" | "wasm"): Case => tfjsCase(backend, data, transcendentalTf);
    return [
      { name: `fluxion ${FLUXION_MODE}`, fn: () => chain(x) },
      { name: "fluxion jit, Math.tanh/Math.exp (before)", fn: () => before([data], new Float32Array(SIZE)) },
      { name: "hand-written loop (double, Math)", fn: () => transcendentalLoop(data) },
      tfCase("cpu"),
      tfCase("wasm"),
    ];
  },
};
