// Which backend renders contractions: the JavaScript kernels or WebAssembly SIMD. "auto" (the
// default) uses WebAssembly where SIMD is available (./feature.ts) and the JS kernels elsewhere;
// "js" forces the JS kernels (the fallback, and the suite's second configuration). The choice is
// read when a kernel is compiled: `setBackend` empties the global caches (eager one-op programs,
// compiled kernels), while a jitted function keeps the kernels it has (`jitted.clearCache()`).
//
// Importing this module plugs the WebAssembly matmul into the matmul kernel factory
// (../kernels/matmul.ts `setMatmulAccelerator`), which serves jit, eager mode and the im2col
// convolution alike.

import { FluxionError, ValueError } from "../../errors.js";
import { type MatmulEpilogue, type MatmulSpec, setMatmulAccelerator } from "../kernels/matmul.js";
import { clearCaches } from "../limits.js";
import "./conv.js"; // plugs the WebAssembly direct convolution into the conv kernels
import { wasmSimdAvailable } from "./feature.js";
import { type Accumulation, type WasmMatmul, compileWasmMatmul } from "./matmul.js";
import { type TranscendentalPrecision, setTranscendentalPrecision, transcendentalPrecision } from "../../scalar/precision.js";
import { MAX_THREADS, setThreadsOption, threadsOption, validThreadCount } from "./threads/count.js";

/** A backend choice: "auto" (WebAssembly SIMD where available), "js" or "wasm". */
export type Backend = "auto" | "js" | "wasm";

/** Options of `setBackend`. */
export interface BackendOptions {
  /**
   * How float32 contractions (matmul, im2col convolution) sum on the WebAssembly backend:
   * "float64" (default) widens and sums in float64, bit for bit what the JS kernels and the
   * reference compute; "float32" sums in float32 with twice the SIMD lanes, within float32
   * rounding of the reference (about k·2⁻²⁴ relative to the sum of |products|).
   */
  readonly accumulation?: Accumulation;
  /**
   * Threads a large WebAssembly matmul (about 2²² multiply-adds and more: jit, eager and the
   * im2col convolution) splits its rows among, 1 to 64; 1 runs every kernel on the calling thread.
   * Results are bit for bit the same whatever the count. Default: the FLUXION_THREADS environment
   * variable in Node, else min(hardware concurrency, 4). Worker threads need a thread host (the
   * Node entry installs worker_threads; the browser entry runs one thread) and SharedArrayBuffer;
   * without them kernels use one thread whatever this says. Workers start with the first large
   * product and never keep a process alive.
   */
  readonly threads?: number;
  /**
   * How float32 exp, expm1, log, log1p, tanh and sigmoid (and what is built on them: softplus,
   * logSigmoid, elu, gelu, softmax, …) are computed, on every backend alike: "float64" (default)
   * computes in double and rounds once (≤ 0.501 ulp); "float32" computes every step in single
   * precision, twice the WebAssembly SIMD lanes, within the bound docs/compiler.md states ("Fast
   * float32 transcendentals": ≤ 2 ulp, ≤ 1.8e-7 relative). float64 tensors are unaffected. Read
   * when an operation is compiled: a function jitted before the change keeps its kernels until
   * `jitted.clearCache()` (where code generation is forbidden it has no kernels and follows the
   * setting at once). Pays off with WebAssembly SIMD; on the JS kernels it is slower.
   */
  readonly transcendentals?: "float64" | "float32";
}

let requested: Backend = "auto";
let accumulation: Accumulation = "float64";

/**
 * Chooses the backend of kernels compiled from now on. "wasm" throws where WebAssembly SIMD is
 * unavailable. Empties the global compiled caches (see the file comment).
 */
