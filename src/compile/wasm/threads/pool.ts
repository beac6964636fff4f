// The worker-thread pool that splits a WebAssembly matmul among several threads over the one
// shared kernel memory (../memory.ts): the packing of both operands, the micro-kernel's tiles, and
// (on the calling thread, while the workers compute) the store pass of finished chunks. Started
// lazily by the first job that asks for more than one thread; its workers never keep a process
// alive (the host unrefs them) and sleep in `Atomics.wait` between jobs. The job's phases and the
// protocol are described in ./worker-script.ts.

import { FluxionError } from "../../../errors.js";
import type { WasmMemory, WasmModule } from "../api.js";
import type { PackFunction } from "../matmul-pack.js";
import { type ThreadWorker, threadHost } from "./host.js";
import { CONTROL, CONTROL_WORDS, MAX_CHUNKS, workerScript } from "./worker-script.js";

/** `matmul(pa, pb, pc, firstRow, endRow, firstCol, endCol)`: tiles of row and column strips of C. */
export type TileFunction = (pa: number, pb: number, pc: number, firstRow: number, endRow: number, firstCol: number, endCol: number) => void;

/** A kernel the pool can run: one matmul module's exports. */
export interface SplitKernel {
  /** Pool-wide id (from `splitKernel`). */
  readonly id: number;
  /** The compiled module, posted to workers, which instantiate it over the shared memory. */
  readonly module: WasmModule;
  /** This thread's instance of the module's functions. */
  readonly matmul: TileFunction;
  readonly packA: PackFunction;
  readonly packB: PackFunction;
}

let nextKernelId = 1;

/** Wraps a compiled kernel for the pool (one id per module). */
export function splitKernel(module: WasmModule, exports: Pick<SplitKernel, "matmul" | "packA" | "packB">): SplitKernel {
  return { id: nextKernelId++, module, matmul: exports.matmul, packA: exports.packA, packB: exports.packB };
}

/**
 * One batch element's product, split along one axis: 0 = row strips (each chunk packs its own
 * strips of A; B is shared, packed first), 1 = column strips (own strips of B; A shared). All
 * addresses are byte offsets in the kernel memory: the operands (`srcA`, `srcB`) and the panels
 * and result scratch (`pa`, `pb`, `pc`).
 */
export interface SplitJob {
  readonly axis: 0 | 1;
  readonly srcA: number;
  readonly srcB: number;
  readonly pa: number;
  readonly pb: number;
  readonly pc: number;
  readonly mStrips: number;
  readonly nStrips: number;
  /** Strips of the split axis per chunk (raised so that a job has at most MAX_CHUNKS chunks). */
  readonly chunk: number;
  /** Strips of the shared operand per packing item. */
  readonly packChunk: number;
}

/** Called on the calling thread once per computed chunk: strips [first, end) of the split axis. */
export type ChunkDone = (first: number, end: number) => void;

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

/** Spins of the caller on a word before it blocks (where it may). */
const WAIT_SPIN = 2000;

/**
 * `keptKernels`: kernels a worker keeps instantiated. Past it the oldest are forgotten (a "forget"
 * message ahead of the next "kernel" one) and posted again if a job needs them, so a long run
 * over many shapes does not grow the workers without bound.
 *
 * Test switch: with `callerClaims` false the calling thread leaves every packing item and chunk to
 * the workers (waiting up to `helperTimeoutMs` for them to claim all before it does the rest), so
 * a test can check that panels packed and strips computed on a worker equal those of the caller.
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

const ownStrips = (j: SplitJob) => (j.axis === 0 ? j.mStrips : j.nStrips);
const sharedStrips = (j: SplitJob) => (j.axis === 0 ? j.nStrips : j.mStrips);

function packShared(k: SplitKernel, j: SplitJob, first: number, end: number): void {
  if (j.axis === 0) k.packB(j.srcB, j.pb, first, end);
  else k.packA(j.srcA, j.pa, first, end);
}

/** A chunk: its own strips of the non-shared operand, then its tiles. */
function computeChunk(k: SplitKernel, j: SplitJob, first: number, end: number): void {
  if (j.axis === 0) {
    k.packA(j.srcA, j.pa, first, end);
    k.matmul(j.pa, j.pb, j.pc, first, end, 0, j.nStrips);
  } else {
    k.packB(j.srcB, j.pb, first, end);
    k.matmul(j.pa, j.pb, j.pc, 0, j.mStrips, first, end);
  }
}

/** The whole job on this thread, chunk by chunk; `done` for the chunks not yet stored. */
function runHere(k: SplitKernel, j: SplitJob, chunk: number, stored: Uint8Array, done: ChunkDone | undefined): void {
  packShared(k, j, 0, sharedStrips(j));
  const own = ownStrips(j);
  for (let c = 0; c * chunk < own; c++) {
    const first = c * chunk;
    const end = Math.min(first + chunk, own);
    computeChunk(k, j, first, end);
    if (done !== undefined && stored[c] === 0) done(first, end);
  }
}

/**
 * Runs a split product (see `SplitJob`) on this thread and up to `threads − 1` workers (started
 * on first use), calling `done` on this thread for every chunk once it is computed, in any order,
 * interleaved with this thread's own claims. `prepare` (copying operands into the kernel memory)
 * runs first, after the job is published, so that the workers wake meanwhile. Returns when every
 * chunk is computed and passed to `done`. `memory` is the shared memory the kernel's module imports.
 */
