// jit's fused elementwise loops ≡ the reference interpreter, bit for bit (Object.is), over random
// expressions of float32 (and float64) arrays holding NaN, ±Inf, ±0, subnormals and the largest
// finite values, at sizes around the WebAssembly kernel's threshold with odd tails; the extra
// operands span every element, one value, a broadcast row or a broadcast column. In the normal
// run (backend "auto": WebAssembly SIMD where available) the loops of WASM_LOOP_MIN_SIZE elements
// and more take the WebAssembly kernel (src/compile/wasm/elementwise-kernel.ts), and the property
// checks that they did; under FLUXION_BACKEND=js the same expressions check the JS kernel.
// Below them, the renderer itself on random mixed-precision trees (single and double values,
// masks of either width combined and selected with) that take its SIMD loop.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { jit } from "../src/compile/jit.js";
import { backendInUse } from "../src/compile/wasm/backend.js";
import { WASM_LOOP_MIN_SIZE } from "../src/compile/wasm/elementwise-kernel.js";
import { type Operand, compileWasmElementwise, renderWasmElementwise, wasmElementwiseUsesSimd } from "../src/compile/wasm/elementwise.js";
import { webAssembly } from "../src/compile/wasm/api.js";
import { ModuleBuilder, compileModule, instantiateModule } from "../src/compile/wasm/module.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { simdForms } from "../src/compile/wasm/simd-forms.js";
import { S, type ScalarExpr, formatScalar, topoOrder } from "../src/scalar/expr.js";
import { expF32, log1pF32, sigmoidF32, tanhF32 } from "../src/scalar/fastmath.js";
import { interpretScalar } from "../src/scalar/interpret.js";
import { F32, F64, operandColumns } from "./scalar-arbitraries.js";
import { evalProgram } from "../src/trace/interpret.js";
import { bitDifference } from "./exact.js";
import { xorshift } from "./xorshift.js";
import { runs } from "./runs.js";

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-41, 1.401298464324817e-45, -1.401298464324817e-45, 3.4028234663852886e38, -3.4028234663852886e38, 1, -1, 0.5, 88.7, -103.9, 1e-30];
const LITERALS = [0, -0, 1, -1, 0.5, 2, -3.25, 1e-30, 1e30, NaN, Infinity, -Infinity];

type Unary = (x: fx.Tensor) => fx.Tensor;
type Binary = (x: fx.Tensor, y: fx.Tensor | number) => fx.Tensor;

/** Every unary op with a wasm form in float32 (fast transcendentals included). */
const UNARY_F32: Record<string, Unary> = {
  neg: fx.neg, abs: fx.abs, sqrt: fx.sqrt, square: fx.square, reciprocal: fx.reciprocal, floor: fx.floor, ceil: fx.ceil, round: fx.round,
  exp: fx.exp, log: fx.log, log1p: fx.log1p, expm1: fx.expm1, tanh: fx.tanh, sigmoid: fx.sigmoid, rsqrt: fx.rsqrt,
};
/** float64: arithmetic only (float64 transcendentals are library calls: the JS kernel keeps them). */
const UNARY_F64: Record<string, Unary> = { neg: fx.neg, abs: fx.abs, sqrt: fx.sqrt, square: fx.square, reciprocal: fx.reciprocal, floor: fx.floor, ceil: fx.ceil, round: fx.round };
const BINARY: Record<string, Binary> = { add: fx.add, sub: fx.sub, mul: fx.mul, div: fx.div, maximum: fx.maximum, minimum: fx.minimum };

/** One step: an op over earlier values (indices modulo the values so far) or a literal. */
type Step =
  | { readonly kind: "unary"; readonly op: string; readonly a: number }
  | { readonly kind: "binary"; readonly op: string; readonly a: number; readonly b: number; readonly literal: number | null }
  | { readonly kind: "where"; readonly a: number; readonly b: number; readonly c: number; readonly d: number };

