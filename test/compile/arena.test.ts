// Program buffers in the kernel memory (src/compile/wasm/arena.ts, workspace.ts, executable.ts):
// under the "wasm" backend a compiled program's temps are views of the WebAssembly kernel memory,
// outputs stay ordinary arrays, and growth of the memory in the middle of a run (a kernel asking
// for more scratch than any before it, a nested program allocating its own buffers) re-makes the
// views and gives the same bits. This file imports the host-neutral core only, so the kernel
// memory is a plain (non-shared) one whose growth detaches views: the hard case. The shared case
// (worker threads) is in arena-threads.test.ts.

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { runs } from "../../props/runs.js";
import * as fx from "../../src/core.js";
import type { TypedArray } from "../../src/tensor/dtype.js";
import { definePrimitive } from "../../src/prims/primitive.js";
import { bind } from "../../src/trace/context.js";
import { registerKernel, setCodeGeneration } from "../../src/compile/codegen/emitter.js";
import { evalProgram } from "../../src/trace/interpret.js";
import { compileProgram } from "../../src/compile/pipeline.js";
import { arenaTuning } from "../../src/compile/executable.js";
import { inPlaceCounts } from "../../src/compile/wasm/elementwise-kernel.js";
import { packCounts } from "../../src/compile/wasm/matmul-pack.js";
import { storeCounts } from "../../src/compile/wasm/matmul-store.js";
import { jit } from "../../src/compile/jit.js";
import { DEFAULT_CACHE_LIMITS, clearCaches, setCacheLimits } from "../../src/compile/limits.js";
import { residentWorkspaceBytes } from "../../src/compile/workspace.js";
import { arenaUsage, allocateRegion, freeRegion } from "../../src/compile/wasm/arena.js";
import { backendSetting, setBackend, wasmMatmulPays } from "../../src/compile/wasm/backend.js";
import { wasmSimdAvailable } from "../../src/compile/wasm/feature.js";
import { ensureScratch, kernelBuffer, kernelMemory, kernelMemoryShared, memoryGrowths, scratchBase } from "../../src/compile/wasm/memory.js";
import { bitDifference } from "../../props/exact.js";

const before = backendSetting();
afterEach(() => {
  setBackend(before.backend, before.options);
  setCacheLimits(DEFAULT_CACHE_LIMITS);
  probeHook = null;
});

/** What the probe saw of its operand: whether it was a view of the kernel memory. */
const probeSaw: boolean[] = [];
let probeCalls = 0;
let probeHook: (() => void) | null = null;

/**
 * An identity primitive whose jit kernel records what it sees, calls the hook, then copies element
 * by element (writes to a detached view are silently lost, the case a re-run must catch).
 */
const probe = definePrimitive({
  name: "test_arena_probe",
  abstractEval: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
  impl: ([x]) => x!.data.slice(),
  vjp: () => [null],
  jvp: () => null,
  lowering: { kind: "kernel", kernel: "test_arena_probe" },
});
registerKernel("test_arena_probe", () => ({
  run: (ins, out) => {
    probeCalls++;
    probeSaw.push(ins[0]!.buffer === kernelBuffer());
    probeHook?.();
    const x = ins[0]!;
    for (let i = 0; i < out.length; i++) out[i] = x[i]!;
  },
  source: "(test probe)",
  emitter: "test-probe",
}));

const N = 4096;
const input = (seed: number, n = N) => fx.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.731) * 3));

/** exp → probe → a fused loop → a matmul: temps on both sides of the probe. */
const f = (x: fx.Tensor, w: fx.Tensor) => {
  const h = bind(probe as never, [fx.exp(fx.mul(x, 0.5))]);
  const a = fx.reshape(fx.add(fx.mul(h, 2), 1), [64, 64]);
  return fx.tanh(fx.matmul(a, w));
};

const reference = (x: fx.Tensor, w: fx.Tensor) => evalProgram(fx.trace(f)(x, w), [x, w], { reference: true })[0]!.data();

const wasmIt = wasmSimdAvailable() ? it : it.skip;

