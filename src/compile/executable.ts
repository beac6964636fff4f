// The executable of a compiled program: one kernel per equation of the optimised, fused program,
// run in order over the buffers of the memory plan. A call binds the arguments' arrays, allocates
// the output arrays (the only allocation of a steady-state call) and runs the kernels. The planned
// intermediate buffers form the program's workspace, which the executable borrows while it is
// recently used and gives up under memory pressure (./workspace.ts).
//
// Under the WebAssembly backend the workspace lives in the kernel memory (./wasm/arena.ts), so
// WebAssembly kernels take their temp operands in place. The memory is grown to hold the arena and
// the largest scratch recorded before the kernels run; should a kernel still grow it (one that asks
// for more scratch than any before it, or a reference evaluation running another program), plain
// views are detached: the views are re-made and, when the step read or wrote one of them, the
// step runs again over the re-made views (a kernel is a pure function of its operands, and its
// output buffer is never one of its operands, so a second run gives the same result).

import type { Eqn, Program } from "../ir/program.js";
import type { Atom, Var } from "../ir/var.js";
import { type TypedArray, allocArray } from "../tensor/dtype.js";
import { sizeOf } from "../tensor/shape.js";
import "./codegen/builtin.js";
import { type CompiledKernel, CodeGenerationUnavailableError, type KernelFn, codeGenerationAvailable, emitKernel } from "./codegen/emitter.js";
import { referenceKernel } from "./codegen/emit-call.js";
import { UnsafeSourceError } from "./codegen/safety.js";
import { type KernelSpec, lowerEqn } from "./lower.js";
import { type MemoryPlan, planMemory } from "./passes/plan-memory.js";
import { Workspace, acquireWorkspace, refreshWorkspace, releaseWorkspace } from "./workspace.js";
import { backendInUse } from "./wasm/backend.js";
import { ensureReserved, kernelMemoryShared, memoryGrowths } from "./wasm/memory.js";

export interface KernelStep {
  readonly eqn: Eqn;
  readonly spec: KernelSpec | null;
  readonly kernel: CompiledKernel;
}

export interface Executable {
  run(args: readonly TypedArray[]): TypedArray[];
  readonly steps: readonly KernelStep[];
  readonly plan: MemoryPlan;
  /** Where the planned buffers live: views of one region of the WebAssembly kernel memory, or JS typed arrays. */
  readonly buffersIn: "kernel-memory" | "arrays";
  /** Frees the planned intermediate buffers now (a later run allocates them again). */
  release(): void;
}

/**
 * Whether programs compiled under the WebAssembly backend keep their buffers in the kernel memory
 * (read when a program is compiled; benchmarks turn it off to compare with the copying path).
 */
export const arenaTuning = { enabled: true };

let rejectedSources = 0;

/** Kernels whose generated source the guard refused (they run the reference); tests expect none. */
export function rejectedSourceCount(): number {
  return rejectedSources;
}

/**
 * The kernel of one equation. Where code generation is unavailable, and for a kernel whose source
 * fails the safety check, the equation runs its primitive's reference evaluation (a fused
 * equation's interprets its body), which needs no generated code.
 */
export function kernelForEqn(e: Eqn): KernelStep {
  const reference = (): KernelStep => ({ eqn: e, spec: null, kernel: referenceKernel({ prim: e.prim, params: e.params, inputs: e.inputs, out: e.out }) });
  if (!codeGenerationAvailable()) return reference();
  const spec = lowerEqn(e);
  try {
    return { eqn: e, spec, kernel: emitKernel(spec) };
  } catch (err) {
    if (!(err instanceof UnsafeSourceError || err instanceof CodeGenerationUnavailableError)) throw err;
    if (err instanceof UnsafeSourceError) rejectedSources++;
    return reference();
  }
}

interface RunStep {
  readonly run: KernelFn;
  readonly ins: TypedArray[];
  out: TypedArray;
  /** Whether an operand or the output is a planned (workspace) buffer. */
  temps: boolean;
}

