// Preprocessing, augmentation and splits of fx.data: training-only statistics, determinism
// given a key, and that splits and folds partition the samples.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { runs } from "../props/runs.js";

const f32 = (a: number[]) => Float32Array.from(a);
function dataset(train: number[][][][], test: number[][][][], ytrain?: number[], ytest?: number[]): fx.data.Dataset {
  return fx.data.fromArrays({
    train: { x: train, y: ytrain ?? train.map(() => 0) },
    test: { x: test, y: ytest ?? test.map(() => 0) },
  });
}
/** A split of n samples [n, 1, 1, 2] whose x encodes the sample index (x = [i, -i]) and y = i mod 3. */
function indexed(n: number): fx.data.Split {
  return {
    x: fx.tensor(f32(Array.from({ length: n }, (_, i) => [i, -i]).flat()), { shape: [n, 1, 1, 2] }),
    y: fx.tensor(Int32Array.from({ length: n }, (_, i) => i % 3), { dtype: "int32" }),
  };
}
const ids = (s: fx.data.Split) => Array.from(s.x.data()).filter((_, i) => i % 2 === 0);

describe("scale", () => {
  it("maps [min, max] to [0, 1] with the training split's range by default, applied to both", () => {
    const ds = dataset([[[[10, 20]]], [[[30, 50]]]], [[[[60, 0]]]]);
    const s = fx.data.scale(ds);
    expect(Array.from(s.train.x.data())).toEqual([0, 0.25, 0.5, 1]);
    expect(Array.from(s.test.x.data())).toEqual(Array.from(f32([1.25, -0.25]))); // not clipped: train statistics only
    const bytes = fx.data.scale(ds, { min: 0, max: 255 });
    expect(Array.from(bytes.test.x.data())).toEqual(Array.from(f32([60 / 255, 0])));
    expect(() => fx.data.scale(ds, { min: 1, max: 1 })).toThrow(/scale: max must exceed min, got min 1 and max 1/);
    expect(() => fx.data.scale(ds, { max: "255" } as never)).toThrow(/scale: max: expected/);
  });
});

describe("standardize", () => {
  it("uses per-channel means and deviations of the training split only", () => {
    // Two channels: channel 0 values {1, 3} (mean 2, std 1), channel 1 {10, 10} (std 0: left unscaled).
    const train = [[[[1]], [[10]]], [[[3]], [[10]]]];
    const test = [[[[5]], [[12]]]];
    const s = fx.data.standardize(dataset(train, test));
    expect(Array.from(s.train.x.data())).toEqual([-1, 0, 1, 0]);
    expect(Array.from(s.test.x.data())).toEqual([3, 2]);
    const st = fx.data.stats(fx.data.fromArrays({ train: { x: train, y: [0, 0] }, test: { x: test, y: [0] } }).train.x);
    expect(st).toEqual({ mean: [2, 10], std: [1, 0] });
    const all = fx.data.standardize(dataset(train, test), { perChannel: false });
    const mean = (1 + 3 + 10 + 10) / 4;
    const std = Math.sqrt(((1 - mean) ** 2 + (3 - mean) ** 2 + 2 * (10 - mean) ** 2) / 4);
    expect(Array.from(all.test.x.data())).toEqual(Array.from(f32([(5 - mean) / std, (12 - mean) / std])));
  });

  it("gives the training split mean 0 and deviation 1 per channel (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 12, maxLength: 12 }), (values) => {
        const x = fx.tensor(f32(values), { shape: [3, 2, 2, 1] });
        const ds: fx.data.Dataset = { train: { x, y: fx.zeros([3], { dtype: "int32" }) }, test: { x, y: fx.zeros([3], { dtype: "int32" }) }, classes: ["a"] };
        const { mean, std } = fx.data.stats(fx.data.standardize(ds).train.x);
        const before = fx.data.stats(x).std;
        mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
        std.forEach((s, c) => expect(Math.abs(s - (before[c]! < 1e-7 ? before[c]! : 1))).toBeLessThan(1e-3));
      }),
      runs(100),
    );
  });
});

