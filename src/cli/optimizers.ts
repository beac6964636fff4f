// The optimisers and learning-rate schedules of --optimizer and --schedule, built from
// fx.optim. A schedule is stretched over the whole run (epochs × steps per epoch), so
// `--schedule cosine` decays to 0 exactly at the last step whatever the run's length.

import type { GradientTransformation, LearningRate } from "../optim/base.js";
import { chain } from "../optim/base.js";
import { adagrad, adam, adamw, rmsprop } from "../optim/adaptive.js";
import { momentum, nesterov, sgd } from "../optim/sgd.js";
import { addWeightDecay } from "../optim/transforms.js";
import * as schedules from "../optim/schedules.js";

export const OPTIMIZER_NAMES = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The learning rate each optimiser starts from when --lr is not given. */
export const DEFAULT_LR: Readonly<Record<OptimizerName, number>> = Object.freeze({
  sgd: 0.1,
  momentum: 0.05,
  nesterov: 0.05,
  adagrad: 0.01,
  rmsprop: 0.001,
  adam: 0.001,
  adamw: 0.001,
});

export const SCHEDULE_NAMES = ["constant", "cosine", "warmup-cosine", "step", "exponential", "inverse-time", "polynomial"] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** What each schedule does over a run of T steps, for help and docs. */
export const SCHEDULE_HELP: Readonly<Record<ScheduleName, string>> = Object.freeze({
  constant: "lr at every step",
  cosine: "cosine decay from lr to 0 over the run",
  "warmup-cosine": "linear warmup over the first epoch (at most 10% of the run), then cosine decay to 0",
  step: "lr x 0.1 after each third of the run",
  exponential: "lr e^(-kt), down to lr/100 at the end",
  "inverse-time": "lr / (1 + kt), down to lr/10 at the end",
  polynomial: "linear decay from lr to 0 over the run",
});

/** The learning rate of `schedule` starting at `lr`, over `totalSteps` steps of which `stepsPerEpoch` make an epoch. */
export function learningRate(schedule: ScheduleName, lr: number, totalSteps: number, stepsPerEpoch: number): LearningRate {
  const steps = Math.max(1, totalSteps);
  switch (schedule) {
    case "constant":
      return lr;
    case "cosine":
      return schedules.cosine(lr, { steps });
    case "warmup-cosine":
      return schedules.warmupCosine({ peak: lr, warmupSteps: Math.min(stepsPerEpoch, Math.floor(steps / 10)), totalSteps: steps });
    case "step":
      return schedules.stepDecay(lr, { stepSize: Math.max(1, Math.ceil(steps / 3)), factor: 0.1 });
    case "exponential":
      return schedules.exponential(lr, Math.log(100) / steps);
    case "inverse-time":
      return schedules.inverseTime(lr, 9 / steps);
    case "polynomial":
      return schedules.polynomial(lr, { steps });
  }
}

/**
 * The optimiser `name` at learning rate `lr`. Weight decay is adamw's own (decoupled) for
 * adamw, and coupled L2 decay (fx.optim.addWeightDecay before the optimiser) for the others.
 */
export function makeOptimizer(name: OptimizerName, lr: LearningRate, weightDecay?: number): GradientTransformation<unknown> {
  if (name === "adamw") return adamw(lr, weightDecay === undefined ? {} : { weightDecay });
  const base = plain(name, lr) as GradientTransformation<unknown>;
  return weightDecay === undefined || weightDecay === 0 ? base : (chain(addWeightDecay(weightDecay), base) as GradientTransformation<unknown>);
}

function plain(name: Exclude<OptimizerName, "adamw">, lr: LearningRate): GradientTransformation<any> {
  switch (name) {
    case "sgd":
      return sgd(lr);
    case "momentum":
      return momentum(lr, 0.9);
    case "nesterov":
      return nesterov(lr, 0.9);
    case "adagrad":
      return adagrad(lr);
    case "rmsprop":
      return rmsprop(lr);
    case "adam":
      return adam(lr);
  }
}
