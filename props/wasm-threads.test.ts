// The WebAssembly matmul split among worker threads equals the one-thread kernel bit for bit
// (Object.is, NaN/±Inf/−0 included) over random shapes — odd sizes, 1×N, N×1, K = 1, deep K with
// k blocks, several row blocks, batches, both transposes, both accumulations, float32 and
// float64 — split by rows or by columns, with random chunk sizes and thread counts. With
// `callerClaims` off the workers pack and compute everything, so the property compares panels and
// strips made on a worker with those made on the calling thread, and checks that the workers
// really computed every chunk. Through jit, the store pass that runs chunk by chunk while the
// workers compute (bias by column and by row, activations, an update w − lr·g over the output's
// own buffer) gives the one-thread bits, and the reference interpreter's under float64
// accumulation.

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { MatmulSpec } from "../src/compile/kernels/matmul.js";
import * as fx from "../src/index.js";
import { type Accumulation, chooseSplit, compileWasmMatmul, parallelTuning } from "../src/compile/wasm/matmul.js";
import { backendSetting, setBackend, wasmMatmulPays } from "../src/compile/wasm/backend.js";
import { jit } from "../src/compile/jit.js";
import { evalProgram } from "../src/trace/interpret.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { ensureScratch, kernelMemory, kernelMemoryShared, scratchBase } from "../src/compile/wasm/memory.js";
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
  chunk: fc.integer({ min: 0, max: 8 }),
  axis: fc.constantFrom<"auto" | "rows" | "columns">("auto", "rows", "columns"),
  storeColumns: fc.constantFrom(0, 64),
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
    parallelTuning.axis = saved.axis;
    parallelTuning.storeColumns = saved.storeColumns;
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
        // Scratch left over from the previous run (panels, result, staged output) would hide a
        // strip nobody packed, computed or stored: poison it.
        const poison = () => {
          ensureScratch(made!.scratchBytes);
          new Uint8Array(kernelMemory().buffer, scratchBase(), made!.scratchBytes).fill(0x7f);
        };
        poison();
        setThreadsOption(1);
        made!.kernel(a, b, one, []);
        poison();
        setThreadsOption(c.threads);
        parallelTuning.chunk = c.chunk;
        parallelTuning.axis = c.axis;
        parallelTuning.storeColumns = c.storeColumns;
        poolTuning.callerClaims = c.callerClaims;
        const before = poolStats().helpedChunks;
        made!.kernel(a, b, many, []);
        const helped = poolStats().helpedChunks - before;
        const diff = bitDifference(many, one);
        if (diff !== null) expect.fail(`${diff} (${JSON.stringify(c)})`);
        // Only products of more than one chunk are split; then, with the caller claiming none,
        // the workers computed every chunk of every batch element.
        const split = chooseSplit(made!.plan, c.threads);
        const strips = split === null ? 0 : split.axis === 0 ? made!.plan.mStrips : made!.plan.nStrips;
        const chunks = split !== null && strips > split.chunk ? c.batch * Math.ceil(strips / split.chunk) : 0;
        if (c.axis !== "auto" && split !== null) expect(split.axis).toBe(c.axis === "rows" ? 0 : 1);
        if (!c.callerClaims) expect(helped).toBe(chunks);
        else expect(helped).toBeLessThanOrEqual(chunks);
      }),
      runs(100),
    );
  });
});

/** Programs whose products get a fused epilogue: the store pass that runs chunk by chunk. */
const PROGRAMS: [string, (x: fx.Tensor, w: fx.Tensor, row: fx.Tensor, col: fx.Tensor) => fx.Tensor][] = [
  ["relu(x·w + bias by column)", (x, w, _row, col) => fx.maximum(fx.add(fx.matmul(x, w), col), 0)],
  ["x·w + bias by row", (x, w, row) => fx.add(fx.matmul(x, w), row)],
  ["tanh(x·w)·2 − bias", (x, w, _row, col) => fx.sub(fx.mul(fx.tanh(fx.matmul(x, w)), 2), col)],
  ["w − 0.01·(xᵀ·x)·w (an update)", (x, w) => fx.sub(w, fx.mul(fx.matmul(fx.matmul(fx.transpose(x), x), w), 0.01))],
];

