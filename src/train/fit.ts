// fit in Node: the loop of loop.ts with a cli-progress bar on a terminal, and Ctrl-C asking to
// stop after the current step (a second Ctrl-C quits at once). fit yields to the event loop
// between steps (setImmediate) so that the signal is seen.

import type { Dataset, Split } from "../data/dataset.js";
import type { Layer, Tree } from "../nn/layers/layer.js";
import { type FitHost, type FitOptions, type FitResult, runFit } from "./loop.js";
import { makeProgress, resolveVerbosity } from "./progress.js";

export type { FitOptions, FitResult } from "./loop.js";

const nodeHost: FitHost = {
  progress: (verbose, log) => makeProgress(resolveVerbosity(verbose), log),
  tick: () => new Promise((resolve) => setImmediate(resolve)),
  listenForInterrupt(interrupt) {
    let interrupts = 0;
    const onSigint = () => {
      if (++interrupts > 1) process.exit(130);
      interrupt();
    };
    process.on("SIGINT", onSigint);
    return () => void process.removeListener("SIGINT", onSigint);
  },
};

/**
 * Trains `model` on `data` and returns the final parameters, state, optimiser state and
 * history; the params and state have the model's types.
 *
 * @example
 * const model = fx.nn.layers.serial(dense(32), relu(), dense(10));
 * const { params, history } = await fx.train.fit(model, data, { optimizer: fx.optim.adam(1e-3), epochs: 3, batchSize: 64 });
 */
export function fit<P = Tree, S = Tree>(model: Layer<P, S>, data: Dataset | { train: Split; validation?: Split }, options: FitOptions<P, S>): Promise<FitResult<P, S>>;
export function fit(model: Layer, data: Dataset | { train: Split; validation?: Split }, options: FitOptions): Promise<FitResult> {
  return runFit(nodeHost, model, data, options);
}

/** The training step fit compiles, for tests and tools that want to inspect it. */
export { makeTrainStep } from "./steps.js";
