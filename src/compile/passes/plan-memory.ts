// Memory planning: decides, at compile time, where every value of a compiled program lives.
// Inputs and constants are read in place (never written); program outputs get fresh arrays on
// each call; every other value lives in a buffer owned by the executable, reused across calls
// and shared between values whose lifetimes do not overlap. A buffer is never both read and
// written by one kernel, so kernels need no in-place reasoning.
//
// This pass is an analysis: it reads a Program and returns the plan the executable follows.

import type { Program } from "../../ir/program.js";
import type { Var } from "../../ir/var.js";
import type { DType } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";

export type Slot =
  | { readonly kind: "input"; readonly index: number }
  | { readonly kind: "constant"; readonly index: number }
  | { readonly kind: "output"; readonly index: number }
  | { readonly kind: "temp"; readonly buffer: number };

export interface PlannedBuffer {
  readonly dtype: DType;
  /** Elements: the largest value it ever holds. */
  size: number;
  /** The values it holds, in order of definition. */
  readonly holds: Var[];
}

export interface MemoryPlan {
  readonly slotOf: ReadonlyMap<Var, Slot>;
  readonly buffers: readonly PlannedBuffer[];
  /** Distinct computed variables the program returns; output slot `index` refers to this list. */
  readonly outputVars: readonly Var[];
  /** [step defining it, last step reading it] of every temp value (steps are equation indices). */
  readonly lifetimes: ReadonlyMap<Var, readonly [number, number]>;
}

export function planMemory(program: Program): MemoryPlan {
  const slotOf = new Map<Var, Slot>();
  program.inputs.forEach((v, index) => slotOf.set(v, { kind: "input", index }));
  program.constants.forEach((c, index) => slotOf.set(c.v, { kind: "constant", index }));
  const outputVars: Var[] = [];
  const defined = new Set(program.eqns.map((e) => e.out));
  for (const a of program.outputs) {
    if (a.kind === "var" && defined.has(a) && !outputVars.includes(a)) {
      slotOf.set(a, { kind: "output", index: outputVars.length });
      outputVars.push(a);
    }
  }
  const lastUse = new Map<Var, number>();
  program.eqns.forEach((e, i) => e.inputs.forEach((a) => a.kind === "var" && lastUse.set(a, i)));

  const buffers: PlannedBuffer[] = [];
  const free: number[] = [];
  const lifetimes = new Map<Var, readonly [number, number]>();
  const release = (v: Var) => {
    const s = slotOf.get(v);
    if (s?.kind === "temp") free.push(s.buffer);
  };
  program.eqns.forEach((e, i) => {
    if (!slotOf.has(e.out)) {
      const size = sizeOf(e.out.shape);
      const id = pickBuffer(buffers, free, e.out.dtype, size);
      const b = buffers[id]!;
      b.size = Math.max(b.size, size);
      b.holds.push(e.out);
      slotOf.set(e.out, { kind: "temp", buffer: id });
      lifetimes.set(e.out, [i, lastUse.get(e.out) ?? i]);
    }
    // Operands read for the last time here free their buffers for later steps.
    const seen = new Set<Var>();
    for (const a of e.inputs) {
      if (a.kind === "var" && !seen.has(a) && lastUse.get(a) === i) {
        seen.add(a);
        release(a);
      }
    }
    if (!lastUse.has(e.out)) release(e.out);
  });
  return { slotOf, buffers, outputVars, lifetimes };
}

/** The free buffer of `dtype` that fits best (smallest large enough, else the largest), or a new one. */
function pickBuffer(buffers: PlannedBuffer[], free: number[], dtype: DType, size: number): number {
  let best = -1;
  for (let k = 0; k < free.length; k++) {
    const b = buffers[free[k]!]!;
    if (b.dtype !== dtype) continue;
    if (best === -1) {
      best = k;
      continue;
    }
    const cur = buffers[free[best]!]!;
    const fits = b.size >= size;
    const curFits = cur.size >= size;
    if ((fits && (!curFits || b.size < cur.size)) || (!fits && !curFits && b.size > cur.size)) best = k;
  }
  if (best !== -1) return free.splice(best, 1)[0]!;
  buffers.push({ dtype, size: 0, holds: [] });
  return buffers.length - 1;
}
