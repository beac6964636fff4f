// The script every worker thread runs, as source text (a host starts it from a string, so it
// must be self-contained plain JavaScript). A worker only instantiates kernel modules over the
// shared kernel memory and runs `kernel(pa, pb, pc, first, end)` over the row strips it claims.
//
// Protocol (one job at a time, in the control words below; ./pool.ts is the other side):
// - messages: {kind: "start", memory, control, index} once, then {kind: "kernel", id, module}
//   for every kernel before the first job that uses it, and {kind: "forget", ids} to drop some;
// - a job: the caller writes its arguments, then bumps SEQ and notifies. A worker counts itself
//   in (BUSY += 1), checks the job is still open (SEQ after CLOSED), claims chunks of strips with
//   NEXT += 1 until none are left, and counts itself out (BUSY −= 1, notify). The caller claims
//   chunks too, then closes the job (CLOSED = SEQ) and waits for BUSY = 0. Counting in before
//   checking CLOSED, and closing before reading BUSY, means a late worker either is waited for
//   or sees the job closed — it never reads the arguments of the next job.
// - a job whose kernel the worker has not instantiated yet sends the worker back to its event
//   loop, where the pending "kernel" message is delivered; it then serves again.
// Work is claimed dynamically, so who computes a strip never changes what is computed: every
// output element comes from the same instructions in the same order whatever the thread count.

/** Word offsets in the control Int32Array. */
export const CONTROL = {
  seq: 0,
  closed: 1,
  busy: 2,
  next: 3,
  kernel: 4,
  pa: 5,
  pb: 6,
  pc: 7,
  strips: 8,
  chunk: 9,
  workers: 10,
  error: 11,
  /** Chunks computed by workers, ever (the caller's are not counted). */
  helped: 12,
} as const;

/** Int32 words of the control block. */
export const CONTROL_WORDS = 16;

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
    let run = null;
    try { run = new WebAssembly.Instance(m.module, { env: { memory } }).exports.matmul; } catch (e) { run = null; }
    kernels.set(m.id, run);
  } else if (m.kind === "forget") {
    for (const id of m.ids) kernels.delete(id);
  }
  if (control !== null) serve();
}
function leave() {
  if (Atomics.sub(control, ${c.busy}, 1) === 1) Atomics.notify(control, ${c.busy});
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
    const run = kernels.get(id);
    if (run !== null) {
      const pa = control[${c.pa}], pb = control[${c.pb}], pc = control[${c.pc}], strips = control[${c.strips}], chunk = control[${c.chunk}];
      try {
        for (;;) {
          const first = Atomics.add(control, ${c.next}, 1) * chunk;
          if (first >= strips) break;
          run(pa, pb, pc, first, Math.min(first + chunk, strips));
          Atomics.add(control, ${c.helped}, 1);
        }
      } catch (e) {
        Atomics.store(control, ${c.error}, 1);
      }
    }
    leave();
    seen = seq;
  }
}
`;
}
