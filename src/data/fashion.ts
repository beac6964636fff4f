// Fashion-MNIST (Zalando): 60,000 training and 10,000 test 28×28 grey images of 10 kinds of
// clothing, as the four gzip IDX files of the original release. Debian ships them in
// `dataset-fashion-mnist` under /usr/share/datasets/fashion-mnist/.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { optionsObject } from "../options/codecs.js";
import { checkOptions } from "../options/validate.js";
import { fromArray } from "../tensor/create.js";
import { PathCodec } from "./codecs.js";
import type { Dataset, Split } from "./dataset.js";
import { DataFormatError, DataNotFoundError } from "./errors.js";
import { readIdx } from "./idx.js";

/** Where Debian's `dataset-fashion-mnist` installs the files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** The names of Fashion-MNIST's ten classes, label 0 first. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]);

/** The file names of the release, per split. */
export const FASHION_MNIST_FILES = {
  train: { images: "train-images-idx3-ubyte.gz", labels: "train-labels-idx1-ubyte.gz" },
  test: { images: "t10k-images-idx3-ubyte.gz", labels: "t10k-labels-idx1-ubyte.gz" },
} as const;

/** Options of `fashionMnist`: the directory of its four files. */
export interface FashionMnistOptions {
  /** The directory of the four files (default /usr/share/datasets/fashion-mnist). */
  dir?: string;
}
const FashionCodec = optionsObject({ dir: PathCodec });

/**
 * Fashion-MNIST as a Dataset: x float32 [N, 1, 28, 28] in [0, 1] (bytes / 255), y int32,
 * the 10 class names. Missing files are a DataNotFoundError saying how to get them.
 */
export function fashionMnist(options?: FashionMnistOptions): Dataset {
  const op = "fashionMnist";
  const o = checkOptions(op, FashionCodec, options);
  const dir = o.dir ?? FASHION_MNIST_DIR;
  const names = [FASHION_MNIST_FILES.train.images, FASHION_MNIST_FILES.train.labels, FASHION_MNIST_FILES.test.images, FASHION_MNIST_FILES.test.labels];
  const missing = names.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new DataNotFoundError(
      `${op}: ${dir} ${existsSync(dir) ? `lacks ${missing.join(", ")}` : "does not exist"}. Install Debian's package (apt-get install dataset-fashion-mnist, ` +
        `which puts them in ${FASHION_MNIST_DIR}), or download them from github.com/zalandoresearch/fashion-mnist and pass { dir }`,
    );
  }
  return {
    train: loadSplit(op, join(dir, FASHION_MNIST_FILES.train.images), join(dir, FASHION_MNIST_FILES.train.labels), FASHION_MNIST_CLASSES.length),
    test: loadSplit(op, join(dir, FASHION_MNIST_FILES.test.images), join(dir, FASHION_MNIST_FILES.test.labels), FASHION_MNIST_CLASSES.length),
    classes: FASHION_MNIST_CLASSES,
  };
}

/**
 * An images file (ubyte [N, H, W]) and a labels file (ubyte [N], each < numClasses) of the MNIST
 * family as a split: x float32 [N, 1, H, W] = bytes / 255, y int32 [N].
 */
export function loadImageSplit(imagesPath: string, labelsPath: string, numClasses: number): Split {
  return loadSplit("loadImageSplit", imagesPath, labelsPath, numClasses);
}

function loadSplit(op: string, imagesPath: string, labelsPath: string, numClasses: number): Split {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.type !== "ubyte" || images.shape.length !== 3) {
    throw new DataFormatError(`${op}: ${imagesPath}: expected ubyte images [N, H, W], got ${images.type} [${images.shape.join(",")}]`);
  }
  if (labels.type !== "ubyte" || labels.shape.length !== 1) {
    throw new DataFormatError(`${op}: ${labelsPath}: expected ubyte labels [N], got ${labels.type} [${labels.shape.join(",")}]`);
  }
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new DataFormatError(`${op}: ${imagesPath} has ${n} images but ${labelsPath} has ${labels.shape[0]} labels`);
  const y = Int32Array.from(labels.data);
  const bad = y.findIndex((v) => v >= numClasses);
  if (bad >= 0) throw new DataFormatError(`${op}: ${labelsPath}: label ${y[bad]} at index ${bad} is not one of the ${numClasses} classes`);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  return { x: fromArray(x, [n, 1, h, w], "float32"), y: fromArray(y, [n], "int32") };
}
