// fx.random: the Threefry-2x32 known answers, JAX's recorded keys, bits and sample values, eager
// and jit agreeing bit for bit, independence of split streams, and every sampler's moments.
//
// Statistical checks use fixed keys (so they are deterministic) and 5-sigma bounds from the
// central limit theorem: a correct sampler fails one with probability below 1e-6.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { threefry2x32, threefry2x32Block } from "../src/prims/random.js";
import { erfNumber, erfinv } from "../src/random/special.js";
import type { Tensor } from "../src/tensor/tensor.js";

const R = fx.random;
const u32 = (t: Tensor) => Array.from(t.data(), (w) => w >>> 0);
const values = (t: Tensor) => Array.from(t.data(), Number);

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}
function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
}
/** Asserts |x − expected| ≤ 5·sd. */
function within5Sigma(x: number, expected: number, sd: number, what: string): void {
  expect(Math.abs(x - expected), `${what}: ${x} vs ${expected} ± 5·${sd}`).toBeLessThanOrEqual(5 * sd);
}
function expectBitwise(a: Tensor, b: Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  const x = a.data();
  const y = b.data();
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) expect.fail(`element ${i}: ${x[i]} vs ${y[i]}`);
}

// Seeds of JAX's tests/random_test.py value cases: zlib.adler32(name + "threefry2x32").
const SEEDS = { bits: 942802475, uniform: 1338574713, normal: 1193674498, truncated_normal: 2846034731, randint: 1319372649, bernoulli: 1612777541 };

describe("Threefry-2x32-20 known answers (Random123 kat_vectors)", () => {
  // Random123's examples/kat_vectors lines "threefry2x32 20 ctr0 ctr1 key0 key1 out0 out1".
  const KAT: [number[], number[], number[]][] = [
    [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    [[0x243f6a88, 0x85a308d3], [0x13198a2e, 0x03707344], [0xc4923a9c, 0x483df7a0]],
  ];
  it("the block function", () => {
    for (const [ctr, key, out] of KAT) expect(threefry2x32Block(key as [number, number], ctr as [number, number])).toEqual(out);
  });
  it("the primitive, eagerly and under jit, on a batch of counters", () => {
    const key = fx.tensor([0x13198a2e | 0, 0x03707344], { dtype: "int32" });
    const ctr = fx.tensor([[0, 0x243f6a88, -1], [0, 0x85a308d3 | 0, -1]], { dtype: "int32" });
    const f = (k: Tensor, c: Tensor) => threefry2x32(k, c);
    for (const out of [f(key, ctr), fx.jit(f)(key, ctr)]) {
      const w = u32(out);
      expect([w[1], w[4]]).toEqual([0xc4923a9c, 0x483df7a0]);
    }
    const zero = fx.tensor([0, 0], { dtype: "int32" });
    expect(u32(threefry2x32(zero, fx.zeros([2, 1], { dtype: "int32" })))).toEqual([0x6b200159, 0x99ba4efe]);
  });
});

describe("keys: JAX's values (jax_threefry_partitionable=False)", () => {
  it("key(seed) is [0, seed] for int32 seeds, [hi, lo] for larger ones", () => {
    expect(R.keyData(R.key(0))).toEqual([0, 0]);
    expect(R.keyData(R.key(42))).toEqual([0, 42]);
    expect(R.keyData(R.key(-1))).toEqual([0, 4294967295]);
    expect(R.keyData(R.key(-2))).toEqual([0, 4294967294]);
    expect(R.keyData(R.key(2846034731))).toEqual([0, 2846034731]);
    expect(R.keyData(R.key(2 ** 32 + 5))).toEqual([1, 5]);
    expect(R.keyData(R.key(fx.scalar(7, "int32")))).toEqual([0, 7]);
  });
  it("split(key(0)) is JAX's [[4146024105, 967050713], [2718843009, 1272950319]]", () => {
    const keys = R.split(R.key(0));
    expect(keys.shape).toEqual([2, 2]);
    expect(keys.dtype).toBe("int32");
    expect(R.keyData(keys)).toEqual([[4146024105, 967050713], [2718843009, 1272950319]]);
    expect(R.splitKeys(R.key(0)).map((k) => R.keyData(k))).toEqual([[4146024105, 967050713], [2718843009, 1272950319]]);
  });
  it("split(key(0), 4) and foldIn(key(0), 4) (JAX's testPRNGValues)", () => {
    expect(R.keyData(R.split(R.key(0), 4))).toEqual([
      [2285895361, 1501764800], [1518642379, 4090693311], [433833334, 4221794875], [839183663, 3740430601],
    ]);
    expect(R.keyData(R.foldIn(R.key(0), 4))).toEqual([2285895361, 433833334]);
    expect(R.keyData(R.foldIn(R.key(0), fx.scalar(4, "int32")))).toEqual([2285895361, 433833334]);
  });
  it("bits (JAX's testRngRandomBits and the bits value case)", () => {
    expect(u32(R.bits(R.key(1701), [3]))).toEqual([56197195, 4200222568, 961309823]);
    expect(u32(R.bits(R.key(SEEDS.bits), [5]))).toEqual([1978747883, 4134381225, 3628107870, 689687174, 2788938207]);
  });
});

describe("samplers: JAX's values", () => {
  it("float32 uniform is (bits >>> 9)·2^-23, bit for bit", () => {
    const expected = [56197195, 4200222568, 961309823].map((b) => Math.floor(b / 512) * 2 ** -23);
    expect(values(R.uniform(R.key(1701), [3]))).toEqual(expected);
  });
  it("float64 uniform is (64-bit bits >> 12)·2^-52, bit for bit (JAX's uint64 bits of key 1701 under x64)", () => {
    const bits64 = [3982329540505020460n, 16822122385914693683n, 7882654074788531506n];
    const expected = bits64.map((b) => Number(b >> 12n) * 2 ** -52);
    const u = R.uniform(R.key(1701), [3], { dtype: "float64" });
    expect(u.dtype).toBe("float64");
    expect(values(u)).toEqual(expected);
  });
  // JAX's recorded values (tests/random_test.py, _RANDOM_VALUES_CASES, printed to 6 decimals).
  it("uniform, normal and truncatedNormal match JAX's recorded values", () => {
    const close = (t: Tensor, expected: number[]) => values(t).forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1.5e-6));
    close(R.uniform(R.key(SEEDS.uniform), [5]), [0.298671, 0.073213, 0.873356, 0.260549, 0.412797]);
    close(R.normal(R.key(SEEDS.normal), [5]), [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845]);
    close(R.truncatedNormal(R.key(SEEDS.truncated_normal), 0, 2, [5]), [0.582807, 1.709771, 0.159513, 0.861376, 0.36148]);
  });
  it("randint and bernoulli match JAX's recorded values exactly", () => {
    expect(R.randint(R.key(SEEDS.randint), [5], 0, 10).toArray()).toEqual([0, 5, 7, 7, 5]);
    expect(R.randint(R.key(0), [3, 3], 0, 8).toArray()).toEqual([[2, 1, 3], [6, 1, 5], [6, 3, 4]]);
    expect(R.bernoulli(R.key(SEEDS.bernoulli), 0.5, [5]).toArray()).toEqual([false, true, true, true, false]);
  });
});

