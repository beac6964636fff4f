// Program buffers in a shared kernel memory (the Node entry installs worker threads, so the kernel
// memory is a SharedArrayBuffer): products over arena operands split among two threads give the
// reference's bits, outputs are ordinary non-shared arrays, and a growth mid-program leaves the
// old views valid (no re-run needed). The plain-memory cases are in arena.test.ts.

import { afterEach, describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { definePrimitive } from "../../src/prims/primitive.js";
import { bind } from "../../src/trace/context.js";
import { registerKernel } from "../../src/compile/codegen/emitter.js";
import { evalProgram } from "../../src/trace/interpret.js";
import { jit } from "../../src/compile/jit.js";
import { backendSetting, setBackend } from "../../src/compile/wasm/backend.js";
import { wasmSimdAvailable } from "../../src/compile/wasm/feature.js";
import { parallelTuning } from "../../src/compile/wasm/matmul.js";
import { ensureScratch, kernelBuffer, kernelMemory, kernelMemoryShared, memoryGrowths, scratchBase } from "../../src/compile/wasm/memory.js";
import { poolStats, poolTuning } from "../../src/compile/wasm/threads/pool.js";
import { bitDifference } from "../../props/exact.js";

const before = backendSetting();
const savedMinWork = parallelTuning.minWork;
const savedCallerClaims = poolTuning.callerClaims;
afterEach(() => {
  setBackend(before.backend, before.options);
  parallelTuning.minWork = savedMinWork;
  poolTuning.callerClaims = savedCallerClaims;
  hook = null;
});

let hook: (() => void) | null = null;
const saw: boolean[] = [];
let calls = 0;
const probe = definePrimitive({
  name: "test_arena_threads_probe",
  abstractEval: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
  impl: ([x]) => x!.data.slice(),
  vjp: () => [null],
  jvp: () => null,
  lowering: { kind: "kernel", kernel: "test_arena_threads_probe" },
});
registerKernel("test_arena_threads_probe", () => ({
  run: (ins, out) => {
    calls++;
    saw.push(ins[0]!.buffer === kernelBuffer());
    hook?.();
    const x = ins[0]!;
    for (let i = 0; i < out.length; i++) out[i] = x[i]!;
  },
  source: "(test probe)",
  emitter: "test-probe",
}));

const input = (seed: number, n: number) => fx.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.731) * 3));
/** Two products over temps (a probe between them) and an epilogue. */
const f = (x: fx.Tensor, w: fx.Tensor, v: fx.Tensor) => {
  const h = bind(probe as never, [fx.tanh(fx.matmul(x, w))]);
  return fx.maximum(fx.add(fx.matmul(fx.mul(h, 1.5), v), 0.25), 0);
};
const reference = (x: fx.Tensor, w: fx.Tensor, v: fx.Tensor) => evalProgram(fx.trace(f)(x, w, v), [x, w, v], { reference: true })[0]!.data();

const threaded = wasmSimdAvailable() && kernelMemoryShared();

describe("arena operands on two threads", () => {
  (threaded ? it : it.skip)("products over shared-memory temps split among threads give the reference's bits; outputs are not shared", () => {
    setBackend("wasm", { threads: 2 });
    parallelTuning.minWork = 1;
    const x = fx.reshape(input(1, 96 * 80), [96, 80]);
    const w = fx.reshape(input(2, 80 * 72), [80, 72]);
    const v = fx.reshape(input(3, 72 * 40), [72, 40]);
    const jf = jit(f);
    const helped = poolStats().helpedChunks;
    saw.length = 0;
    const want = reference(x, w, v);
    // The workers compute every chunk (the calling thread claims none).
    poolTuning.callerClaims = false;
    const out = jf(x, w, v).data();
    expect(saw.every((s) => s)).toBe(true);
    expect(kernelBuffer()).toBeInstanceOf(SharedArrayBuffer);
    expect(out.buffer).toBeInstanceOf(ArrayBuffer);
    expect(bitDifference(out, want)).toBeNull();
    expect(poolStats().helpedChunks).toBeGreaterThan(helped);
    // A growth in the middle of the run: shared views stay valid, so the step is not run again.
    const scratch = kernelMemory().buffer.byteLength - scratchBase() + 65536;
    hook = () => ensureScratch(scratch);
    const growths = memoryGrowths();
    calls = 0;
    const x2 = fx.reshape(input(4, 96 * 80), [96, 80]);
    expect(bitDifference(jf(x2, w, v).data(), reference(x2, w, v))).toBeNull();
    expect(memoryGrowths()).toBe(growths + 1);
    expect(calls).toBe(1);
  });
});
