// Worker threads for the WebAssembly matmul: the `threads` option and FLUXION_THREADS, the thread
// host injection, the shared kernel memory and its import declaration, the pool's behaviour
// (workers really compute, a trapping worker, a process that exits by itself). Bit-identity over
// random shapes is the property in props/wasm-threads.test.ts.

import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import "../src/index.js";
import { ValueError } from "../src/errors.js";
import { backendSetting, setBackend } from "../src/compile/wasm/backend.js";
import { FunctionBody, WasmEncodeError } from "../src/compile/wasm/encoder.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { compileWasmMatmul, parallelTuning, wasmMatmulFunctions } from "../src/compile/wasm/matmul.js";
import { kernelImports, kernelMemory, kernelMemoryLimits, kernelMemoryShared } from "../src/compile/wasm/memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "../src/compile/wasm/module.js";
import { webAssembly } from "../src/compile/wasm/api.js";
import { threadCount } from "../src/compile/wasm/threads/count.js";
import { type ThreadHost, setThreadHost, threadHost } from "../src/compile/wasm/threads/host.js";
import { poolStats, poolTuning, runSplit } from "../src/compile/wasm/threads/pool.js";
import { nodeThreadHost } from "../src/node/worker-threads.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const threaded = wasmSimdAvailable() && kernelMemoryShared();
const spec = (m: number, k: number, n: number) => ({ batch: 1, m, k, n, transposeA: false, transposeB: false, dtype: "float32" as const });
const random = (size: number, seed: number) => Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 1000 + i * 0.37));

const before = backendSetting();
const savedHost = threadHost();
const savedTuning = { ...parallelTuning, ...poolTuning };
afterEach(() => {
  setBackend(before.backend, before.options);
  setThreadHost(savedHost);
  parallelTuning.minWork = savedTuning.minWork;
  parallelTuning.chunk = savedTuning.chunk;
  parallelTuning.axis = savedTuning.axis;
  poolTuning.callerClaims = savedTuning.callerClaims;
  poolTuning.keptKernels = savedTuning.keptKernels;
  poolTuning.helperTimeoutMs = savedTuning.helperTimeoutMs;
});

/** A host that starts nothing, for the thread-count rules. */
function fakeHost(concurrency: number, setting?: string): ThreadHost {
  return {
    concurrency,
    canBlock: true,
    spawn: () => {
      throw new Error("fake host: spawn");
    },
    threadsSetting: () => setting,
  };
}

describe("thread count", () => {
  it("setBackend validates `threads`; the message names setBackend and the value", () => {
    for (const bad of [0, -1, 2.5, 65, NaN, Infinity]) {
      expect(() => setBackend("auto", { threads: bad })).toThrow(ValueError);
      expect(() => setBackend("auto", { threads: bad })).toThrow(`setBackend: threads must be a whole number from 1 to 64, got ${String(bad)}`);
    }
    expect(() => setBackend("auto", { threads: "2" as never })).toThrow('setBackend: threads must be a whole number from 1 to 64, got "2"');
    expect(() => setBackend("auto", { thread: 2 } as never)).toThrow('setBackend: unknown option "thread" (expected "accumulation", "threads" or "transcendentals")');
    setBackend("auto", { threads: 3, accumulation: "float32" });
    expect(backendSetting().options).toEqual({ accumulation: "float32", threads: 3, transcendentals: "float64" });
    setBackend("auto");
    expect(backendSetting().options).toEqual({ accumulation: "float64", threads: undefined, transcendentals: "float64" });
  });

  it.runIf(kernelMemoryShared())("the option, else FLUXION_THREADS, else min(concurrency, 4); one without a host", () => {
    setThreadHost(fakeHost(8));
    expect(threadCount()).toBe(4);
    setThreadHost(fakeHost(2));
    expect(threadCount()).toBe(2);
    setThreadHost(fakeHost(1));
    expect(threadCount()).toBe(1);
    setThreadHost(fakeHost(8, "3"));
    expect(threadCount()).toBe(3);
    setThreadHost(fakeHost(8, " 1 "));
    expect(threadCount()).toBe(1);
    setThreadHost(fakeHost(8, ""));
    expect(threadCount()).toBe(4);
    setBackend("auto", { threads: 2 });
    setThreadHost(fakeHost(8, "3"));
    expect(threadCount()).toBe(2);
    setBackend("auto");
    for (const bad of ["0", "two", "2.5", "-1", "100"]) {
      setThreadHost(fakeHost(8, bad));
      expect(() => threadCount()).toThrow(ValueError);
      expect(() => threadCount()).toThrow(`FLUXION_THREADS: expected a whole number from 1 to 64, got ${JSON.stringify(bad)}`);
    }
    setThreadHost(null);
    setBackend("auto", { threads: 4 });
    expect(threadCount()).toBe(1);
  });

  it("the Node host reads FLUXION_THREADS from the environment", () => {
    const saved = process.env["FLUXION_THREADS"];
    try {
      process.env["FLUXION_THREADS"] = "3";
      expect(nodeThreadHost.threadsSetting?.()).toBe("3");
      delete process.env["FLUXION_THREADS"];
      expect(nodeThreadHost.threadsSetting?.()).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env["FLUXION_THREADS"];
      else process.env["FLUXION_THREADS"] = saved;
    }
    expect(nodeThreadHost.concurrency).toBeGreaterThanOrEqual(1);
  });
});

