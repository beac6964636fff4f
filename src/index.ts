// fluxion: functional, immutable tensors with trace, grad and jit (the Node entry).

export * from "./core.js";

// data sets, their file formats, preprocessing and splits (Node: file loaders)
export * as data from "./data/index.js";

// the training loop, its callbacks, evaluation and charts (Node: progress and checkpoint files)
export * as train from "./train/index.js";

// WebAssembly kernels may split large products across worker_threads (a browser stays on one thread)
import { installNodeThreads } from "./node/worker-threads.js";
installNodeThreads();
