// Laws of fx.random, checked against a reference written separately from src/: Threefry-2x32
// in BigInt arithmetic (mod 2^32), and JAX's layouts of counters, split keys, bits, uniforms and
// randint spelled out directly from jax/_src/random (non-partitionable threefry).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { runs } from "./runs.js";

const R = fx.random;
const M32 = (1n << 32n) - 1n;

/** Threefry-2x32, 20 rounds, on BigInts (Salmon et al. 2011; Random123's threefry.h constants). */
function threefryRef(key: readonly [bigint, bigint], ctr: readonly [bigint, bigint]): [bigint, bigint] {
  const rot = [13n, 15n, 26n, 6n, 17n, 29n, 16n, 24n];
  const ks = [key[0], key[1], key[0] ^ key[1] ^ 0x1bd11bdan];
  let x0 = (ctr[0] + ks[0]!) & M32;
  let x1 = (ctr[1] + ks[1]!) & M32;
  for (let round = 0; round < 20; round++) {
    const r = rot[round % 8]!;
    x0 = (x0 + x1) & M32;
    x1 = ((x1 << r) | (x1 >> (32n - r))) & M32;
    x1 ^= x0;
    if (round % 4 === 3) {
      const s = BigInt(round + 1) / 4n;
      x0 = (x0 + ks[Number(s % 3n)]!) & M32;
      x1 = (x1 + ks[Number((s + 1n) % 3n)]! + s) & M32;
    }
  }
  return [x0, x1];
}

/** JAX's threefry_2x32 over the counters 0 … n − 1: pad to even, pair the halves, concatenate. */
function hashIotaRef(key: readonly [bigint, bigint], n: number): bigint[] {
  const m = Math.ceil(n / 2);
  const flat = Array.from({ length: 2 * m }, (_, i) => (i < n ? BigInt(i) : 0n));
  const y0: bigint[] = [];
  const y1: bigint[] = [];
  for (let i = 0; i < m; i++) {
    const [a, b] = threefryRef(key, [flat[i]!, flat[m + i]!]);
    y0.push(a);
    y1.push(b);
  }
  return [...y0, ...y1].slice(0, n);
}

const word = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const keyArb = fc.tuple(word, word);
const toKey = ([a, b]: [number, number]) => fx.tensor([a | 0, b | 0], { dtype: "int32" });
const big = ([a, b]: [number, number]): [bigint, bigint] => [BigInt(a), BigInt(b)];
const u32 = (t: Tensor) => Array.from(t.data(), (w) => BigInt(w >>> 0));

function splitRef(k: readonly [bigint, bigint], n: number): [bigint, bigint][] {
  const flat = hashIotaRef(k, 2 * n);
  return Array.from({ length: n }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]);
}

