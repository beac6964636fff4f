// The boundary between "which kernels over which buffers" (passes, lowering, memory plan) and
// "the code of one kernel". An emitter turns a KernelSpec into a CompiledKernel; emitters are
// tried in order, so a faster one (e.g. WebAssembly SIMD for contractions) is plugged in with
// `registerEmitter(e, { first: true })` without touching the passes. Primitives without a fused
// lowering get a kernel by their `lowering.kernel` class (`registerKernel`), or run their
// reference evaluation.

import type { TypedArray } from "../../tensor/dtype.js";
import type { KernelSpec } from "../lower.js";
import { checkKernelSource } from "./safety.js";

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

const factoryCache = new Map<string, KernelFn>();

/**
 * Compiles checked kernel source. `body` must define `kernel(ins, out)` and return it; the factory
 * receives `scratch` as `sc`. Identical sources share one compiled function (kernels run one at a
 * time, so sharing their scratch is safe).
 */
export function compileKernelSource(body: string, scratchSize = 0): KernelFn {
  const key = `${scratchSize}|${body}`;
  let fn = factoryCache.get(key);
  if (fn === undefined) {
    checkKernelSource(body);
    const factory = new Function("sc", `"use strict";\n${body}`) as (sc: Float64Array) => KernelFn;
    fn = factory(new Float64Array(scratchSize));
    factoryCache.set(key, fn);
  }
  return fn;
}

/** Number of distinct kernel sources compiled so far (tests watch it for caching). */
export function compiledSourceCount(): number {
  return factoryCache.size;
}
