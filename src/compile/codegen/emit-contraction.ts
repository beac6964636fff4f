// Contractions with fused epilogues (matmul, conv, any kernel class whose lowering declares
// `epilogue: true`): the kernel registered for the root's class with `registerEpilogueKernel`
// writes the epilogue graph into its output loop. A faster emitter for one class (WebAssembly SIMD
// for matmul, say) goes in front with `registerEmitter(e, { first: true })` and matches the class.

import { FluxionError } from "../../errors.js";
import { type CompiledKernel, type KernelEmitter, epilogueKernelFor } from "./emitter.js";

export const contractionEmitter: KernelEmitter = {
  name: "contraction",
  emit(spec): CompiledKernel | null {
    if (spec.kind !== "contraction") return null;
    const factory = epilogueKernelFor(spec.root.kernelClass);
    if (factory === undefined) {
      throw new FluxionError(`codegen: no epilogue kernel is registered for kernel class ${JSON.stringify(spec.root.kernelClass)} (a contraction with output [${spec.root.out.shape.join(",")}])`);
    }
    return factory(spec);
  },
};
