// The WebAssembly matmul split among worker threads equals the one-thread kernel bit for bit
// (Object.is, NaN/±Inf/−0 included) over random shapes — odd sizes, 1×N, N×1, K = 1, deep K with
// k blocks, several row blocks, batches, both transposes, both accumulations, float32 and
// float64 — with random chunk sizes and thread counts. With `callerClaims` off the workers compute
// every strip, so the property compares strips computed on a worker with strips computed on the
// calling thread, and checks that the workers really computed all of them.

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import "../src/index.js";
import type { MatmulSpec } from "../src/compile/kernels/matmul.js";
import { type Accumulation, compileWasmMatmul, parallelTuning } from "../src/compile/wasm/matmul.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { ensureScratch, kernelMemory, kernelMemoryShared } from "../src/compile/wasm/memory.js";
import { setThreadsOption, threadsOption } from "../src/compile/wasm/threads/count.js";
import { poolStats, poolTuning } from "../src/compile/wasm/threads/pool.js";
import { bitDifference } from "./exact.js";
import { runs } from "./runs.js";

const threaded = wasmSimdAvailable() && kernelMemoryShared();

const dimArb = fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 6, arbitrary: fc.integer({ min: 2, max: 40 }) }, { weight: 2, arbitrary: fc.integer({ min: 41, max: 90 }) });
const depthArb = fc.oneof({ weight: 7, arbitrary: dimArb }, { weight: 2, arbitrary: fc.integer({ min: 200, max: 600 }) }, { weight: 1, arbitrary: fc.integer({ min: 1030, max: 1300 }) });

const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  m: dimArb,
  k: depthArb,
  n: dimArb,
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  dtype: fc.constantFrom<"float32" | "float64">("float32", "float32", "float64"),
  accumulation: fc.constantFrom<Accumulation>("float64", "float32"),
  threads: fc.integer({ min: 2, max: 3 }),
  chunk: fc.integer({ min: 1, max: 8 }),
  callerClaims: fc.boolean(),
  seed: fc.integer(),
});

/** Values in [-2, 2) with ±0, ±Inf, NaN, huge and tiny ones sprinkled in. */
function fill(size: number, seed: number, dtype: "float32" | "float64"): Float32Array | Float64Array {
  const arr = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  const special = [0, -0, Infinity, -Infinity, NaN, 3e38, -1e-45, 1e-30];
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    arr[i] = s % 31 === 0 ? special[(s >>> 8) % special.length]! : (s / 2 ** 31 - 1) * 2;
  }
  return arr;
}

describe.runIf(threaded)("WebAssembly matmul on worker threads", () => {
  const saved = { ...parallelTuning, ...poolTuning, threads: threadsOption() };
  afterEach(() => {
    parallelTuning.minWork = saved.minWork;
    parallelTuning.chunk = saved.chunk;
    poolTuning.callerClaims = saved.callerClaims;
    setThreadsOption(saved.threads);
  });

  it("equals the one-thread kernel bit for bit, whoever computes each strip", () => {
    parallelTuning.minWork = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const spec: MatmulSpec = { batch: c.batch, m: c.m, k: c.k, n: c.n, transposeA: c.transposeA, transposeB: c.transposeB, dtype: c.dtype };
        const made = compileWasmMatmul(spec, undefined, c.accumulation);
        expect(made).not.toBeNull();
        const a = fill(c.batch * c.m * c.k, c.seed, c.dtype);
        const b = fill(c.batch * c.k * c.n, c.seed + 1, c.dtype);
        const one = c.dtype === "float32" ? new Float32Array(c.batch * c.m * c.n) : new Float64Array(c.batch * c.m * c.n);
        const many = one.slice().fill(7);
        // Scratch left over from the previous run would hide a strip nobody computed: poison it.
        const poison = () => {
          ensureScratch(made!.plan.totalBytes);
          new Uint8Array(kernelMemory().buffer, 0, made!.plan.totalBytes).fill(0x7f);
        };
        poison();
        setThreadsOption(1);
        made!.kernel(a, b, one, []);
        poison();
        setThreadsOption(c.threads);
        parallelTuning.chunk = c.chunk;
        poolTuning.callerClaims = c.callerClaims;
        const before = poolStats().helpedChunks;
        made!.kernel(a, b, many, []);
        const helped = poolStats().helpedChunks - before;
        const diff = bitDifference(many, one);
        if (diff !== null) expect.fail(`${diff} (${JSON.stringify(c)})`);
        // Only products of more than one chunk are split; then, with the caller claiming none,
        // the workers computed every chunk of every batch element.
        const strips = made!.plan.mStrips;
        const chunks = strips >= 2 && strips > c.chunk ? c.batch * Math.ceil(strips / c.chunk) : 0;
        if (!c.callerClaims) expect(helped).toBe(chunks);
        else expect(helped).toBeLessThanOrEqual(chunks);
      }),
      runs(100),
    );
  });
});
