// The boundary between "which kernels over which buffers" (passes, lowering, memory plan) and
// "the code of one kernel". An emitter turns a KernelSpec into a CompiledKernel; emitters are
// tried in order, so a faster one (e.g. WebAssembly SIMD for contractions) is plugged in with
// `registerEmitter(e, { first: true })` without touching the passes. Primitives without a fused
// lowering get a kernel by their `lowering.kernel` class (`registerKernel`), or run their
// reference evaluation.

import type { TypedArray } from "../../tensor/dtype.js";
import type { KernelSpec } from "../lower.js";
import { FluxionError, ValueError } from "../../errors.js";
import { cacheLimits, registerCache } from "../limits.js";
import { LruCache } from "../lru.js";
import { UnsafeSourceError, checkKernelSource, isCompilerName } from "./safety.js";
import { RENDER_ARRAYS } from "../scalar/render-js.js";

export type KernelFn = (ins: readonly TypedArray[], out: TypedArray) => void;

export interface CompiledKernel {
  readonly run: KernelFn;
  /** Readable source (or a description) for `explain`. */
  readonly source: string;
  /** Which emitter made it. */
  readonly emitter: string;
}

export interface KernelEmitter {
  readonly name: string;
  /** The kernel for `spec`, or null when this emitter does not handle it. */
  emit(spec: KernelSpec): CompiledKernel | null;
}

const emitters: KernelEmitter[] = [];

export function registerEmitter(e: KernelEmitter, options: { first?: boolean } = {}): void {
  if (options.first) emitters.unshift(e);
  else emitters.push(e);
}

export function emitKernel(spec: KernelSpec): CompiledKernel {
  for (const e of emitters) {
    const k = e.emit(spec);
    if (k !== null) return k;
  }
  throw new Error(`codegen: no emitter handles a ${spec.kind} kernel`);
}

/** A kernel for one primitive class, made from the call's spec. */
export type KernelFactory = (spec: Extract<KernelSpec, { kind: "call" }>) => CompiledKernel;
const kernelFactories = new Map<string, KernelFactory>();

/** Plugs a compiled kernel in for every primitive whose `lowering.kernel` is `kernelClass`. */
export function registerKernel(kernelClass: string, factory: KernelFactory): void {
  kernelFactories.set(kernelClass, factory);
}

export function kernelFactoryFor(kernelClass: string): KernelFactory | undefined {
  return kernelFactories.get(kernelClass);
}

/** A kernel for a contraction of one class with its fused elementwise epilogue (maybe just `acc`). */
export type EpilogueKernelFactory = (spec: Extract<KernelSpec, { kind: "contraction" }>) => CompiledKernel;
const epilogueFactories = new Map<string, EpilogueKernelFactory>();

/**
 * Plugs in the kernel for every `contraction` spec whose root has `lowering.kernel` = `kernelClass`
 * (a primitive whose lowering declares `epilogue: true` must have one).
 */
export function registerEpilogueKernel(kernelClass: string, factory: EpilogueKernelFactory): void {
  epilogueFactories.set(kernelClass, factory);
}

export function epilogueKernelFor(kernelClass: string): EpilogueKernelFactory | undefined {
  return epilogueFactories.get(kernelClass);
}

/**
 * The one place fluxion turns text into code. `body` is checked by the source guard first, and
 * the parameters (arrays, for the guard) must be names of the compiler's scheme.
 * Throws `CodeGenerationUnavailableError` where the platform forbids generating code.
 */
export function compileCheckedSource(params: readonly string[], body: string): (...args: never[]) => unknown {
  for (const p of params) if (!isCompilerName(p)) throw new UnsafeSourceError(`codegen: parameter ${JSON.stringify(p)} is not a compiler-made name`);
  // Every source may also read the scalar renderer's arrays (powers of two, bit views, scratch).
  const shared = Object.keys(RENDER_ARRAYS);
  checkKernelSource(body, params);
  try {
    const outer = new Function(...shared, `"use strict";\nreturn function (${params.join(", ")}) {\n${body}\n};`);
    return outer(...Object.values(RENDER_ARRAYS)) as (...args: never[]) => unknown;
  } catch (err) {
    if (err instanceof EvalError) throw new CodeGenerationUnavailableError("codegen: this platform forbids generating code (e.g. a Content-Security-Policy without 'unsafe-eval')");
    throw err;
  }
}

export class CodeGenerationUnavailableError extends FluxionError {}

let codeGeneration: boolean | undefined;
let forcedOff = false;

/**
 * Whether kernels can be generated here. Probed once: where `new Function` throws an EvalError
 * (`node --disallow-code-generation-from-strings`, a strict Content-Security-Policy), jit and
 * eager mode run every equation through its primitive's reference evaluation instead.
 */
export function codeGenerationAvailable(): boolean {
  if (forcedOff) return false;
  if (codeGeneration === undefined) {
    try {
      codeGeneration = (compileCheckedSource([], "return 1;") as () => number)() === 1;
    } catch (err) {
      if (!(err instanceof CodeGenerationUnavailableError)) throw err;
      codeGeneration = false;
    }
  }
  return codeGeneration;
}

/**
 * `"off"` makes the compiler behave as where code generation is forbidden (for tests, and for
 * hosts that want no generated code); `"auto"` (the default) uses it where the platform allows.
 * Programs compiled before the change keep the kernels they were compiled with.
 */
export function setCodeGeneration(mode: "auto" | "off"): void {
  if (mode !== "auto" && mode !== "off") throw new ValueError(`setCodeGeneration: expected "auto" or "off", got ${JSON.stringify(mode)}`);
  forcedOff = mode === "off";
}

/** Compiled kernels by source, least recently used first (`cacheLimits().kernelSources`). */
const factoryCache = new LruCache<string, KernelFn>(() => cacheLimits().kernelSources);
registerCache(() => factoryCache.trim(), () => factoryCache.clear());

/**
 * Compiles checked kernel source. `body` must define `kernel(ins, out)` and return it; the factory
 * receives `scratch` as `sc`. Identical sources share one compiled function (kernels run one at a
 * time, so sharing their scratch is safe).
 */
export function compileKernelSource(body: string, scratchSize = 0): KernelFn {
  const key = `${scratchSize}|${body}`;
  let fn = factoryCache.get(key);
  if (fn === undefined) {
    const factory = compileCheckedSource(["sc"], body) as (sc: Float64Array) => KernelFn;
    fn = factory(new Float64Array(scratchSize));
    factoryCache.set(key, fn);
  }
  return fn;
}

/** Number of distinct kernel sources held compiled now (tests watch it for caching). */
export function compiledSourceCount(): number {
  return factoryCache.size;
}