export function setBackend(backend: Backend, options: BackendOptions = {}): void {
  if (backend !== "auto" && backend !== "js" && backend !== "wasm") {
    throw new ValueError(`setBackend: backend must be "auto", "js" or "wasm", got ${JSON.stringify(backend)}`);
  }
  const keys = Object.keys(options ?? {});
  const unknown = keys.filter((k) => k !== "accumulation" && k !== "threads" && k !== "transcendentals");
  if (unknown.length > 0) throw new ValueError(`setBackend: unknown option ${JSON.stringify(unknown[0])} (expected "accumulation", "threads" or "transcendentals")`);
  const acc = options.accumulation ?? "float64";
  if (acc !== "float64" && acc !== "float32") throw new ValueError(`setBackend: accumulation must be "float64" or "float32", got ${JSON.stringify(acc)}`);
  const transcendentals = options.transcendentals === undefined ? "float64" : options.transcendentals;
  if (transcendentals !== "float64" && transcendentals !== "float32") {
    throw new ValueError(`setBackend: transcendentals must be "float64" or "float32", got ${JSON.stringify(transcendentals)}`);
  }
  const threads = options.threads;
  if (threads !== undefined && !validThreadCount(threads)) {
    throw new ValueError(`setBackend: threads must be a whole number from 1 to ${MAX_THREADS}, got ${typeof threads === "string" ? JSON.stringify(threads) : String(threads)}`);
  }
  if (backend === "wasm" && !wasmSimdAvailable()) {
    throw new FluxionError(`setBackend: backend "wasm" needs WebAssembly SIMD, which this platform does not offer; use "auto" or "js"`);
  }
  requested = backend;
  accumulation = acc;
  setTranscendentalPrecision(transcendentals);
  setThreadsOption(threads);
  clearCaches();
}

/** The backend and options last set (to restore them after a temporary change; `threads` undefined: the default). */
export function backendSetting(): { backend: Backend; options: { accumulation: Accumulation; threads: number | undefined; transcendentals: TranscendentalPrecision } } {
  return { backend: requested, options: { accumulation, threads: threadsOption(), transcendentals: transcendentalPrecision() } };
}

/** The backend kernels are compiled for now: "wasm" or "js". */
export function backendInUse(): "js" | "wasm" {
  if (requested === "js") return "js";
  return wasmSimdAvailable() ? "wasm" : "js";
}

/** The accumulation of float32 contractions on the WebAssembly backend. */
export function contractionAccumulation(): Accumulation {
  return accumulation;
}

/**
 * Whether the WebAssembly kernel pays for a product: its operands are packed (copied) into the
 * kernel memory and its result copied out, m·k + k·n + m·n moves against m·k·n multiply-adds. It
 * wins from about 8³ multiply-adds when each packed element is reused several times; a
 * matrix-vector product (m or n tiny) or a thin sum (k small) runs the JS kernel, which reads its
 * operands in place (measured: docs/performance.md, "WebAssembly matmul").
 */
export function wasmMatmulPays(spec: MatmulSpec): boolean {
  const { m, k, n } = spec;
  return m * k * n >= 4096 && k >= 8 && (m * n) / (m + n) >= 4;
}

function wasmMatmul(spec: MatmulSpec, epilogue: MatmulEpilogue | undefined): { kernel: WasmMatmul["kernel"]; source: string; emitter: string } | null {
  if (backendInUse() !== "wasm" || !wasmMatmulPays(spec)) return null;
  const made = tryCompile(spec, epilogue);
  if (made === null) return null;
  return { kernel: made.kernel, source: made.source, emitter: `wasm-matmul-${made.plan.accumulation === "float32" ? "f32x4" : "f64x2"}` };
}

/** The WebAssembly kernel, or null where the engine refuses the module (the JS kernel runs). */
function tryCompile(spec: MatmulSpec, epilogue: MatmulEpilogue | undefined): WasmMatmul | null {
  try {
    return compileWasmMatmul(spec, epilogue, accumulation);
  } catch (err) {
    // The source guard's and the code-generation errors keep their meaning for the caller; an
    // engine's refusal (a CompileError, a main-thread size limit's RangeError) falls back to JS.
    if (err instanceof FluxionError) throw err;
    return null;
  }
}

setMatmulAccelerator({ compile: wasmMatmul, active: () => backendInUse() === "wasm" });