describe("shapes", () => {
  it("scalars, empty shapes and zero keys", () => {
    expect(R.uniform(R.key(0)).shape).toEqual([]);
    expect(R.normal(R.key(0), []).shape).toEqual([]);
    expect(R.bits(R.key(0), []).shape).toEqual([]);
    expect(R.uniform(R.key(0), [0, 3]).shape).toEqual([0, 3]);
    expect(R.normal(R.key(0), [2, 0]).shape).toEqual([2, 0]);
    expect(R.split(R.key(0), 0).shape).toEqual([0, 2]);
    expect(R.splitKeys(R.key(0), 3).map((k) => k.shape)).toEqual([[2], [2], [2]]);
    expect(R.permutation(R.key(0), 0).shape).toEqual([0]);
    expect(R.randint(R.key(0), [2, 3], 0, 4).shape).toEqual([2, 3]);
  });
  it("a scalar sample is the first element of a longer one only where JAX's layout says so", () => {
    // bits of [n] use counters 0 … n − 1 paired as halves, so bits(key, [1]) is the first word of
    // threefry(key, (0, 0)), while bits(key, [2]) pairs (0, 1): the first words differ.
    const one = u32(R.bits(R.key(5), [1]))[0];
    expect(one).toBe(threefry2x32Block([0, 5], [0, 0])[0]);
    expect(u32(R.bits(R.key(5), [2]))[0]).toBe(threefry2x32Block([0, 5], [0, 1])[0]);
  });
});

