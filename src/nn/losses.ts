/**
 * Losses over predictions and targets, with `reduction` "mean" (default), "sum" or "none"; the
 * class losses take scores with the classes on the last axis. Also the penalties l1, l2 and
 * elasticNet.
 * @module
 */
// Losses (fx.nn.losses), composites of fluxion's primitives. Each takes predictions and
// targets and an options object with `reduction`: "mean" (default) averages the per-element
// (or, for the class losses, per-example) losses, "sum" adds them, "none" returns them.
// The class losses take scores of shape [...batch, classes] (classes on the last axis).
// The penalties l1, l2 and elasticNet live in penalties.ts and are re-exported here.

import * as t from "io-ts";
import { DTypeError } from "../errors.js";
import { isFloat } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import type { TensorLike } from "../prims/elementwise.js";
import { add, minimum, mul, sub } from "../prims/binary.js";
import { cast, greater, logicalOr, notEqual, where } from "../prims/compare.js";
import { abs, isFinite, log, neg, square } from "../prims/unary.js";
import { sum } from "../prims/reduce.js";
import { mean } from "../ops/reductions.js";
import { oneHot } from "../ops/shape.js";
import { logSoftmax, relu, softplus } from "./activations.js";
import { checkClassLabels, checkSameShape, checkValues, classScores, floatArg, tensorArg } from "./checks.js";
import { PositiveNumber, UnitInterval } from "../options/codecs.js";
import { decodeOptions, optionsCodec } from "./options.js";

export { l1, l2, elasticNet, type PenaltyOptions, type PenaltySelection } from "./penalties.js";

/** How per-element losses are combined. */
export type Reduction = "mean" | "sum" | "none";

const ReductionCodec = t.keyof({ mean: null, sum: null, none: null }, '"mean", "sum" or "none"');

/** Options of every loss: how the per-element (or per-example) losses are reduced. */
export interface LossOptions {
  /** "mean" (default) averages the losses, "sum" adds them, "none" returns them unreduced. */
  reduction?: Reduction;
}
/** Options of `huber`: the reduction and δ. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}
/** Options of the cross-entropy losses: the reduction and label smoothing. */
export interface CrossEntropyOptions extends LossOptions {
  /** ε in [0, 1]: the targets become (1 − ε)·y + ε/C (default 0). */
  labelSmoothing?: number;
}

const LossOptionsCodec = optionsCodec("LossOptions", { reduction: ReductionCodec });
const HuberOptionsCodec = optionsCodec("HuberOptions", { reduction: ReductionCodec, delta: PositiveNumber });
const CrossEntropyOptionsCodec = optionsCodec("CrossEntropyOptions", { reduction: ReductionCodec, labelSmoothing: UnitInterval });

function reduce(losses: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? "mean") {
    case "none":
      return losses;
    case "sum":
      return sum(losses);
    case "mean":
      return mean(losses);
  }
}

/** Predictions and targets: float tensors of one shape. */
function pair(op: string, prediction: TensorLike, target: TensorLike): [Tensor, Tensor] {
  const p = floatArg(op, "predictions", prediction);
  const y = floatArg(op, "targets", target);
  checkSameShape(op, "predictions", p, "targets", y);
  return [p, y];
}

/** Mean squared error: (p − y)². */
export function mse(predictions: TensorLike, targets: TensorLike, options?: LossOptions): Tensor {
  const { reduction } = decodeOptions("mse", LossOptionsCodec, options);
  const [p, y] = pair("mse", predictions, targets);
  return reduce(square(sub(p, y)), reduction);
}

/** Mean absolute error: |p − y| (derivative 0 where p = y). */
export function mae(predictions: TensorLike, targets: TensorLike, options?: LossOptions): Tensor {
  const { reduction } = decodeOptions("mae", LossOptionsCodec, options);
  const [p, y] = pair("mae", predictions, targets);
  return reduce(abs(sub(p, y)), reduction);
}

/**
 * Huber loss with threshold δ (default 1): ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond, d = p − y.
 * Smooth at |d| = δ (both pieces have slope ±δ there).
 */
export function huber(predictions: TensorLike, targets: TensorLike, options?: HuberOptions): Tensor {
  const { reduction, delta = 1 } = decodeOptions("huber", HuberOptionsCodec, options);
  const [p, y] = pair("huber", predictions, targets);
  const d = abs(sub(p, y));
  // ½c² + δ(|d| − c) with c = min(|d|, δ): one formula for both pieces. At |d| = δ its
  // derivative c·c' + δ(1 − c') is δ however minimum shares a tie's gradient (c = δ there).
  const c = minimum(d, delta);
  return reduce(add(mul(0.5, square(c)), mul(delta, sub(d, c))), reduction);
}

/**
 * Σ_c q_c·log p_c over the class axis, with 0·(−∞) taken as 0: a class of target 0 may have
 * a −∞ score (masked). Only there is log p replaced, so the derivative in q stays log p.
 */
