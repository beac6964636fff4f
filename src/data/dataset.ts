// The data-set contract shared by the loaders (fx.data), the batch iterator and the fit loop:
// images as float32 NCHW, labels as int32 class indices into `classes`.

import type { Tensor } from "../tensor/tensor.js";

/** One split of a data set: `x` float32 [N, C, H, W] (or [N, D]), `y` int32 [N] labels. */
export interface Split {
  x: Tensor;
  y: Tensor;
}

/** A data set: a training and a test split, and the class names the labels index. */
export interface Dataset {
  train: Split;
  test: Split;
  classes: readonly string[];
}
