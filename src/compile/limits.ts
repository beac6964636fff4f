// How much the compiler keeps between calls. Every cache is bounded (least recently used entries
// go first); `setCacheLimits` changes the bounds for the whole process and `clearCaches` empties
// the global caches (a jitted function's own cache is emptied by `jitted.clearCache()`).

import * as schemas from "../options/schemas.js";
import { checkArg } from "../options/validate.js";

/** The bounds of the compiler's caches (see `fx.cacheLimits()`, `fx.setCacheLimits`). */
export interface CacheLimits {
  /** Signatures a jitted function keeps compiled, unless its `cacheLimit` option says otherwise. */
  jitEntries: number;
  /** One-op programs eager mode keeps compiled (keyed by primitive, params, operand shapes and dtypes). */
  eagerEntries: number;
  /** Distinct kernel sources kept compiled (identical sources share one compiled function). */
  kernelSources: number;
  /**
   * Bytes of planned intermediate buffers kept allocated between calls, over all compiled
   * programs. The least recently run programs give theirs up first and allocate them again when
   * they run next; a program larger than the budget keeps its own buffers while it is the newest.
   */
  workspaceBytes: number;
}

/** The bounds a process starts with. */
export const DEFAULT_CACHE_LIMITS: Readonly<CacheLimits> = Object.freeze({
  jitEntries: 32,
  eagerEntries: 512,
  kernelSources: 1024,
  workspaceBytes: 64 * 2 ** 20,
});

const limits: CacheLimits = { ...DEFAULT_CACHE_LIMITS };
const trimmers: (() => void)[] = [];
const clearers: (() => void)[] = [];

/** The current bounds of the compiler's caches (read-only; change them with `setCacheLimits`). */
export function cacheLimits(): Readonly<CacheLimits> {
  return limits;
}

/** Changes some of the bounds (non-negative integers); caches over a new bound shrink at once. */
export function setCacheLimits(changes: Partial<CacheLimits>): void {
  Object.assign(limits, checkArg("setCacheLimits", "limits", schemas.CacheLimits, changes));
  for (const trim of trimmers) trim();
}

/** Empties the compiler's global caches (eager programs, kernel sources, resident workspaces). */
export function clearCaches(): void {
  for (const clear of clearers) clear();
}

/** Called by each global cache once, so that new limits and `clearCaches` reach it. */
export function registerCache(trim: () => void, clear: () => void): void {
  trimmers.push(trim);
  clearers.push(clear);
}