const index = fc.nat(30);
const stepArb = (unary: readonly string[]): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.record({ kind: fc.constant("unary" as const), op: fc.constantFrom(...unary), a: index }),
    fc.record({ kind: fc.constant("binary" as const), op: fc.constantFrom(...Object.keys(BINARY)), a: index, b: index, literal: fc.option(fc.constantFrom(...LITERALS), { freq: 3 }) }),
    fc.record({ kind: fc.constant("where" as const), a: index, b: index, c: index, d: index }),
  );

/** The function of a recipe: values are the inputs, then each step's result; returns the last. */
function build(steps: readonly Step[], unary: Record<string, Unary>) {
  return (...inputs: fx.Tensor[]): fx.Tensor => {
    const values: fx.Tensor[] = [...inputs];
    const at = (k: number) => values[k % values.length]!;
    for (const s of steps) {
      if (s.kind === "unary") values.push(unary[s.op]!(at(s.a)));
      else if (s.kind === "binary") values.push(BINARY[s.op]!(at(s.a), s.literal ?? at(s.b)));
      else values.push(fx.where(fx.greater(at(s.a), at(s.b)), at(s.c), at(s.d)));
    }
    // Make sure the result reads the first (full-size) input, so the loop spans every element.
    return fx.add(values[values.length - 1]!, fx.mul(inputs[0]!, 0.25));
  };
}

/** Deterministic data: uniform values of random magnitude with `density` of the specials. */
function data(n: number, seed: number, density: number, dtype: "float32" | "float64"): fx.Tensor {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  const next = xorshift(seed);
  for (let i = 0; i < n; i++) out[i] = next() < density ? SPECIALS[Math.floor(next() * SPECIALS.length)]! : (next() * 2 - 1) * 10 ** Math.floor(next() * 8 - 4);
  return fx.tensor(out, { dtype });
}

/** Sizes just below, at and above the threshold (odd tails after the 4-lane loop), and a larger one. */
const sizeArb = fc.oneof(fc.integer({ min: WASM_LOOP_MIN_SIZE - 3, max: WASM_LOOP_MIN_SIZE + 9 }), fc.integer({ min: 4 * WASM_LOOP_MIN_SIZE - 2, max: 4 * WASM_LOOP_MIN_SIZE + 3 }));

/** How an extra operand spans the [rows, cols] loop: every element, one value, a row, a column. */
type Span = "full" | "scalar" | "row" | "column";

const caseArb = (unary: Record<string, Unary>) =>
  fc.record({
    steps: fc.array(stepArb(Object.keys(unary)), { minLength: 1, maxLength: 8 }),
    n: sizeArb,
    cols: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 37 })),
    extra: fc.array(fc.constantFrom<Span>("full", "scalar", "row", "column"), { maxLength: 2 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    density: fc.constantFrom(0.05, 0.3, 0.8),
  });

type Case = { steps: Step[]; n: number; cols: number; extra: Span[]; seed: number; density: number };

function check(unary: Record<string, Unary>, dtype: "float32" | "float64") {
  return ({ steps, n, cols, extra, seed, density }: Case) => {
    const f = build(steps, unary);
    const rows = Math.max(1, Math.round(n / cols));
    const shapes: Record<Span, number[]> = { full: [rows, cols], scalar: [], row: [cols], column: [rows, 1] };
    const make = (span: Span, k: number) => {
      const shape = shapes[span];
      return data(shape.reduce((p, d) => p * d, 1), seed + k, density, dtype).reshape(shape);
    };
    const inputs = [make("full", 0), ...extra.map((span, k) => make(span, k + 1))];
    const got = (jit(f)(...inputs) as fx.Tensor).data();
    const want = evalProgram(fx.trace(f)(...inputs), inputs, { reference: true })[0]!.data();
    const diff = bitDifference(got, want);
    if (diff !== null) expect.fail(`${diff}\nsteps ${JSON.stringify(steps)}, [${rows}, ${cols}], extra ${JSON.stringify(extra)}, seed ${seed}, density ${density}`);
    if (backendInUse() === "wasm" && rows * cols >= WASM_LOOP_MIN_SIZE) {
      expect(jit(f).explain(...inputs)).toMatch(/\(wasm-loop-simd\)/);
    }
  };
}