describe("determinism: the same key gives the same bits, eagerly and under jit", () => {
  const k = R.key(123);
  const logits = fx.reshape(fx.mul(fx.arange(0, 60, 1, { dtype: "float32" }), 0.01), [20, 3]);
  const samplers: [string, (key: Tensor) => Tensor][] = [
    ["bits", (key) => R.bits(key, [7])],
    ["split", (key) => R.split(key, 3)],
    ["foldIn", (key) => R.foldIn(key, 99)],
    ["uniform", (key) => R.uniform(key, [5, 3], { minval: -2, maxval: 3 })],
    ["uniform float64", (key) => R.uniform(key, [9], { dtype: "float64" })],
    ["normal", (key) => R.normal(key, [4, 4])],
    ["normal float64", (key) => R.normal(key, [7], { dtype: "float64" })],
    ["truncatedNormal", (key) => R.truncatedNormal(key, -1, 2.5, [11])],
    ["bernoulli", (key) => R.bernoulli(key, 0.3, [13])],
    ["randint", (key) => R.randint(key, [6, 2], -5, 1000)],
    ["categorical", (key) => R.categorical(key, logits)],
    ["permutation", (key) => R.permutation(key, 10)],
    ["permutation of rows", (key) => R.permutation(key, fx.reshape(fx.arange(12), [4, 3]))],
    ["shuffle", (key) => R.shuffle(key, fx.reshape(fx.arange(12), [3, 4]), { axis: 1 })],
  ];
  for (const [name, f] of samplers) {
    it(name, () => {
      const a = f(k);
      expectBitwise(a, f(R.key(123)));
      const jitted = fx.jit(f);
      expectBitwise(a, jitted(k));
      expectBitwise(a, jitted(R.key(123)));
      expect(jitted.cacheSize).toBe(1);
      // A different key gives different values.
      expect(Array.from(f(R.key(124)).data())).not.toEqual(Array.from(a.data()));
    });
  }
  it("a key made from a traced seed inside jit equals the eager one", () => {
    const f = (seed: Tensor) => R.normal(R.key(seed), [5]);
    expectBitwise(fx.jit(f)(fx.scalar(5, "int32")), R.normal(R.key(5), [5]));
  });
  it("samples are constants under grad (the key is an integer input)", () => {
    const k2 = R.key(3);
    const f = (p: Tensor) => fx.sum(fx.mul(p, R.uniform(k2, [4])));
    const g = fx.grad(f)(fx.ones([4]));
    expectBitwise(g, R.uniform(k2, [4]));
  });
});

