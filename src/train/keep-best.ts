// keepBest in Node: its default writer is fx.train.save, a safetensors file written atomically.

import { type Callback, type KeepBestOptions, keepBestWith } from "./callbacks.js";
import { save } from "./checkpoint.js";

/** Writes the parameters, state and optimiser state to `path` whenever the monitored metric improves. */
export function keepBest(options: KeepBestOptions): Callback {
  return keepBestWith({ save }, options);
}
