// Tracing: the stack of active traces and `bind`, the single entry point every primitive
// application goes through. While a trace is active, `bind` records an equation in the
// innermost trace (as JAX's omnistaging does: nothing is computed behind the trace's back);
// otherwise it evaluates right away through the current executor (the reference evaluation,
// or compiled kernels once `compile/` installs them).

import { FluxionError, TracerError } from "../errors.js";
import { ProgramBuilder } from "../ir/builder.js";
import type { Program } from "../ir/program.js";
import { type Atom, Lit, type Var } from "../ir/var.js";
import type { Params, Primitive } from "../prims/primitive.js";
import type { TreeDef } from "../tree/index.js";
import type { Aval } from "../ir/var.js";
import { Tensor, type TraceOwner } from "../tensor/tensor.js";

/** One tracing context: it records the equations traced values go through into a Program. */
export class Trace implements TraceOwner {
  readonly level: number;
  active = true;
  readonly builder = new ProgramBuilder();
  /** Concrete tensors and outer tracers already bound to a constant var of this trace. */
  private readonly captured = new Map<Tensor, Var>();

  constructor(level: number) {
    this.level = level;
  }

  newInput(aval: Aval): Tensor {
    const v = this.builder.addInput(aval);
    return new Tensor(v.shape, v.dtype, null, { v, trace: this });
  }

  /** The atom standing for `t` inside this trace: its var, a literal, or a captured constant. */
  atomOf(t: Tensor): Atom {
    if (t._trace === this) return t._var!;
    if (t._trace !== null && !t._trace.active) {
      throw new TracerError(
        `a traced tensor (shape [${t.shape.join(",")}], ${t.dtype}) escaped the trace that made it: ` +
          `a value computed inside trace/grad/jit was kept (e.g. in an outer variable) and used after the transform returned`,
      );
    }
    if (t._data !== null && t.shape.length === 0) return new Lit(t._data[0]!, t.dtype);
    let v = this.captured.get(t);
    if (v === undefined) {
      v = this.builder.addConstant(t);
      this.captured.set(t, v);
    }
    return v;
  }

  record(prim: Primitive, inputs: readonly Tensor[], params: Params): Tensor {
    const out = this.builder.addEqn(prim, inputs.map((t) => this.atomOf(t)), params);
    return new Tensor(out.shape, out.dtype, null, { v: out, trace: this });
  }

  finish(outputs: readonly Tensor[], trees?: { inTree?: TreeDef; outTree?: TreeDef }): Program {
    const atoms = outputs.map((t) => this.atomOf(t));
    return this.builder.build(atoms, trees);
  }
}

const stack: Trace[] = [];

/** Runs `body` with a fresh trace on top of the stack; the trace is closed afterwards. */
export function withNewTrace<R>(body: (trace: Trace) => R): R {
  const trace = new Trace(stack.length);
  stack.push(trace);
  try {
    return body(trace);
  } finally {
    stack.pop();
    trace.active = false;
  }
}

/** The innermost trace being recorded, if any. */
export function currentTrace(): Trace | undefined {
  return stack[stack.length - 1];
}

/** Evaluates a primitive on concrete operands. */
export type Executor = (prim: Primitive, inputs: readonly Tensor[], params: Params) => Tensor;

/** The reference evaluation: the primitive's shape rule, then its plain-loop `impl`. */
export const referenceExecutor: Executor = (prim, inputs, params) => {
  const out = prim.abstractEval(inputs, params);
  const args = inputs.map((t) => ({ data: t._concrete(prim.name), shape: t.shape, dtype: t.dtype }));
  return new Tensor(out.shape, out.dtype, prim.impl(args, params, out));
};

let executor: Executor = referenceExecutor;

/** Installs the executor eager ops use (the compiler installs its kernel cache). */
export function setExecutor(e: Executor): void {
  executor = e;
}

/** How concrete (eager) primitive calls are evaluated now. */
export function getExecutor(): Executor {
  return executor;
}

/**
 * Applies a primitive. While a trace is active every application is recorded in the innermost
 * trace (concrete operands become constants or literals), so transforms see the whole
 * computation; outside any trace the primitive is evaluated right away.
 */
export function bind(prim: Primitive, inputs: readonly Tensor[], params: Params = {}): Tensor {
  for (const t of inputs) {
    if (!(t instanceof Tensor)) throw new FluxionError(`${prim.name}: operand is not a Tensor: ${String(t)}`);
  }
  const top = currentTrace();
  if (top !== undefined) return top.record(prim, inputs, params);
  const escaped = inputs.find((x) => x._data === null);
  if (escaped !== undefined) {
    throw new TracerError(
      `${prim.name}: a traced tensor (shape [${escaped.shape.join(",")}], ${escaped.dtype}) escaped the trace that made it and was used outside trace/grad/jit`,
    );
  }
  return executor(prim, inputs, params);
}
