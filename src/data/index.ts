// fx.data: data sets as { train, test, classes } of tensors, their file formats, preprocessing and splits.

export type { Split, Dataset } from "./dataset.js";
export { DataFormatError, DataNotFoundError } from "./errors.js";
export { loadIdx, readIdx, parseIdx, encodeIdx, DEFAULT_MAX_BYTES, type IdxArray, type IdxType, type IdxOptions } from "./idx.js";