export function buildExecutable(program: Program): Executable {
  const plan = planMemory(program);
  const steps = program.eqns.map(kernelForEqn);
  const constants = program.constants.map((c) => c.value._concrete("jit"));
  const empty = allocArray("float32", 0);
  // Patches: positions that receive an argument's or a fresh output's array on each call, and
  // positions that view a planned buffer while the workspace is allocated.
  const inputPatches: { step: RunStep; pos: number; index: number }[] = [];
  const outputPatches: { step: RunStep; pos: number; index: number }[] = [];
  const tempPatches: { step: RunStep; pos: number; v: Var; buffer: number }[] = [];

  const arrayOf = (a: Atom): TypedArray | null => {
    if (a.kind === "lit") {
      const arr = allocArray(a.dtype, 1);
      arr[0] = a.value;
      return arr;
    }
    const slot = plan.slotOf.get(a)!;
    return slot.kind === "constant" ? constants[slot.index]! : null;
  };

  const runSteps: RunStep[] = steps.map((s) => {
    const step: RunStep = { run: s.kernel.run, ins: [], out: empty, temps: false };
    const operands = s.spec?.inputs ?? s.eqn.inputs;
    operands.forEach((a, pos) => {
      step.ins.push(arrayOf(a) ?? empty);
      if (a.kind === "var") {
        const slot = plan.slotOf.get(a)!;
        if (slot.kind === "input") inputPatches.push({ step, pos, index: slot.index });
        if (slot.kind === "output") outputPatches.push({ step, pos, index: slot.index });
        if (slot.kind === "temp") tempPatches.push({ step, pos, v: a, buffer: slot.buffer });
      }
    });
    const outSlot = plan.slotOf.get(s.eqn.out)!;
    if (outSlot.kind === "output") outputPatches.push({ step, pos: -1, index: outSlot.index });
    else if (outSlot.kind === "temp") tempPatches.push({ step, pos: -1, v: s.eqn.out, buffer: outSlot.buffer });
    return step;
  });

  /** Points every temp operand at its view of the workspace's arrays, or at nothing. */
  const bindTemps = (arrays: readonly TypedArray[] | null) => {
    const views = new Map<Var, TypedArray>();
    for (const p of tempPatches) {
      let view = empty;
      if (arrays !== null) {
        view = views.get(p.v) ?? arrays[p.buffer]!.subarray(0, sizeOf(p.v.shape));
        views.set(p.v, view);
      }
      if (p.pos < 0) p.step.out = view;
      else p.step.ins[p.pos] = view;
    }
  };
  for (const p of tempPatches) p.step.temps = true;
  // Without code generation no kernel is WebAssembly: the buffers stay ordinary arrays.
  const arena = plan.buffers.length > 0 && arenaTuning.enabled && backendInUse() === "wasm" && codeGenerationAvailable();
  const workspace = plan.buffers.length > 0 ? new Workspace(plan.buffers, bindTemps, arena) : null;

  /** Runs a step over arena views, again if the kernel memory grew under it (see the file comment). */
  const runArenaStep = (s: RunStep) => {
    for (;;) {
      const growths = memoryGrowths();
      try {
        s.run(s.ins, s.out);
      } catch (err) {
        if (memoryGrowths() === growths) throw err;
        refreshWorkspace(workspace!);
        continue;
      }
      if (memoryGrowths() === growths) return;
      refreshWorkspace(workspace!);
      // A shared memory's old views stay valid when it grows: the step's results are in place.
      if (!s.temps || kernelMemoryShared()) return;
    }
  };

  const outVars = plan.outputVars;
  const results = program.outputs.map((a) => {
    if (a.kind === "lit") return { kind: "lit" as const, a };
    const slot = plan.slotOf.get(a)!;
    return { kind: slot.kind, index: slot.kind === "temp" ? -1 : slot.index, a };
  });

  const run = (args: readonly TypedArray[]): TypedArray[] => {
    const outs = outVars.map((v) => allocArray(v.dtype, sizeOf(v.shape)));
    for (const p of inputPatches) p.step.ins[p.pos] = args[p.index]!;
    for (const p of outputPatches) {
      if (p.pos < 0) p.step.out = outs[p.index]!;
      else p.step.ins[p.pos] = outs[p.index]!;
    }
    if (workspace !== null) {
      acquireWorkspace(workspace);
      workspace.busy++;
    }
    try {
      if (arena) {
        ensureReserved();
        refreshWorkspace(workspace!);
        for (const s of runSteps) runArenaStep(s);
      } else for (const s of runSteps) s.run(s.ins, s.out);
    } finally {
      if (workspace !== null) workspace.busy--;
      // Arguments and outputs are not kept across calls.
      for (const p of inputPatches) p.step.ins[p.pos] = empty;
      for (const p of outputPatches) {
        if (p.pos < 0) p.step.out = empty;
        else p.step.ins[p.pos] = empty;
      }
    }
    return results.map((r) => {
      switch (r.kind) {
        case "output":
          return outs[r.index]!;
        case "input":
          return args[r.index]!.slice();
        case "constant":
          return constants[r.index]!.slice();
        case "lit": {
          const arr = allocArray(r.a.dtype, 1);
          arr[0] = (r.a as { value: number }).value;
          return arr;
        }
        default:
          throw new Error("jit: a program output has no storage");
      }
    });
  };
  const release = () => {
    if (workspace !== null) releaseWorkspace(workspace);
  };
  return { run, steps, plan, buffersIn: arena ? "kernel-memory" : "arrays", release };
}
