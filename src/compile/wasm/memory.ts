// The one WebAssembly.Memory all generated kernels import ("env"."memory"). It holds two things:
// - the arena, from byte 0: regions that programs' planned buffers live in (./arena.ts allocates
//   them; ../workspace.ts views them), so kernels read and write them in place;
// - scratch, above the arena (`scratchBase()`): kernels run one at a time and never call each
//   other, so they share it: a kernel asks for the bytes it needs (`ensureScratch`) before it
//   runs, packs its operands there and reads its results back.
// Growing a memory replaces its buffer (a plain one is detached, a shared one only outgrown), so
// typed-array views are taken through `scratchF32`/`scratchF64`, which are re-made only after a
// growth (no allocation per call), and holders of longer-lived views (workspaces) compare
// `memoryGrowths()` with the count they bound at and re-make theirs. To keep growth out of
// steady-state runs, the memory is kept at least the arena plus the largest scratch ever asked
// for (`reserveScratch`, `ensureReserved`).
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
/** Bytes from 0 the arena spans (16-byte aligned); scratch starts here. */
let arenaEnd = 0;
/** The largest scratch any kernel has asked for or announced. */
let scratchHigh = 0;
let growths = 0;

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
 * The byte address where a kernel's scratch starts (16-byte aligned): the end of the arena. A
 * kernel reads it once per call, after `ensureScratch`, and addresses its scratch from there (it
 * moves when programs' buffers are allocated or freed, never while a kernel runs).
 */
export function scratchBase(): number {
  return arenaEnd;
}

/** Grows the kernel memory so that `bytes` bytes of scratch fit from `scratchBase()`. Throws a RangeError beyond the cap. */
export function ensureScratch(bytes: number): void {
  if (bytes > scratchHigh) scratchHigh = bytes;
  growTo(arenaEnd + bytes);
}

/** Records that a kernel will ask for `bytes` of scratch, so `ensureReserved` makes room before it runs. */
export function reserveScratch(bytes: number): void {
  if (bytes > scratchHigh) scratchHigh = bytes;
}

/** Grows the memory to hold the arena and the largest scratch recorded (a program calls it before it runs). */
export function ensureReserved(): void {
  growTo(arenaEnd + scratchHigh);
}

/** How many times the kernel memory has grown: views of it taken at another count may be detached. */
export function memoryGrowths(): number {
  return growths;
}

/** Moves the end of the arena (./arena.ts), growing the memory to hold it and the recorded scratch. */
export function setArenaEnd(bytes: number): void {
  arenaEnd = bytes;
  growTo(arenaEnd + scratchHigh);
}

/** The kernel memory's buffer now (re-read after a growth). */
export function kernelBuffer(): ArrayBuffer {
  refresh();
  return viewBuffer!;
}

function growTo(need: number): void {
  const mem = kernelMemory();
  const have = mem.buffer.byteLength;
  if (need > have) {
    mem.grow(Math.ceil((need - have) / PAGE));
    growths++;
  }
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
