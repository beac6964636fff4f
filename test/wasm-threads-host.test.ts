// The pool with other thread hosts than Node's (its own file: the pool's module state — workers
// started, a host found unable to start them — lasts for the file's process).
// 1. A host whose caller may not block (a browser's main thread) spins while it waits.
// 2. A host that cannot start a worker leaves every product on the caller, with the same results.

import { afterAll, describe, expect, it } from "vitest";
import "../src/index.js";
import { backendSetting, setBackend } from "../src/compile/wasm/backend.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { compileWasmMatmul } from "../src/compile/wasm/matmul.js";
import { kernelMemoryShared } from "../src/compile/wasm/memory.js";
import { setThreadHost, threadHost } from "../src/compile/wasm/threads/host.js";
import { poolStats, poolTuning } from "../src/compile/wasm/threads/pool.js";
import { nodeThreadHost } from "../src/node/worker-threads.js";

const threaded = wasmSimdAvailable() && kernelMemoryShared();
const before = backendSetting();
const savedHost = threadHost();
afterAll(() => {
  setBackend(before.backend, before.options);
  setThreadHost(savedHost);
  poolTuning.callerClaims = true;
});

/** A 120×200×200 product (above the thread threshold) on `threads` threads and on one: [result, one-thread result]. */
function product(threads: number): [Float32Array, Float32Array] {
  const s = { batch: 1, m: 120, k: 200, n: 200, transposeA: false, transposeB: false, dtype: "float32" as const };
  const made = compileWasmMatmul(s, undefined, "float64")!;
  const a = Float32Array.from({ length: s.m * s.k }, (_, i) => Math.cos(i));
  const b = Float32Array.from({ length: s.k * s.n }, (_, i) => Math.sin(i * 0.7));
  const one = new Float32Array(s.m * s.n);
  const many = new Float32Array(s.m * s.n);
  setBackend("auto", { threads: 1 });
  made.kernel(a, b, one, []);
  setBackend("auto", { threads });
  made.kernel(a, b, many, []);
  return [many, one];
}

describe.runIf(threaded)("thread hosts", () => {
  it("a caller that may not block spins until its workers are done", () => {
    setThreadHost({ ...nodeThreadHost, canBlock: false });
    poolTuning.callerClaims = false;
    const helped = poolStats().helpedChunks;
    const [many, one] = product(2);
    expect(poolStats().helpedChunks).toBeGreaterThan(helped);
    expect(Array.from(many).every((v, i) => Object.is(v, one[i]))).toBe(true);
    poolTuning.callerClaims = true;
  });

  it("a host that cannot start a worker leaves the products on the caller", () => {
    setThreadHost({
      ...nodeThreadHost,
      spawn: () => {
        throw new Error("no workers here");
      },
    });
    const workers = poolStats().workers;
    const helped = poolStats().helpedChunks;
    // Three threads need a second worker: starting it fails, and stays failed.
    for (let i = 0; i < 2; i++) {
      const [many, one] = product(3);
      expect(Array.from(many).every((v, j) => Object.is(v, one[j]))).toBe(true);
    }
    expect(poolStats().workers).toBe(workers);
    expect(poolStats().helpedChunks).toBe(helped);
  });
});
