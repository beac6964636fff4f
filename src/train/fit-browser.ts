// fit where there is no Node (a browser page, a Web Worker): the loop of loop.ts with progress
// as plain lines (or nothing, or your own callback), no terminal bar and no Ctrl-C. Between
// steps it yields a full task (a MessageChannel message, not clamped like setTimeout), so a
// worker's onmessage — a stop button, a prediction request — runs while training goes on;
// stop from a callback with ctx.stop(reason).

import type { Dataset, Split } from "../data/dataset.js";
import { ValueError } from "../errors.js";
import type { Layer, Tree } from "../nn/layers/layer.js";
import { plainProgress } from "./epoch-lines.js";
import { type FitHost, type FitOptions, type FitResult, runFit } from "./loop.js";

/** The part of a MessagePort used here (the DOM's; Node's global one has it too). */
interface Port {
  onmessage: (() => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/** Resolves on the next task: one message through a MessageChannel. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const [receive, send] = [channel.port1 as unknown as Port, channel.port2 as unknown as Port];
    receive.onmessage = () => {
      receive.close();
      send.close();
      resolve();
    };
    send.postMessage(undefined);
  });
}

const browserHost: FitHost = {
  progress(verbose, log) {
    if (verbose === "bar") throw new ValueError('fit: verbose "bar" draws on a terminal (Node only); here use "lines", "silent" or a callback');
    return plainProgress(verbose === false || verbose === "silent" ? "silent" : "lines", log);
  },
  tick: nextTask,
  listenForInterrupt: () => () => {},
};

/**
 * Trains `model` on `data` and returns the final parameters, state, optimiser state and history
 * (the same loop as Node's fit; `verbose` "auto" means one `log` line per epoch).
 */
export function fit<P = Tree, S = Tree>(model: Layer<P, S>, data: Dataset | { train: Split; validation?: Split }, options: FitOptions<P, S>): Promise<FitResult<P, S>>;
export function fit(model: Layer, data: Dataset | { train: Split; validation?: Split }, options: FitOptions): Promise<FitResult> {
  return runFit(browserHost, model, data, options);
}

export type { FitOptions, FitResult } from "./loop.js";
