// The WebAssembly SIMD matmul against independent oracles, over odd sizes, 1×N, N×1, K = 1,
// large K, batches, both transposes, float32 and float64, and epilogues:
// - "float64" accumulation equals the JS kernel bit for bit (Object.is), corner values included;
// - "float32" accumulation is within the float32 summation bound of an exact float64 sum:
//   |got − Σ a·b| ≤ (k + 2)·2⁻²⁴·Σ|a·b| (+ the output's own rounding);
// - through jit, with bias/activation epilogues and gradients (whose matmuls are transposed):
//   bit for bit with the reference interpreter in "float64", within the bound in "float32";
//   the kernels really are WebAssembly wherever the backend takes the shape.

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { DEFAULT_TILING, type MatmulEpilogue, type MatmulSpec, compileMatmul } from "../src/compile/kernels/matmul.js";
import { type Accumulation, compileWasmMatmul } from "../src/compile/wasm/matmul.js";
import { backendSetting, setBackend, wasmMatmulPays } from "../src/compile/wasm/backend.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { jit } from "../src/compile/jit.js";
import { evalProgram } from "../src/trace/interpret.js";
import { bitDifference } from "./exact.js";
import { runs } from "./runs.js";

const RUNS = runs(100);
const simd = wasmSimdAvailable();

/** A size: mostly small and odd, sometimes 1, sometimes past a tile or a cache block. */
const dimArb = fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 23 }) }, { weight: 2, arbitrary: fc.integer({ min: 24, max: 70 }) });
/** K additionally reaches "large" (hundreds). */
const depthArb = fc.oneof({ weight: 8, arbitrary: dimArb }, { weight: 2, arbitrary: fc.integer({ min: 200, max: 700 }) });

const specArb = (dtypes: readonly ("float32" | "float64")[]) =>
  fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    m: dimArb,
    k: depthArb,
    n: dimArb,
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    dtype: fc.constantFrom(...dtypes),
  });

/** Values: mostly finite in [-2, 2); with `corners`, also ±0, ±Inf, NaN, huge and tiny. */
function fill(size: number, seed: number, dtype: "float32" | "float64", corners: boolean): Float32Array | Float64Array {
  const arr = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  const special = [0, -0, Infinity, -Infinity, NaN, 3e38, -1e-45, 1e-30];
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    arr[i] = corners && s % 29 === 0 ? special[(s >>> 8) % special.length]! : (s / 2 ** 31 - 1) * 2;
  }
  return arr;
}

/** Logical element (i, p) of op(A) and (p, j) of op(B) for a spec's layouts. */
const aAt = (s: MatmulSpec, a: ArrayLike<number>, t: number, i: number, p: number) => a[t * s.m * s.k + (s.transposeA ? p * s.m + i : i * s.k + p)]!;
const bAt = (s: MatmulSpec, b: ArrayLike<number>, t: number, p: number, j: number) => b[t * s.k * s.n + (s.transposeB ? j * s.k + p : p * s.n + j)]!;

/** Σ a·b exactly enough (float64, k order) and Σ|a·b|, per output. */
function oracle(s: MatmulSpec, a: ArrayLike<number>, b: ArrayLike<number>): { sum: Float64Array; abs: Float64Array } {
  const sum = new Float64Array(s.batch * s.m * s.n);
  const abs = new Float64Array(sum.length);
  for (let t = 0; t < s.batch; t++) for (let i = 0; i < s.m; i++) for (let j = 0; j < s.n; j++) {
    let x = 0;
    let y = 0;
    for (let p = 0; p < s.k; p++) {
      const v = aAt(s, a, t, i, p) * bAt(s, b, t, p, j);
      x += v;
      y += Math.abs(v);
    }
    sum[(t * s.m + i) * s.n + j] = x;
    abs[(t * s.m + i) * s.n + j] = y;
  }
  return { sum, abs };
}

const ULP = 2 ** -24;

function withinBound(got: ArrayLike<number>, s: MatmulSpec, a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  const { sum, abs } = oracle(s, a, b);
  for (let o = 0; o < sum.length; o++) {
    const bound = (s.k + 2) * ULP * abs[o]! + ULP * Math.abs(sum[o]!) + 1e-44;
    if (!(Math.abs(got[o]! - sum[o]!) <= bound)) return `element ${o}: ${got[o]} vs exact ${sum[o]} (bound ${bound}), spec ${JSON.stringify(s)}`;
  }
  return null;
}

function runWasm(spec: MatmulSpec, acc: Accumulation, a: Float32Array | Float64Array, b: Float32Array | Float64Array, epilogue?: MatmulEpilogue, extras: (Float32Array | Float64Array)[] = []) {
  const made = compileWasmMatmul(spec, epilogue, acc);
  expect(made).not.toBeNull();
  const out = spec.dtype === "float32" ? new Float32Array(spec.batch * spec.m * spec.n) : new Float64Array(spec.batch * spec.m * spec.n);
  out.fill(NaN); // an element the kernel forgets shows up
  made!.kernel(a, b, out, extras);
  return out;
}