describe("program buffers in the kernel memory", () => {
  wasmIt("under wasm the temps are views of the kernel memory, results are the reference's bits, outputs are plain arrays", () => {
    setBackend("wasm");
    expect(kernelMemoryShared()).toBe(false);
    const x = input(1);
    const w = fx.reshape(input(2), [64, 64]);
    const program = compileProgram(fx.trace(f)(x, w));
    probeSaw.length = 0;
    const [out] = program.executable.run([x.data(), w.data()]);
    expect(probeSaw).toEqual([true]);
    expect(bitDifference(out!, reference(x, w))).toBeNull();
    expect(out!.buffer).not.toBe(kernelBuffer());
    expect(out!.buffer).toBeInstanceOf(ArrayBuffer);
    expect(out!.byteOffset).toBe(0);
    program.executable.release();
  });

  wasmIt("WebAssembly loops read and write program buffers in place (and copy with the arena off)", () => {
    setBackend("wasm");
    const x = input(16);
    const w = fx.reshape(input(17), [64, 64]);
    const text = jit(f).explain(x, w);
    expect(text).toContain("wasm-loop-simd");
    const counts = { ...inPlaceCounts };
    expect(bitDifference(jit(f)(x, w).data(), reference(x, w))).toBeNull();
    // Three loops: exp(x·0.5) (operand: the argument), then two over the probe's result, each
    // reading the one before it in place; all three write program buffers in place.
    expect(inPlaceCounts.operands - counts.operands).toBe(2);
    expect(inPlaceCounts.results - counts.results).toBe(3);
    arenaTuning.enabled = false;
    try {
      const again = { ...inPlaceCounts };
      expect(bitDifference(jit(f)(x, w).data(), reference(x, w))).toBeNull();
      expect(inPlaceCounts).toEqual(again);
    } finally {
      arenaTuning.enabled = true;
    }
  });

  wasmIt("without code generation (no WebAssembly kernel runs) the temps are ordinary arrays", () => {
    setBackend("wasm");
    clearCaches();
    setCodeGeneration("off");
    try {
      const x = input(18);
      const w = fx.reshape(input(19), [64, 64]);
      expect(bitDifference(jit(f)(x, w).data(), reference(x, w))).toBeNull();
      expect(residentWorkspaceBytes()).toBeGreaterThan(0);
      expect(arenaUsage().allocated).toBe(0);
    } finally {
      setCodeGeneration("auto");
    }
  });

  it("under js the temps are ordinary arrays", () => {
    setBackend("js");
    const x = input(3);
    const w = fx.reshape(input(4), [64, 64]);
    probeSaw.length = 0;
    const program = compileProgram(fx.trace(f)(x, w));
    const [out] = program.executable.run([x.data(), w.data()]);
    expect(probeSaw).toEqual([false]);
    expect(bitDifference(out!, reference(x, w))).toBeNull();
  });

  wasmIt("a kernel growing the memory mid-program: views are re-made and the step runs again, same bits", () => {
    setBackend("wasm");
    const w = fx.reshape(input(6), [64, 64]);
    const jf = jit(f);
    expect(bitDifference(jf(input(5), w).data(), reference(input(5), w))).toBeNull();
    for (let run = 0; run < 3; run++) {
      // Other values each run: a lost write would leave the last run's values behind.
      const x = input(20 + run);
      const want = reference(x, w);
      // Each run, a kernel in the middle of the program asks for more scratch than any before it.
      const scratch = kernelMemory().buffer.byteLength - scratchBase() + 65536;
      probeHook = () => ensureScratch(scratch);
      const growths = memoryGrowths();
      probeCalls = 0;
      const got = jf(x, w).data();
      expect(memoryGrowths()).toBeGreaterThan(growths);
      expect(bitDifference(got, want)).toBeNull();
      // The growth detached the step's output view: it ran again over the re-made views.
      expect(probeCalls).toBe(2);
    }
  });

  wasmIt("a nested program allocating its buffers mid-step (and a zero budget) never moves the busy workspace", () => {
    setBackend("wasm");
    const x = input(7);
    const w = fx.reshape(input(8), [64, 64]);
    // The inner program's temps alone outgrow the memory as it is: allocating them must grow it.
    const rows = Math.ceil(kernelMemory().buffer.byteLength / 256) + 64;
    const innerF = (v: fx.Tensor, u: fx.Tensor) => fx.sum(fx.matmul(fx.exp(fx.neg(v)), u), { axis: 1 });
    const inner = jit(innerF);
    const big = fx.reshape(input(9, rows * 64), [rows, 64]);
    const u = fx.reshape(input(12, 64 * 8), [64, 8]);
    const innerWant = evalProgram(fx.trace(innerF)(big, u), [big, u], { reference: true })[0]!.data();
    const innerGot: TypedArray[] = [];
    probeHook = () => {
      innerGot.push(inner(big, u).data());
      inner.clearCache();
    };
    const want = reference(x, w);
    setCacheLimits({ workspaceBytes: 0 });
    const jf = jit(f);
    for (let run = 0; run < 3; run++) {
      const growths = memoryGrowths();
      expect(bitDifference(jf(x, w).data(), want)).toBeNull();
      if (run === 0) expect(memoryGrowths()).toBeGreaterThan(growths);
    }
    expect(innerGot.length).toBeGreaterThanOrEqual(3);
    for (const got of innerGot) expect(bitDifference(got, innerWant)).toBeNull();
  });

  wasmIt("a released workspace is allocated again (its region reused) and gives the same bits", () => {
    setBackend("wasm");
    const x = input(10);
    const w = fx.reshape(input(11), [64, 64]);
    const jf = jit(f);
    const want = reference(x, w);
    expect(bitDifference(jf(x, w).data(), want)).toBeNull();
    expect(residentWorkspaceBytes()).toBeGreaterThan(0);
    const extent = arenaUsage().extent;
    clearCaches();
    expect(residentWorkspaceBytes()).toBe(0);
    expect(arenaUsage().allocated).toBe(0);
    expect(bitDifference(jf(x, w).data(), want)).toBeNull();
    expect(arenaUsage().extent).toBeLessThanOrEqual(extent);
    // Two programs under a budget that holds one: each run gives up the other's region.
    const g = jit((v: fx.Tensor) => fx.mul(fx.sin(fx.exp(fx.mul(v, 0.25))), fx.add(v, 1)));
    const gWant = evalProgram(fx.trace((v: fx.Tensor) => fx.mul(fx.sin(fx.exp(fx.mul(v, 0.25))), fx.add(v, 1)))(x), [x], { reference: true })[0]!.data();
    setCacheLimits({ workspaceBytes: 1 });
    for (let run = 0; run < 4; run++) {
      expect(bitDifference(jf(x, w).data(), want)).toBeNull();
      expect(bitDifference(g(x).data(), gWant)).toBeNull();
    }
    expect(arenaUsage().extent).toBeLessThanOrEqual(extent * 2);
  });

  wasmIt("a resident workspace's views are re-made when the memory grew between its runs", () => {
    setBackend("wasm");
    const w = fx.reshape(input(13), [64, 64]);
    const jf = jit(f);
    expect(bitDifference(jf(input(14), w).data(), reference(input(14), w))).toBeNull();
    // Something else (another program's kernel) grows the memory: plain views of it are detached.
    const growths = memoryGrowths();
    ensureScratch(kernelMemory().buffer.byteLength - scratchBase() + 65536);
    expect(memoryGrowths()).toBe(growths + 1);
    expect(bitDifference(jf(input(15), w).data(), reference(input(15), w))).toBeNull();
  });
});