export function runSplit(kernel: SplitKernel, memory: WasmMemory, threads: number, job: SplitJob, done?: ChunkDone, prepare?: () => void): void {
  const helpers = threads - 1;
  const own = ownStrips(job);
  const chunk = Math.max(1, job.chunk, Math.ceil(own / MAX_CHUNKS));
  const chunks = Math.ceil(own / chunk);
  const stored = new Uint8Array(chunks);
  if (helpers < 1 || chunks < 2 || !startWorkers(helpers, memory)) {
    prepare?.();
    runHere(kernel, job, chunk, stored, done);
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
  const packChunk = Math.max(1, job.packChunk);
  const items = Math.ceil(sharedStrips(job) / packChunk);
  const ctl = control!;
  const c = CONTROL;
  ctl[c.kernel] = kernel.id;
  ctl[c.axis] = job.axis;
  ctl[c.srcA] = job.srcA;
  ctl[c.srcB] = job.srcB;
  ctl[c.pa] = job.pa;
  ctl[c.pb] = job.pb;
  ctl[c.pc] = job.pc;
  ctl[c.mStrips] = job.mStrips;
  ctl[c.nStrips] = job.nStrips;
  ctl[c.chunk] = chunk;
  ctl[c.packChunk] = packChunk;
  ctl[c.workers] = helpers;
  ctl[c.error] = 0;
  ctl[c.ready] = prepare === undefined ? 1 : 0;
  ctl.fill(0, c.flags, c.flags + chunks);
  Atomics.store(ctl, c.nextPack, 0);
  Atomics.store(ctl, c.donePack, 0);
  Atomics.store(ctl, c.next, 0);
  seq = (seq + 1) | 0;
  Atomics.store(ctl, c.seq, seq);
  Atomics.notify(ctl, c.seq);
  const finish = (n: number) => {
    stored[n] = 1;
    done?.(n * chunk, Math.min((n + 1) * chunk, own));
  };
  try {
    if (prepare !== undefined) {
      try {
        prepare();
      } finally {
        // Set even when prepare throws: a waiting worker then sees the job closed.
        Atomics.store(ctl, c.ready, 1);
        Atomics.notify(ctl, c.ready);
      }
    }
    if (!poolTuning.callerClaims) awaitHelpers(ctl, items, chunks);
    // Phase 1: the shared operand's panel, then every thread's items are waited for.
    for (;;) {
      const i = Atomics.add(ctl, c.nextPack, 1);
      if (i >= items) break;
      try {
        packShared(kernel, job, i * packChunk, Math.min((i + 1) * packChunk, sharedStrips(job)));
      } finally {
        if (Atomics.add(ctl, c.donePack, 1) === items - 1) Atomics.notify(ctl, c.donePack);
      }
    }
    for (let d; (d = Atomics.load(ctl, c.donePack)) < items; ) waitWhile(ctl, c.donePack, d);
    if (Atomics.load(ctl, c.error) === 0) {
      // Phase 2: store a chunk a worker finished, else claim one, compute it and store it.
      let low = 0;
      for (;;) {
        if (done !== undefined) {
          while (low < chunks && stored[low] === 1) low++;
          const ready = finishedChunk(ctl, stored, low, Math.min(chunks, Atomics.load(ctl, c.next)));
          if (ready >= 0) {
            finish(ready);
            continue;
          }
        }
        const n = Atomics.add(ctl, c.next, 1);
        if (n >= chunks) break;
        computeChunk(kernel, job, n * chunk, Math.min((n + 1) * chunk, own));
        finish(n);
      }
      // The workers' last chunks, as they finish (a failed one waits for the redo below).
      if (done !== undefined) {
        for (let n = 0; n < chunks; n++) if (stored[n] === 0 && waitFlag(ctl, c.flags + n) === 1) finish(n);
      }
    }
  } finally {
    Atomics.store(ctl, c.closed, seq);
    waitIdle(ctl);
  }
  // A worker's kernel trapped: redo everything here, where a real trap throws to the caller.
  if (Atomics.load(ctl, c.error) !== 0) runHere(kernel, job, chunk, stored, done);
}

/** A chunk in [low, claimed) that a worker finished and nobody stored yet, or −1. */
function finishedChunk(ctl: Int32Array, stored: Uint8Array, low: number, claimed: number): number {
  for (let n = low; n < claimed; n++) if (stored[n] === 0 && Atomics.load(ctl, CONTROL.flags + n) === 1) return n;
  return -1;
}

/**
 * Waits while a control word holds `value` (spinning first, then blocking where the host allows,
 * until the writer's notify: a spinning caller would take the core from the worker it waits for).
 */
function waitWhile(ctl: Int32Array, word: number, value: number): void {
  const canBlock = threadHost()?.canBlock === true;
  for (let i = 0; Atomics.load(ctl, word) === value; i++) if (canBlock && i >= WAIT_SPIN) Atomics.wait(ctl, word, value);
}

/** Waits until a chunk's flag is set; returns it. */
function waitFlag(ctl: Int32Array, word: number): number {
  waitWhile(ctl, word, 0);
  return Atomics.load(ctl, word);
}

/** Waits (up to `poolTuning.helperTimeoutMs`) until the workers have claimed every item and chunk, or one failed. */
function awaitHelpers(ctl: Int32Array, items: number, chunks: number): void {
  const deadline = Date.now() + poolTuning.helperTimeoutMs;
  const claimed = () => Atomics.load(ctl, CONTROL.nextPack) >= items && Atomics.load(ctl, CONTROL.next) >= chunks;
  while (!claimed() && Atomics.load(ctl, CONTROL.error) === 0 && Date.now() < deadline) {
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
