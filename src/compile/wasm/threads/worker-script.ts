// The script every worker thread runs, as source text (a host starts it from a string, so it
// must be self-contained plain JavaScript). A worker only instantiates matmul modules over the
// shared kernel memory and runs their exports (`packA`, `packB`, `matmul`) on the parts of a job
// it claims.
//
// A job is one product split along one axis (./pool.ts, `SplitJob`): axis 0 splits the row strips
// (the operand shared by every chunk is B), axis 1 the column strips (shared: A). It has two phases:
// 0. operands outside the kernel memory are still being copied in by the caller, which publishes
//    the job first so that the workers wake meanwhile: a worker waits until READY is set;
//    (every wait here spins briefly, then sleeps in Atomics.wait until the word changes and its
//    writer notifies: on a loaded machine a thread that spins takes the core from the one it
//    waits for)
// 1. the shared operand's panel is packed in items of `packChunk` strips, claimed with
//    NEXT_PACK += 1 and counted done with DONE_PACK += 1; a thread that finds no item left waits
//    until DONE_PACK reaches the item count (the other threads' last items), since every chunk
//    reads the whole shared panel;
// 2. chunks of `chunk` strips of the split axis, claimed with NEXT += 1: the claimer packs the
//    chunk's own strips of the other operand (no one else reads them) and computes the chunk's
//    tiles, then sets the chunk's flag (FLAGS + chunk: 1 done, 2 failed) and notifies it, so the
//    calling thread can store finished chunks while the rest are computed.
// Protocol (one job at a time, in the control words below): messages {kind: "start", memory,
// control, index} once, then {kind: "kernel", id, module} for every kernel before the first job
// that uses it, and {kind: "forget", ids} to drop some. For a job the caller writes its
// arguments, then bumps SEQ and notifies. A worker counts itself in (BUSY += 1), checks the job
// is still open (SEQ after CLOSED), works, and counts itself out (BUSY −= 1, notify). The caller
// works too, then closes the job (CLOSED = SEQ) and waits for BUSY = 0. Counting in before
// checking CLOSED, and closing before reading BUSY, means a late worker either is waited for or
// sees the job closed — it never reads the arguments of the next job. A job whose kernel the
// worker has not instantiated yet sends the worker back to its event loop, where the pending
// "kernel" message is delivered; it then serves again.
// Work is claimed dynamically, so who packs or computes a strip never changes what is computed:
// every panel element and every output element comes from the same instructions in the same
// order whatever the thread count.

/** Word offsets in the control Int32Array. */
export const CONTROL = {
  seq: 0,
  closed: 1,
  busy: 2,
  /** Next chunk of phase 2 to claim. */
  next: 3,
  kernel: 4,
  axis: 5,
  srcA: 6,
  srcB: 7,
  pa: 8,
  pb: 9,
  pc: 10,
  mStrips: 11,
  nStrips: 12,
  chunk: 13,
  packChunk: 14,
  workers: 15,
  error: 16,
  /** Chunks computed by workers, ever (the caller's are not counted). */
  helped: 17,
  /** Next item, and items done, of phase 1 (packing the shared operand). */
  nextPack: 18,
  donePack: 19,
  /** Set by the caller once the operands are in the kernel memory. */
  ready: 20,
  /** First of the per-chunk flags. */
  flags: 32,
} as const;

/** Most chunks a job has (one flag word each). */
export const MAX_CHUNKS = 1024;

/** Int32 words of the control block. */
export const CONTROL_WORDS = CONTROL.flags + MAX_CHUNKS;

/**
 * Loads of SEQ a worker spins through before it sleeps, ~20 µs once optimised (jobs of a training
 * step often come in bursts). 20000 (~100 µs, several ms before the loop is optimised) measured
 * up to 1.4× the CPU time of one thread per product at 128–256: the spin, not the product.
 */
const SPIN = 4000;

