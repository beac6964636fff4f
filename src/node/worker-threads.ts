// The Node thread host (../compile/wasm/threads/host.ts): workers from node:worker_threads,
// unref'd so an idle pool never keeps a process alive, and FLUXION_THREADS from the environment.
// Node-only (imports a Node built-in); src/index.ts installs it.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type ThreadHost, setThreadHost } from "../compile/wasm/threads/host.js";

/** The worker_threads host. */
export const nodeThreadHost: ThreadHost = {
  concurrency: availableParallelism(),
  canBlock: true,
  spawn(script) {
    const source = `${script}\nrequire("node:worker_threads").parentPort.on("message", fluxionThreadMessage);\n`;
    const worker = new Worker(source, { eval: true });
    worker.unref();
    // A worker that dies only leaves the pool short of a helper (jobs never wait for a worker
    // that has not joined them); an unhandled "error" event would crash the process instead.
    worker.on("error", () => {});
    return worker;
  },
  threadsSetting: () => process.env["FLUXION_THREADS"],
};

/** Installs the worker_threads host (src/index.ts does, on import). */
export function installNodeThreads(): void {
  setThreadHost(nodeThreadHost);
}
