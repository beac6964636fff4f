// The matmul kernel emitter against a naive triple loop: random sizes (1, odd, larger than a
// tile or a k block), every transposition, batches, dtypes, epilogues; and the injection guard.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  chooseTiling,
  compileMatmul,
  emitMatmulSource,
  DEFAULT_TILING,
  type MatmulEpilogue,
  type MatmulSpec,
  type MatmulTiling,
} from "../../src/compile/kernels/matmul.js";

type Arr = Float32Array | Float64Array | Int32Array;

function alloc(dtype: MatmulSpec["dtype"], size: number): Arr {
  return dtype === "float32" ? new Float32Array(size) : dtype === "float64" ? new Float64Array(size) : new Int32Array(size);
}

/** out[b,i,j] = Σ_p A'[b,i,p]·B'[b,p,j], summed in p order in float64. */
function naive(spec: MatmulSpec, a: Arr, b: Arr): Float64Array {
  const { batch, m, k, n, transposeA, transposeB } = spec;
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[t * m * k + p * m + i]! : a[t * m * k + i * k + p]!;
          const bv = transposeB ? b[t * k * n + j * k + p]! : b[t * k * n + p * n + j]!;
          s += av * bv;
        }
        out[t * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

/** Deterministic pseudo-random fill (small integers for int32, [-1, 1) otherwise). */
function fill(arr: Arr, seed: number, dtype: MatmulSpec["dtype"]): Arr {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < arr.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    arr[i] = dtype === "int32" ? (s % 19) - 9 : s / 2 ** 31 - 1;
  }
  return arr;
}

function run(spec: MatmulSpec, seed: number, tiling?: MatmulTiling, epilogue?: MatmulEpilogue, extras: Arr[] = []) {
  const a = fill(alloc(spec.dtype, spec.batch * spec.m * spec.k), seed, spec.dtype);
  const b = fill(alloc(spec.dtype, spec.batch * spec.k * spec.n), seed + 7, spec.dtype);
  const out = alloc(spec.dtype, spec.batch * spec.m * spec.n);
  // Poison the output so an element the kernel forgets to write shows up.
  out.fill(spec.dtype === "int32" ? 123456789 : NaN);
  compileMatmul(spec, epilogue, tiling)(a, b, out, extras);
  return { a, b, out, expected: naive(spec, a, b) };
}

function expectClose(actual: Arr, expected: ArrayLike<number>, dtype: MatmulSpec["dtype"], k: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const tol = dtype === "float32" ? 1e-5 * (k + 1) * Math.max(1, Math.abs(e)) : dtype === "float64" ? 1e-12 * Math.max(1, Math.abs(e)) : 0;
    const got = actual[i]!;
    if (!(Math.abs(got - e) <= tol)) expect.fail(`element ${i}: got ${got}, expected ${e} (tolerance ${tol})`);
  }
}

const specArb = (maxDim: number) =>
  fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    m: fc.integer({ min: 1, max: maxDim }),
    k: fc.integer({ min: 1, max: maxDim }),
    n: fc.integer({ min: 1, max: maxDim }),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    dtype: fc.constantFrom("float32" as const, "float64" as const, "int32" as const),
  });

// Small tiles and k blocks so that random small sizes hit every edge-tile and k-block path.
const tilingArb: fc.Arbitrary<MatmulTiling | undefined> = fc.oneof(
  fc.constant(undefined), // chooseTiling(spec)
  fc.constant(DEFAULT_TILING),
  fc.record({
    mr: fc.integer({ min: 1, max: 5 }),
    nr: fc.integer({ min: 1, max: 6 }),
    mcStrips: fc.integer({ min: 1, max: 4 }),
    kc: fc.integer({ min: 1, max: 9 }),
    packA: fc.boolean(),
    packB: fc.boolean(),
    unroll: fc.integer({ min: 1, max: 3 }),
  }),
);