const jitCaseArb = fc.record({
  m: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 70 })),
  k: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 300 }), fc.integer({ min: 1030, max: 1100 })),
  n: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 21, max: 90 })),
  program: fc.integer({ min: 0, max: PROGRAMS.length - 1 }),
  accumulation: fc.constantFrom<Accumulation>("float64", "float32"),
  threads: fc.integer({ min: 2, max: 3 }),
  chunk: fc.constantFrom(0, 0, 1, 2, 3),
  axis: fc.constantFrom<"auto" | "rows" | "columns">("auto", "rows", "columns"),
  storeColumns: fc.constantFrom(0, 64),
  callerClaims: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1 << 20 }),
});

const tensorOf = (shape: number[], seed: number) => fx.tensor(fill(shape.reduce((p, d) => p * d, 1), seed, "float32")).reshape(shape);

describe.runIf(threaded)("jitted products with epilogues on worker threads", () => {
  const saved = { ...parallelTuning, ...poolTuning, threads: threadsOption(), backend: backendSetting() };
  afterEach(() => {
    parallelTuning.minWork = saved.minWork;
    parallelTuning.chunk = saved.chunk;
    parallelTuning.axis = saved.axis;
    parallelTuning.storeColumns = saved.storeColumns;
    poolTuning.callerClaims = saved.callerClaims;
    setBackend(saved.backend.backend, saved.backend.options);
    setThreadsOption(saved.threads);
  });

  it("store the one-thread bits chunk by chunk (and the reference's under float64 accumulation)", () => {
    fc.assert(
      fc.property(jitCaseArb, (c) => {
        setBackend("wasm", { accumulation: c.accumulation });
        parallelTuning.minWork = 0;
        const [name, program] = PROGRAMS[c.program]!;
        // The update's w is k×n and is multiplied by xᵀ·x (k×k): x is m×k throughout.
        const w = tensorOf([c.k, c.n], c.seed + 1);
        const args: [fx.Tensor, fx.Tensor, fx.Tensor, fx.Tensor] = [tensorOf([c.m, c.k], c.seed), w, tensorOf([c.m, 1], c.seed + 2), tensorOf([c.n], c.seed + 3)];
        const f = jit(program);
        setThreadsOption(1);
        const one = f(...args).data();
        setThreadsOption(c.threads);
        parallelTuning.chunk = c.chunk;
        parallelTuning.axis = c.axis;
        parallelTuning.storeColumns = c.storeColumns;
        poolTuning.callerClaims = c.callerClaims;
        const before = poolStats().helpedChunks;
        const many = f(...args).data();
        const helped = poolStats().helpedChunks - before;
        const diff = bitDifference(many, one);
        if (diff !== null) expect.fail(`${name}: ${diff} (${JSON.stringify(c)})`);
        if (c.accumulation === "float64") {
          const expected = evalProgram(fx.trace(program)(...args), args, { reference: true })[0]!.data();
          const ref = bitDifference(many, expected);
          if (ref !== null) expect.fail(`${name} vs the reference: ${ref} (${JSON.stringify(c)})`);
        }
        // A WebAssembly product with three strips or more on both axes is split in several chunks.
        const pays = wasmMatmulPays({ batch: 1, m: c.m, k: c.k, n: c.n, transposeA: false, transposeB: false, dtype: "float32" });
        if (!c.callerClaims && c.chunk === 0 && c.program < 3 && pays && c.m >= 9 && c.n >= 17) expect(helped).toBeGreaterThan(0);
      }),
      runs(100),
    );
  });
});
