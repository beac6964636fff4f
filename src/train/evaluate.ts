// Evaluation of a trained model on a split: mean loss, accuracy, the confusion matrix and
// per-class precision and recall, in inference mode, over padded batches (one compilation).

import * as t from "io-ts";
import { batches, splitSize } from "../data/batches.js";
import type { Split } from "../data/dataset.js";
import { ShapeError, fmtShape } from "../errors.js";
import type { Layer, Tree } from "../nn/layers/layer.js";
import { decodeOptions, optionsCodec } from "../nn/options.js";
import type { Tensor } from "../tensor/tensor.js";
import { crossEntropy, makeEvalStep, type EvalStep, type PerExampleLoss } from "./steps.js";

/**
 * What `evaluate` returns: loss, accuracy, confusion matrix, per-class precision and recall, and the predictions.
 */
export interface Evaluation {
  /** Mean loss per example. */
  readonly loss: number;
  /** Fraction of examples whose highest score is the label. */
  readonly accuracy: number;
  /** confusion[true][predicted]: how many examples of class `true` were predicted as `predicted`. */
  readonly confusion: number[][];
  /** Per class: correct predictions of the class / all predictions of the class (0 when never predicted). */
  readonly precision: number[];
  /** Per class: correct predictions of the class / examples of the class (0 when the class is absent). */
  readonly recall: number[];
  /** The predicted class of every example, in the split's order. */
  readonly predictions: Int32Array;
}

/** Options of `evaluate`: the batch size and the per-example loss. */
export interface EvaluateOptions {
  /** Examples per compiled batch. Default 256. */
  readonly batchSize?: number;
  /** One loss per example (default: softmax cross-entropy). */
  readonly loss?: PerExampleLoss;
}

const PositiveInt = t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, "a positive integer");
const EvaluateCodec = optionsCodec("evaluate options", { batchSize: PositiveInt, loss: t.Function });

/** Loss, accuracy, confusion matrix and per-class precision/recall of `model` on `split`. */
export function evaluate(model: Layer, params: Tree, state: Tree, split: Split, options?: EvaluateOptions): Evaluation {
  const o = decodeOptions("evaluate", EvaluateCodec, options);
  return evaluateWith(makeEvalStep(model, (o.loss as PerExampleLoss | undefined) ?? crossEntropy), params, state, split, o.batchSize ?? 256);
}

/** `evaluate` with a given compiled step (fit reuses one across epochs). */
export function evaluateWith(step: EvalStep, params: Tree, state: Tree, split: Split, batchSize: number): Evaluation {
  const n = splitSize("evaluate", split);
  const predictions = new Int32Array(n);
  const labels = split.y.data();
  let total = 0;
  let classes = 0;
  let at = 0;
  for (const b of batches(split, { batchSize, shuffle: false })) {
    const [lossSum, outputs] = step(params, state, b.x, b.y, b.mask) as [Tensor, Tensor];
    if (outputs.shape.length !== 2) throw new ShapeError(`evaluate: the model's outputs must be class scores [batch, classes], got ${fmtShape(outputs.shape)}`);
    classes = outputs.shape[1]!;
    total += lossSum.item();
    const scores = outputs.data();
    for (let i = 0; i < b.size; i++, at++) predictions[at] = argmaxRow(scores, i * classes, classes);
  }
  const confusion = confusionMatrix(labels, predictions, classes);
  return { loss: total / n, accuracy: n === 0 ? 0 : correctCount(confusion) / n, confusion, ...precisionRecall(confusion), predictions };
}

/** The first index of the largest value of scores[offset … offset + k) (NaN never wins). */
function argmaxRow(scores: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (scores[offset + c]! > scores[offset + best]!) best = c;
  return best;
}

/** confusion[true][predicted] counts over `classes` classes (labels beyond it widen the matrix). */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  let k = classes;
  for (let i = 0; i < labels.length; i++) k = Math.max(k, labels[i]! + 1);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]!]![predictions[i]!]!++;
  return m;
}

function correctCount(m: number[][]): number {
  return m.reduce((s, row, i) => s + row[i]!, 0);
}

/** Per-class precision (column-wise) and recall (row-wise) of a confusion matrix; 0 for an empty row or column. */
export function precisionRecall(m: number[][]): { precision: number[]; recall: number[] } {
  const k = m.length;
  const precision = [];
  const recall = [];
  for (let c = 0; c < k; c++) {
    const predicted = m.reduce((s, row) => s + row[c]!, 0);
    const actual = m[c]!.reduce((s, v) => s + v, 0);
    precision.push(predicted === 0 ? 0 : m[c]![c]! / predicted);
    recall.push(actual === 0 ? 0 : m[c]![c]! / actual);
  }
  return { precision, recall };
}
