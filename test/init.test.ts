// fx.nn.init: fan conventions, the variance each initialiser promises (5-sigma CLT bounds with
// fixed keys), bounds, orthogonality, fills, determinism and errors.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { computeFans } from "../src/nn/init.js";
import { erfNumber } from "../src/random/special.js";
import type { Tensor } from "../src/tensor/tensor.js";

const init = fx.nn.init;
const values = (t: Tensor) => Array.from(t.data(), Number);
const key = fx.random.key(31337);

function moments(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { mean, variance: xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) };
}

// Kurtosis E[x⁴]/σ⁴ of the two shapes the initialisers draw from: U(−1, 1) and N(0, 1) cut at ±2.
const UNIFORM_KURTOSIS = 9 / 5;
const TRUNCATED_KURTOSIS = (() => {
  const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
  const z = erfNumber(Math.SQRT2);
  const m2 = 1 - (4 * phi2) / z;
  const m4 = 3 - (2 * (8 + 6) * phi2) / z;
  return m4 / (m2 * m2);
})();

describe("computeFans", () => {
  it("dense [in, out], conv OIHW [O, I, kH, kW] (PyTorch's), conv1d, bias and scalar", () => {
    expect(computeFans([784, 256])).toEqual([784, 256]);
    expect(computeFans([16, 6, 5, 5])).toEqual([150, 400]);
    expect(computeFans([8, 3, 7])).toEqual([21, 56]);
    expect(computeFans([10])).toEqual([10, 10]);
    expect(computeFans([])).toEqual([1, 1]);
  });
});

describe("variance-scaling initialisers give the variance they promise", () => {
  const cases: [string, fx.nn.init.Initializer, readonly number[], number, "uniform" | "normal"][] = [
    ["glorotUniform dense", init.glorotUniform, [300, 200], 2 / 500, "uniform"],
    ["glorotNormal dense", init.glorotNormal, [300, 200], 2 / 500, "normal"],
    ["heUniform dense", init.heUniform, [250, 240], 2 / 250, "uniform"],
    ["heNormal conv OIHW", init.heNormal, [64, 32, 5, 5], 2 / 800, "normal"],
    ["glorotUniform conv OIHW", init.glorotUniform, [48, 24, 3, 3], 2 / (24 * 9 + 48 * 9), "uniform"],
    ["lecunNormal dense", init.lecunNormal, [400, 150], 1 / 400, "normal"],
    ["lecunUniform conv1d", init.lecunUniform, [100, 20, 30], 1 / 600, "uniform"],
  ];
  for (const [name, f, shape, variance, kind] of cases) {
    it(`${name}: variance ${variance.toPrecision(4)}`, () => {
      for (const dtype of ["float32", "float64"] as const) {
        const w = f(key, shape, { dtype });
        expect(w.shape).toEqual([...shape]);
        expect(w.dtype).toBe(dtype);
        const xs = values(w);
        const n = xs.length;
        const m = moments(xs);
        const sd = Math.sqrt(variance);
        expect(Math.abs(m.mean), `${name} mean`).toBeLessThan((5 * sd) / Math.sqrt(n));
        // sd of the sample variance: σ²·√((κ − 1)/n) with κ the kurtosis.
        const kappa = kind === "uniform" ? UNIFORM_KURTOSIS : TRUNCATED_KURTOSIS;
        expect(Math.abs(m.variance - variance), `${name} variance ${m.variance}`).toBeLessThan(5 * variance * Math.sqrt((kappa - 1) / n));
        const bound = kind === "uniform" ? Math.sqrt(3 * variance) : (2 * sd) / 0.87962566103423978;
        expect(Math.max(...xs.map(Math.abs))).toBeLessThanOrEqual(bound * (1 + 1e-6));
      }
    });
  }
  it("gain scales the standard deviation", () => {
    const w = values(init.glorotUniform(key, [300, 200], { gain: 3 }));
    expect(Math.abs(moments(w).variance - (9 * 2) / 500)).toBeLessThan(5 * ((9 * 2) / 500) * Math.sqrt(0.8 / w.length));
  });
  it("the same key gives the same weights, eagerly and under jit (float64)", () => {
    const f = (k: Tensor) => init.heNormal(k, [20, 30], { dtype: "float64" });
    const a = f(key);
    const b = fx.jit(f)(key);
    const [x, y] = [a.data(), b.data()];
    for (let i = 0; i < x.length; i++) expect(Object.is(x[i], y[i])).toBe(true);
    expect(values(init.heNormal(fx.random.key(1), [20, 30]))).not.toEqual(values(init.heNormal(fx.random.key(2), [20, 30])));
  });
  it("empty shapes give empty tensors", () => {
    expect(init.glorotUniform(key, [0, 5]).shape).toEqual([0, 5]);
  });
});