describe("fx.random laws (against a BigInt reference of Threefry and JAX's layouts)", () => {
  it("split(key, n) pairs the words of threefry over counters 0 … 2n − 1", () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 0, max: 7 }), (k, n) => {
        const got = (R.keyData(R.split(toKey(k), n)) as number[][]).map((p) => p.map(BigInt));
        expect(got).toEqual(splitRef(big(k), n));
      }),
      runs(100),
    );
  });

  it("bits(key, [n]) is threefry over counters 0 … n − 1 (odd n padded with one 0)", () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 0, max: 11 }), (k, n) => {
        expect(u32(R.bits(toKey(k), [n]))).toEqual(hashIotaRef(big(k), n));
      }),
      runs(100),
    );
  });

  it("foldIn(key, d) is threefry of the counter pair (0, d)", () => {
    fc.assert(
      fc.property(keyArb, word, (k, d) => {
        expect((R.keyData(R.foldIn(toKey(k), d)) as number[]).map((x) => BigInt(x))).toEqual(threefryRef(big(k), [0n, BigInt(d)]));
      }),
      runs(100),
    );
  });

  it("uniform: float32 is (w >>> 9)·2^-23, float64 is ((hi·2^32 + lo) >> 12)·2^-52, bit for bit", () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 1, max: 9 }), (k, n) => {
        const w = hashIotaRef(big(k), n);
        const f32 = Array.from(R.uniform(toKey(k), [n]).data());
        w.forEach((b, i) => expect(Object.is(f32[i], Number(b >> 9n) * 2 ** -23)).toBe(true));
        const w2 = hashIotaRef(big(k), 2 * n);
        const f64 = Array.from(R.uniform(toKey(k), [n], { dtype: "float64" }).data());
        for (let i = 0; i < n; i++) {
          const bits64 = (w2[i]! << 32n) | w2[n + i]!;
          expect(Object.is(f64[i], Number(bits64 >> 12n) * 2 ** -52)).toBe(true);
        }
      }),
      runs(100),
    );
  });

  it("randint is JAX's double-word modulus reduction, and lies in [minval, maxval)", () => {
    const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 1, max: 6 }), int32, int32, (k, n, lo, hi) => {
        const got = Array.from(R.randint(toKey(k), [n], lo, hi).data());
        const [k1, k2] = splitRef(big(k), 2);
        const high = hashIotaRef(k1!, n);
        const low = hashIotaRef(k2!, n);
        const span = hi <= lo ? 1n : BigInt(hi - lo);
        // (2^16 mod span)² wraps in uint32 as in JAX (to 0 once span > 2^16).
        const multiplier = (((65536n % span) * (65536n % span)) & M32) % span;
        for (let i = 0; i < n; i++) {
          const offset = ((((high[i]! % span) * multiplier) & M32) + (low[i]! % span)) & M32;
          const expected = lo + Number(offset % span);
          expect(got[i]).toBe(expected);
          expect(got[i]! >= lo && (hi <= lo ? got[i] === lo : got[i]! < hi)).toBe(true);
        }
      }),
      runs(100),
    );
  });

  it("permutation(key, n) (n ≤ 1625: one round) orders 0 … n − 1 by the bits of split(key)[1], stably", () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 0, max: 40 }), (k, n) => {
        const got = Array.from(R.permutation(toKey(k), n).data());
        if (n <= 1) {
          expect(got).toEqual(n === 1 ? [0] : []);
          return;
        }
        const sortKeys = hashIotaRef(splitRef(big(k), 2)[1]!, n);
        const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => (sortKeys[a]! < sortKeys[b]! ? -1 : sortKeys[a]! > sortKeys[b]! ? 1 : a - b));
        expect(got).toEqual(expected);
      }),
      runs(100),
    );
  });

  it("jit agrees with eager bit for bit (integer outputs and float64 samplers)", () => {
    const f = (key: Tensor) => ({
      split: R.split(key, 3),
      randint: R.randint(key, [4], -7, 100),
      perm: R.permutation(key, 6),
      u: R.uniform(key, [5], { dtype: "float64", minval: -3, maxval: 2 }),
      z: R.normal(key, [5], { dtype: "float64" }),
      t: R.truncatedNormal(key, -0.5, 1.5, [5], { dtype: "float64" }),
    });
    const jf = fx.jit(f);
    fc.assert(
      fc.property(keyArb, (k) => {
        const a = f(toKey(k));
        const b = jf(toKey(k));
        for (const name of Object.keys(a) as (keyof typeof a)[]) {
          const [x, y] = [a[name].data(), b[name].data()];
          for (let i = 0; i < x.length; i++) expect(Object.is(x[i], y[i]), `${name}[${i}]`).toBe(true);
        }
      }),
      runs(100),
    );
    expect(jf.cacheSize).toBe(1);
  });
});

describe("fx.nn.init laws", () => {
  const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 3 });
  it("uniform initialisers stay within ±√(3·var), truncated-normal ones within ±2·σ/0.8796…, with the fans of computeFans", () => {
    fc.assert(
      fc.property(keyArb, dims, (k, shape) => {
        const [fanIn, fanOut] = fx.nn.init.computeFans(shape);
        const cases: [fx.nn.init.Initializer, number, number][] = [
          [fx.nn.init.glorotUniform, 2 / (fanIn + fanOut), Math.sqrt(3)],
          [fx.nn.init.heUniform, 2 / fanIn, Math.sqrt(3)],
          [fx.nn.init.glorotNormal, 2 / (fanIn + fanOut), 2 / 0.87962566103423978],
          [fx.nn.init.lecunNormal, 1 / fanIn, 2 / 0.87962566103423978],
        ];
        for (const [f, variance, reach] of cases) {
          const w = f(toKey(k), shape, { dtype: "float64" });
          expect(w.shape).toEqual(shape);
          const bound = reach * Math.sqrt(variance);
          for (const v of w.data()) expect(Math.abs(v)).toBeLessThanOrEqual(bound * (1 + 1e-12));
        }
      }),
      runs(100),
    );
  });
  it("orthogonal gives orthonormal rows or columns (gain²·I) for any shape", () => {
    fc.assert(
      fc.property(keyArb, dims, fc.double({ min: 0.1, max: 3, noNaN: true }), (k, shape, gain) => {
        const w = fx.nn.init.orthogonal(toKey(k), shape, { gain, dtype: "float64" });
        const rows = shape[0]!;
        const cols = w.size / rows;
        const m = fx.reshape(w, [rows, cols]);
        const gram = rows >= cols ? fx.matmul(fx.transpose(m), m) : fx.matmul(m, fx.transpose(m));
        const n = Math.min(rows, cols);
        const g = gram.data();
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) expect(Math.abs(g[i * n + j]! - (i === j ? gain * gain : 0))).toBeLessThan(1e-12);
        }
      }),
      runs(100),
    );
  });
});