/** The worker's source (see the file comment). */
export function workerScript(): string {
  const c = CONTROL;
  return `"use strict";
let memory = null, control = null, index = 0, seen = 0;
const kernels = new Map();
function fluxionThreadMessage(m) {
  if (m.kind === "start") {
    memory = m.memory; control = m.control; index = m.index;
  } else if (m.kind === "kernel") {
    let k = null;
    try { const e = new WebAssembly.Instance(m.module, { env: { memory } }).exports; k = { matmul: e.matmul, packA: e.packA, packB: e.packB }; } catch (e) { k = null; }
    kernels.set(m.id, k);
  } else if (m.kind === "forget") {
    for (const id of m.ids) kernels.delete(id);
  }
  if (control !== null) serve();
}
function leave() {
  if (Atomics.sub(control, ${c.busy}, 1) === 1) Atomics.notify(control, ${c.busy});
}
function waitWhile(word, value) {
  for (let i = 0; Atomics.load(control, word) === value; i++) if (i >= ${SPIN}) Atomics.wait(control, word, value);
}
function work(k, seq) {
  waitWhile(${c.ready}, 0);
  if (((seq - Atomics.load(control, ${c.closed})) | 0) <= 0) return;
  const axis = control[${c.axis}], srcA = control[${c.srcA}], srcB = control[${c.srcB}];
  const pa = control[${c.pa}], pb = control[${c.pb}], pc = control[${c.pc}];
  const mS = control[${c.mStrips}], nS = control[${c.nStrips}], chunk = control[${c.chunk}], packChunk = control[${c.packChunk}];
  const own = axis === 0 ? mS : nS, shared = axis === 0 ? nS : mS;
  const items = Math.ceil(shared / packChunk), chunks = Math.ceil(own / chunk);
  for (;;) {
    const i = Atomics.add(control, ${c.nextPack}, 1);
    if (i >= items) break;
    const f = i * packChunk, e = Math.min(f + packChunk, shared);
    try {
      if (axis === 0) k.packB(srcB, pb, f, e); else k.packA(srcA, pa, f, e);
    } catch (x) {
      Atomics.store(control, ${c.error}, 1);
    } finally {
      if (Atomics.add(control, ${c.donePack}, 1) === items - 1) Atomics.notify(control, ${c.donePack});
    }
  }
  for (let d; (d = Atomics.load(control, ${c.donePack})) < items; ) waitWhile(${c.donePack}, d);
  if (Atomics.load(control, ${c.error}) !== 0) return;
  for (;;) {
    const n = Atomics.add(control, ${c.next}, 1);
    if (n >= chunks) break;
    const f = n * chunk, e = Math.min(f + chunk, own);
    let flag = 1;
    try {
      if (axis === 0) { k.packA(srcA, pa, f, e); k.matmul(pa, pb, pc, f, e, 0, nS); }
      else { k.packB(srcB, pb, f, e); k.matmul(pa, pb, pc, 0, mS, f, e); }
      Atomics.add(control, ${c.helped}, 1);
    } catch (x) {
      flag = 2;
      Atomics.store(control, ${c.error}, 1);
    }
    Atomics.store(control, ${c.flags} + n, flag);
    Atomics.notify(control, ${c.flags} + n);
  }
}
function serve() {
  for (;;) {
    const seq = Atomics.load(control, ${c.seq});
    if (seq === seen) {
      for (let i = 0; i < ${SPIN} && Atomics.load(control, ${c.seq}) === seen; i++);
      if (Atomics.load(control, ${c.seq}) === seen) Atomics.wait(control, ${c.seq}, seen);
      continue;
    }
    Atomics.add(control, ${c.busy}, 1);
    if (((seq - Atomics.load(control, ${c.closed})) | 0) <= 0 || index >= control[${c.workers}]) { leave(); seen = seq; continue; }
    const id = control[${c.kernel}];
    if (!kernels.has(id)) { leave(); return; }
    const k = kernels.get(id);
    if (k !== null) work(k, seq);
    leave();
    seen = seq;
  }
}
`;
}
