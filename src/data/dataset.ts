// The shape of every data set fluxion loads: a train and a test split of images and labels.

import type { Tensor } from "../tensor/tensor.js";

/** One split: x float32 [N, C, H, W] (or [N, features]), y int32 [N] class labels. */
export interface Split {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** A data set: its splits and the names of its classes (index = label). */
export interface Dataset {
  readonly train: Split;
  readonly test: Split;
  readonly classes: readonly string[];
}