describe("the kernel memory's import declaration", () => {
  const body = () => new FunctionBody([], []);

  it("a shared import is encoded with limits flag 3 and a maximum, and links only with a shared memory", () => {
    const bytes = new ModuleBuilder().importMemory("env", "memory", { initial: 1, maximum: 2, shared: true }).build();
    // import section entry: "env" "memory" kind 2 (memory), flags 3, initial 1, maximum 2
    const tail = [3, 0x65, 0x6e, 0x76, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03, 0x01, 0x02];
    expect(Array.from(bytes).join(",")).toContain(tail.join(","));
    expect(() => new ModuleBuilder().importMemory("env", "memory", { initial: 1, shared: true }).build()).toThrow(WasmEncodeError);
    if (typeof SharedArrayBuffer !== "function") return;
    const api = webAssembly()!;
    const m = new ModuleBuilder().importMemory("env", "memory", { initial: 1, maximum: 2, shared: true });
    m.addFunction(body(), "f");
    const module = compileModule(m.build());
    expect(() => instantiateModule(module, { env: { memory: new api.Memory({ initial: 1, maximum: 2, shared: true }) } })).not.toThrow();
    expect(() => instantiateModule(module, { env: { memory: new api.Memory({ initial: 1, maximum: 2 }) } })).toThrow();
  });

  it("every module instantiated with kernelImports() declares its memory import with kernelMemoryLimits()", () => {
    // A module declaring the import unshared fails to link with the shared kernel memory; kernels
    // that catch an engine's refusal would then silently stay on JavaScript.
    const dir = join(root, "src/compile/wasm");
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && f !== "memory.ts")
      .filter((f) => {
        const text = readFileSync(join(dir, f), "utf8");
        return text.includes("kernelImports()") && text.includes(".importMemory(") && !text.includes("kernelMemoryLimits()");
      });
    expect(offenders).toEqual([]);
  });

  it.runIf(wasmSimdAvailable())("kernelMemoryLimits() declares what kernelMemory() is, so modules link with kernelImports()", () => {
    const limits = kernelMemoryLimits();
    expect(limits.shared).toBe(kernelMemoryShared());
    expect(kernelMemory().buffer instanceof SharedArrayBuffer).toBe(kernelMemoryShared());
    // Node installs the worker_threads host, so here the memory is shared.
    expect(kernelMemoryShared()).toBe(typeof SharedArrayBuffer === "function");
    const m = new ModuleBuilder().importMemory("env", "memory", limits);
    m.addFunction(body(), "f");
    expect(() => instantiateModule(compileModule(m.build()), kernelImports())).not.toThrow();
  });
});

