// Classification metrics over scores of shape [...batch, classes]: the fraction of examples
// whose label is the top prediction (accuracy) or among the k top predictions (topK), as a
// float32 scalar. Labels are int32 class indices of the batch shape, or (for accuracy) one-hot
// or soft float targets shaped like the scores, whose argmax is the label. Not differentiable.

import { ValueError, fmtShape } from "../errors.js";
import { isFloat } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import type { TensorLike } from "../prims/elementwise.js";
import { argmax, max, sum } from "../prims/reduce.js";
import { cast, equal, greater, less, where } from "../prims/compare.js";
import { expandDims, oneHot } from "../ops/shape.js";
import { mean } from "../ops/reductions.js";
import { describeValue } from "../options/describe.js";
import { checkClassLabels, checkSameShape, classScores, tensorArg } from "./checks.js";

/** int32 labels for `scores`, from int32 labels or float targets (their argmax). */
function classLabels(op: string, scores: Tensor, labels: TensorLike): Tensor {
  const y = tensorArg(op, "labels", labels);
  if (isFloat(y.dtype)) {
    checkSameShape(op, "logits", scores, "targets", y);
    return argmax(y, { axis: -1 });
  }
  checkClassLabels(op, scores, y); // int32 of the batch shape, in range
  return y;
}

/** Fraction of examples whose argmax score (the first on ties) is the label. */
export function accuracy(logits: TensorLike, labels: TensorLike): Tensor {
  const [z] = classScores("accuracy", "logits", logits);
  const y = classLabels("accuracy", z, labels);
  return mean(cast(equal(argmax(z, { axis: -1 }), y), "float32"));
}

/**
 * Fraction of examples whose label is among the k highest scores: fewer than k classes score
 * strictly higher than the label's class (so ties count in the label's favour).
 */
export function topK(logits: TensorLike, labels: TensorLike, k: number): Tensor {
  const [z, classes] = classScores("topK", "logits", logits);
  if (!Number.isInteger(k) || k < 1 || k > classes) {
    throw new ValueError(`topK: k must be an integer in [1, ${classes}] for logits of shape ${fmtShape(z.shape)}, got ${describeValue(k)}`);
  }
  const y = classLabels("topK", z, labels);
  const labelScore = max(where(cast(oneHot(y, classes), "bool"), z, -Infinity), { axis: -1 });
  const higher = sum(greater(z, expandDims(labelScore, { axis: -1 })), { axis: -1 });
  return mean(cast(less(higher, k), "float32"));
}