describe("compileMatmul", () => {
  it("equals a naive triple loop for random sizes, flags, dtypes and tilings", () => {
    fc.assert(
      fc.property(specArb(19), tilingArb, fc.nat(), (spec, tiling, seed) => {
        const { out, expected } = run(spec, seed, tiling);
        expectClose(out, expected, spec.dtype, spec.k);
      }),
      { numRuns: 200 },
    );
  });

  it("reads thin operands in place and packs the others", () => {
    const thin = chooseTiling({ batch: 1, m: 128, k: 256, n: 10, transposeA: false, transposeB: false, dtype: "float32" });
    expect([thin.packA, thin.packB]).toEqual([false, true]);
    const vector = chooseTiling({ batch: 1, m: 1, k: 256, n: 512, transposeA: false, transposeB: false, dtype: "float32" });
    expect([vector.packA, vector.packB]).toEqual([true, false]);
    // im2col-sized: packing B would need more than the panel budget, so B is read in place.
    const wide = chooseTiling({ batch: 1, m: 64, k: 576, n: 50176, transposeA: false, transposeB: false, dtype: "float32" });
    expect([wide.packA, wide.packB]).toEqual([true, false]);
    const huge = chooseTiling({ batch: 1, m: 20000, k: 1000, n: 20000, transposeA: false, transposeB: false, dtype: "float32" });
    expect([huge.packA, huge.packB]).toEqual([false, false]);
    expect(emitMatmulSource({ batch: 1, m: 20000, k: 1000, n: 20000, transposeA: false, transposeB: false, dtype: "float32" }).packASize).toBe(0);
  });

  it("handles sizes of 1 and a single element", () => {
    for (const [m, k, n] of [[1, 1, 1], [1, 7, 1], [1, 1, 9], [9, 1, 1], [1, 13, 5]] as const) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const spec: MatmulSpec = { batch: 2, m, k, n, transposeA, transposeB, dtype: "float64" };
          const { out, expected } = run(spec, m * 31 + k * 7 + n);
          expectClose(out, expected, "float64", k);
        }
      }
    }
  });

  it("is exact in float64: one k block, and several (partial sums pass through the output)", () => {
    const spec: MatmulSpec = { batch: 2, m: 37, k: 600, n: 29, transposeA: true, transposeB: false, dtype: "float64" };
    for (const tiling of [undefined, { ...DEFAULT_TILING, kc: 256 }]) {
      const { out, expected } = run(spec, 5, tiling);
      expect(Array.from(out)).toEqual(Array.from(expected));
    }
  });

  it("with the default tiling, an epilogue may read the output buffer itself at offset o", () => {
    // out = out + A @ B in place (a residual add whose buffer the planner reused).
    const spec: MatmulSpec = { batch: 1, m: 13, k: 300, n: 9, transposeA: false, transposeB: true, dtype: "float64" };
    const a = fill(alloc("float64", 13 * 300), 1, "float64");
    const b = fill(alloc("float64", 300 * 9), 2, "float64");
    const out = fill(alloc("float64", 13 * 9), 3, "float64");
    const before = Array.from(out);
    compileMatmul(spec, { extraInputs: 1, expr: (acc, { o }, [r]) => `${acc} + ${r}[${o}]` })(a, b, out, [out]);
    expectClose(out, naive(spec, a, b).map((v, o) => v + before[o]!), "float64", 300);
  });

  it("matches in float32 at sizes beyond one cache block", () => {
    for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const spec: MatmulSpec = { batch: 1, m: 131, k: 300, n: 70, transposeA, transposeB, dtype: "float32" };
      const { out, expected } = run(spec, 11);
      expectClose(out, expected, "float32", spec.k);
    }
  });

  it("reuses its scratch panels: a second call with other operands is still correct", () => {
    const spec: MatmulSpec = { batch: 1, m: 10, k: 12, n: 11, transposeA: true, transposeB: true, dtype: "float64" };
    const kernel = compileMatmul(spec);
    for (const seed of [1, 2, 3]) {
      const a = fill(alloc("float64", 120), seed, "float64");
      const b = fill(alloc("float64", 132), seed + 100, "float64");
      const out = alloc("float64", 110);
      kernel(a, b, out, []);
      expectClose(out, naive(spec, a, b), "float64", 12);
    }
  });

  it("writes every output when k = 0 (an empty sum) and does nothing when m·n = 0", () => {
    const spec: MatmulSpec = { batch: 2, m: 3, k: 0, n: 2, transposeA: false, transposeB: false, dtype: "float32" };
    const { out } = run(spec, 1);
    expect(Array.from(out)).toEqual(new Array(12).fill(0));
    const biased = run(spec, 1, undefined, { extraInputs: 1, expr: (acc, { j }, [bias]) => `${acc} + ${bias}[${j}]` }, [
      Float32Array.of(1.5, -2),
    ]);
    expect(Array.from(biased.out)).toEqual([1.5, -2, 1.5, -2, 1.5, -2, 1.5, -2, 1.5, -2, 1.5, -2]);
    const empty = { batch: 1, m: 0, k: 4, n: 3, transposeA: false, transposeB: true, dtype: "float64" } as const;
    expect(() => compileMatmul(empty)(new Float64Array(0), new Float64Array(12), new Float64Array(0), [])).not.toThrow();
  });
});

