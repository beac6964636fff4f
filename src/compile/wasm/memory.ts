// The one WebAssembly.Memory all generated kernels import ("env"."memory"). Kernels run one at a
// time and never call each other, so they share it as scratch from byte 0: a kernel asks for the
// bytes it needs (`ensureScratch`) before it runs, packs its operands there and reads its results
// back. Growing a memory replaces its buffer (a plain one is detached, a shared one only
// outgrown), so typed-array views are taken through `scratchF32`/`scratchF64`, which are re-made
// only after a growth (no allocation per call).
//
// Where a thread host is installed (./threads/host.ts) and SharedArrayBuffer exists, the memory is
// shared (backed by a SharedArrayBuffer) so worker threads can run parts of a kernel over it; a
// module importing it must then declare the import shared: declare it with `kernelMemoryLimits()`.
// Elsewhere it is an ordinary memory and kernels run on the calling thread.

import type { DType, TypedArray } from "../../tensor/dtype.js";
import { type WasmImports, type WasmMemory, webAssembly } from "./api.js";
import type { MemoryLimits } from "./module.js";
import { threadHost } from "./threads/host.js";

const PAGE = 65536;
/** 4 GiB is the 32-bit address space; stay well below it. */
const MAX_PAGES = 32768;

let memory: WasmMemory | null = null;
let shared = false;
let viewBuffer: ArrayBuffer | null = null;
let f32 = new Float32Array(0);
let f64 = new Float64Array(0);
let i32 = new Int32Array(0);
let u8 = new Uint8Array(0);

/** The kernel memory (created on first use, one page; see the file comment for when it is shared). */
export function kernelMemory(): WasmMemory {
  if (memory === null) {
    const api = webAssembly()!;
    if (threadHost() !== null && typeof SharedArrayBuffer === "function" && typeof Atomics === "object") {
      try {
        memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
        shared = true;
      } catch {
        // The engine refuses shared memories (or their address-space reservation): one thread.
      }
    }
    if (memory === null) memory = new api.Memory({ initial: 1, maximum: MAX_PAGES });
  }
  return memory;
}

/** Whether the kernel memory is shared (worker threads can run kernels over it). */
export function kernelMemoryShared(): boolean {
  kernelMemory();
  return shared;
}

/** The limits a module's import of the kernel memory must declare (shared or not, as it is). */
export function kernelMemoryLimits(): MemoryLimits {
  return { initial: 1, maximum: MAX_PAGES, shared: kernelMemoryShared() };
}

/**
 * The byte address where a kernel's scratch starts (16-byte aligned). A kernel reads it once per
 * call, after `ensureScratch`, and addresses its scratch from there; it is 0 today.
 */
export function scratchBase(): number {
  return 0;
}

/** Grows the kernel memory so that `bytes` bytes of scratch fit from `scratchBase()`. Throws a RangeError beyond the cap. */
export function ensureScratch(bytes: number): void {
  const mem = kernelMemory();
  const need = scratchBase() + bytes;
  const have = mem.buffer.byteLength;
  if (need > have) mem.grow(Math.ceil((need - have) / PAGE));
}

function refresh(): void {
  const buffer = kernelMemory().buffer;
  if (buffer !== viewBuffer) {
    viewBuffer = buffer;
    f32 = new Float32Array(buffer);
    f64 = new Float64Array(buffer);
    i32 = new Int32Array(buffer);
    u8 = new Uint8Array(buffer);
  }
}

/** A Float32Array over the whole kernel memory (valid until the next `ensureScratch`). */
export function scratchF32(): Float32Array {
  refresh();
  return f32;
}

/** A Float64Array over the whole kernel memory (valid until the next `ensureScratch`). */
export function scratchF64(): Float64Array {
  refresh();
  return f64;
}

/** A view of the whole kernel memory holding `dtype`'s elements (bool as bytes; valid until the next `ensureScratch`). */
export function scratchOf(dtype: DType): TypedArray {
  refresh();
  return dtype === "float32" ? f32 : dtype === "float64" ? f64 : dtype === "int32" ? i32 : u8;
}

/** The import object a kernel module is instantiated with. */
export function kernelImports(): WasmImports {
  return { env: { memory: kernelMemory() } };
}

/** Largest memory a module may import (pages), for the import declaration. */
export const KERNEL_MEMORY_MAX_PAGES = MAX_PAGES;