describe("fused elementwise loops ≡ reference interpreter, bit for bit, around the WebAssembly kernel's threshold", () => {
  it(`float32 expressions with the fast transcendentals (backend in use: ${backendInUse()})`, () => {
    fc.assert(fc.property(caseArb(UNARY_F32), check(UNARY_F32, "float32")), runs(100));
  });

  it("float64 arithmetic expressions", () => {
    fc.assert(fc.property(caseArb(UNARY_F64), check(UNARY_F64, "float64")), runs(100));
  });
});

/** Trees of the SIMD loop's forms: f32 and f64 values, masks (f32 or f64 comparisons, a bool operand), mixed freely. */
function simdTreeArb(kind: "f32" | "f64" | "mask", depth: number): fc.Arbitrary<ScalarExpr> {
  if (kind === "mask") {
    const cmp = fc.constantFrom("f32" as const, "f64" as const).chain((t) =>
      fc.tuple(fc.constantFrom(S.eq, S.ne, S.lt, S.le, S.gt, S.ge), simdTreeArb(t, depth - 1), simdTreeArb(t, depth - 1)).map(([g, a, b]) => g(a, b)),
    );
    const flag = fc.constant(S.arg(2, "i32")); // a bool operand
    if (depth <= 1) return fc.oneof(cmp, flag);
    return fc.oneof(cmp, flag, fc.tuple(fc.constantFrom(S.and, S.or), simdTreeArb("mask", depth - 1), simdTreeArb("mask", depth - 1)).map(([g, a, b]) => g(a, b)));
  }
  const leaves = [fc.constant(S.arg(kind === "f32" ? 0 : 1, kind)), fc.constantFrom(...(kind === "f32" ? F32 : F64)).map((v) => S.c(v, kind))];
  if (depth <= 0) return fc.oneof(...leaves);
  const same = simdTreeArb(kind, depth - 1);
  const ops: fc.Arbitrary<ScalarExpr>[] = [
    fc.tuple(fc.constantFrom(S.add, S.sub, S.mul, S.div), same, same).map(([g, a, b]) => g(a, b)),
    fc.tuple(fc.constantFrom(S.neg, S.abs, S.sqrt, S.floor, S.ceil, S.nearest), same).map(([g, a]) => g(a)),
    fc.tuple(simdTreeArb("mask", depth), same, same).map(([c, a, b]) => S.select(c, a, b)),
  ];
  if (kind === "f32") ops.push(simdTreeArb("f64", depth - 1).map(S.demote));
  else {
    ops.push(simdTreeArb("f32", depth - 1).map(S.promote), same.map(S.exponent));
    ops.push(fc.integer({ min: -1022, max: 1023 }).map((n) => S.mul(S.pow2(S.c(n, "f64")), S.arg(1, "f64"))));
  }
  return fc.oneof({ depthSize: "small" }, ...leaves, ...ops);
}