describe("oneHot", () => {
  it("one row per label, an out-of-range label is an error", () => {
    const y = fx.tensor([2, 0], { dtype: "int32" });
    expect(fx.data.oneHot(y, 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(fx.data.oneHot(y, 3).dtype).toBe("float32");
    expect(() => fx.data.oneHot(y, 2)).toThrow(/label 2 at index 0 is out of range for 2 classes/);
    expect(() => fx.data.oneHot(y, 0)).toThrow(/numClasses: expected a positive integer/);
  });
});

describe("augment", () => {
  const img = fx.tensor(f32(Array.from({ length: 2 * 3 * 4 }, (_, i) => i + 1)), { shape: [2, 1, 3, 4] });

  it("is deterministic given the key, differs between keys, and shift 0 without flip is the identity", () => {
    const a = fx.data.augment(fx.random.key(1), img, { shift: 1, flip: true });
    const b = fx.data.augment(fx.random.key(1), img, { shift: 1, flip: true });
    expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    const variants = new Set(Array.from({ length: 8 }, (_, k) => fx.data.augment(fx.random.key(k), img, { shift: 1, flip: true }).data().join(",")));
    expect(variants.size).toBeGreaterThan(1);
    expect(Array.from(fx.data.augment(fx.random.key(3), img, { shift: 0 }).data())).toEqual(Array.from(img.data()));
  });

  it("each image is its original, possibly mirrored, moved by at most `shift` with a zero border (property)", () => {
    const [n, h, w] = [3, 4, 5];
    const x = fx.tensor(f32(Array.from({ length: n * h * w }, (_, i) => i + 1)), { shape: [n, 1, h, w] });
    const src = x.data();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), (seed, shift, flip) => {
        const out = fx.data.augment(fx.random.key(seed), x, { shift, flip }).data();
        for (let s = 0; s < n; s++) {
          // Some (dy, dx, mirror) within bounds must explain image s exactly.
          let found = false;
          for (let dy = -shift; dy <= shift && !found; dy++)
            for (let dx = -shift; dx <= shift && !found; dx++)
              for (const m of flip ? [false, true] : [false]) {
                let ok = true;
                for (let i = 0; i < h && ok; i++)
                  for (let j = 0; j < w && ok; j++) {
                    const si = i - dy;
                    const sj = j - dx;
                    const want = si < 0 || si >= h || sj < 0 || sj >= w ? 0 : src[s * h * w + si * w + (m ? w - 1 - sj : sj)]!;
                    ok = out[s * h * w + i * w + j] === want;
                  }
                if (ok) found = true;
              }
          expect(found).toBe(true);
        }
      }),
      runs(100),
    );
  });

  it("flip mirrors about half of the images left to right, and only with flip: true", () => {
    const n = 64;
    const row = f32(Array.from({ length: n * 3 }, (_, i) => (i % 3) + 1)); // each image is [1, 2, 3]
    const x = fx.tensor(row, { shape: [n, 1, 1, 3] });
    const out = fx.data.augment(fx.random.key(9), x, { shift: 0, flip: true }).data();
    const mirrored = Array.from({ length: n }, (_, s) => out.subarray(3 * s, 3 * s + 3).join(","));
    expect(mirrored.every((r) => r === "1,2,3" || r === "3,2,1")).toBe(true);
    const count = mirrored.filter((r) => r === "3,2,1").length;
    expect(count).toBeGreaterThan(16);
    expect(count).toBeLessThan(48);
    expect(Array.from(fx.data.augment(fx.random.key(9), x, { shift: 0 }).data())).toEqual(Array.from(row));
  });

  it("validates its inputs", () => {
    expect(() => fx.data.augment(fx.random.key(0), fx.zeros([2, 3]))).toThrow(/augment: x must be float32 images \[N, C, H, W\]/);
    expect(() => fx.data.augment(fx.random.key(0), img, { shift: -1 })).toThrow(/augment: shift: expected a non-negative integer/);
    expect(() => fx.data.augment(fx.random.key(0), img, { flipp: true } as never)).toThrow(/did you mean "flip"/);
    expect(() => fx.data.augment(fx.zeros([2]), img)).toThrow(fx.FluxionError);
  });
});

describe("trainValSplit and kFold", () => {
  it("trainValSplit holds out round(fraction · n) samples, partitions the split and is deterministic given the key", () => {
    const split = indexed(20);
    const a = fx.data.trainValSplit(split, { fraction: 0.25, key: fx.random.key(5) });
    expect(a.val.x.shape).toEqual([5, 1, 1, 2]);
    expect(a.train.y.shape).toEqual([15]);
    expect([...ids(a.val), ...ids(a.train)].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // labels travel with their samples
    const xs = ids(a.val);
    expect(Array.from(a.val.y.data())).toEqual(xs.map((i) => i % 3));
    const b = fx.data.trainValSplit(split, { fraction: 0.25, key: fx.random.key(5) });
    expect(ids(b.val)).toEqual(xs);
    expect(ids(fx.data.trainValSplit(split, { fraction: 0.25, key: fx.random.key(6) }).val)).not.toEqual(xs);
    // a Dataset splits its training split, with the default fraction 0.1 and key
    const ds: fx.data.Dataset = { train: split, test: indexed(2), classes: ["a", "b", "c"] };
    expect(fx.data.trainValSplit(ds).val.y.shape).toEqual([2]);
    expect(() => fx.data.trainValSplit(split, { fraction: 1 })).toThrow(/fraction: expected a number in \(0, 1\)/);
    expect(() => fx.data.trainValSplit(indexed(3), { fraction: 0.1 })).toThrow(/holds out 0; need at least 1 for validation/);
  });

  it("kFold: k pairs whose validation folds partition the samples, sizes within one, train = the rest (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 2, max: 30 }), fc.nat(1000), (n, k, seed) => {
        fc.pre(k <= n);
        const split = indexed(n);
        const folds = fx.data.kFold(split, k, { key: fx.random.key(seed) });
        expect(folds).toHaveLength(k);
        const seen = folds.flatMap((f) => ids(f.val));
        expect([...seen].sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i));
        const sizes = folds.map((f) => f.val.y.shape[0]!);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        for (const f of folds) {
          const val = new Set(ids(f.val));
          const train = ids(f.train);
          expect(train.length + val.size).toBe(n);
          expect(train.every((i) => !val.has(i))).toBe(true);
        }
        expect(fx.data.kFold(split, k, { key: fx.random.key(seed) }).map((f) => ids(f.val))).toEqual(folds.map((f) => ids(f.val)));
      }),
      runs(100),
    );
  });

  it("kFold validates k and its options", () => {
    expect(() => fx.data.kFold(indexed(5), 1)).toThrow(/kFold: k must be in \[2, 5\] for 5 samples, got 1/);
    expect(() => fx.data.kFold(indexed(5), 6)).toThrow(/got 6/);
    expect(() => fx.data.kFold(indexed(5), 2.5)).toThrow(/kFold: k: expected a positive integer, got 2.5/);
    expect(() => fx.data.kFold(indexed(5), 2, { seed: 1 } as never)).toThrow(/kFold: unknown option "seed"/);
    expect(() => fx.data.kFold({ x: fx.zeros([3, 2]), y: fx.zeros([2], { dtype: "int32" }) }, 2)).toThrow(/one label per sample/);
  });
});
