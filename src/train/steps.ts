// The two compiled functions of a fit: one training step and one evaluation step. Both take a
// padded batch with its float mask, so every batch has one shape and each compiles once.
// Losses are per example; the batch loss is Σ mask·loss / Σ mask, and counts are mask-weighted.

import { valueAndGrad } from "../autodiff/transforms.js";
import { jit, type Jitted } from "../compile/index.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { Layer, Tree } from "../nn/layers/layer.js";
import { softmaxCrossEntropy } from "../nn/losses.js";
import { applyUpdates, type GradientTransformation } from "../optim/base.js";
import { scaleUpdates } from "../optim/transforms.js";
import { argmax, cast, div, equal, mul, sum } from "../prims/index.js";
import type { Tensor } from "../tensor/tensor.js";

/** A loss per example: model outputs [B, ...] and labels [B] → losses [B]. */
export type PerExampleLoss = (outputs: Tensor, labels: Tensor) => Tensor;

/** Softmax cross-entropy on logits [B, C] and int32 labels [B], one loss per example. */
export const crossEntropy: PerExampleLoss = (logits, labels) => softmaxCrossEntropy(logits, labels, { reduction: "none" });

/** Σ mask·loss and, when the outputs are class scores, the number of correct real examples. */
function maskedTotals(loss: PerExampleLoss, outputs: Tensor, y: Tensor, mask: Tensor, withAccuracy: boolean): [Tensor, Tensor | undefined] {
  const per = loss(outputs, y);
  if (per.shape.length !== 1 || per.shape[0] !== y.shape[0]) {
    throw new ShapeError(`fit: the loss must return one value per example, shape [${y.shape[0]}], got ${fmtShape(per.shape)} (use reduction: "none")`);
  }
  if (withAccuracy && outputs.shape.length !== 2) {
    throw new ShapeError(`fit: accuracy needs class scores of shape [batch, classes], the model gives ${fmtShape(outputs.shape)} (pass metrics: [] to record the loss only)`);
  }
  const total = sum(mul(per, cast(mask, per.dtype)));
  const correct = withAccuracy ? sum(mul(cast(equal(argmax(outputs, { axis: -1 }), y), "float32"), mask)) : undefined;
  return [total, correct];
}

export type TrainStep = Jitted<(p: Tree, s: Tree, o: unknown, scale: Tensor, x: Tensor, y: Tensor, mask: Tensor, key: Tensor) => unknown>;

/** params, state, optState, update scale, batch, mask, key → [mean loss, correct, params, state, optState]. */
export function makeTrainStep(model: Layer, optimizer: GradientTransformation, loss: PerExampleLoss, withAccuracy: boolean): TrainStep {
  return jit((p: Tree, s: Tree, o: unknown, scale: Tensor, x: Tensor, y: Tensor, mask: Tensor, key: Tensor) => {
    const objective = (q: Tree) => {
      // The mask also goes to the layers: batch norm's statistics must not count the padding.
      const [outputs, s1] = model.apply(q, s, x, { train: true, key, mask });
      const [total, correct] = maskedTotals(loss, outputs, y, mask, withAccuracy);
      const mean = div(total, cast(sum(mask), total.dtype));
      return [mean, withAccuracy ? [s1, correct!] : [s1]] as const;
    };
    const [[value, aux], grads] = valueAndGrad(objective, { hasAux: true })(p) as [[Tensor, [Tree, Tensor?]], Tree];
    const [updates, o1] = optimizer.update(grads, o, p);
    const p1 = applyUpdates(p, scaleUpdates(updates, scale));
    return [value, aux[1] ?? value, p1, aux[0], o1];
  }) as TrainStep;
}

export type EvalStep = Jitted<(p: Tree, s: Tree, x: Tensor, y: Tensor, mask: Tensor) => unknown>;

/** params, state, batch, mask → [Σ mask·loss, outputs] in inference mode. */
export function makeEvalStep(model: Layer, loss: PerExampleLoss): EvalStep {
  return jit((p: Tree, s: Tree, x: Tensor, y: Tensor, mask: Tensor) => {
    const [outputs] = model.apply(p, s, x);
    const [total] = maskedTotals(loss, outputs, y, mask, false);
    return [total, outputs];
  }) as EvalStep;
}