/** Pearson correlation of two equally long samples. */
function correlation(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe("independent streams", () => {
  // For independent samples the correlation coefficient has sd 1/√N (N large).
  const N = 40000;
  const bound = 5 / Math.sqrt(N);
  it("the two halves of split, sibling foldIns and a key and its child are uncorrelated", () => {
    const root = R.key(2024);
    const [a, b] = R.splitKeys(root);
    const pairs: [string, Tensor, Tensor][] = [
      ["split siblings", a!, b!],
      ["foldIn 0 / 1", R.foldIn(root, 0), R.foldIn(root, 1)],
      ["parent / child", root, R.splitKeys(root)[0]!],
      ["split(n=3) first / last", ...([0, 2].map((i) => R.splitKeys(root, 3)[i]!) as [Tensor, Tensor])],
    ];
    for (const [name, k1, k2] of pairs) {
      const r = correlation(values(R.uniform(k1, [N])), values(R.uniform(k2, [N])));
      expect(Math.abs(r), `${name}: correlation ${r}`).toBeLessThan(bound);
    }
  });
  it("consecutive values of one stream are uncorrelated (lag 1)", () => {
    const u = values(R.uniform(R.key(7), [N + 1]));
    expect(Math.abs(correlation(u.slice(0, N), u.slice(1)))).toBeLessThan(bound);
  });
  it("split keys are all distinct", () => {
    const keys = R.keyData(R.split(R.key(9), 1000)) as number[][];
    expect(new Set(keys.map((k) => `${k[0]},${k[1]}`)).size).toBe(1000);
  });
});

describe("sample moments (5-sigma CLT bounds)", () => {
  const N = 50000;
  it("uniform [0, 1) and [minval, maxval)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const u = values(R.uniform(R.key(11), [N], { dtype }));
      expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...u)).toBeLessThan(1);
      within5Sigma(mean(u), 0.5, Math.sqrt(1 / 12 / N), `${dtype} uniform mean`);
      // Var(s²) ≈ (μ4 − σ⁴)/N with μ4 = 1/80 for U(0, 1).
      within5Sigma(variance(u), 1 / 12, Math.sqrt((1 / 80 - 1 / 144) / N), `${dtype} uniform variance`);
    }
    const v = values(R.uniform(R.key(12), [N], { minval: -3, maxval: 5 }));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...v)).toBeLessThan(5);
    within5Sigma(mean(v), 1, Math.sqrt(64 / 12 / N), "uniform(-3, 5) mean");
  });
  it("uniform with tensor bounds broadcasts them", () => {
    const lo = fx.tensor([[0], [10]]);
    const x = R.uniform(R.key(1), [2, 1000], { minval: lo, maxval: fx.add(lo, 1) });
    const rows = x.toArray() as number[][];
    expect(rows[0]!.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(rows[1]!.every((v) => v >= 10 && v < 11)).toBe(true);
  });
  it("normal", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const z = values(R.normal(R.key(13), [N], { dtype }));
      within5Sigma(mean(z), 0, 1 / Math.sqrt(N), `${dtype} normal mean`);
      within5Sigma(variance(z), 1, Math.sqrt(2 / N), `${dtype} normal variance`);
      // P(|z| > 1.96) = 0.05.
      const tail = z.filter((v) => Math.abs(v) > 1.959963985).length / N;
      within5Sigma(tail, 0.05, Math.sqrt(0.05 * 0.95 / N), `${dtype} normal two-sided 5% tail`);
    }
  });
  it("truncatedNormal", () => {
    const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const Phi = (x: number) => 0.5 * (1 + erfNumber(x / Math.SQRT2));
    for (const [a, b] of [[-2, 2], [0, 2], [-1, 0.5]] as const) {
      const z = values(R.truncatedNormal(R.key(14), a, b, [N]));
      expect(z.every((v) => v > a && v < b)).toBe(true);
      const Z = Phi(b) - Phi(a);
      const m = (phi(a) - phi(b)) / Z;
      const v = 1 + (a * phi(a) - b * phi(b)) / Z - m * m;
      within5Sigma(mean(z), m, Math.sqrt(v / N), `truncatedNormal(${a}, ${b}) mean`);
      // The truncated normal's fourth central moment is below 3σ⁴, so √(2/N)·σ² bounds the sd of s².
      within5Sigma(variance(z), v, v * Math.sqrt(2 / N), `truncatedNormal(${a}, ${b}) variance`);
    }
    // An infinite bound gives a half-normal: E|z| = √(2/π).
    const half = values(R.truncatedNormal(R.key(24), -Infinity, 0, [N]));
    expect(half.every((v) => v < 0 && Number.isFinite(v))).toBe(true);
    within5Sigma(-mean(half), Math.sqrt(2 / Math.PI), Math.sqrt((1 - 2 / Math.PI) / N), "half-normal mean");
  });
  it("bernoulli", () => {
    for (const p of [0.1, 0.5, 0.93]) {
      const x = R.bernoulli(R.key(15), p, [N]);
      expect(x.dtype).toBe("bool");
      within5Sigma(mean(values(x)), p, Math.sqrt(p * (1 - p) / N), `bernoulli(${p})`);
    }
    const pt = fx.tensor([0, 1, 0.25], { dtype: "float64" });
    const y = R.bernoulli(R.key(16), pt, [N, 3]).toArray() as boolean[][];
    expect(y.every((r) => r[0] === false && r[1] === true)).toBe(true);
    within5Sigma(y.filter((r) => r[2]).length / N, 0.25, Math.sqrt(0.25 * 0.75 / N), "bernoulli(tensor p)");
  });
  it("randint", () => {
    const x = values(R.randint(R.key(17), [N], -3, 7));
    expect(x.every((v) => Number.isInteger(v) && v >= -3 && v < 7)).toBe(true);
    for (let v = -3; v < 7; v++) {
      within5Sigma(x.filter((y) => y === v).length / N, 0.1, Math.sqrt(0.09 / N), `randint frequency of ${v}`);
    }
    expect(values(R.randint(R.key(1), [5], 4, 4))).toEqual([4, 4, 4, 4, 4]);
    const wide = values(R.randint(R.key(2), [N], -(2 ** 31), 2 ** 31 - 1));
    within5Sigma(mean(wide), -0.5, 2 ** 32 / Math.sqrt(12 * N), "randint over the int32 range");
  });
  it("categorical", () => {
    const p = [0.2, 0.5, 0.3];
    const logits = fx.log(fx.tensor(p));
    const x = values(R.categorical(R.key(18), logits, { shape: [N] }));
    p.forEach((pi, i) => within5Sigma(x.filter((v) => v === i).length / N, pi, Math.sqrt(pi * (1 - pi) / N), `categorical class ${i}`));
    // A batch along axis 0: each column is its own distribution; −∞ logits are never drawn.
    const batch = fx.tensor([[0, -Infinity], [-Infinity, 0], [0, 0]]);
    const y = R.categorical(R.key(19), batch, { axis: 0, shape: [100, 2] }).toArray() as number[][];
    expect(y.every((r) => r[0] !== 1 && r[1] !== 0)).toBe(true);
  });
  it("permutation and shuffle give permutations with every position uniform", () => {
    const perm = values(R.permutation(R.key(20), 100));
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Two sort rounds for more than 1625 elements.
    const big = values(R.permutation(R.key(21), 3000));
    expect([...big].sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    // M independent shuffles of 0..4 (the rows): P(element j at position i) = 1/5.
    const M = 20000;
    const rows = R.shuffle(R.key(22), fx.tile(fx.arange(5, undefined, 1, { dtype: "int32" }), [M, 1]), { axis: 1 }).toArray() as number[][];
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        const f = rows.filter((r) => r[i] === j).length / M;
        within5Sigma(f, 0.2, Math.sqrt(0.16 / M), `P(element ${j} at position ${i})`);
      }
    }
    // Permuting a 2-D tensor moves whole rows.
    const x = fx.reshape(fx.arange(12), [4, 3]);
    const px = R.permutation(R.key(23), x).toArray() as number[][];
    expect(px.every((r) => r[1] === r[0]! + 1 && r[2] === r[0]! + 2)).toBe(true);
    expect(px.map((r) => r[0]).sort((a, b) => a! - b!)).toEqual([0, 3, 6, 9]);
    const cols = R.permutation(R.key(23), x, { axis: 1 }).toArray() as number[][];
    expect(cols.every((r) => r.map((v) => v - r[0]!).join() === cols[0]!.map((v) => v - cols[0]![0]!).join())).toBe(true);
  });
});