/** Max |(AᵀA or AAᵀ) − g²I| for a rows×cols matrix given as nested arrays. */
function gramError(w: number[][], gain: number): number {
  const rows = w.length;
  const cols = w[0]!.length;
  const tall = rows >= cols;
  const k = tall ? cols : rows;
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      if (tall) for (let r = 0; r < rows; r++) s += w[r]![i]! * w[r]![j]!;
      else for (let c = 0; c < cols; c++) s += w[i]![c]! * w[j]![c]!;
      worst = Math.max(worst, Math.abs(s - (i === j ? gain * gain : 0)));
    }
  }
  return worst;
}

describe("orthogonal", () => {
  it("tall: WᵀW = I; wide: WWᵀ = I; square", () => {
    expect(gramError(init.orthogonal(key, [60, 25], { dtype: "float64" }).toArray() as number[][], 1)).toBeLessThan(1e-12);
    expect(gramError(init.orthogonal(key, [20, 45], { dtype: "float64" }).toArray() as number[][], 1)).toBeLessThan(1e-12);
    expect(gramError(init.orthogonal(key, [32, 32]).toArray() as number[][], 1)).toBeLessThan(1e-5);
  });
  it("gain and conv OIHW shapes (rows O, columns I·kH·kW)", () => {
    const w = init.orthogonal(key, [16, 4, 3, 3], { gain: 2, dtype: "float64" });
    expect(w.shape).toEqual([16, 4, 3, 3]);
    expect(gramError(fx.reshape(w, [16, 36]).toArray() as number[][], 2)).toBeLessThan(1e-12);
  });
  it("is random: different keys, different matrices; entries of a square one have mean ≈ 0", () => {
    const a = values(init.orthogonal(fx.random.key(1), [40, 40]));
    expect(a).not.toEqual(values(init.orthogonal(fx.random.key(2), [40, 40])));
    // Entries of a Haar orthogonal n×n matrix have mean 0 and variance 1/n.
    const m = moments(a);
    expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(1 / 40) / Math.sqrt(a.length));
  });
});

describe("fills", () => {
  it("zeros, ones, constant", () => {
    expect(init.zeros(key, [2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(init.ones(key, [3], { dtype: "int32" }).toArray()).toEqual([1, 1, 1]);
    expect(init.ones(key, [3], { dtype: "int32" }).dtype).toBe("int32");
    const c = init.constant(0.25)(key, [2], { dtype: "float64" });
    expect(c.toArray()).toEqual([0.25, 0.25]);
    expect(c.dtype).toBe("float64");
  });
});

describe("errors name the initialiser and the bad value", () => {
  it("options, keys and shapes", () => {
    expect(() => init.heNormal(key, [3, 3], { dtpye: "float64" } as never)).toThrow(/^nn\.init\.heNormal: unknown option "dtpye"; did you mean "dtype"\?$/);
    expect(() => init.glorotUniform(key, [3, 3], { dtype: "int32" } as never)).toThrow(/^nn\.init\.glorotUniform: dtype: expected "float32" or "float64", got "int32"$/);
    expect(() => init.zeros(key, [3], { gain: 2 })).toThrow(/^nn\.init\.zeros: unknown option "gain"; valid options are dtype$/);
    expect(() => init.heUniform(key, [3, 3], { gain: -1 })).toThrow(/nn\.init\.heUniform: gain must be/);
    expect(() => init.orthogonal(key, [5])).toThrow(/nn\.init\.orthogonal: needs a shape of rank >= 2/);
    expect(() => init.lecunNormal(fx.zeros([2]), [3, 3])).toThrow(/nn\.init\.lecunNormal: a key is an int32 tensor/);
    expect(() => init.glorotNormal(key, [3, 1.5])).toThrow(/nn\.init\.glorotNormal: the shape/);
    expect(() => init.constant(NaN)).toThrow(/nn\.init\.constant/);
  });
});
