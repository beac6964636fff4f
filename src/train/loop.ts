// The fit loop, with no Node in it: trains a fx.nn model on a data set. Each epoch runs ONE
// jitted training step over padded, masked minibatches (compiled once: the update scale, the
// batch and the key are inputs), then evaluates the validation split with one jitted
// evaluation step. The keys of initialisation, shuffling and dropout all derive from `key`, so
// a run is reproducible bit for bit. The host (fit.ts in Node, fit-browser.ts elsewhere) says
// how progress is shown, how to yield to the event loop between steps (so that a signal or a
// worker's message is seen) and how an interrupt arrives.

import * as t from "io-ts";
import { batchCount, batches, splitSize } from "../data/batches.js";
import type { Dataset, Split } from "../data/dataset.js";
import { ValueError } from "../errors.js";
import { isLayer, type Layer, type Tree } from "../nn/layers/layer.js";
import { decodeOptions, optionsCodec } from "../nn/options.js";
import type { GradientTransformation } from "../optim/base.js";
import { foldIn, key as makeKey, splitKeys } from "../random/keys.js";
import { scalar } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Callback, TrainingContext } from "./callbacks.js";
import { evaluateWith } from "./evaluate.js";
import type { EpochRecord } from "./history.js";
import type { Progress, Verbosity } from "./epoch-lines.js";
import { crossEntropy, makeEvalStep, makeTrainStep, type PerExampleLoss } from "./steps.js";

/**
 * Options of `fit`: the optimiser, epochs and batch size (required), and the loss, metrics,
 * validation, callbacks and the rest.
 *
 * @typeParam P - the model's parameter tree (for `initial`)
 * @typeParam S - the model's state tree (for `initial`)
 */
export interface FitOptions<P = Tree, S = Tree> {
  /** The optimiser (`fx.optim.adam(1e-3)`, …), run inside the jitted training step. */
  readonly optimizer: GradientTransformation;
  /** How many passes over the training split. */
  readonly epochs: number;
  /** Examples per step (the last batch is padded, so one compiled step serves every batch). */
  readonly batchSize: number;
  /** One loss per example, (outputs [B, …], labels [B]) → [B]. Default: softmax cross-entropy. */
  readonly loss?: PerExampleLoss;
  /** ["accuracy"] (default) records accuracy (outputs must be class scores); [] records the loss only. */
  readonly metrics?: readonly "accuracy"[];
  /** The split to validate on after every epoch (default: data.validation, if any). */
  readonly validation?: Split;
  /** Called after every step and epoch and at the end (early stopping, LR reduction, checkpoints, your own). */
  readonly callbacks?: readonly Callback[];
  /** The root of every random choice (init, shuffling, dropout). Default fx.random.key(0). */
  readonly key?: Tensor;
  /** "auto" (default: a bar on a terminal in Node, lines otherwise, under CI or in a browser), "bar" (Node only), "lines", "silent", or a boolean. */
  readonly verbose?: Verbosity | boolean;
  /** Where plain lines go (default console.log). */
  readonly log?: (line: string) => void;
  /** Continue from these instead of initialising (optState defaults to optimizer.init(params)). */
  readonly initial?: { readonly params: P; readonly state: S; readonly optState?: unknown };
  /** The dtype of fresh parameters. Default float32. */
  readonly dtype?: "float32" | "float64";
  /** Shuffle the training split every epoch. Default true. */
  readonly shuffle?: boolean;
}

/**
 * What `fit` returns: the trained parameters and state (of the model's types), the optimiser
 * state, the history of the epochs and why it stopped.
 */
export interface FitResult<P = Tree, S = Tree> {
  /** The trained parameters (of the best epoch when early stopping restores it). */
  readonly params: P;
  /** The layers' state (batch-norm statistics) after training. */
  readonly state: S;
  /** The optimiser's state, to continue training with `initial`. */
  readonly optState: unknown;
  /** One record per epoch: losses, accuracies, timing and the learning-rate scale. */
  readonly history: EpochRecord[];
  /** Why training stopped before the last epoch (early stopping, Ctrl-C, a callback), if it did. */
  readonly stopReason?: string;
  /** How many signatures the training and validation steps were compiled for (1 each: batches are padded). */
  readonly compiled: { readonly train: number; readonly validation: number };
}

const PositiveInt = t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, "a positive integer");
const NonNegativeInt = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, "a non-negative integer");
const FitCodec = optionsCodec("fit options", {
  optimizer: t.UnknownRecord,
  epochs: NonNegativeInt,
  batchSize: PositiveInt,
  loss: t.Function,
  metrics: t.array(t.literal("accuracy")),
  validation: t.unknown,
  callbacks: t.array(t.UnknownRecord),
  key: t.unknown,
  verbose: t.union([t.boolean, t.keyof({ auto: null, bar: null, lines: null, silent: null })]),
  log: t.Function,
  initial: t.UnknownRecord,
  dtype: t.keyof({ float32: null, float64: null }),
  shuffle: t.boolean,
});

/** The training split and the validation split of `data` and the options. */
function splitsOf(data: Dataset | { train: Split; validation?: Split }, validation: Split | undefined): [Split, Split | undefined] {
  if (typeof data !== "object" || data === null || !("train" in data)) throw new ValueError("fit: data must be a Dataset or { train, validation? }");
  const v = validation ?? ("validation" in data ? data.validation : undefined);
  return [data.train, v];
}