describe.runIf(wasmSimdAvailable())("the WebAssembly renderer's SIMD loop on mixed-precision trees ≡ interpreter", () => {
  it("f32 and f64 results, operands per element or single values", () => {
    const arb = fc.tuple(fc.constantFrom("f32" as const, "f64" as const), fc.boolean(), fc.boolean(), fc.boolean()).chain(([t, s0, s1, s2]) => fc.tuple(simdTreeArb(t, 4), fc.constant([s0, s1, s2] as const)));
    fc.assert(
      fc.property(arb, ([root, scalars]) => {
        const [c0, c1, c2] = operandColumns();
        const flags = c2.map((v) => v & 1);
        const operands: Operand[] = [{ dtype: "float32", scalar: scalars[0] }, { dtype: "float64", scalar: scalars[1] }, { dtype: "bool", scalar: scalars[2] }];
        const inputs = [Float32Array.from(scalars[0] ? [c0[0]!] : c0), Float64Array.from(scalars[1] ? [c1[0]!] : c1), Uint8Array.from(scalars[2] ? [flags[1]!] : flags)];
        const out = root.type === "f32" ? "float32" : "float64";
        expect(wasmElementwiseUsesSimd(root, operands, out)).toBe(true);
        const n = c0.length;
        const result = out === "float32" ? new Float32Array(n) : new Float64Array(n);
        compileWasmElementwise(root, operands, out)!(inputs, result);
        const fn = interpretScalar(root, 3);
        for (let i = 0; i < n; i++) {
          const [a, b, c] = inputs.map((x, k) => x[scalars[k] ? 0 : i]!);
          const want = fn(a!, b!, c!);
          if (!Object.is(result[i], want)) expect.fail(`${formatScalar(root)} at (${a}, ${b}, ${c}): wasm ${result[i]}, interpreter ${want}`);
        }
      }),
      runs(150),
    );
  });

  it("selects in the forms of pmin/pmax and clamps (rendered as pmin/pmax) keep the interpreter's bits", () => {
    const form = fc.constantFrom("max-lt", "min-lt", "max-gt", "min-gt", "clamp");
    const bound = fc.constantFrom(...F64);
    const arb = fc.tuple(fc.constantFrom("f32" as const, "f64" as const), form, simdTreeArb("f32", 2), bound, bound, fc.boolean());
    fc.assert(
      fc.property(arb, ([t, kind, tree, lo, hi, flip]) => {
        const x = t === "f32" ? tree : S.promote(tree);
        const y = t === "f32" ? S.arg(0, "f32") : S.arg(1, "f64");
        const c = (v: number) => S.c(t === "f32" ? Math.fround(v) : v, t);
        const [u, w] = flip ? [y, x] : [x, y];
        const root =
          kind === "max-lt" ? S.select(S.lt(u, w), w, u)
          : kind === "min-lt" ? S.select(S.lt(u, w), u, w)
          : kind === "max-gt" ? S.select(S.gt(w, u), w, u)
          : kind === "min-gt" ? S.select(S.gt(w, u), u, w)
          : S.select(S.gt(x, c(hi)), c(hi), S.select(S.lt(x, c(lo)), c(lo), x));
        const [c0, c1, c2] = operandColumns();
        const operands: Operand[] = [{ dtype: "float32", scalar: false }, { dtype: "float64", scalar: false }, { dtype: "bool", scalar: false }];
        const inputs = [Float32Array.from(c0), Float64Array.from(c1), Uint8Array.from(c2.map((v) => v & 1))];
        const out = t === "f32" ? "float32" : "float64";
        const n = c0.length;
        const result = out === "float32" ? new Float32Array(n) : new Float64Array(n);
        compileWasmElementwise(root, operands, out)!(inputs, result);
        const fn = interpretScalar(root, 3);
        for (let i = 0; i < n; i++) {
          const want = fn(inputs[0]![i]!, inputs[1]![i]!, inputs[2]![i]!);
          if (!Object.is(result[i], want)) expect.fail(`${formatScalar(root)} at (${inputs[0]![i]}, ${inputs[1]![i]}): wasm ${result[i]}, interpreter ${want}`);
        }
      }),
      runs(150),
    );
  });
});

/**
 * Steps that give the SIMD loop's range analysis (src/compile/wasm/simd-forms.ts) something to
 * prove or to refuse: clamps (of values already clamped, scaled or shifted), the range reduction's
 * rounding by 1.5·2⁵², floor/nearest, maximum/minimum against constants (NaN and ±0 included).
 */
type RangeStep =
  | { readonly kind: "clamp"; readonly lo: number; readonly hi: number }
  | { readonly kind: "scale" | "shift" | "max" | "min"; readonly c: number }
  | { readonly kind: "neg" | "floor" | "nearest" | "round" };

