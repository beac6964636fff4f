// What the thread pool needs from its host, injected so the core stays host-neutral: the Node
// entry (src/index.ts) installs a worker_threads host (src/node/worker-threads.ts); a browser
// could install a Web Worker one where `crossOriginIsolated` is true. Without a host, kernels run
// on the calling thread only.

/** A started worker. */
export interface ThreadWorker {
  /** Posts a structured-cloneable message (it may hold a shared WebAssembly.Memory and Modules). */
  postMessage(message: unknown): void;
}

/** How the core starts worker threads on this host. */
export interface ThreadHost {
  /** Logical processors available (e.g. `os.availableParallelism()`, `navigator.hardwareConcurrency`). */
  readonly concurrency: number;
  /**
   * Starts a worker running `script`, a self-contained classic script that defines a global
   * function `fluxionThreadMessage(data)`: the host passes it the data of every message posted to
   * the worker. The worker must not keep the process alive (Node: `worker.unref()`).
   */
  spawn(script: string): ThreadWorker;
  /** The `FLUXION_THREADS` setting of the environment, if the host has one. */
  threadsSetting?(): string | undefined;
  /**
   * Whether the calling thread may block in `Atomics.wait` (Node's main thread may; a browser's
   * main thread may not, and spins instead while it waits for the workers).
   */
  readonly canBlock: boolean;
}

let host: ThreadHost | null = null;

/** Installs the host the thread pool uses (null: no worker threads). */
export function setThreadHost(h: ThreadHost | null): void {
  host = h;
}

/** The installed host, or null. */
export function threadHost(): ThreadHost | null {
  return host;
}