/** erfc of a JS number, accurate in the tail (continued fraction for t ≥ 2). */
function erfcReference(t: number): number {
  if (t < 2) return 1 - erfNumber(t);
  let f = t;
  for (let n = 300; n >= 1; n--) f = t + n / 2 / f;
  return Math.exp(-t * t) / (Math.sqrt(Math.PI) * f);
}
/** erfinv by Newton's method on erf (|x| < 0.5) or on erfc (1 − |x| is exact there). */
function erfinvReference(x: number): number {
  const a = Math.abs(x);
  const slope = (t: number) => (2 / Math.sqrt(Math.PI)) * Math.exp(-t * t);
  let t = a < 0.5 ? 0.5 : 1;
  for (let k = 0; k < 200; k++) {
    if (a < 0.5) t -= (erfNumber(t) - a) / slope(t);
    else t = Math.max(1e-3, t + (erfcReference(t) - (1 - a)) / slope(t));
  }
  return Math.sign(x) * t;
}

describe("erfinv", () => {
  const grid: number[] = [];
  for (let i = -9999; i <= 9999; i++) grid.push(i / 10000);
  for (let e = 1e-3; e > 1e-16; e /= 3) grid.push(1 - e, -(1 - e));
  function worstRelativeError(dtype: "float32" | "float64", limit: number): number {
    const x = fx.tensor(grid.filter((v) => Math.abs(v) <= limit), { dtype });
    const xs = values(x);
    const ys = values(erfinv(x));
    let worst = 0;
    xs.forEach((v, i) => {
      if (v === 0 || Math.abs(v) >= 1) return;
      const ref = erfinvReference(v);
      worst = Math.max(worst, Math.abs(ys[i]! - ref) / Math.abs(ref));
    });
    return worst;
  }
  it("float32 (Giles' single precision, w = −log1p(−x²) as XLA): relative error < 3e-7 for |x| ≤ 0.99, < 4e-6 up to 1 − 2^-24", () => {
    expect(worstRelativeError("float32", 0.99)).toBeLessThan(3e-7);
    expect(worstRelativeError("float32", 1 - 2 ** -24)).toBeLessThan(4e-6);
  });
  it("float64 (Giles' double precision): relative error < 2e-14 up to 1 − 2^-53", () => {
    expect(worstRelativeError("float64", 1 - 2 ** -53)).toBeLessThan(2e-14);
  });
  it("±1 give ±∞, 0 gives 0", () => {
    for (const dtype of ["float32", "float64"] as const) {
      expect(values(erfinv(fx.tensor([1, -1, 0], { dtype })))).toEqual([Infinity, -Infinity, 0]);
    }
  });
});