describe("programs over arena buffers ≡ the reference, bit for bit", () => {
  // Random chains of loops and products over temps: loops reading and writing program buffers in
  // place, products packing from them, epilogues, reductions; float32 and float64; odd sizes.
  wasmIt("elementwise → matmul (± transposes, operands packed from the kernel memory) → epilogue → loop → reduction", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 70 }),
          k: fc.integer({ min: 1, max: 70 }),
          n: fc.integer({ min: 1, max: 70 }),
          f64: fc.boolean(),
          ta: fc.boolean(),
          tb: fc.boolean(),
          act: fc.constantFrom("tanh", "relu", "exp", "none"),
          reduce: fc.boolean(),
          wTemp: fc.boolean(),
          bias: fc.constantFrom("none", "argument", "arena"),
          acc32: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ m, k, n, f64, ta, tb, act, reduce, wTemp, bias, acc32, seed }) => {
          // Enough elements that the loops take the WebAssembly kernel.
          const rows = Math.max(m, Math.ceil(1100 / k));
          const dtype = f64 ? "float64" : "float32";
          const make = (size: number, s: number) => {
            const data = f64 ? new Float64Array(size) : new Float32Array(size);
            for (let i = 0; i < size; i++) data[i] = i % 13 === 5 ? [0, -0, 1e-40, 7][(s + i) % 4]! : Math.sin(s * 7.1 + i * 0.37) * 2;
            return fx.tensor(data, { dtype });
          };
          const x = fx.reshape(make(rows * k, seed), ta ? [k, rows] : [rows, k]);
          const w = fx.reshape(make(k * n, seed + 1), tb ? [n, k] : [k, n]);
          const b = make(n, seed + 2);
          const g = (xv: fx.Tensor, wv: fx.Tensor, bv: fx.Tensor) => {
            const a = fx.add(fx.mul(xv, 0.75), 0.125);
            // w·0.5 (exact) makes B a program buffer too, so both operands pack from the kernel memory.
            const wb = wTemp ? fx.mul(wv, 0.5) : wv;
            // bias·0.5 likewise puts the epilogue's extra input in the kernel memory.
            const prod = fx.matmul(ta ? fx.transpose(a) : a, tb ? fx.transpose(wb) : wb);
            const p = bias === "none" ? prod : fx.add(prod, bias === "arena" ? fx.mul(bv, 0.5) : bv);
            const q = act === "tanh" ? fx.tanh(p) : act === "relu" ? fx.maximum(p, 0) : act === "exp" ? fx.exp(fx.mul(p, 0.1)) : p;
            const r = fx.sub(fx.mul(q, q), fx.div(q, 3));
            return reduce ? fx.sum(r, { axis: 1 }) : r;
          };
          setBackend("wasm", { accumulation: acc32 ? "float32" : "float64" });
          const packs = packCounts.inPlace;
          const stores = storeCounts.wasm;
          const got = jit(g)(x, w, b).data();
          if (wasmMatmulPays({ batch: 1, m: rows, k, n, transposeA: ta, transposeB: tb, dtype })) {
            expect(packCounts.inPlace).toBeGreaterThan(packs);
            // float64 tanh and exp are library calls, which only the JS store pass makes.
            if (!(f64 && (act === "tanh" || act === "exp"))) expect(storeCounts.wasm).toBeGreaterThan(stores);
          }
          if (!acc32 || f64) {
            const want = evalProgram(fx.trace(g)(x, w, b), [x, w, b], { reference: true })[0]!.data();
            expect(bitDifference(got, want)).toBeNull();
          } else {
            // float32 sums differ from the reference's within float32 rounding; the packing path
            // must not change a bit: compare with the copying path.
            arenaTuning.enabled = false;
            try {
              expect(bitDifference(got, jit(g)(x, w, b).data())).toBeNull();
            } finally {
              arenaTuning.enabled = true;
            }
          }
        },
      ),
      runs(100),
    );
  });
});

