// Eager mode runs through the compiler too: each primitive application on concrete tensors runs
// a one-equation program compiled with the same lowering and emitters as jit, cached by
// (primitive, params, operand shapes and dtypes) in one bounded cache (`cacheLimits().eagerEntries`).
// Primitives without a compiled kernel, and every primitive where generating code is forbidden,
// go straight to their reference evaluation.

import { ProgramBuilder } from "../ir/builder.js";
import type { Params, Primitive } from "../prims/primitive.js";
import { Tensor } from "../tensor/tensor.js";
import { type Executor, referenceExecutor, setExecutor } from "../trace/context.js";
import { paramsKey } from "./passes/cse.js";
import { classifyEqn } from "./passes/fuse.js";
import { type Executable, buildExecutable } from "./executable.js";
import { codeGenerationAvailable, kernelFactoryFor } from "./codegen/emitter.js";
import { cacheLimits, registerCache } from "./limits.js";
import { LruCache } from "./lru.js";

const primIds = new WeakMap<Primitive, number>();
let nextPrimId = 0;

/** Compiled one-op programs (null: the primitive runs its reference evaluation), least recently used first. */
const cache = new LruCache<string, Executable | null>(() => cacheLimits().eagerEntries);
registerCache(() => cache.trim(), () => cache.clear());

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
  if (!codeGenerationAvailable()) return referenceExecutor(prim, inputs, params);
  let id = primIds.get(prim);
  if (id === undefined) primIds.set(prim, (id = nextPrimId++));
  let key = `${id}|${paramsKey(params)}`;
  for (const t of inputs) key += `|${t.dtype}[${t.shape.join(",")}]`;
  let exe = cache.get(key);
  if (exe === undefined) {
    exe = oneOpExecutable(prim, inputs, params); // runs the shape rule: bad operands throw here
    cache.set(key, exe);
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

/** Number of one-op programs held now (tests watch it for the bound). */
export function eagerCacheSize(): number {
  return cache.size;
}
