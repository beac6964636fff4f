// The messages between the page (main.ts) and the training worker (worker.ts).

/** What the page asks the worker. */
export type ToWorker =
  | { readonly type: "start" }
  | { readonly type: "stop" }
  /** Classify one 28×28 image, pixels in [0, 1]. */
  | { readonly type: "predict"; readonly pixels: Float32Array }
  | { readonly type: "save" }
  | { readonly type: "load"; readonly bytes: ArrayBuffer; readonly name: string };

/** Which kernels fluxion runs: generated JS (new Function) or the eval-free interpreter. */
export type Backend = "codegen" | "interpreter";

/** What the worker tells the page. */
export type FromWorker =
  /** The digits are loaded; `wasm`: whether WebAssembly SIMD runs (the page's CSP decides). */
  | { readonly type: "ready"; readonly backend: Backend; readonly wasm: boolean; readonly mode: string; readonly trainCount: number; readonly testCount: number }
  /**
   * After each training step: the batch's loss and accuracy, the step's time in ms, and the
   * speed over the last steps (test evaluations and the compiling first step left out).
   */
  | { readonly type: "step"; readonly step: number; readonly loss: number; readonly accuracy: number; readonly stepMs: number; readonly samplesPerSecond: number }
  /** The accuracy on held-out test digits, measured every so often and when training stops. */
  | { readonly type: "test"; readonly step: number; readonly accuracy: number }
  | { readonly type: "stopped"; readonly reason: string }
  | { readonly type: "prediction"; readonly probabilities: readonly number[] }
  | { readonly type: "saved"; readonly bytes: ArrayBuffer }
  | { readonly type: "loaded"; readonly name: string; readonly step: number }
  | { readonly type: "error"; readonly message: string };
