// One training run from a plain configuration (what `fluxion train` and each trial of
// `fluxion search` do): the model from the registry, the optimiser and schedule, fx.train.fit.
// Everything random derives from the seed: `runKeys(seed)` gives the data key (splits,
// subsets) and the fit key (initialisation, shuffling, dropout).

import type { Split } from "../data/dataset.js";
import { batchCount } from "../data/batches.js";
import type { Layer } from "../nn/layers/layer.js";
import { key as makeKey, splitKeys } from "../random/keys.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Callback } from "../train/callbacks.js";
import { fit, type FitResult } from "../train/fit.js";
import type { Verbosity } from "../train/progress.js";
import { type ModelName, type ModelOptions, modelEntry } from "./models.js";
import { DEFAULT_LR, type OptimizerName, type ScheduleName, learningRate, makeOptimizer } from "./optimizers.js";

/** The hyper-parameters of a run: what the train command's flags and a search trial set. */
export interface TrainingConfig extends ModelOptions {
  readonly model: ModelName;
  readonly optimizer: OptimizerName;
  /** The (initial) learning rate; default DEFAULT_LR[optimizer]. */
  readonly lr?: number | undefined;
  readonly schedule: ScheduleName;
  readonly weightDecay?: number | undefined;
  readonly epochs: number;
  readonly batchSize: number;
}

/** What a run returns: the network, fit's result and the input layout change its data went through. */
export interface TrainingRun {
  readonly model: Layer;
  readonly result: FitResult;
  /** A split in the layout the model reads (flattened for mlp, …): for evaluating on other splits. */
  readonly prepare: (split: Split) => Split;
}

/** The two keys of a run with `seed`: [data key, fit key]. */
export function runKeys(seed: number): [Tensor, Tensor] {
  return splitKeys(makeKey(seed), 2) as [Tensor, Tensor];
}

/** The learning rate a config uses (its own, or its optimiser's default). */
export function effectiveLr(config: TrainingConfig): number {
  return config.lr ?? DEFAULT_LR[config.optimizer];
}

/** Throws a UsageError if the config's model is not available or does not take its options. */
export function checkConfig(config: TrainingConfig): void {
  modelEntry(config.model, config);
}

/** `split` in the layout the registry's `model` reads. */
export function prepareSplit(model: ModelName, split: Split): Split {
  return { x: modelEntry(model).prepare(split.x), y: split.y };
}

export interface TrainModelOptions {
  /** The fit key (init, shuffling, dropout). */
  readonly key: Tensor;
  readonly classes: number;
  readonly validation?: Split | undefined;
  readonly verbose?: Verbosity | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly callbacks?: readonly Callback[] | undefined;
}

/** Builds the config's model and optimiser and fits them to `train`. */
export async function trainModel(config: TrainingConfig, train: Split, options: TrainModelOptions): Promise<TrainingRun> {
  const entry = modelEntry(config.model, config);
  const prepare = (s: Split): Split => ({ x: entry.prepare(s.x), y: s.y });
  const trainSplit = prepare(train);
  const model = entry.build(options.classes, trainSplit.x.shape.slice(1), config);
  const stepsPerEpoch = batchCount(trainSplit.y.shape[0]!, config.batchSize);
  const lr = learningRate(config.schedule, effectiveLr(config), config.epochs * stepsPerEpoch, stepsPerEpoch);
  const result = await fit(model, { train: trainSplit }, {
    optimizer: makeOptimizer(config.optimizer, lr, config.weightDecay),
    epochs: config.epochs,
    batchSize: config.batchSize,
    key: options.key,
    ...(options.validation !== undefined ? { validation: prepare(options.validation) } : {}),
    ...(options.verbose !== undefined ? { verbose: options.verbose } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.callbacks !== undefined ? { callbacks: options.callbacks } : {}),
  });
  return { model, result, prepare };
}