describe.runIf(threaded)("the pool", () => {
  it("setBackend's threads decides: 1 keeps a large product on the caller, 2 splits it, with the same bits", () => {
    const s = spec(100, 300, 150); // 4.5M multiply-adds: above the threshold
    expect(s.m * s.k * s.n).toBeGreaterThanOrEqual(parallelTuning.minWork);
    const made = compileWasmMatmul(s, undefined, "float32")!;
    const a = random(s.m * s.k, 1);
    const b = random(s.k * s.n, 2);
    const one = new Float32Array(s.m * s.n);
    const two = new Float32Array(s.m * s.n);
    poolTuning.callerClaims = false;
    setBackend("auto", { threads: 1 });
    let helped = poolStats().helpedChunks;
    made.kernel(a, b, one, []);
    expect(poolStats().helpedChunks).toBe(helped);
    setBackend("auto", { threads: 2 });
    made.kernel(a, b, two, []);
    expect(poolStats().helpedChunks).toBeGreaterThan(helped);
    expect(poolStats().workers).toBeGreaterThanOrEqual(1);
    expect(Array.from(two).every((v, i) => Object.is(v, one[i]))).toBe(true);
    // Below the threshold the caller works alone, whatever `threads` says.
    helped = poolStats().helpedChunks;
    const small = spec(40, 40, 40);
    const smallKernel = compileWasmMatmul(small, undefined, "float32")!;
    smallKernel.kernel(random(1600, 3), random(1600, 4), new Float32Array(1600), []);
    expect(poolStats().helpedChunks).toBe(helped);
  });

  it("a kernel that traps on a worker is redone on the caller, which throws the trap; the pool keeps working", () => {
    const s = spec(64, 16, 16);
    const made = compileWasmMatmul(s, undefined, "float32")!;
    const functions = wasmMatmulFunctions(made.plan);
    poolTuning.callerClaims = false;
    // C past the end of the memory: every chunk's stores trap (both split axes).
    const { offsetA: pa, offsetB: pb, mStrips, nStrips } = made.plan;
    for (const axis of [0, 1] as const) {
      const job = { axis, srcA: pa, srcB: pb, pa, pb, pc: 0x7fff_fff0, mStrips, nStrips, chunk: 1, packChunk: 1 };
      expect(() => runSplit(functions, kernelMemory(), 2, job)).toThrow(/out of bounds/);
      // The operand every chunk reads past the end: the packing phase traps on the workers.
      const shared = axis === 0 ? { srcB: 0x7fff_fff0 } : { srcA: 0x7fff_fff0 };
      const helped = poolStats().helpedChunks;
      expect(() => runSplit(functions, kernelMemory(), 2, { ...job, pc: pb + 4096, ...shared })).toThrow(/out of bounds/);
      expect(poolStats().helpedChunks).toBe(helped);
    }
    setBackend("auto", { threads: 2 });
    parallelTuning.minWork = 0;
    const a = random(s.m * s.k, 5);
    const b = random(s.k * s.n, 6);
    const out = new Float32Array(s.m * s.n);
    const helped = poolStats().helpedChunks;
    made.kernel(a, b, out, []);
    expect(poolStats().helpedChunks).toBeGreaterThan(helped);
    let expected = 0;
    for (let p = 0; p < s.k; p++) expected += a[5 * s.k + p]! * b[p * s.n + 7]!;
    expect(out[5 * s.n + 7]).toBe(Math.fround(expected));
  });

  it("workers forget old kernels past `keptKernels` and get them again when a job needs them", () => {
    setBackend("auto", { threads: 2 });
    parallelTuning.minWork = 0;
    parallelTuning.chunk = 1;
    poolTuning.callerClaims = false;
    poolTuning.keptKernels = 2;
    poolTuning.helperTimeoutMs = 3000;
    const shapes = [spec(9, 7, 5), spec(10, 7, 5), spec(11, 7, 5), spec(12, 7, 5)];
    const kernels = shapes.map((s) => compileWasmMatmul(s, undefined, "float64")!);
    for (let round = 0; round < 2; round++) {
      kernels.forEach((made, i) => {
        const s = shapes[i]!;
        const a = random(s.m * s.k, i);
        const b = random(s.k * s.n, i + 10);
        const out = new Float32Array(s.m * s.n);
        const helped = poolStats().helpedChunks;
        made.kernel(a, b, out, []);
        // Every strip on a worker (a worker missing the kernel would leave them to the caller after the timeout).
        expect(poolStats().helpedChunks - helped).toBe(made.plan.mStrips);
        let expected = 0;
        for (let p = 0; p < s.k; p++) expected += a[(s.m - 1) * s.k + p]! * b[p * s.n + 4]!;
        expect(out[(s.m - 1) * s.n + 4]).toBe(Math.fround(expected));
      });
    }
  });

  it("a script that trains with 2 threads and returns exits by itself", async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "test/wasm-threads-exit.fixture.ts"], { cwd: root, env: { ...process.env, FLUXION_THREADS: "2" } });
      let stdout = "";
      let stderr = "";
      let timedOut = false;
      const guard = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, 60_000);
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(guard);
        resolve({ code, stdout, stderr, timedOut });
      });
    });
    expect(result.timedOut).toBe(false);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { first: number; last: number; workers: number; helpedChunks: number };
    expect(report.workers).toBe(1);
    expect(report.helpedChunks).toBeGreaterThan(0);
    expect(report.last).toBeLessThan(report.first);
  }, 90_000);
});
