// Eager mode runs through the compiler too: each primitive application on concrete tensors runs
// a one-equation program compiled with the same lowering and emitters as jit, cached by
// (primitive, params, operand shapes and dtypes). Eager and jit therefore agree by construction.
// Primitives without a compiled kernel go straight to their reference evaluation.

import { ProgramBuilder } from "../ir/builder.js";
import type { Params, Primitive } from "../prims/primitive.js";
import { Tensor } from "../tensor/tensor.js";
import { type Executor, referenceExecutor, setExecutor } from "../trace/context.js";
import { paramsKey } from "./passes/cse.js";
import { classifyEqn } from "./passes/fuse.js";
import { type Executable, buildExecutable } from "./executable.js";
import { kernelFactoryFor } from "./codegen/emitter.js";

/** Bound on cached one-op programs per primitive; the oldest is dropped beyond it. */
const MAX_PER_PRIMITIVE = 512;

const cache = new WeakMap<Primitive, Map<string, Executable | null>>();

function oneOpExecutable(prim: Primitive, inputs: readonly Tensor[], params: Params): Executable | null {
  const b = new ProgramBuilder();
  const vars = inputs.map((t) => b.addInput({ shape: t.shape, dtype: t.dtype }));
  const out = b.addEqn(prim, vars, params);
  const program = b.build([out]);
  const e = program.eqns[0]!;
  const l = prim.lowering;
  if (classifyEqn(e) === "other" && !(l.kind === "kernel" && kernelFactoryFor(l.kernel))) return null;
  return buildExecutable(program);
}

export const compiledExecutor: Executor = (prim, inputs, params) => {
  let perPrim = cache.get(prim);
  if (perPrim === undefined) cache.set(prim, (perPrim = new Map()));
  let key = paramsKey(params);
  for (const t of inputs) key += `|${t.dtype}[${t.shape.join(",")}]`;
  let exe = perPrim.get(key);
  if (exe === undefined) {
    exe = oneOpExecutable(prim, inputs, params); // runs the shape rule: bad operands throw here
    if (perPrim.size >= MAX_PER_PRIMITIVE) perPrim.delete(perPrim.keys().next().value!);
    perPrim.set(key, exe);
  }
  if (exe === null) return referenceExecutor(prim, inputs, params);
  const args = inputs.map((t) => t._concrete(prim.name));
  const [data] = exe.run(args);
  const out = exe.steps[0]!.eqn.out;
  return new Tensor(out.shape, out.dtype, data!);
};

/** Makes eager primitive applications run compiled kernels (done when fluxion is imported). */
export function installCompiledExecutor(): void {
  setExecutor(compiledExecutor);
}
