// jit's WebAssembly reduction kernel (src/compile/wasm/reduce-kernel.ts): which reductions it
// takes under the "wasm" backend (by columns from WASM_REDUCE_MIN_SIZE elements; by rows from
// WASM_REDUCE_ROWS_MIN_SIZE elements and WASM_REDUCE_MIN_ROWS outputs), which stay on the JS
// kernel (smaller ones, full sums, float64 transcendental prologues, setBackend("js")), and that
// the two give the same bits. props/wasm-reduce.test.ts checks the values over random cases.

import { afterEach, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { jit } from "../src/compile/jit.js";
import { codeGenerationAvailable } from "../src/compile/codegen/emitter.js";
import { backendSetting, setBackend } from "../src/compile/wasm/backend.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { WASM_REDUCE_MIN_ROWS, WASM_REDUCE_MIN_SIZE, WASM_REDUCE_ROWS_MIN_SIZE, wasmReducePays } from "../src/compile/wasm/reduce-kernel.js";
import { bitDifference } from "../props/exact.js";

const before = backendSetting();
afterEach(() => setBackend(before.backend, before.options));

/** Deterministic values in [−5, 5) with −0, NaN and ±Inf spread through. */
function values(shape: number[], dtype: "float32" | "float64" = "float32"): fx.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = i % 97 === 5 ? [-0, NaN, Infinity, -Infinity][i % 4]! : (s / 2 ** 32) * 10 - 5;
  }
  return fx.tensor(data, { dtype }).reshape(shape);
}

type Fn = (x: fx.Tensor) => fx.Tensor;

/** The emitters of the program's reduce kernels, in order. */
function reduceEmitters(f: Fn, x: fx.Tensor): string[] {
  return [...jit(f).explain(x).matchAll(/kernel \d+: reduce → \S+ \(([^)]+)\)/g)].map((m) => m[1]!);
}

/** Runs f under "js" and "wasm": the emitters of its reductions under "wasm", after checking both give the same bits. */
function wasmEmitters(f: Fn, x: fx.Tensor): string[] {
  setBackend("js");
  expect(reduceEmitters(f, x).every((e) => e === "js-reduce")).toBe(true);
  const js = jit(f)(x).data();
  setBackend("wasm");
  const wasm = jit(f)(x).data();
  expect(bitDifference(wasm, js)).toBeNull();
  return reduceEmitters(f, x);
}

describe.runIf(wasmSimdAvailable() && codeGenerationAvailable())("jit's reductions on the WebAssembly backend", () => {
  it("a bias gradient (sum over the batch) runs by columns; setBackend('js') keeps the JS kernel", () => {
    expect(wasmEmitters((g) => fx.sum(g, { axis: 0 }), values([128, 256]))).toEqual(["wasm-reduce-simd"]);
  });

  it("a mean and a log-sum-exp over the last axis run by rows, with their prologue and epilogue fused", () => {
    expect(wasmEmitters((x) => fx.mean(x, { axis: -1 }), values([128, 256]))).toEqual(["wasm-reduce-rows"]);
    const lse = (x: fx.Tensor) => fx.log(fx.sum(fx.exp(fx.sub(x, 1)), { axis: -1 }));
    expect(wasmEmitters(lse, values([512, 10]))).toEqual(["wasm-reduce-rows"]);
    expect(jit(lse).explain(values([512, 10]))).toMatch(/prologue:\n[^]*pow2\(/); // float32 exp, fused
  });

  it("below the thresholds, full sums, and float64 transcendental prologues stay on the JS kernel", () => {
    expect(wasmEmitters((x) => fx.sum(x, { axis: 0 }), values([WASM_REDUCE_MIN_SIZE / 16 - 1, 16]))).toEqual(["js-reduce"]);
    expect(wasmEmitters((x) => fx.sum(x, { axis: 0 }), values([WASM_REDUCE_MIN_SIZE / 16, 16]))).toEqual(["wasm-reduce-simd"]);
    expect(wasmEmitters((x) => fx.sum(x, { axis: 1 }), values([16, WASM_REDUCE_ROWS_MIN_SIZE / 16 - 1]))).toEqual(["js-reduce"]);
    expect(wasmEmitters((x) => fx.sum(x, { axis: 1 }), values([WASM_REDUCE_MIN_ROWS - 1, 4096]))).toEqual(["js-reduce"]);
    expect(wasmEmitters((x) => fx.sum(x), values([1 << 16]))).toEqual(["js-reduce"]);
    expect(wasmEmitters((x) => fx.sum(fx.exp(x), { axis: 0 }), values([64, 64], "float64"))).toEqual(["js-reduce"]);
    expect(wasmReducePays([1 << 16], [0])).toBe(false);
  });

  it("accumulation 'float32' (a contraction option) leaves reductions on double accumulators: the same bits", () => {
    const f = (x: fx.Tensor) => fx.sum(fx.mul(x, x), { axis: 0 });
    const x = values([512, 64]);
    setBackend("js");
    const js = jit(f)(x).data();
    setBackend("wasm", { accumulation: "float32" });
    expect(reduceEmitters(f, x)).toEqual(["wasm-reduce-simd"]);
    expect(bitDifference(jit(f)(x).data(), js)).toBeNull();
  });

  it("max keeps the first of equal zeros and lets NaN win, as the reference", () => {
    const x = fx.tensor(Float32Array.from({ length: 4096 }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : -1))).reshape([256, 16]);
    setBackend("wasm");
    expect(reduceEmitters((x) => fx.max(x, { axis: 0 }), x)).toEqual(["wasm-reduce-simd"]);
    const got = Array.from(jit((x: fx.Tensor) => fx.max(x, { axis: 0 }))(x).data());
    // Every column holds −0, +0 and −1; its maximum is whichever zero comes first in it (wasm's f64x2.max would give +0).
    const want = Array.from({ length: 16 }, (_, j) => {
      const col = Array.from({ length: 256 }, (_, r) => [-0, 0, -1][(r * 16 + j) % 3]!);
      return col.reduce((a, v) => (v > a ? v : a), -Infinity);
    });
    expect(got.map((v) => Object.is(v, -0))).toEqual(want.map((v) => Object.is(v, -0)));
    expect(got.every((v) => v === 0)).toBe(true);
    const withNaN = fx.tensor(Float32Array.from({ length: 4096 }, (_, i) => (i === 17 ? NaN : i))).reshape([256, 16]);
    expect(Array.from(jit((x: fx.Tensor) => fx.max(x, { axis: 0 }))(withNaN).data()).map(Number.isNaN)).toEqual(Array.from({ length: 16 }, (_, j) => j === 1));
  });
});
