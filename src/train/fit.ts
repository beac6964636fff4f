// fit: trains a fx.nn model on a data set. Each epoch runs ONE jitted training step over
// padded, masked minibatches (compiled once: the update scale, the batch and the key are
// inputs), then evaluates the validation split with one jitted evaluation step. The keys of
// initialisation, shuffling and dropout all derive from `key`, so a run is reproducible bit
// for bit. Ctrl-C asks to stop after the current step; fit yields to the event loop between
// steps so that the signal is seen.

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
import { makeProgress, resolveVerbosity, type Verbosity } from "./progress.js";
import { crossEntropy, makeEvalStep, makeTrainStep, type PerExampleLoss } from "./steps.js";

/**
 * Options of `fit`.
 *
 * @typeParam P - the model's parameter tree (for `initial`)
 * @typeParam S - the model's state tree (for `initial`)
 */
export interface FitOptions<P = Tree, S = Tree> {
  readonly optimizer: GradientTransformation;
  readonly epochs: number;
  readonly batchSize: number;
  /** One loss per example, (outputs [B, …], labels [B]) → [B]. Default: softmax cross-entropy. */
  readonly loss?: PerExampleLoss;
  /** ["accuracy"] (default) records accuracy (outputs must be class scores); [] records the loss only. */
  readonly metrics?: readonly "accuracy"[];
  /** The split to validate on after every epoch (default: data.validation, if any). */
  readonly validation?: Split;
  readonly callbacks?: readonly Callback[];
  /** The root of every random choice (init, shuffling, dropout). Default fx.random.key(0). */
  readonly key?: Tensor;
  /** "auto" (default: a bar on a terminal, lines otherwise or under CI), "bar", "lines", "silent", or a boolean. */
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

/** What `fit` returns: the trained params and state (of the model's types), the optimiser state and the history. */
export interface FitResult<P = Tree, S = Tree> {
  readonly params: P;
  readonly state: S;
  readonly optState: unknown;
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

/** Yields to the event loop, so that a SIGINT handler can run between steps. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains `model` on `data` and returns the final parameters, state, optimiser state and
 * history; the params and state have the model's types.
 *
 * @example
 * const model = fx.nn.layers.serial(dense(32), relu(), dense(10));
 * const { params, history } = await fx.train.fit(model, data, { optimizer: fx.optim.adam(1e-3), epochs: 3, batchSize: 64 });
 */
export async function fit<P = Tree, S = Tree>(model: Layer<P, S>, data: Dataset | { train: Split; validation?: Split }, options: FitOptions<P, S>): Promise<FitResult<P, S>>;
export async function fit(model: Layer, data: Dataset | { train: Split; validation?: Split }, options: FitOptions): Promise<FitResult> {
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
  const progress = makeProgress(resolveVerbosity(options.verbose), options.log);

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

  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    ctx.stop("interrupted (Ctrl-C): stopped after the current step");
    progress.message("Ctrl-C: stopping after the current step (press again to quit at once)");
  };
  process.on("SIGINT", onSigint);
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
        if (withAccuracy) correct += out[1].item();
        seen += b.size;
        const sps = seen / ((performance.now() - started) / 1000);
        progress.step(step, lossSum / seen, withAccuracy ? correct / seen : undefined, sps);
        for (const cb of callbacks) await cb.onStepEnd?.(ctx, { epoch, step, loss: batchLoss, size: b.size });
        step++;
        await tick();
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
    process.removeListener("SIGINT", onSigint);
    progress.end();
  }
  const compiled = { train: trainStep.cacheSize, validation: evalStep?.cacheSize ?? 0 };
  return { params: ctx.params, state: ctx.state, optState: ctx.optState, history, compiled, ...(stopReason !== undefined ? { stopReason } : {}) };
}

/** The training step fit compiles, for tests and tools that want to inspect it. */
export { makeTrainStep } from "./steps.js";
