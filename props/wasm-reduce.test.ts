// jit's fused reductions ≡ the reference interpreter, bit for bit (Object.is), over random shapes,
// axes and dtypes (float32, float64, int32) holding NaN, ±Inf, ±0, subnormals, the largest finite
// values and the int32 extremes; sum, prod, max and min with an elementwise prologue (none, a
// product with a full or broadcast operand, |x|, exp in float32, a transposed or strided input,
// a comparison counted as int32, softmax's exp(x − max)) and epilogue (none, a scale, a bias, log in float32). In the normal run (backend
// "auto": WebAssembly SIMD where available) reductions large enough for the thresholds
// (`wasmReducePays`) take the WebAssembly kernel
// (src/compile/wasm/reduce-kernel.ts), and the property checks that they did; under
// FLUXION_BACKEND=js the same programs check the JS kernel.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { jit } from "../src/compile/jit.js";
import { backendInUse } from "../src/compile/wasm/backend.js";
import { WASM_REDUCE_MIN_SIZE, wasmReducePays } from "../src/compile/wasm/reduce-kernel.js";
import { evalProgram } from "../src/trace/interpret.js";
import { bitDifference } from "./exact.js";
import { xorshift } from "./xorshift.js";
import { runs } from "./runs.js";

type DT = "float32" | "float64" | "int32";
const FLOAT_SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-41, 1.401298464324817e-45, 3.4028234663852886e38, -3.4028234663852886e38, 1, -1, 0.5, 88.7, -103.9, 1e300, -1e-310];
const INT_SPECIALS = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 65536, -65537, 46341];

/** Deterministic data: uniform values of random magnitude (or ints) with `density` of the specials. */
function data(n: number, seed: number, density: number, dtype: DT, zeros: number[] | null): number[] {
  const next = xorshift(seed);
  const specials = zeros ?? (dtype === "int32" ? INT_SPECIALS : FLOAT_SPECIALS);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (next() < density) out.push(specials[Math.floor(next() * specials.length)]!);
    else if (dtype === "int32") out.push(Math.floor((next() * 2 - 1) * 10 ** Math.floor(next() * 6)));
    else out.push((next() * 2 - 1) * 10 ** Math.floor(next() * 8 - 4));
  }
  return out;
}

const OPS = { sum: fx.sum, prod: fx.prod, max: fx.max, min: fx.min } as const;
type Op = keyof typeof OPS;
type Prologue = "none" | "mulFull" | "mulBroadcast" | "abs" | "exp" | "transpose" | "slice" | "count" | "softmax";
type Epilogue = "none" | "scale" | "bias" | "log";

interface Case {
  dtype: DT;
  op: Op;
  rest: number[];
  target: number;
  axesMask: number;
  prologue: Prologue;
  epilogue: Epilogue;
  seed: number;
  density: number;
  /** Data of signed zeros and values on the far side of them only, so that max/min results are zeros of either sign. */
  zeros: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  dtype: fc.constantFrom<DT>("float32", "float32", "float64", "int32"),
  op: fc.constantFrom<Op>("sum", "sum", "max", "min", "prod"),
  rest: fc.array(fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(128, 256)), { maxLength: 3 }),
  target: fc.integer({ min: WASM_REDUCE_MIN_SIZE - 40, max: 9 * WASM_REDUCE_MIN_SIZE }),
  axesMask: fc.integer({ min: 1, max: 15 }),
  prologue: fc.constantFrom<Prologue>("none", "none", "mulFull", "mulBroadcast", "abs", "exp", "transpose", "slice", "count", "softmax"),
  epilogue: fc.constantFrom<Epilogue>("none", "none", "scale", "bias", "log"),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  density: fc.constantFrom(0, 0.05, 0.3),
  zeros: fc.boolean(),
});

