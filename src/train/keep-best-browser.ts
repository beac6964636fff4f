// keepBest with no file system: the options must give a writer.

import { type Callback, type KeepBestOptions, keepBestWith } from "./callbacks.js";

/** Hands the parameters, state and optimiser state to `options.writer` whenever the monitored metric improves. */
export function keepBestInBrowser(options: KeepBestOptions): Callback {
  return keepBestWith(undefined, options);
}
