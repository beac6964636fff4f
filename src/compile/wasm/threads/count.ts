// How many threads a large WebAssembly kernel uses: the `threads` option of `setBackend` if set,
// else the host's FLUXION_THREADS setting, else min(hardware concurrency, 4). Where no thread host
// is installed or the kernel memory cannot be shared (no SharedArrayBuffer), one.

import { ValueError } from "../../../errors.js";
import { kernelMemoryShared } from "../memory.js";
import { threadHost } from "./host.js";

/** The most threads the option and FLUXION_THREADS accept. */
export const MAX_THREADS = 64;
/** The default's cap: measured up to 2 threads only; past 4 the copies into the kernel memory and the stores, on the calling thread, would dominate. */
const DEFAULT_CAP = 4;

let option: number | undefined;

/** Sets the `threads` option (undefined: the default). Validated by the caller (setBackend). */
export function setThreadsOption(threads: number | undefined): void {
  option = threads;
}

/** The `threads` option as set (undefined: the default). */
export function threadsOption(): number | undefined {
  return option;
}

/** Whether `x` is a valid thread count. */
export function validThreadCount(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= MAX_THREADS;
}

/** FLUXION_THREADS parsed; throws a ValueError naming the variable and its value when malformed. */
function environmentThreads(): number | undefined {
  const text = threadHost()?.threadsSetting?.();
  if (text === undefined || text.trim() === "") return undefined;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!validThreadCount(n)) throw new ValueError(`FLUXION_THREADS: expected a whole number from 1 to ${MAX_THREADS}, got ${JSON.stringify(text)}`);
  return n;
}

/** The threads a large kernel uses now (see the file comment). */
export function threadCount(): number {
  const host = threadHost();
  if (host === null) return 1;
  const wanted = option ?? environmentThreads() ?? Math.max(1, Math.min(DEFAULT_CAP, Math.floor(host.concurrency) || 1));
  if (wanted === 1 || !kernelMemoryShared()) return 1;
  return wanted;
}
