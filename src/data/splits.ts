// Splitting a training split into training and validation parts, and into k folds for
// cross-validation. The order is one fx.random.permutation of the samples, so a key fixes it.

import { ValueError } from "../errors.js";
import { optionsObject } from "../options/codecs.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { key as makeKey } from "../random/keys.js";
import { permutation } from "../random/permute.js";
import type { Tensor } from "../tensor/tensor.js";
import { KeyCodec, PositiveIntCodec, UnitFraction } from "./codecs.js";
import type { Dataset, Split } from "./dataset.js";
import { checkSplit, takeSplit } from "./rows.js";

/** The key splits use when none is given: fx.random.key(0). */
export function defaultKey(): Tensor {
  return makeKey(0);
}

/** A training part and a validation part of one split. */
export interface TrainVal {
  train: Split;
  val: Split;
}

/** Options of `trainValSplit`: the held-out fraction and the shuffle's key. */
export interface TrainValOptions {
  /** The fraction of samples held out for validation, in (0, 1) (default 0.1). */
  fraction?: number;
  /** The key of the shuffle (default fx.random.key(0)). */
  key?: Tensor;
}
const TrainValCodec = optionsObject({ fraction: UnitFraction, key: KeyCodec });

function isDataset(u: unknown): u is Dataset {
  return typeof u === "object" && u !== null && "train" in u && "test" in u;
}

/** A shuffled order of 0 … n − 1 drawn with `key`. */
function order(key: Tensor, n: number): Int32Array {
  return permutation(key, n)._concrete("data") as Int32Array;
}

/**
 * Holds out round(fraction · n) shuffled samples of a split (of a data set: of its training
 * split) for validation; the rest, in shuffled order, train. At least one sample on each side.
 */
export function trainValSplit(data: Dataset | Split, options?: TrainValOptions): TrainVal {
  const op = "trainValSplit";
  const o = checkOptions(op, TrainValCodec, options);
  const split = isDataset(data) ? data.train : (data as Split);
  const n = checkSplit(op, isDataset(data) ? "data.train" : "data", split);
  const fraction = o.fraction ?? 0.1;
  const nVal = Math.round(fraction * n);
  if (nVal < 1 || nVal > n - 1) {
    throw new ValueError(`${op}: fraction ${fraction} of ${n} samples holds out ${nVal}; need at least 1 for validation and 1 for training`);
  }
  const perm = order(o.key ?? defaultKey(), n);
  return { val: takeSplit(op, split, perm.subarray(0, nVal)), train: takeSplit(op, split, perm.subarray(nVal)) };
}

/** Options of `kFold`: the shuffle's key. */
export interface KFoldOptions {
  /** The key of the shuffle (default fx.random.key(0)). */
  key?: Tensor;
}
const KFoldCodec = optionsObject({ key: KeyCodec });

/**
 * k (train, val) pairs for k-fold cross-validation: the shuffled samples cut into k folds whose
 * sizes differ by at most one; pair i validates on fold i and trains on the others (in order).
 * Every sample is in exactly one validation fold.
 */
export function kFold(split: Split, k: number, options?: KFoldOptions): TrainVal[] {
  const op = "kFold";
  const n = checkSplit(op, "split", split);
  checkArg(op, "k", PositiveIntCodec, k);
  const o = checkOptions(op, KFoldCodec, options);
  if (k < 2 || k > n) throw new ValueError(`${op}: k must be in [2, ${n}] for ${n} samples, got ${k}`);
  const perm = order(o.key ?? defaultKey(), n);
  // Fold i is perm[bounds[i] … bounds[i+1]): the first n mod k folds have one more sample.
  const bounds = Array.from({ length: k + 1 }, (_, i) => i * Math.floor(n / k) + Math.min(i, n % k));
  return Array.from({ length: k }, (_, i) => {
    const val = perm.subarray(bounds[i]!, bounds[i + 1]!);
    const train = new Int32Array(n - val.length);
    train.set(perm.subarray(0, bounds[i]!));
    train.set(perm.subarray(bounds[i + 1]!), bounds[i]!);
    return { train: takeSplit(op, split, train), val: takeSplit(op, split, val) };
  });
}

