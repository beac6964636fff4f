// The planned intermediate buffers of a compiled program (its workspace) are not pinned by the
// program. Workspaces of recently run programs stay allocated, so a steady-state call allocates
// nothing but its outputs; when the resident workspaces exceed the byte budget
// (`cacheLimits().workspaceBytes`), the least recently run give theirs up and allocate them again
// if they run again. A workspace in use by a running program is never released (a kernel's
// reference evaluation may run other compiled programs).
//
// Under the WebAssembly backend a workspace's buffers are views of one region of the kernel memory
// (./wasm/arena.ts), so WebAssembly kernels read and write them in place. The region never moves
// while allocated; a growth of the memory detaches plain views, so `refreshWorkspace` re-makes
// them (at the same addresses) when the memory has grown since they were made.

import { type DType, type TypedArray, allocArray } from "../tensor/dtype.js";
import { cacheLimits, registerCache } from "./limits.js";
import { allocateRegion, freeRegion, regionBytes } from "./wasm/arena.js";
import { kernelBuffer, memoryGrowths } from "./wasm/memory.js";

export interface BufferSpec {
  readonly dtype: DType;
  readonly size: number;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Where each buffer of an arena workspace starts in its region (64-byte aligned), and the region's size. */
function arenaLayout(buffers: readonly BufferSpec[]): { offsets: number[]; bytes: number } {
  const offsets: number[] = [];
  let end = 0;
  for (const b of buffers) {
    offsets.push(end);
    end += regionBytes(b.size * BYTES[b.dtype]);
  }
  return { offsets, bytes: end };
}

export class Workspace {
  readonly bytes: number;
  /** The arrays while resident, else null. */
  arrays: TypedArray[] | null = null;
  /** Runs of the owning program in progress. */
  busy = 0;
  /** Byte address of the region in the kernel memory (arena workspaces while resident), else -1. */
  region = -1;
  /** `memoryGrowths()` when the arrays were made (arena workspaces). */
  boundAt = -1;
  private readonly offsets: readonly number[];

  /**
   * `bind` receives the new arrays when they are allocated (or re-made after a growth of the kernel
   * memory) and null when they are released. `arena`: the buffers live in the kernel memory.
   */
  constructor(
    readonly buffers: readonly BufferSpec[],
    readonly bind: (arrays: readonly TypedArray[] | null) => void,
    readonly arena = false,
  ) {
    if (arena) {
      const layout = arenaLayout(buffers);
      this.offsets = layout.offsets;
      this.bytes = layout.bytes;
    } else {
      this.offsets = [];
      this.bytes = buffers.reduce((s, b) => s + b.size * BYTES[b.dtype], 0);
    }
  }

  /** Typed views of the region's buffers over the kernel memory's current buffer. */
  viewRegion(): TypedArray[] {
    const buffer = kernelBuffer();
    this.boundAt = memoryGrowths();
    return this.buffers.map((b, k) => {
      const at = this.region + this.offsets[k]!;
      switch (b.dtype) {
        case "float32":
          return new Float32Array(buffer, at, b.size);
        case "float64":
          return new Float64Array(buffer, at, b.size);
        case "int32":
          return new Int32Array(buffer, at, b.size);
        default:
          return new Uint8Array(buffer, at, b.size);
      }
    });
  }
}

/** Re-makes an arena workspace's views if the kernel memory grew since they were made (plain views are then detached). */
export function refreshWorkspace(ws: Workspace): void {
  if (ws.arena && ws.arrays !== null && ws.boundAt !== memoryGrowths()) {
    ws.arrays = ws.viewRegion();
    ws.bind(ws.arrays);
  }
}

/** Resident workspaces, least recently run first. */
const resident = new Set<Workspace>();
let residentBytes = 0;
let newest: Workspace | null = null;

/** Makes `ws`'s arrays available (allocating them if they were released) and marks it used. */
export function acquireWorkspace(ws: Workspace): void {
  if (ws === newest) return;
  if (ws.arrays === null) {
    if (ws.arena) {
      // Give up older workspaces first, so their regions can be reused rather than the arena grown.
      trimWorkspaces(ws.bytes);
      ws.region = allocateRegion(ws.bytes);
      ws.arrays = ws.viewRegion();
    } else ws.arrays = ws.buffers.map((b) => allocArray(b.dtype, b.size));
    ws.bind(ws.arrays);
    residentBytes += ws.bytes;
  } else resident.delete(ws);
  resident.add(ws);
  newest = ws;
  trimWorkspaces();
}

/** Drops `ws`'s arrays (its program allocates them again when it next runs). */
export function releaseWorkspace(ws: Workspace): void {
  if (ws.arrays === null || ws.busy > 0) return;
  resident.delete(ws);
  residentBytes -= ws.bytes;
  ws.arrays = null;
  if (ws.arena) {
    freeRegion(ws.region, ws.bytes);
    ws.region = -1;
  }
  ws.bind(null);
  if (newest === ws) newest = null;
}

/** Total bytes of the workspaces now allocated. */
export function residentWorkspaceBytes(): number {
  return residentBytes;
}

function trimWorkspaces(incoming = 0): void {
  const budget = cacheLimits().workspaceBytes;
  for (const ws of resident) {
    if (residentBytes + incoming <= budget) break;
    if (ws !== newest) releaseWorkspace(ws);
  }
}

registerCache(() => trimWorkspaces(), () => {
  for (const ws of [...resident]) releaseWorkspace(ws);
});
