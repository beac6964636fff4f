// The one WebAssembly.Memory all generated kernels import ("env"."memory"). Kernels run one at a
// time and never call each other, so they share it as scratch from byte 0: a kernel asks for the
// bytes it needs (`ensureScratch`) before it runs, packs its operands there and reads its results
// back. Growing the memory detaches the old ArrayBuffer, so typed-array views are taken through
// `scratchF32`/`scratchF64`, which are re-made only after a growth (no allocation per call).

import { type WasmImports, type WasmMemory, webAssembly } from "./api.js";

const PAGE = 65536;
/** 4 GiB is the 32-bit address space; stay well below it. */
const MAX_PAGES = 32768;

let memory: WasmMemory | null = null;
let viewBuffer: ArrayBuffer | null = null;
let f32 = new Float32Array(0);
let f64 = new Float64Array(0);

/** The shared memory (created on first use, one page). */
export function kernelMemory(): WasmMemory {
  if (memory === null) memory = new (webAssembly()!.Memory)({ initial: 1, maximum: MAX_PAGES });
  return memory;
}

/** Grows the shared memory to at least `bytes` bytes. Throws a RangeError beyond the 2 GiB cap. */
export function ensureScratch(bytes: number): void {
  const mem = kernelMemory();
  const have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / PAGE));
}

function refresh(): void {
  const buffer = kernelMemory().buffer;
  if (buffer !== viewBuffer) {
    viewBuffer = buffer;
    f32 = new Float32Array(buffer);
    f64 = new Float64Array(buffer);
  }
}

/** A Float32Array over the whole shared memory (valid until the next `ensureScratch`). */
export function scratchF32(): Float32Array {
  refresh();
  return f32;
}

/** A Float64Array over the whole shared memory (valid until the next `ensureScratch`). */
export function scratchF64(): Float64Array {
  refresh();
  return f64;
}

/** The import object a kernel module is instantiated with. */
export function kernelImports(): WasmImports {
  return { env: { memory: kernelMemory() } };
}

/** Largest memory a module may import (pages), for the import declaration. */
export const KERNEL_MEMORY_MAX_PAGES = MAX_PAGES;
