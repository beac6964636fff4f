// The codecs only optimisers and schedules use, built from the shared ones of
// src/options/codecs.ts; decoding goes through the shared validator (src/options/validate.ts),
// so messages read as everywhere else:
//   adam: unknown option "beta1"; did you mean "b1"?
//   adam: learning rate: expected a non-negative finite number or a schedule (step) => lr, got -1

import * as t from "io-ts";
import { FiniteNumber, refined } from "../options/codecs.js";
import type { Tensor } from "../tensor/tensor.js";

/** Decay rates of running averages: β = 1 would never forget, β ≥ 1 diverges. */
export const DecayRate = refined("a number in [0, 1)", FiniteNumber, (n) => n >= 0 && n < 1);

/** A learning-rate schedule: maps the step count (a scalar tensor, 0 first) to the rate of that step. */
export type Schedule = (step: Tensor) => Tensor | number;
/** A learning rate: a number, or a schedule mapping the step count (a scalar tensor) to one. */
export type LearningRate = number | Schedule;

const isLearningRate = (u: unknown): u is LearningRate => typeof u === "function" || (typeof u === "number" && Number.isFinite(u) && u >= 0);
export const LearningRateCodec = new t.Type<LearningRate, LearningRate, unknown>(
  "a non-negative finite number or a schedule (step) => lr",
  isLearningRate,
  (u, c) => (isLearningRate(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