describe("errors name the op and the bad value", () => {
  it("keys", () => {
    expect(() => R.uniform(fx.tensor([1, 2]), [3])).toThrow(/random\.uniform: a key is an int32 tensor of shape \[2\], got a float32/);
    expect(() => R.normal(R.split(R.key(0)), [3])).toThrow(/random\.normal: a key has shape \[2\], got \[2,2\].*splitKeys/);
    expect(() => R.key(1.5)).toThrow(/random\.key: the seed must be an integer/);
    expect(() => R.key(-(2 ** 31) - 1)).toThrow(fx.ValueError);
    expect(() => R.foldIn(R.key(0), 2 ** 32)).toThrow(/random\.foldIn: data must be an integer/);
    expect(() => R.split(R.key(0), -1)).toThrow(/random\.split/);
  });
  it("options: unknown keys and wrong types", () => {
    expect(() => R.uniform(R.key(0), [2], { minVal: 0 } as never)).toThrow(/^random\.uniform: unknown option "minVal"; did you mean "minval"\?$/);
    expect(() => R.uniform(R.key(0), [2], { dtype: "int32" } as never)).toThrow(/^random\.uniform: dtype: expected "float32" or "float64", got "int32"$/);
    expect(() => R.normal(R.key(0), [2], { dtype: "float16" } as never)).toThrow(fx.ArgumentError);
    expect(() => R.permutation(R.key(0), 5, { axis: 0.5 })).toThrow(/^random\.permutation: axis: expected an integer, got 0.5$/);
    expect(() => R.permutation(R.key(0), 5, { independant: true } as never)).toThrow(/^random\.permutation: unknown option "independant"; did you mean "independent"\?$/);
    expect(() => R.randint(R.key(0), [2], 0, 5, { dtype: "float32" } as never)).toThrow(/^random\.randint: dtype: expected "int32", got "float32"$/);
  });
  it("sizes beyond the engine's limit and misplaced keys name the op", () => {
    expect(() => R.uniform(R.key(0), [1e6, 1e6])).toThrow(/^random\.uniform: a tensor of shape \[1000000,1000000\] and dtype float32 .* is larger than the engine allows/);
    expect(() => R.randint(R.key(0), [2 ** 40], 0, 3)).toThrow(/^random\.randint: a tensor of shape \[1099511627776\] and dtype int32/);
    expect(() => R.split(R.key(0), 1e12)).toThrow(/^random\.split: a tensor of shape \[1000000000000,2\]/);
    expect(() => R.splitKeys("x" as never)).toThrow(/^random\.splitKeys: the key must be a Tensor/);
    expect(() => R.bernoulli(R.key(0), 0.5, null as never)).toThrow(/^random\.bernoulli: the shape must be an array of non-negative integers, got null$/);
    expect(() => R.uniform(R.key(0), [NaN])).toThrow(/got \[NaN\]$/);
  });
  it("shapes and parameters", () => {
    expect(() => R.uniform(R.key(0), [2, -1])).toThrow(/random\.uniform: the shape must be an array of non-negative integers/);
    expect(() => R.uniform(R.key(0), [3], { minval: fx.zeros([4]) })).toThrow(/random\.uniform/);
    expect(() => R.truncatedNormal(R.key(0), 2, 1, [3])).toThrow(/random\.truncatedNormal: lower and upper/);
    expect(() => R.bernoulli(R.key(0), fx.tensor([1], { dtype: "int32" }))).toThrow(/random\.bernoulli: p must be/);
    expect(() => R.randint(R.key(0), [2], 0.5, 3)).toThrow(/random\.randint: minval must be an integer/);
    expect(() => R.categorical(R.key(0), fx.zeros([2, 3]), { shape: [5, 3] })).toThrow(/random\.categorical: shape \[5,3\] must end with the batch shape \[2\]/);
  });
});