const BOUNDS = [-1100, -1022, -200, -104, -20, -10, -1, -0, 0, 0.5, 1, 10, 20, 104, 200, 1023, 1100];
const STEP_CONSTANTS = [2, -2, 0.5, -0.3, 1.4426950408889634, -1.4426950408889634, 1e-3, 3, 1e300, 0, -0, NaN, Infinity];
const ROUNDER = 6755399441055744;

const rangeStepArb: fc.Arbitrary<RangeStep> = fc.oneof(
  fc.tuple(fc.constantFrom(...BOUNDS), fc.constantFrom(...BOUNDS)).map(([a, b]) => ({ kind: "clamp" as const, lo: Math.min(a, b), hi: Math.max(a, b) })),
  fc.record({ kind: fc.constantFrom("scale" as const, "shift" as const, "max" as const, "min" as const), c: fc.constantFrom(...STEP_CONSTANTS, ...BOUNDS) }),
  fc.record({ kind: fc.constantFrom("neg" as const, "floor" as const, "nearest" as const, "round" as const) }),
);

/** The value after `steps` (in `t`), then: itself, pow2 of it clamped into pow2's range, or that times operand 1. */
function rangedTree(t: "f32" | "f64", steps: readonly RangeStep[], end: "value" | "pow2" | "scaled", demote: boolean): ScalarExpr {
  const c = (v: number) => S.c(t === "f32" ? Math.fround(v) : v, t);
  const clamp = (x: ScalarExpr, lo: number, hi: number) => S.select(S.gt(x, c(hi)), c(hi), S.select(S.lt(x, c(lo)), c(lo), x));
  let x: ScalarExpr = t === "f32" ? S.arg(0, "f32") : S.promote(S.arg(0, "f32"));
  for (const s of steps) {
    if (s.kind === "clamp") x = clamp(x, s.lo, s.hi);
    else if (s.kind === "scale") x = S.mul(x, c(s.c));
    else if (s.kind === "shift") x = S.add(x, c(s.c));
    else if (s.kind === "max") x = S.select(S.or(S.ge(x, c(s.c)), S.ne(x, x)), x, c(s.c));
    else if (s.kind === "min") x = S.select(S.or(S.le(x, c(s.c)), S.ne(x, x)), x, c(s.c));
    else if (s.kind === "neg") x = S.neg(x);
    else if (s.kind === "floor") x = S.floor(x);
    else if (s.kind === "nearest") x = S.nearest(x);
    else x = S.sub(S.add(x, c(ROUNDER)), c(ROUNDER));
  }
  if (end !== "value") {
    const n = t === "f32" ? S.promote(x) : x;
    const p = S.pow2(S.select(S.gt(n, S.c(1023, "f64")), S.c(1023, "f64"), S.select(S.lt(n, S.c(-1022, "f64")), S.c(-1022, "f64"), n)));
    x = end === "pow2" ? p : S.mul(p, S.arg(1, "f64"));
    return demote ? S.demote(x) : x;
  }
  return t === "f64" && demote ? S.demote(x) : x;
}

/** Values over the whole range the steps care about: the corner values, then integers and fractions up to ±2000 and a few huge ones. */
function rangedColumns(): [Float32Array, Float64Array] {
  let s = 7;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0), s / 2 ** 32);
  const values = [...F32, ...Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? Math.round((next() - 0.5) * 4000) : i % 3 === 1 ? (next() - 0.5) * 4000 : (next() - 0.5) * 40))];
  values.push(1e30, -1e30, 2 ** 52 + 0.5, 20.5, -20.5, 104.5, 1022.5, -1022.5, 2.5, -2.5);
  return [Float32Array.from(values), Float64Array.from(values, (v, i) => (i % 4 === 0 ? F64[i % F64.length]! : v * 0.75))];
}