describe("the store pass in WebAssembly", () => {
  wasmIt("batched products: extras broadcast over rows, per batch element and per row, ≡ the reference", () => {
    setBackend("wasm");
    const x = fx.reshape(input(30, 2 * 3 * 20 * 30), [2, 3, 20, 30]);
    const w = fx.reshape(input(31, 2 * 3 * 30 * 40), [2, 3, 30, 40]);
    const perBatch = fx.reshape(input(32, 3 * 40), [3, 1, 40]);
    const perRow = fx.reshape(input(33, 2 * 3 * 20), [2, 3, 20, 1]);
    const g = (a: fx.Tensor, b: fx.Tensor, c: fx.Tensor, d: fx.Tensor) => fx.maximum(fx.sub(fx.add(fx.matmul(fx.mul(a, 0.5), b), c), d), 0);
    const stores = storeCounts.wasm;
    const text = jit(g).explain(x, w, perBatch, perRow);
    expect(text).toContain("(store pass in WebAssembly: the epilogue row by row into the output)");
    const got = jit(g)(x, w, perBatch, perRow).data();
    expect(storeCounts.wasm).toBeGreaterThan(stores);
    const want = evalProgram(fx.trace(g)(x, w, perBatch, perRow), [x, w, perBatch, perRow], { reference: true })[0]!.data();
    expect(bitDifference(got, want)).toBeNull();
  });
});

describe("the arena allocator", () => {
  wasmIt("first fit, merging freed neighbours, and the end given back to scratch", () => {
    clearCaches();
    const start = arenaUsage();
    const a = allocateRegion(100);
    const b = allocateRegion(1000);
    const c = allocateRegion(64);
    expect([b - a, c - b]).toEqual([128, 1024]);
    expect(scratchBase()).toBe(c + 64);
    freeRegion(a, 100);
    freeRegion(b, 1000);
    // a and b merged: a region of 1100 bytes fits where they were.
    const d = allocateRegion(1100);
    expect(d).toBe(a);
    freeRegion(c, 64);
    freeRegion(d, 1100);
    expect(arenaUsage()).toEqual(start);
    expect(scratchBase()).toBe(start.extent);
  });
});
