// The worker-thread pool that runs a WebAssembly kernel's row strips on several threads over the
// one shared kernel memory (../memory.ts). Started lazily by the first job that asks for more than
// one thread; its workers never keep a process alive (the host unrefs them) and sleep in
// `Atomics.wait` between jobs. The protocol is described in ./worker-script.ts.

import { FluxionError } from "../../../errors.js";
import type { WasmMemory, WasmModule } from "../api.js";
import { type ThreadWorker, threadHost } from "./host.js";
import { CONTROL, CONTROL_WORDS, workerScript } from "./worker-script.js";

/** A kernel the pool can run: `run(pa, pb, pc, first, end)` computes row strips [first, end). */
export interface StripKernel {
  /** Pool-wide id (from `stripKernel`). */
  readonly id: number;
  /** The compiled module, posted to workers, which instantiate it over the shared memory. */
  readonly module: WasmModule;
  /** This thread's instance of the kernel function. */
  readonly run: (pa: number, pb: number, pc: number, first: number, end: number) => void;
}

let nextKernelId = 1;

/** Wraps a compiled kernel for the pool (one id per module). */
export function stripKernel(module: WasmModule, run: StripKernel["run"]): StripKernel {
  return { id: nextKernelId++, module, run };
}

interface PoolWorker {
  readonly worker: ThreadWorker;
  /** Ids of the kernels posted to it. */
  readonly posted: Set<number>;
}

let control: Int32Array | null = null;
let poolMemory: WasmMemory | null = null;
const workers: PoolWorker[] = [];
let seq = 0;
/** Set when the host failed to start a worker: kernels then stay on the calling thread. */
let unavailable = false;

/** Spins of the caller on BUSY before it blocks (where it may). */
const WAIT_SPIN = 2000;

/**
 * `keptKernels`: kernels a worker keeps instantiated. Past it the oldest are forgotten (a "forget"
 * message ahead of the next "kernel" one) and posted again if a job needs them, so a long run
 * over many shapes does not grow the workers without bound.
 *
 * Test switch: with `callerClaims` false the calling thread leaves every chunk to the workers
 * (waiting up to `helperTimeoutMs` for them before it does the rest), so a test can check that
 * strips computed on a worker equal strips computed on the caller.
 */
export const poolTuning = { keptKernels: 128, callerClaims: true, helperTimeoutMs: 10_000 };

/** Workers started so far, and chunks they computed (for tests and benchmarks). */
export function poolStats(): { workers: number; helpedChunks: number } {
  return { workers: workers.length, helpedChunks: control === null ? 0 : Atomics.load(control, CONTROL.helped) };
}

/** Starts workers up to `count`; false (for good) where the host cannot start them. */
function startWorkers(count: number, memory: WasmMemory): boolean {
  const host = threadHost();
  if (host === null || unavailable) return false;
  if (control === null) {
    control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    poolMemory = memory;
  }
  if (memory !== poolMemory) throw new FluxionError("wasm threads: the pool serves one kernel memory");
  const script = workerScript();
  try {
    while (workers.length < count) {
      const worker = host.spawn(script);
      worker.postMessage({ kind: "start", memory, control, index: workers.length });
      workers.push({ worker, posted: new Set() });
    }
  } catch {
    // A host refusing workers (a sandbox, a policy) costs threads, not results.
    unavailable = true;
    return false;
  }
  return true;
}

/**
 * Runs `kernel.run(pa, pb, pc, first, end)` over `strips` row strips in chunks of `chunk` strips,
 * on this thread and up to `threads − 1` workers (started on first use). Returns when every
 * strip is done. `memory` is the shared memory the kernel's module imports.
 */
export function runStrips(kernel: StripKernel, memory: WasmMemory, threads: number, pa: number, pb: number, pc: number, strips: number, chunk: number): void {
  const helpers = threads - 1;
  if (helpers < 1 || strips <= chunk || !startWorkers(helpers, memory)) {
    kernel.run(pa, pb, pc, 0, strips);
    return;
  }
  for (let w = 0; w < helpers; w++) {
    const pw = workers[w]!;
    if (!pw.posted.has(kernel.id)) {
      if (pw.posted.size >= poolTuning.keptKernels) {
        const ids = [...pw.posted].slice(0, pw.posted.size - poolTuning.keptKernels + 1);
        pw.worker.postMessage({ kind: "forget", ids });
        for (const id of ids) pw.posted.delete(id);
      }
      pw.worker.postMessage({ kind: "kernel", id: kernel.id, module: kernel.module });
      pw.posted.add(kernel.id);
    }
  }
  const ctl = control!;
  const c = CONTROL;
  ctl[c.kernel] = kernel.id;
  ctl[c.pa] = pa;
  ctl[c.pb] = pb;
  ctl[c.pc] = pc;
  ctl[c.strips] = strips;
  ctl[c.chunk] = chunk;
  ctl[c.workers] = helpers;
  ctl[c.error] = 0;
  Atomics.store(ctl, c.next, 0);
  seq = (seq + 1) | 0;
  Atomics.store(ctl, c.seq, seq);
  Atomics.notify(ctl, c.seq);
  try {
    if (!poolTuning.callerClaims) awaitHelpers(ctl, Math.ceil(strips / chunk));
    for (;;) {
      const first = Atomics.add(ctl, c.next, 1) * chunk;
      if (first >= strips) break;
      kernel.run(pa, pb, pc, first, Math.min(first + chunk, strips));
    }
  } finally {
    Atomics.store(ctl, c.closed, seq);
    waitIdle(ctl);
  }
  // A worker's kernel trapped: redo everything here, where a real trap throws to the caller.
  if (Atomics.load(ctl, c.error) !== 0) kernel.run(pa, pb, pc, 0, strips);
}

/** Waits (up to `poolTuning.helperTimeoutMs`) until the workers have claimed all `chunks` or one failed. */
function awaitHelpers(ctl: Int32Array, chunks: number): void {
  const deadline = Date.now() + poolTuning.helperTimeoutMs;
  while (Atomics.load(ctl, CONTROL.next) < chunks && Atomics.load(ctl, CONTROL.error) === 0 && Date.now() < deadline) {
    if (threadHost()?.canBlock === true) Atomics.wait(ctl, CONTROL.busy, Atomics.load(ctl, CONTROL.busy), 1);
  }
}

/** Waits until no worker is inside the job (spinning first; blocking where the host allows). */
function waitIdle(ctl: Int32Array): void {
  const canBlock = threadHost()?.canBlock === true;
  for (let i = 0; ; i++) {
    const busy = Atomics.load(ctl, CONTROL.busy);
    if (busy === 0) return;
    if (canBlock && i >= WAIT_SPIN) Atomics.wait(ctl, CONTROL.busy, busy);
  }
}
