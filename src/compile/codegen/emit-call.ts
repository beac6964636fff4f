// Kernels for equations with no fused lowering: a kernel registered for the primitive's
// `lowering.kernel` class, or else the primitive's reference evaluation (`impl`) as an opaque
// step. The fallback keeps every primitive working under jit; faster kernels plug in by class.

import type { ConcreteArg } from "../../prims/primitive.js";
import type { TypedArray } from "../../tensor/dtype.js";
import type { KernelSpec } from "../lower.js";
import { type CompiledKernel, type KernelEmitter, kernelFactoryFor } from "./emitter.js";

type CallSpec = Extract<KernelSpec, { kind: "call" }>;

/** Runs a primitive's reference evaluation into the planned output buffer. */
export function referenceKernel(spec: Pick<CallSpec, "prim" | "params" | "inputs" | "out">): CompiledKernel {
  const { prim, params, out: outAval } = spec;
  const args = spec.inputs.map((a) => ({ data: null as unknown as TypedArray, shape: a.shape, dtype: a.dtype }));
  const run = (ins: readonly TypedArray[], out: TypedArray) => {
    for (let k = 0; k < args.length; k++) args[k]!.data = ins[k]!;
    out.set(prim.impl(args as ConcreteArg[], params, outAval));
  };
  return { run, source: "(reference evaluation: no compiled kernel for this primitive's class)", emitter: "reference" };
}

export const callEmitter: KernelEmitter = {
  name: "call",
  emit(spec): CompiledKernel | null {
    if (spec.kind !== "call") return null;
    const factory = kernelFactoryFor(spec.kernelClass);
    return factory ? factory(spec) : referenceKernel(spec);
  },
};