describe.runIf(wasmSimdAvailable())("the SIMD loop's cheaper forms (clamps that cannot clip, pow2 by an add, maximum/minimum as pmax/pmin) ≡ interpreter", () => {
  it("random step chains, f32 and f64, ending in the value, pow2 of it or that times an operand", () => {
    const arb = fc.tuple(fc.constantFrom("f32" as const, "f64" as const), fc.array(rangeStepArb, { minLength: 1, maxLength: 6 }), fc.constantFrom("value" as const, "pow2" as const, "scaled" as const), fc.boolean());
    const [c0, c1] = rangedColumns();
    const operands: Operand[] = [{ dtype: "float32", scalar: false }, { dtype: "float64", scalar: false }];
    fc.assert(
      fc.property(arb, ([t, steps, end, demote]) => {
        const root = rangedTree(t, steps, end, demote);
        const out = root.type === "f32" ? "float32" : "float64";
        expect(wasmElementwiseUsesSimd(root, operands, out)).toBe(true);
        const result = out === "float32" ? new Float32Array(c0.length) : new Float64Array(c0.length);
        compileWasmElementwise(root, operands, out)!([c0, c1], result);
        const fn = interpretScalar(root, 2);
        for (let i = 0; i < c0.length; i++) {
          const want = fn(c0[i]!, c1[i]!);
          if (!Object.is(result[i], want)) expect.fail(`${JSON.stringify(steps)} → ${end}${demote ? ", demoted" : ""} at (${c0[i]}, ${c1[i]}): wasm ${result[i]}, interpreter ${want}`);
        }
      }),
      {
        ...runs(200),
        // rounding to nearest at a half-way bound goes down as often as up (nearest(0.5) = 0, nearest(−2.5) = −2)
        examples: [
          [["f64", [{ kind: "clamp", lo: 0.5, hi: 1100 }, { kind: "nearest" }, { kind: "clamp", lo: 1, hi: 1100 }], "value", false]],
          [["f32", [{ kind: "clamp", lo: -1100, hi: -2.5 }, { kind: "nearest" }, { kind: "clamp", lo: -1100, hi: -3 }], "value", false]],
        ],
      },
    );
  });

  it("the fast transcendentals' clamps and range reductions take the cheaper forms (tanh's second clamp is the value itself, both pow2 by an add); unbounded clamps and a NaN bound do not", () => {
    const x = S.arg(0, "f32");
    const kinds = (root: ScalarExpr) => [...simdForms(topoOrder(root)).values()].map((f) => f.op).sort().join(",");
    // tanh: ±10 clamp (pmax, pmin), the ±104 clamp of 2·v (same, same), pow2 (pow2Int); sigmoid: ±104 clamp of −x, pow2
    expect(kinds(tanhF32(x))).toBe("pmax,pmin,pow2Int,same,same");
    expect(kinds(sigmoidF32(x))).toBe("pmax,pmin,pow2Int");
    const zero = S.c(0, "f32");
    expect(kinds(S.select(S.or(S.ge(x, zero), S.ne(x, x)), x, zero))).toBe("pmax");
    expect(kinds(S.select(S.or(S.le(x, zero), S.ne(x, x)), x, zero))).toBe("pmin");
    const nan = S.c(NaN, "f32");
    expect(kinds(S.select(S.or(S.ge(x, nan), S.ne(x, x)), x, nan))).toBe("");
    // a clamp of an operand is needed: pmin/pmax, not the value itself; pow2 of a fraction: the general form
    const v = S.promote(x);
    expect(kinds(S.pow2(S.select(S.gt(v, S.c(3, "f64")), S.c(3, "f64"), S.select(S.lt(v, S.c(-3, "f64")), S.c(-3, "f64"), v))))).toBe("pmax,pmin");
  });
});

/**
 * Runs the kernel of `root` over float32 `inputs` placed at the very end of a one-page memory,
 * the result last (`outLast`: an access past the result traps) or the first input last (a read
 * past the operands traps); every other byte holds a canary that must survive. Returns the result.
 */
/** Compiled kernels by expression and group count (each length and layout instantiates one anew). */
const compiled = new Map<ScalarExpr, Map<number | undefined, ReturnType<typeof compileModule>>>();

