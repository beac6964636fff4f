// The compiler: jit, the pass pipeline, lowering, code generation and the eager executor.
// Importing this module installs the compiled executor for eager operations.

import { installCompiledExecutor } from "./eager.js";
import "./kernels/conv.js"; // registers the convolution and pooling kernels

installCompiledExecutor();

export { jit, type JitOptions, type Jitted } from "./jit.js";
export { compileProgram, optimizeProgram, type CompiledProgram, type CompileOptions } from "./pipeline.js";
export { registerEmitter, registerKernel, type KernelEmitter, type CompiledKernel, type KernelFactory } from "./codegen/emitter.js";
export { codeGenerationAvailable, setCodeGeneration, CodeGenerationUnavailableError } from "./codegen/emitter.js";
export { cacheLimits, setCacheLimits, clearCaches, type CacheLimits } from "./limits.js";
export { registerViewRule } from "./views.js";
export { compiledExecutor, installCompiledExecutor } from "./eager.js";