describe("compileMatmul epilogues", () => {
  const biasRelu: MatmulEpilogue = {
    extraInputs: 1,
    expr: (acc, { j }, [bias]) => `Math.max(${acc} + ${bias}[${j}], 0)`,
  };
  // Uses every index identifier: the batch, row, column and flat output offset.
  const indexed: MatmulEpilogue = {
    extraInputs: 2,
    expr: (acc, { b, i, j, o }, [x, y]) => `${acc} * ${x}[${o}] + ${y}[${b}] + ${i} * 1000 - ${j}`,
  };

  it("applies bias + relu once, after the whole sum, for random sizes and tilings", () => {
    fc.assert(
      fc.property(specArb(17), tilingArb, fc.nat(), (spec, tiling, seed) => {
        const bias = fill(alloc(spec.dtype, spec.n), seed + 3, spec.dtype);
        const { out, expected } = run(spec, seed, tiling, biasRelu, [bias]);
        const want = expected.map((v, o) => Math.max(v + bias[o % spec.n]!, 0));
        expectClose(out, want, spec.dtype, spec.k);
      }),
      { numRuns: 100 },
    );
  });

  it("passes the batch, row, column and output offset identifiers", () => {
    fc.assert(
      fc.property(specArb(13), tilingArb, fc.nat(), (spec, tiling, seed) => {
        if (spec.dtype === "int32") spec = { ...spec, dtype: "float64" };
        const size = spec.batch * spec.m * spec.n;
        const scale = fill(alloc(spec.dtype, size), seed + 1, spec.dtype);
        const perBatch = fill(alloc(spec.dtype, spec.batch), seed + 2, spec.dtype);
        const { out, expected } = run(spec, seed, tiling, indexed, [scale, perBatch]);
        const want = expected.map((v, o) => {
          const b = Math.floor(o / (spec.m * spec.n));
          const i = Math.floor(o / spec.n) % spec.m;
          const j = o % spec.n;
          return v * scale[o]! + perBatch[b]! + i * 1000 - j;
        });
        expectClose(out, want, spec.dtype, spec.k);
      }),
      { numRuns: 100 },
    );
  });
});

describe("matmul kernel source", () => {
  const spec: MatmulSpec = { batch: 2, m: 9, k: 300, n: 7, transposeA: true, transposeB: false, dtype: "float32" };

  it("is specialised: sizes appear as constants and it holds no strings", () => {
    const { source } = emitMatmulSource(spec);
    expect(source).toContain("cOff = bt * 63");
    expect(source).not.toMatch(/["'`]/);
  });

  it("rejects epilogue expressions that could carry code or strings", () => {
    for (const bad of [`"x"`, "`${1}`", "acc; alert(1)", "(() => { return 1 })()", "'a'"]) {
      const epilogue: MatmulEpilogue = { extraInputs: 0, expr: () => bad };
      expect(() => compileMatmul(spec, epilogue)).toThrow(/epilogue expression/);
    }
  });

  it("rejects sizes and dtypes that are not what the spec type says", () => {
    const bad = [
      { ...spec, m: 2.5 },
      { ...spec, n: -1 },
      { ...spec, k: "3); alert(1" as unknown as number },
      { ...spec, dtype: "float32'); alert(1); //" as MatmulSpec["dtype"] },
    ];
    for (const s of bad) expect(() => compileMatmul(s)).toThrow(/matmul kernel/);
  });
});