/** Where fit runs: how it reports, yields and hears an interrupt. */
export interface FitHost {
  /** The progress display for fit's `verbose` and `log` options (called after they are validated). */
  progress(verbose: Verbosity | boolean | undefined, log: ((line: string) => void) | undefined): Progress;
  /** Yields to the event loop (between steps), so that a signal or a message can be handled. */
  tick(): Promise<void>;
  /** Calls `interrupt` when the user asks to stop (Ctrl-C); returns what removes the listener. */
  listenForInterrupt(interrupt: () => void): () => void;
}

/** Trains `model` on `data` as fit does, reporting and yielding through `host`. */
export async function runFit(host: FitHost, model: Layer, data: Dataset | { train: Split; validation?: Split }, options: FitOptions): Promise<FitResult> {
  const o = decodeOptions("fit", FitCodec, options);
  if (!isLayer(model)) throw new ValueError("fit: model must be a fx.nn layer (with init and apply)");
  for (const k of ["optimizer", "epochs", "batchSize"] as const) if (o[k] === undefined) throw new ValueError(`fit: option "${k}" is required`);
  const optimizer = options.optimizer;
  const [train, validation] = splitsOf(data, options.validation);
  const n = splitSize("fit", train);
  if (validation !== undefined) splitSize("fit (validation)", validation);
  const { epochs, batchSize } = options;
  const withAccuracy = (options.metrics ?? ["accuracy"]).includes("accuracy");
  const loss = options.loss ?? crossEntropy;
  const callbacks = options.callbacks ?? [];
  const progress = host.progress(options.verbose, options.log);

  const [initKey, shuffleKey, dropoutKey] = splitKeys(options.key ?? makeKey(0), 3) as [Tensor, Tensor, Tensor];
  const fresh = options.initial ?? model.init(initKey, train.x.shape.slice(1), { dtype: options.dtype ?? "float32" });
  let stopReason: string | undefined;
  const history: EpochRecord[] = [];
  const ctx: TrainingContext = {
    params: fresh.params,
    state: fresh.state,
    optState: options.initial?.optState ?? optimizer.init(fresh.params),
    lrScale: 1,
    history,
    stop: (reason) => {
      stopReason ??= reason;
    },
  };

  const trainStep = makeTrainStep(model, optimizer, loss, withAccuracy);
  const evalStep = validation !== undefined ? makeEvalStep(model, loss) : undefined;
  const steps = batchCount(n, batchSize);

  const stopListening = host.listenForInterrupt(() => {
    ctx.stop("interrupted (Ctrl-C): stopped after the current step");
    progress.message("Ctrl-C: stopping after the current step (press again to quit at once)");
  });
  try {
    for (let epoch = 1; epoch <= epochs && stopReason === undefined; epoch++) {
      progress.epochStart(epoch, epochs, steps);
      const started = performance.now();
      const epochDropout = foldIn(dropoutKey, epoch);
      const order = options.shuffle === false ? { batchSize, shuffle: false } : { batchSize, key: foldIn(shuffleKey, epoch) };
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let step = 0;
      for (const b of batches(train, order)) {
        const scale = scalar(ctx.lrScale, "float32");
        const out = trainStep(ctx.params, ctx.state, ctx.optState, scale, b.x, b.y, b.mask, foldIn(epochDropout, step)) as [Tensor, Tensor, Tree, Tree, unknown];
        const batchLoss = out[0].item();
        [ctx.params, ctx.state, ctx.optState] = [out[2], out[3], out[4]];
        lossSum += batchLoss * b.size;
        const batchCorrect = withAccuracy ? out[1].item() : 0;
        correct += batchCorrect;
        seen += b.size;
        const sps = seen / ((performance.now() - started) / 1000);
        progress.step(step, lossSum / seen, withAccuracy ? correct / seen : undefined, sps);
        for (const cb of callbacks) await cb.onStepEnd?.(ctx, { epoch, step, loss: batchLoss, size: b.size, ...(withAccuracy ? { accuracy: batchCorrect / b.size } : {}) });
        step++;
        await host.tick();
        if (stopReason !== undefined) break;
      }
      const trainSeconds = (performance.now() - started) / 1000;
      if (seen === 0) break;
      // An epoch cut short (Ctrl-C, a callback's stop) is recorded but not validated nor shown to onEpochEnd.
      const complete = step === steps;
      const val = evalStep !== undefined && complete ? evaluateWith(evalStep, ctx.params, ctx.state, validation!, batchSize) : undefined;
      const record: EpochRecord = {
        epoch,
        loss: lossSum / seen,
        ...(withAccuracy ? { accuracy: correct / seen } : {}),
        ...(val !== undefined ? { val_loss: val.loss, ...(withAccuracy ? { val_accuracy: val.accuracy } : {}) } : {}),
        lrScale: ctx.lrScale,
        seconds: (performance.now() - started) / 1000,
        samplesPerSecond: seen / trainSeconds,
      };
      history.push(record);
      progress.epochEnd(record, epochs);
      if (complete) for (const cb of callbacks) await cb.onEpochEnd?.(ctx, record);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
    if (stopReason !== undefined) progress.message(stopReason);
  } finally {
    stopListening();
    progress.end();
  }
  const compiled = { train: trainStep.cacheSize, validation: evalStep?.cacheSize ?? 0 };
  return { params: ctx.params, state: ctx.state, optState: ctx.optState, history, compiled, ...(stopReason !== undefined ? { stopReason } : {}) };
}
