import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runs } from "../props/runs.js";
import * as fx from "../src/index.js";

/** A split whose example i has x = [i, i + 0.5] and y = i. */
function numbered(n: number): fx.data.Split {
  const x = Float32Array.from({ length: 2 * n }, (_, k) => Math.floor(k / 2) + (k % 2) * 0.5);
  return { x: fx.tensor(x, { shape: [n, 2] }), y: fx.tensor(Int32Array.from({ length: n }, (_, i) => i), { shape: [n], dtype: "int32" }) };
}

describe("batches", () => {
  it("in order: full batches, then the last one padded with mask 0 on the padding", () => {
    const bs = [...fx.data.batches(numbered(7), { batchSize: 3 })];
    expect(bs.map((b) => b.size)).toEqual([3, 3, 1]);
    expect(bs.map((b) => b.x.shape)).toEqual([[3, 2], [3, 2], [3, 2]]);
    expect(bs[2]!.y.toArray()).toEqual([6, 0, 1]);
    expect(bs[2]!.mask.toArray()).toEqual([1, 0, 0]);
    expect(bs[2]!.x.toArray()).toEqual([[6, 6.5], [0, 0.5], [1, 1.5]]);
    expect(bs[0]!.mask.dtype).toBe("float32");
  });

  it("dropLast leaves out the partial batch; pad: false makes it short", () => {
    expect([...fx.data.batches(numbered(7), { batchSize: 3, dropLast: true })].map((b) => b.size)).toEqual([3, 3]);
    const short = [...fx.data.batches(numbered(7), { batchSize: 3, pad: false })];
    expect(short.map((b) => b.x.shape[0])).toEqual([3, 3, 1]);
    expect(fx.data.batchCount(7, 3)).toBe(3);
    expect(fx.data.batchCount(7, 3, true)).toBe(2);
  });

  it("property: shuffled batches visit every example exactly once, rows stay paired, same key → same batches", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 1000 }), fc.boolean(), (n, batchSize, seed, dropLast) => {
        const split = numbered(n);
        const opts = { batchSize, key: fx.random.key(seed), dropLast };
        const a = [...fx.data.batches(split, opts)];
        const b = [...fx.data.batches(split, opts)];
        const seen: number[] = [];
        a.forEach((batch, k) => {
          expect(batch.x.shape[0]).toBe(batchSize);
          const ys = Array.from(batch.y.data());
          const xs = Array.from(batch.x.data());
          const mask = Array.from(batch.mask.data());
          ys.forEach((y, i) => {
            expect(xs[2 * i]).toBe(y);
            expect(xs[2 * i + 1]).toBe(y + 0.5);
            expect(mask[i]).toBe(i < batch.size ? 1 : 0);
            if (i < batch.size) seen.push(y);
          });
          expect(ys).toEqual(Array.from(b[k]!.y.data()));
        });
        const expected = dropLast ? Math.floor(n / batchSize) * batchSize : n;
        expect(seen).toHaveLength(expected);
        expect(new Set(seen).size).toBe(expected);
      }),
      runs(100),
    );
  });

  it("a different key gives a different order; shuffle without a key is an error", () => {
    const order = (seed: number) => [...fx.data.batches(numbered(30), { batchSize: 30, key: fx.random.key(seed) })][0]!.y.toArray();
    expect(order(1)).not.toEqual(order(2));
    expect(order(1)).not.toEqual([...Array(30).keys()]);
    expect(() => [...fx.data.batches(numbered(3), { batchSize: 2, shuffle: true })]).toThrow(/batches: shuffle needs a random key/);
    expect(() => [...fx.data.batches(numbered(3), { batchSize: 0 })]).toThrow(/^batches: batchSize: expected a positive integer, got 0$/);
    expect(() => [...fx.data.batches({ x: fx.zeros([3, 2]), y: fx.zeros([4], { dtype: "int32" }) }, { batchSize: 2 })]).toThrow(/batches: x \[3,2\] and y \[4\] must have the same number of examples/);
  });
});