function runAtMemoryEnd(root: ScalarExpr, groups: number | undefined, inputs: readonly Float32Array[], outLast: boolean): Float32Array {
  const n = inputs[0]!.length;
  const page = 65536;
  const memory = new (webAssembly()!.Memory)({ initial: 1, maximum: 1 });
  const bytes = new Uint8Array(memory.buffer);
  bytes.fill(0xa5);
  // places from the end: the last region ends at the page's end
  const regions = outLast ? [...inputs.map((_, k) => k), -1] : [-1, ...inputs.map((_, k) => k).reverse()];
  const at = new Map<number, number>();
  let end = page;
  for (const r of [...regions].reverse()) {
    end -= 4 * n;
    at.set(r, end);
  }
  inputs.forEach((a, k) => new Float32Array(memory.buffer, at.get(k)!, n).set(a));
  const before = Uint8Array.from(bytes);
  const byGroups = compiled.get(root) ?? new Map<number | undefined, ReturnType<typeof compileModule>>();
  compiled.set(root, byGroups);
  let module = byGroups.get(groups);
  if (module === undefined) {
    const m = new ModuleBuilder().importMemory("env", "memory", { initial: 1, maximum: 1 });
    m.addFunction(renderWasmElementwise(root, inputs.map(() => ({ dtype: "float32" as const, scalar: false })), "float32", groups)!, "kernel");
    module = compileModule(m.build());
    byGroups.set(groups, module);
  }
  const kernel = instantiateModule(module, { env: { memory } }).exports["kernel"] as (...args: number[]) => void;
  kernel(...inputs.map((_, k) => at.get(k)!), at.get(-1)!, n);
  const outAt = at.get(-1)!;
  for (let b = 0; b < page; b++) if ((b < outAt || b >= outAt + 4 * n) && bytes[b] !== before[b]) expect.fail(`the kernel wrote byte ${b}, outside its result [${outAt}, ${outAt + 4 * n})`);
  return new Float32Array(memory.buffer.slice(outAt, outAt + 4 * n));
}

describe.runIf(wasmSimdAvailable())("the SIMD loop at every length from 1 to 40 (the tails after 8 and 12 elements per iteration) ≡ interpreter", () => {
  const x = S.arg(0, "f32");
  const y = S.arg(1, "f32");
  const c = (v: number) => S.c(Math.fround(v), "f32");
  const g = S.sub(x, c(1));
  // one double-precision chain (the loop takes 3 groups of 4 by default) and chains side by side (2 groups)
  const expressions: Record<string, ScalarExpr> = {
    tanh: tanhF32(x),
    "log1p(exp x)": log1pF32(expF32(x)),
    chain: S.add(S.mul(tanhF32(S.add(S.mul(x, c(1.7)), c(-0.3))), sigmoidF32(x)), S.select(S.or(S.ge(g, c(0)), S.ne(g, g)), g, c(0))),
    "exp x · exp y": S.mul(expF32(x), expF32(y)),
    "x·y + 0.5": S.add(S.mul(x, y), c(0.5)),
  };

  it.each(Object.keys(expressions))("%s, with the chosen group count and with 2 and 3 groups fixed", (name) => {
    const root = expressions[name]!;
    const fn = interpretScalar(root, 2);
    const [c0, c1] = rangedColumns();
    for (const groups of [undefined, 2, 3]) {
      for (let n = 1; n <= 40; n++) {
        // a different window of the columns for each length, so every element position sees corner values
        const a = Float32Array.from({ length: n }, (_, i) => c0[(i + 7 * n) % c0.length]!);
        const b = Float32Array.from({ length: n }, (_, i) => c1[(i + 3 * n) % c1.length]!);
        for (const outLast of [true, false]) {
          const result = runAtMemoryEnd(root, groups, [a, b], outLast);
          for (let i = 0; i < n; i++) {
            const want = fn(a[i]!, b[i]!);
            if (!Object.is(result[i], want)) expect.fail(`${name}, groups ${groups ?? "chosen"}, length ${n}, element ${i} (${a[i]}, ${b[i]}): wasm ${result[i]}, interpreter ${want}`);
          }
        }
      }
    }
  });
});