function runJs(spec: MatmulSpec, a: Float32Array | Float64Array, b: Float32Array | Float64Array, epilogue?: MatmulEpilogue, extras: (Float32Array | Float64Array)[] = []) {
  const out = spec.dtype === "float32" ? new Float32Array(spec.batch * spec.m * spec.n) : new Float64Array(spec.batch * spec.m * spec.n);
  compileMatmul(spec, epilogue, DEFAULT_TILING)(a, b, out, extras);
  return out;
}

describe.runIf(simd)("WebAssembly matmul kernel", () => {
  it("float64 accumulation ≡ the JS kernel bit for bit (odd sizes, 1×N, N×1, K = 1, large K, transposes, corner values)", () => {
    fc.assert(
      fc.property(specArb(["float32", "float64"]), fc.integer(), fc.boolean(), (spec, seed, corners) => {
        const a = fill(spec.batch * spec.m * spec.k, seed, spec.dtype, corners);
        const b = fill(spec.batch * spec.k * spec.n, seed ^ 0x5bd1e995, spec.dtype, corners);
        const diff = bitDifference(runWasm(spec, "float64", a, b), runJs(spec, a, b));
        if (diff !== null) expect.fail(`${diff}\n${JSON.stringify(spec)}`);
      }),
      RUNS,
    );
  });

  it("every tiling (tile shape, row blocks, k blocks, unroll) gives the same bits in float64 accumulation", () => {
    const tilingArb = fc.record({
      mr: fc.integer({ min: 1, max: 6 }),
      nv: fc.integer({ min: 1, max: 3 }),
      mcStrips: fc.integer({ min: 1, max: 4 }),
      unroll: fc.integer({ min: 1, max: 3 }),
      kc: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(specArb(["float32", "float64"]), tilingArb, fc.integer(), (spec, tiling, seed) => {
        const a = fill(spec.batch * spec.m * spec.k, seed, spec.dtype, true);
        const b = fill(spec.batch * spec.k * spec.n, seed ^ 0x68e31da4, spec.dtype, true);
        const made = compileWasmMatmul(spec, undefined, "float64", tiling)!;
        const out = new (spec.dtype === "float32" ? Float32Array : Float64Array)(spec.batch * spec.m * spec.n).fill(NaN);
        made.kernel(a, b, out, []);
        const diff = bitDifference(out, runJs(spec, a, b));
        if (diff !== null) expect.fail(`${diff}\n${JSON.stringify(spec)} ${JSON.stringify(tiling)}`);
      }),
      RUNS,
    );
  });

  it("float32 accumulation is within the float32 summation bound of the exact sum", () => {
    fc.assert(
      fc.property(specArb(["float32"]), fc.integer(), (spec, seed) => {
        const a = fill(spec.batch * spec.m * spec.k, seed, "float32", false);
        const b = fill(spec.batch * spec.k * spec.n, seed ^ 0x27d4eb2d, "float32", false);
        const why = withinBound(runWasm(spec, "float32", a, b), spec, a, b);
        if (why !== null) expect.fail(why);
      }),
      RUNS,
    );
  });

  it("an epilogue (bias by column, scale by row, an extra aliasing the output) is applied to every element, in both accumulations", () => {
    // out = max(acc · rowScale[i] + bias[j] + out_old[o], 0): reads three kinds of index.
    const epilogue: MatmulEpilogue = {
      extraInputs: 3,
      expr: (acc, idx, [bias, scale, old]) => `Math.max(${acc} * ${scale}[${idx.i}] + ${bias}[${idx.j}] + ${old}[${idx.o}], 0)`,
    };
    fc.assert(
      fc.property(specArb(["float32", "float64"]), fc.integer(), fc.constantFrom<Accumulation>("float64", "float32"), (spec, seed, acc) => {
        const a = fill(spec.batch * spec.m * spec.k, seed, spec.dtype, false);
        const b = fill(spec.batch * spec.k * spec.n, seed + 1, spec.dtype, false);
        const bias = fill(spec.n, seed + 2, spec.dtype, false);
        const scale = fill(spec.m, seed + 3, spec.dtype, false);
        const old = fill(spec.batch * spec.m * spec.n, seed + 4, spec.dtype, false);
        // The output buffer is the aliased extra: the kernel must read old[o] before writing out[o].
        const made = compileWasmMatmul(spec, epilogue, acc)!;
        const out = old.slice();
        made.kernel(a, b, out, [bias, scale, out]);
        const expected = runJs(spec, a, b, epilogue, [bias, scale, old.slice()]);
        if (acc === "float64" || spec.dtype === "float64") {
          const diff = bitDifference(out, expected);
          if (diff !== null) expect.fail(`${diff}\n${JSON.stringify(spec)}`);
        } else {
          const { abs } = oracle(spec, a, b);
          for (let o = 0; o < out.length; o++) {
            const i = Math.floor(o / spec.n) % spec.m;
            const bound = ((spec.k + 2) * ULP * abs[o]! + 1e-30) * Math.abs(scale[i]!) * 1.01 + 4 * ULP * Math.abs(expected[o]!) + 1e-30;
            if (!(Math.abs(out[o]! - expected[o]!) <= bound)) expect.fail(`element ${o}: ${out[o]} vs ${expected[o]} (bound ${bound}) ${JSON.stringify(spec)}`);
          }
        }
      }),
      RUNS,
    );
  });
});

/** Epilogues the fusion pass writes into a matmul's output loop. */
const EPILOGUES: [string, (y: fx.Tensor, bias: fx.Tensor) => fx.Tensor][] = [
  ["none", (y) => y],
  ["bias", (y, b) => fx.add(y, b)],
  ["relu(y + b)", (y, b) => fx.maximum(fx.add(y, b), 0)],
  ["tanh(y + b)", (y, b) => fx.tanh(fx.add(y, b))],
  ["sigmoid(y)·y (y read twice)", (y) => fx.mul(fx.div(1, fx.add(1, fx.exp(fx.neg(y)))), y)],
  ["y·2 − b", (y, b) => fx.sub(fx.mul(y, 2), b)],
];

const jitCaseArb = fc.record({
  m: dimArb,
  k: depthArb,
  n: dimArb,
  epilogue: fc.integer({ min: 0, max: EPILOGUES.length - 1 }),
  transposeX: fc.boolean(),
  seed: fc.integer(),
  dtype: fc.constantFrom<"float32" | "float64">("float32", "float32", "float64"),
});

function tensorOf(shape: number[], seed: number, dtype: "float32" | "float64"): fx.Tensor {
  return fx.tensor(fill(shape.reduce((p, d) => p * d, 1), seed, dtype, false), { dtype }).reshape(shape);
}

describe.runIf(simd)("jit on the WebAssembly backend", () => {
  const before = backendSetting();
  afterAll(() => setBackend(before.backend, before.options));

  for (const accumulation of ["float64", "float32"] as const) {
    it(`matmul + epilogue and its gradients vs the reference interpreter (${accumulation} accumulation)`, () => {
      setBackend("wasm", { accumulation });
      fc.assert(
        fc.property(jitCaseArb, ({ m, k, n, epilogue, transposeX, seed, dtype }) => {
          const [, epi] = EPILOGUES[epilogue]!;
          const x = tensorOf(transposeX ? [k, m] : [m, k], seed, dtype);
          const w = tensorOf([k, n], seed + 1, dtype);
          const b = tensorOf([n], seed + 2, dtype);
          const f = (xx: fx.Tensor, ww: fx.Tensor, bb: fx.Tensor) => epi(fx.matmul(transposeX ? fx.transpose(xx) : xx, ww), bb);
          // The gradient's matmuls are transposed products of the forward operands.
          const loss = (xx: fx.Tensor, ww: fx.Tensor, bb: fx.Tensor) => fx.sum(f(xx, ww, bb));
          const g = fx.grad(loss, { argnums: [0, 1] });
          const programs: [string, (...a: fx.Tensor[]) => fx.Tensor | fx.Tensor[]][] = [
            ["forward", f],
            ["grad", g as (...a: fx.Tensor[]) => fx.Tensor[]],
          ];
          for (const [what, fn] of programs) {
            const traced = fx.trace(fn)(x, w, b);
            const expected = evalProgram(traced, [x, w, b], { reference: true });
            const got = ([] as fx.Tensor[]).concat(jit(fn)(x, w, b) as fx.Tensor | fx.Tensor[]);
            expect(got.length).toBe(expected.length);
            got.forEach((t, r) => {
              const e = expected[r]!;
              const exact = accumulation === "float64" || dtype === "float64";
              if (exact) {
                const diff = bitDifference(t.data(), e.data());
                if (diff !== null) expect.fail(`${what} result ${r}: ${diff} (m ${m}, k ${k}, n ${n}, ${EPILOGUES[epilogue]![0]}, ${dtype})`);
              } else {
                // Relative to the output's scale: sums of k products of values in [-2, 2).
                const tol = (k + 2) * ULP * 4 * Math.max(1, k) + 1e-6;
                const gd = t.data();
                const ed = e.data();
                for (let i = 0; i < gd.length; i++) {
                  const close = Object.is(gd[i], ed[i]) || Math.abs(gd[i]! - ed[i]!) <= tol * Math.max(1, Math.abs(ed[i]!));
                  if (!close) expect.fail(`${what} result ${r} element ${i}: ${gd[i]} vs ${ed[i]} (m ${m}, k ${k}, n ${n}, ${EPILOGUES[epilogue]![0]})`);
                }
              }
            });
          }
          // The forward product runs on WebAssembly whenever the backend takes its shape.
          const spec = { batch: 1, m, k, n, transposeA: transposeX, transposeB: false, dtype };
          const text = jit(f).explain(x, w, b);
          expect(text.includes("(wasm-matmul-")).toBe(wasmMatmulPays(spec));
        }),
        runs(100),
      );
    });
  }
});
