// The planned intermediate buffers of a compiled program (its workspace) are not pinned by the
// program. Workspaces of recently run programs stay allocated, so a steady-state call allocates
// nothing but its outputs; when the resident workspaces exceed the byte budget
// (`cacheLimits().workspaceBytes`), the least recently run give theirs up and allocate them again
// if they run again. A workspace in use by a running program is never released (a kernel's
// reference evaluation may run other compiled programs).

import { type DType, type TypedArray, allocArray } from "../tensor/dtype.js";
import { cacheLimits, registerCache } from "./limits.js";

export interface BufferSpec {
  readonly dtype: DType;
  readonly size: number;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

export class Workspace {
  readonly bytes: number;
  /** The arrays while resident, else null. */
  arrays: TypedArray[] | null = null;
  /** Runs of the owning program in progress. */
  busy = 0;

  /** `bind` receives the new arrays when they are allocated and null when they are released. */
  constructor(
    readonly buffers: readonly BufferSpec[],
    readonly bind: (arrays: readonly TypedArray[] | null) => void,
  ) {
    this.bytes = buffers.reduce((s, b) => s + b.size * BYTES[b.dtype], 0);
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
    ws.arrays = ws.buffers.map((b) => allocArray(b.dtype, b.size));
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
  ws.bind(null);
  if (newest === ws) newest = null;
}

/** Total bytes of the workspaces now allocated. */
export function residentWorkspaceBytes(): number {
  return residentBytes;
}

function trimWorkspaces(): void {
  const budget = cacheLimits().workspaceBytes;
  for (const ws of resident) {
    if (residentBytes <= budget) break;
    if (ws !== newest) releaseWorkspace(ws);
  }
}

registerCache(trimWorkspaces, () => {
  for (const ws of [...resident]) releaseWorkspace(ws);
});