/** Checks one case; true when it checked that the WebAssembly kernel ran. */
function check(c: Case): boolean {
  // A shape of rank 1–4: the first axis sized so the whole is about `target` elements.
  const rest: number[] = [];
  let restSize = 1;
  for (const d of c.rest) {
    const fit = Math.min(d, Math.max(1, Math.floor(c.target / restSize)));
    rest.push(fit);
    restSize *= fit;
  }
  const shape = [Math.max(1, Math.ceil(c.target / restSize)), ...rest];
  const rank = shape.length;
  let axes = [...Array(rank).keys()].filter((d) => (c.axesMask >> d) & 1);
  if (axes.length === 0) axes = [rank - 1];
  const float = c.dtype !== "int32";
  // exp, log and softmax are float32 only (float64 transcendentals are library calls: the JS kernel keeps them).
  const prologue = !float && (c.prologue === "abs" || c.prologue === "exp" || c.prologue === "softmax") ? "none" : c.dtype !== "float32" && (c.prologue === "exp" || c.prologue === "softmax") ? "abs" : c.prologue;
  const epilogue = c.dtype !== "float32" && c.epilogue === "log" ? "scale" : !float && c.epilogue === "scale" ? "bias" : c.epilogue;
  const outShape = shape.filter((_, d) => !axes.includes(d));
  const zeros = c.zeros && float ? [0, -0, -0, 0, ...(c.op === "min" ? [1, Infinity] : [-1, -Infinity])] : null;
  const mk = (sh: number[], k: number) => fx.tensor(data(sh.reduce((a, b) => a * b, 1), c.seed + k, zeros === null ? c.density : 1, c.dtype, zeros), { dtype: c.dtype }).reshape(sh);
  const x = mk(prologue === "transpose" ? [...shape].reverse() : prologue === "slice" ? [...shape.slice(0, -1), 2 * shape[rank - 1]!] : shape, 0);
  const y = mk(prologue === "mulBroadcast" ? shape.slice(1) : shape, 1);
  const bias = mk(outShape, 2);
  const reduce = OPS[c.op];
  const f = (x: fx.Tensor, y: fx.Tensor, bias: fx.Tensor): fx.Tensor => {
    let v: fx.Tensor;
    if (prologue === "mulFull" || prologue === "mulBroadcast") v = fx.mul(x, y);
    else if (prologue === "abs") v = fx.abs(x);
    else if (prologue === "exp") v = fx.exp(x);
    else if (prologue === "transpose") v = fx.transpose(x);
    else if (prologue === "slice") v = fx.slice(x, [...shape.slice(0, -1).map(() => null), [1, null, 2]]); // odd elements of the last axis
    else if (prologue === "count") v = fx.greater(x, y); // bool: sums count as int32, max/min give bool
    else if (prologue === "softmax") v = fx.exp(fx.sub(x, fx.max(x, { axis: axes, keepDims: true })));
    else v = x;
    let r = reduce(v, { axis: axes });
    if (epilogue === "scale") r = fx.mul(r, 0.25);
    else if (epilogue === "bias") r = fx.add(r, bias);
    else if (epilogue === "log") r = fx.log(r);
    return r;
  };
  const got = (jit(f)(x, y, bias) as fx.Tensor).data();
  const want = evalProgram(fx.trace(f)(x, y, bias), [x, y, bias], { reference: true })[0]!.data();
  const diff = bitDifference(got, want);
  if (diff !== null) expect.fail(`${diff}\n${c.op} over axes [${axes}] of [${shape}] ${c.dtype}, prologue ${prologue}, epilogue ${epilogue}, seed ${c.seed}, density ${c.density}, zeros ${c.zeros}`);
  if (backendInUse() === "wasm" && wasmReducePays(shape, axes)) {
    const text = jit(f).explain(x, y, bias);
    const kernels = (text.match(/\(wasm-reduce-(simd|rows)\)/g) ?? []).length;
    if (kernels < 1) expect.fail(`no WebAssembly reduction for ${c.op} over axes [${axes}] of [${shape}] ${c.dtype}, prologue ${prologue}, epilogue ${epilogue}:\n${text}`);
    return true;
  }
  return false;
}

describe("jit reductions ≡ reference interpreter, bit for bit, on the WebAssembly reduction kernel", () => {
  it(`random shapes, axes, dtypes, prologues and epilogues (backend in use: ${backendInUse()})`, () => {
    let wasm = 0;
    let all = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        all++;
        if (check(c)) wasm++;
      }),
      runs(150),
    );
    // Most cases are large enough for the WebAssembly kernel (fast-check's shrinking aside).
    if (backendInUse() === "wasm") expect(wasm).toBeGreaterThan(all / 3);
  });

  it("the training shapes: a bias gradient, softmax rows, a mean over rows, a full sum, signed-zero maxima, several chunks", () => {
    const cases: Case[] = [
      { dtype: "float32", op: "sum", rest: [256], target: 128 * 256, axesMask: 1, prologue: "none", epilogue: "none", seed: 7, density: 0.05, zeros: false },
      { dtype: "float32", op: "sum", rest: [10], target: 5120, axesMask: 2, prologue: "softmax", epilogue: "log", seed: 8, density: 0.05, zeros: false },
      { dtype: "float32", op: "max", rest: [10], target: 5120, axesMask: 2, prologue: "none", epilogue: "none", seed: 9, density: 0.3, zeros: false },
      { dtype: "float64", op: "sum", rest: [64], target: 4096, axesMask: 2, prologue: "mulFull", epilogue: "scale", seed: 10, density: 0, zeros: false },
      { dtype: "float32", op: "sum", rest: [], target: 5000, axesMask: 1, prologue: "exp", epilogue: "none", seed: 11, density: 0, zeros: false },
      { dtype: "float32", op: "max", rest: [16], target: 4096, axesMask: 1, prologue: "none", epilogue: "none", seed: 12, density: 1, zeros: true },
      // Several of the reduction loop's row chunks (128 KiB each).
      { dtype: "float64", op: "sum", rest: [67], target: 67 * 1000, axesMask: 1, prologue: "mulBroadcast", epilogue: "bias", seed: 13, density: 0.01, zeros: false },
      { dtype: "float32", op: "min", rest: [3, 13], target: 39 * 2000, axesMask: 2, prologue: "none", epilogue: "none", seed: 14, density: 0.01, zeros: false },
      // Rows longer than a chunk: still four rows at a time.
      { dtype: "float32", op: "sum", rest: [40000], target: 5 * 40000, axesMask: 2, prologue: "abs", epilogue: "scale", seed: 15, density: 0.01, zeros: false },
    ];
    // All but the full sum (one output: no lanes to fill, the JS kernel keeps it) take the WebAssembly kernel.
    for (const c of cases) expect(check(c)).toBe(backendInUse() === "wasm" && c.rest.length > 0);
  });
});