function crossSum(q: Tensor, logP: Tensor): Tensor {
  const safeLogP = where(logicalOr(notEqual(q, 0), isFinite(logP)), logP, 0);
  return sum(mul(q, safeLogP), { axis: -1 });
}

/**
 * Softmax cross-entropy −Σ_c q_c·logSoftmax(z)_c per example, with `labels` either int32
 * class indices of the batch shape or float targets (one-hot or soft) shaped like the logits.
 * Label smoothing ε replaces the targets by (1 − ε)·y + ε/C. "mean" averages over examples.
 */
export function softmaxCrossEntropy(logits: TensorLike, labels: TensorLike, options?: CrossEntropyOptions): Tensor {
  const op = "softmaxCrossEntropy";
  const { reduction, labelSmoothing = 0 } = decodeOptions(op, CrossEntropyOptionsCodec, options);
  const [z, classes] = classScores(op, "logits", logits);
  let y = tensorArg(op, "labels", labels);
  if (!isFloat(y.dtype)) {
    checkClassLabels(op, z, y);
    y = oneHot(y, classes, { dtype: z.dtype });
  } else {
    if (y.dtype !== z.dtype) {
      throw new DTypeError(`${op}: float targets must have the logits' dtype ${z.dtype}, got ${y.dtype} (or pass int32 class labels)`);
    }
    checkSameShape(op, "logits", z, "targets", y);
  }
  const q = labelSmoothing === 0 ? y : add(mul(1 - labelSmoothing, y), labelSmoothing / classes);
  return reduce(neg(crossSum(q, logSoftmax(z, { axis: -1 }))), reduction);
}

/** Negative log-likelihood −log p[label] per example, from log-probabilities and int32 labels. */
export function nll(logProbabilities: TensorLike, labels: TensorLike, options?: LossOptions): Tensor {
  const { reduction } = decodeOptions("nll", LossOptionsCodec, options);
  const [logP, classes] = classScores("nll", "logProbabilities", logProbabilities);
  const y = tensorArg("nll", "labels", labels);
  checkClassLabels("nll", logP, y);
  const picked = where(cast(oneHot(y, classes), "bool"), logP, 0);
  return reduce(neg(sum(picked, { axis: -1 })), reduction);
}

/**
 * Binary cross-entropy from logits z and targets y in [0, 1]: softplus(z) − z·y, which equals
 * max(z, 0) − z·y + log1p(e^(−|z|)) and never overflows; its derivative is σ(z) − y.
 */
export function binaryCrossEntropy(logits: TensorLike, targets: TensorLike, options?: LossOptions): Tensor {
  const op = "binaryCrossEntropy";
  const { reduction } = decodeOptions(op, LossOptionsCodec, options);
  const z = floatArg(op, "logits", logits);
  const y = floatArg(op, "targets", targets);
  checkSameShape(op, "logits", z, "targets", y);
  checkValues(op, "targets", y, (v) => v >= 0 && v <= 1, "in [0, 1]");
  return reduce(sub(softplus(z), mul(z, y)), reduction);
}

/**
 * KL(p ‖ q) = Σ_c p_c (log p_c − log q_c) per example, from log-predictions log q and target
 * probabilities p (same shape, classes last); terms with p_c = 0 contribute 0. "mean"
 * averages over examples (PyTorch's "batchmean").
 */
export function klDivergence(logPredictions: TensorLike, targets: TensorLike, options?: LossOptions): Tensor {
  const op = "klDivergence";
  const { reduction } = decodeOptions(op, LossOptionsCodec, options);
  const [logQ] = classScores(op, "logPredictions", logPredictions);
  const p = floatArg(op, "targets", targets);
  checkSameShape(op, "logPredictions", logQ, "targets", p);
  checkValues(op, "targets", p, (v) => v >= 0 && v <= 1, "probabilities in [0, 1]");
  const positive = greater(p, 0);
  // log p only where p > 0, so neither the value nor its derivative meets log 0.
  const logP = log(where(positive, p, 1));
  const terms = where(positive, mul(p, sub(logP, logQ)), 0);
  return reduce(sum(terms, { axis: -1 }), reduction);
}

/**
 * Hinge loss max(0, 1 − y·s) for scores s and labels y ∈ {−1, +1} (float or int32, same
 * shape); the derivative at the margin y·s = 1 is 0, as relu's at 0.
 */
export function hinge(scores: TensorLike, labels: TensorLike, options?: LossOptions): Tensor {
  const { reduction } = decodeOptions("hinge", LossOptionsCodec, options);
  const s = floatArg("hinge", "scores", scores);
  let y = tensorArg("hinge", "labels", labels);
  checkSameShape("hinge", "scores", s, "labels", y);
  checkValues("hinge", "labels", y, (v) => v === 1 || v === -1, "−1 or +1");
  if (y.dtype !== s.dtype) y = cast(y, s.dtype);
  return reduce(relu(sub(1, mul(y, s))), reduction);
}
