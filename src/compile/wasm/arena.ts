// The arena: regions of the kernel memory (./memory.ts) that hold programs' planned buffers, from
// byte 0 up to `scratchBase()`. A region never moves while allocated (a running program's views
// stay where they are; only their buffer object is re-made after a growth). Free space is a
// sorted list of holes, taken first-fit and merged with its neighbours when freed; a hole at the
// end gives its bytes back to scratch. The memory itself never shrinks (WebAssembly cannot).

import { scratchBase, setArenaEnd } from "./memory.js";

/** Regions start on 64-byte boundaries (a cache line; any element type and v128 load aligns). */
const ALIGN = 64;

interface Hole {
  at: number;
  bytes: number;
}

/** Free holes below the arena's end, by address, never adjacent. */
const holes: Hole[] = [];
let allocated = 0;

/** Bytes a region of `bytes` takes in the arena. */
export function regionBytes(bytes: number): number {
  return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
}

/**
 * Allocates a region of at least `bytes` bytes and returns its byte address. May grow the kernel
 * memory (detaching plain views of it) and moves scratch above the new end when it extends the arena.
 */
export function allocateRegion(bytes: number): number {
  const size = regionBytes(bytes);
  allocated += size;
  for (let h = 0; h < holes.length; h++) {
    const hole = holes[h]!;
    if (hole.bytes < size) continue;
    const at = hole.at;
    if (hole.bytes === size) holes.splice(h, 1);
    else {
      hole.at += size;
      hole.bytes -= size;
    }
    return at;
  }
  const at = scratchBase();
  try {
    setArenaEnd(at + size);
  } catch (err) {
    allocated -= size;
    setArenaEnd(at);
    throw err;
  }
  return at;
}

/** Frees the region at `at` that `allocateRegion(bytes)` returned. */
export function freeRegion(at: number, bytes: number): void {
  const size = regionBytes(bytes);
  allocated -= size;
  let h = 0;
  while (h < holes.length && holes[h]!.at < at) h++;
  holes.splice(h, 0, { at, bytes: size });
  // Merge with the following hole, then with the preceding one.
  const next = holes[h + 1];
  if (next !== undefined && at + size === next.at) {
    holes[h]!.bytes += next.bytes;
    holes.splice(h + 1, 1);
  }
  const prev = holes[h - 1];
  if (prev !== undefined && prev.at + prev.bytes === at) {
    prev.bytes += holes[h]!.bytes;
    holes.splice(h, 1);
    h--;
  }
  const last = holes[holes.length - 1];
  if (last !== undefined && last.at + last.bytes === scratchBase()) {
    holes.pop();
    setArenaEnd(last.at);
  }
}

/** Bytes of the regions allocated now, and the arena's extent (allocated plus holes). */
export function arenaUsage(): { allocated: number; extent: number } {
  return { allocated, extent: scratchBase() };
}
