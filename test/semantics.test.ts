// One numeric semantics: eager ops, `jit` and derivative programs compute the same bits
// (issue 8). Each op computes in double and stores its result in its dtype (float32 rounded,
// int32 wrapped like C, bool 0/1); fused kernels round every float32 intermediate the same
// way; rewrites fire only when exact. Every comparison is bit for bit (Object.is).

import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { ProgramBuilder } from "../src/ir/builder.js";
import { Lit } from "../src/ir/var.js";
import { eliminateCommonSubexpressions } from "../src/compile/passes/cse.js";
import { eliminateDeadCode } from "../src/compile/passes/dce.js";
import { foldConstants } from "../src/compile/passes/fold-constants.js";
import { simplifyAlgebra } from "../src/compile/passes/simplify.js";
import { padPrim } from "../src/prims/movement.js";
import { addPrim, mulPrim, subPrim } from "../src/prims/binary.js";
import { type Lowering, type Params, type Primitive, allPrimitives } from "../src/prims/primitive.js";
import { bind } from "../src/trace/context.js";
import type { DType } from "../src/tensor/dtype.js";

/** Asserts two tensors hold the same shape, dtype and bits (NaN ≡ NaN, −0 ≢ +0). */
function expectSameBits(actual: Tensor, expected: Tensor, what = ""): void {
  expect(actual.dtype, what).toBe(expected.dtype);
  expect(actual.shape, what).toEqual(expected.shape);
  const a = actual.data();
  const b = expected.data();
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`${what} element ${i}: got ${String(a[i])}, expected ${String(b[i])}`);
  }
}

const bits = (t: Tensor) => Array.from(t.data());
const i32 = (v: readonly number[]) => fx.tensor(v, { dtype: "int32" });
const f64 = (v: readonly number[]) => fx.tensor(v, { dtype: "float64" });

describe("the reference evaluation generates no code", () => {
  it("fluxion imports, traces and evaluates by reference (arithmetic, transcendental, comparison, logical, select, cast, all four reductions) with code generation from strings disallowed", () => {
    const entry = resolve(__dirname, "../src/index.ts");
    const script = `
      const fx = await import(${JSON.stringify(entry)});
      const x = fx.tensor([[0.5, -2, 3], [4, -0, 1]]);
      const p = fx.trace((x) => {
        const y = fx.sigmoid(fx.tanh(fx.add(fx.mul(x, 2), fx.div(x, 3))));
        const z = fx.maximum(fx.pow(fx.abs(x), 0.5), fx.minimum(fx.exp(x), fx.round(x)));
        const c = fx.where(fx.logicalAnd(fx.greater(x, 0), fx.logicalNot(fx.isNaN(x))), y, z);
        const i = fx.cast(fx.mul(fx.cast(x, "int32"), 123456789), "float32");
        return [fx.sum(c, { axis: 1 }), fx.prod(x), fx.max(x), fx.min(x, { axis: 0 }), fx.sqrt(fx.square(fx.sub(c, i)))];
      })(x);
      const out = fx.evalProgram(p, [x], { reference: true });
      console.log(JSON.stringify(out.map((t) => t.toArray())));
    `;
    const stdout = execFileSync(process.execPath, ["--disallow-code-generation-from-strings", "--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: resolve(__dirname, ".."),
    });
    // The same program evaluated here by reference: the isolated process computed the same values.
    const x = fx.tensor([[0.5, -2, 3], [4, -0, 1]]);
    const p = fx.trace((x: Tensor) => {
      const y = fx.sigmoid(fx.tanh(fx.add(fx.mul(x, 2), fx.div(x, 3))));
      const z = fx.maximum(fx.pow(fx.abs(x), 0.5), fx.minimum(fx.exp(x), fx.round(x)));
      const c = fx.where(fx.logicalAnd(fx.greater(x, 0), fx.logicalNot(fx.isNaN(x))), y, z);
      const i = fx.cast(fx.mul(fx.cast(x, "int32"), 123456789), "float32");
      return [fx.sum(c, { axis: 1 }), fx.prod(x), fx.max(x), fx.min(x, { axis: 0 }), fx.sqrt(fx.square(fx.sub(c, i)))];
    })(x);
    const here = fx.evalProgram(p, [x], { reference: true }).map((t) => t.toArray());
    expect(JSON.parse(stdout.trim())).toEqual(JSON.parse(JSON.stringify(here)));
  });

  it("a lowering without a reference does not type-check", () => {
    // @ts-expect-error an elementwise lowering must carry its scalar description
    const elementwise: Lowering<Params> = { kind: "elementwise" };
    // @ts-expect-error a reduce lowering must carry its combine closure
    const reduce: Lowering<Params> = { kind: "reduce", identity: 0, combine: (a, x) => `${a} + ${x}` };
    expect([elementwise.kind, reduce.kind]).toEqual(["elementwise", "reduce"]);
  });

  it("every elementwise primitive carries a scalar description and every reduction a combine closure", () => {
    const prims = allPrimitives();
    const elementwise = prims.filter((p) => p.lowering.kind === "elementwise");
    const reductions = prims.filter((p) => p.lowering.kind === "reduce");
    expect(elementwise.length).toBeGreaterThan(30);
    expect(reductions.length).toBe(4);
    for (const p of elementwise) expect(typeof (p.lowering as { scalar?: unknown }).scalar, p.name).toBe("function");
    for (const p of reductions) expect(typeof (p.lowering as { reference?: unknown }).reference, p.name).toBe("function");
  });
});

// ---------------------------------------------------------------- template ≡ reference, op by op

const FLOAT_VALUES = [0, -0, 1, -1, 0.5, -2.5, 2, 3, 0.1, 0.3, 1e-30, 1.4e-45, -1e-40, 3.4e38, -1e308, 1e8, 123456.789, NaN, Infinity, -Infinity];
const INT_VALUES = [0, 1, -1, 2, 3, -7, 46341, 65536, 123456789, 987654321, 2147483647, -2147483648, -2147483647];
const BOOL_VALUES = [0, 1];

function valuesOf(dtype: DType): number[] {
  return dtype === "bool" ? BOOL_VALUES : dtype === "int32" ? INT_VALUES : FLOAT_VALUES;
}

/** Every combination of the dtype's special values for an n-ary op, as n flat operand columns. */
function grid(dtypes: readonly DType[]): Tensor[] {
  const cols: number[][] = dtypes.map(() => []);
  const rec = (k: number, acc: number[]) => {
    if (k === dtypes.length) return acc.forEach((v, i) => cols[i]!.push(v));
    for (const v of valuesOf(dtypes[k]!)) rec(k + 1, [...acc, v]);
  };
  rec(0, []);
  return cols.map((c, i) => fx.tensor(c, { dtype: dtypes[i]! }));
}

/** The operand dtypes and params each elementwise primitive is checked at. */
function signatures(p: Primitive): { dtypes: DType[]; params: Params }[] {
  const arity = p.name === "select" ? 3 : ["neg", "sign", "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "square", "sin", "cos", "tanh", "sigmoid", "floor", "ceil", "round", "is_nan", "is_finite", "stop_gradient", "not", "convert"].includes(p.name) ? 1 : 2;
  const all: DType[] = ["float32", "float64", "int32", "bool"];
  const out: { dtypes: DType[]; params: Params }[] = [];
  for (const d of all) {
    if (p.name === "convert") {
      for (const to of all) out.push({ dtypes: [d], params: { dtype: to } });
      continue;
    }
    const dtypes = p.name === "select" ? ["bool" as DType, d, d] : Array<DType>(arity).fill(d);
    try {
      p.abstractEval(dtypes.map((dtype) => ({ shape: [1], dtype })), {});
    } catch {
      continue; // the primitive does not take this dtype
    }
    out.push({ dtypes, params: {} });
  }
  return out;
}

describe("every elementwise primitive: compiled template ≡ independent reference, bit for bit", () => {
  const prims = allPrimitives().filter((p) => p.lowering.kind === "elementwise");
  for (const p of prims) {
    it(p.name, () => {
      const sigs = signatures(p);
      expect(sigs.length).toBeGreaterThan(0);
      for (const { dtypes, params } of sigs) {
        const args = grid(dtypes);
        const f = (...xs: Tensor[]) => bind(p, xs, params);
        const program = fx.trace(f)(...args);
        const [ref] = fx.evalProgram(program, args, { reference: true });
        expectSameBits(fx.jit(f)(...args), ref!, `${p.name}(${dtypes.join(", ")}) ${JSON.stringify(params)} jit`);
        expectSameBits(f(...args), ref!, `${p.name}(${dtypes.join(", ")}) ${JSON.stringify(params)} eager`);
      }
    });
  }
});

// ---------------------------------------------------------------- float32 intermediates

describe("jit rounds every float32 intermediate as eager does", () => {
  const x = fx.tensor([1, 3]);

  it("x + 1e8 − 1e8 (a fused loop)", () => {
    const f = (x: Tensor) => fx.sub(fx.add(x, 1e8), 1e8);
    expect(bits(f(x))).toEqual([0, 0]);
    expectSameBits(fx.jit(f)(x), f(x));
  });

  it("isFinite(x·1e30·1e30)", () => {
    const f = (x: Tensor) => fx.isFinite(fx.mul(fx.mul(x, 1e30), 1e30));
    expect(bits(f(x))).toEqual([0, 0]);
    expectSameBits(fx.jit(f)(x), f(x));
  });

  it("a reduction prologue: sum(x + 1e8 − 1e8)", () => {
    const f = (x: Tensor) => fx.sum(fx.sub(fx.add(x, 1e8), 1e8), { axis: 1 });
    const y = fx.tensor([[1, 3, 5], [7, 9, 11]]);
    expectSameBits(fx.jit(f)(y), f(y));
  });

  it("a reduction result is float32 before its epilogue reads it: sum([1, 1e-8]) − 1 = 0", () => {
    const f = (x: Tensor) => fx.sub(fx.sum(x, { axis: 1 }), 1);
    const y = fx.tensor([[1, 1e-8], [1, -1e-8]]);
    expect(bits(f(y))).toEqual([0, 0]);
    expectSameBits(fx.jit(f)(y), f(y));
    const g = (x: Tensor) => fx.sub(fx.sum(x, { axis: 0 }), 1); // the column-order reduction
    expectSameBits(fx.jit(g)(fx.transpose(y)), g(fx.transpose(y)));
  });

  it("a matmul epilogue: the product is float32 before the bias add, and so are the epilogue's intermediates", () => {
    const a = fx.tensor([[1, 1e-8], [1, 3]]);
    const b = fx.tensor([[1], [1]]);
    const f = (a: Tensor, b: Tensor) => fx.sub(fx.add(fx.sub(fx.matmul(a, b), 1), 1e8), 1e8);
    expectSameBits(fx.jit(f)(a, b), f(a, b));
    expect(bits(f(a, b))).toEqual([0, 0]);
  });

  it("a conv epilogue rounds the same way", () => {
    const x = fx.tensor([[[1, 1e-8, 1, 3]]]);
    const w = fx.tensor([[[1, 1]]]);
    const f = (x: Tensor, w: Tensor) => fx.sub(fx.add(fx.sub(fx.conv1d(x, w), 1), 1e8), 1e8);
    expectSameBits(fx.jit(f)(x, w), f(x, w));
  });

  it("float64 programs agree too", () => {
    const f = (x: Tensor) => fx.sub(fx.add(fx.mul(x, 0.1), 1e16), 1e16);
    const y = f64([1, 3, 7]);
    expectSameBits(fx.jit(f)(y), f(y));
  });
});

// ---------------------------------------------------------------- int32 wraps like C

describe("int32 arithmetic wraps like C", () => {
  it("mul(123456789, 987654321) = Math.imul, eager and under jit", () => {
    const a = i32([123456789, -2147483648, 65536]);
    const b = i32([987654321, -1, 65536]);
    const want = [Math.imul(123456789, 987654321), -2147483648, 0];
    expect(bits(fx.mul(a, b))).toEqual(want);
    expect(bits(fx.jit(fx.mul)(a, b))).toEqual(want);
    expect(bits(fx.jit((a: Tensor, b: Tensor) => fx.add(fx.mul(a, b), 1))(a, b))).toEqual(want.map((v) => (v + 1) | 0));
  });

  it("square, prod and matmul accumulate with Math.imul", () => {
    const a = i32([123456789, 987654321]);
    expect(bits(fx.square(a))).toEqual([Math.imul(123456789, 123456789), Math.imul(987654321, 987654321)]);
    expect(bits(fx.jit(fx.square)(a))).toEqual(bits(fx.square(a)));
    expect(fx.prod(a).item()).toBe(Math.imul(123456789, 987654321));
    expect(fx.jit((x: Tensor) => fx.prod(x))(a).item()).toBe(Math.imul(123456789, 987654321));
    const m = i32([123456789, 987654321, 7, 11]).reshape([2, 2]);
    const want = [
      (Math.imul(123456789, 123456789) + Math.imul(987654321, 7)) | 0,
      (Math.imul(123456789, 987654321) + Math.imul(987654321, 11)) | 0,
      (Math.imul(7, 123456789) + Math.imul(11, 7)) | 0,
      (Math.imul(7, 987654321) + Math.imul(11, 11)) | 0,
    ];
    expect(bits(fx.matmul(m, m))).toEqual(want);
    expect(bits(fx.jit(fx.matmul)(m, m))).toEqual(want);
    const p = fx.trace(fx.matmul)(m, m);
    expect(bits(fx.evalProgram(p, [m, m], { reference: true })[0]!)).toEqual(want);
  });

  it("add, sub, neg, abs and sum wrap at −2^31", () => {
    const min = i32([-2147483648]);
    const max = i32([2147483647]);
    expect(bits(fx.add(max, 1))).toEqual([-2147483648]);
    expect(bits(fx.sub(min, 1))).toEqual([2147483647]);
    expect(bits(fx.neg(min))).toEqual([-2147483648]);
    expect(bits(fx.abs(min))).toEqual([-2147483648]);
    expect(fx.sum(i32([2147483647, 1])).item()).toBe(-2147483648);
    const f = (x: Tensor) => fx.add(fx.abs(fx.neg(fx.sub(x, 1))), 1);
    expectSameBits(fx.jit(f)(min), f(min));
  });

  it("a folded int32 constant keeps int32 storage: 123456789 · 987654321 folded at compile time", () => {
    const b = new ProgramBuilder();
    const out = b.addEqn(mulPrim, [new Lit(123456789, "int32"), new Lit(987654321, "int32")], {});
    const folded = foldConstants(b.build([out]));
    expect(folded.eqns).toHaveLength(0);
    const lit = folded.outputs[0]!;
    expect(lit.kind === "lit" && lit.value).toBe(Math.imul(123456789, 987654321));
  });
});

// ---------------------------------------------------------------- exact rewrites

describe("rewrites are exact or do not fire", () => {
  it("c₁·(x·c₂) is not combined: sum(x·1e-30·2^-100) at x = 1e30 is the same eager, under jit and under valueAndGrad", () => {
    const f = (x: Tensor) => fx.sum(fx.mul(fx.mul(x, 1e-30), 2 ** -100));
    const x = fx.tensor([1e30]);
    const eager = f(x);
    expect(eager.item()).toBeGreaterThan(0);
    expectSameBits(fx.jit(f)(x), eager);
    expectSameBits(fx.valueAndGrad(f)(x)[0], eager);
    const g = (x: Tensor) => fx.mul(fx.mul(x, 2), 0.75); // overflow in float64: x·2 = Inf, x·1.5 finite
    const y = f64([1.7e308]);
    expectSameBits(fx.jit(g)(y), g(y));
  });

  it("x + 0 → x does not fire for floats (−0 + 0 = +0); x + (−0) → x does", () => {
    const f = (x: Tensor) => fx.add(x, 0);
    for (const x of [fx.tensor([-0, 1]), f64([-0, 1])]) {
      expect(Object.is(f(x).data()[0], 0)).toBe(true);
      expectSameBits(fx.jit(f)(x), f(x));
    }
    const p = fx.trace((x: Tensor) => fx.add(x, -0))(fx.tensor([1]));
    expect(simplifyAlgebra(p).eqns).toHaveLength(0);
    const q = fx.trace((x: Tensor) => fx.add(x, 0))(fx.tensor([1]));
    expect(simplifyAlgebra(q).eqns).toHaveLength(1);
    const r = fx.trace((x: Tensor) => fx.add(x, 0))(i32([1]));
    expect(simplifyAlgebra(r).eqns).toHaveLength(0);
  });

  it("x·0 and x − x keep NaN and ±Inf under jit and grad", () => {
    const x = fx.tensor([NaN, Infinity, -Infinity, -1]);
    const f = (x: Tensor) => fx.add(fx.mul(x, 0), fx.sub(x, x));
    expectSameBits(fx.jit(f)(x), f(x));
    expect(bits(f(x)).slice(0, 3).every(Number.isNaN)).toBe(true);
    const g = (x: Tensor) => fx.sum(fx.mul(fx.sub(x, x), x));
    expectSameBits(fx.grad(g)(x), fx.jit(fx.grad(g))(x));
    expect(Number.isNaN(fx.grad(g)(x).data()[0])).toBe(true);
  });

  it("x·0 → 0 and x − x → 0 fire for int32 only; c₁·(x·c₂) combines for int32 and, for floats, only with ±1", () => {
    const count = (f: (x: Tensor) => Tensor, x: Tensor) => eliminateDeadCode(simplifyAlgebra(fx.trace(f)(x))).eqns.map((e) => e.prim.name);
    expect(count((x) => fx.mul(x, 0), i32([1, 2]))).toEqual(["broadcast_to"]);
    expect(count((x) => fx.sub(x, x), i32([1, 2]))).toEqual(["broadcast_to"]);
    expect(count((x) => fx.mul(x, 0), fx.tensor([1, 2]))).toEqual(["mul"]);
    expect(count((x) => fx.sub(x, x), f64([1, 2]))).toEqual(["sub"]);
    expect(count((x) => fx.mul(fx.mul(x, 3), 5), i32([1, 2]))).toEqual(["mul"]);
    expect(count((x) => fx.mul(fx.mul(x, 3), -1), fx.tensor([1, 2]))).toEqual(["mul"]);
    expect(count((x) => fx.mul(fx.mul(x, 2), 0.5), fx.tensor([1, 2]))).toEqual(["mul", "mul"]);
    const big = i32([123456789, -2147483648]);
    const f = (x: Tensor) => fx.mul(fx.mul(x, 987654321), 77);
    expectSameBits(fx.jit(f)(big), f(big));
  });

  it("every rule of simplifyAlgebra preserves bits on special values, float32 and float64", () => {
    for (const dtype of ["float32", "float64", "int32"] as DType[]) {
      const xs = fx.tensor(valuesOf(dtype), { dtype });
      const programs = [
        (x: Tensor) => fx.mul(x, 1),
        (x: Tensor) => fx.mul(1, x),
        (x: Tensor) => fx.add(x, 0),
        (x: Tensor) => fx.add(0, x),
        (x: Tensor) => fx.add(x, -0),
        (x: Tensor) => fx.sub(x, 0),
        (x: Tensor) => fx.sub(x, -0),
        (x: Tensor) => fx.neg(fx.neg(x)),
        (x: Tensor) => fx.add(fx.neg(x), fx.mul(x, 3)),
        (x: Tensor) => fx.add(fx.mul(x, 3), fx.neg(x)),
        (x: Tensor) => fx.mul(fx.mul(x, 3), -1),
        (x: Tensor) => fx.mul(-1, fx.mul(0.1, x)),
        (x: Tensor) => fx.mul(fx.mul(x, 2), 0.5),
        (x: Tensor) => fx.mul(fx.mul(x, 0.1), 4),
        (x: Tensor) => fx.mul(x, 0),
        (x: Tensor) => fx.mul(0, x),
        (x: Tensor) => fx.sub(x, x),
      ];
      if (dtype !== "int32") programs.push((x: Tensor) => fx.div(x, 1), (x: Tensor) => fx.div(fx.mul(x, 3), 1));
      for (const f of programs) {
        const p = fx.trace(f)(xs);
        const [want] = fx.evalProgram(p, [xs], { reference: true });
        const [got] = fx.evalProgram(simplifyAlgebra(p), [xs], { reference: true });
        expectSameBits(got!, want!, `${dtype} ${f.toString()}`);
        expectSameBits(fx.jit(f)(xs), want!, `${dtype} jit ${f.toString()}`);
      }
    }
  });

  it("CSE keeps equations whose params differ only by −0 vs 0, or NaN vs ±Infinity", () => {
    const x = fx.tensor([1, 2]);
    for (const [u, v] of [[0, -0], [NaN, Infinity], [Infinity, -Infinity], [NaN, -Infinity]] as const) {
      const p = fx.trace((x: Tensor) => [bind(padPrim, [x], { lo: [1], hi: [0], interior: [0], value: u }), bind(padPrim, [x], { lo: [1], hi: [0], interior: [0], value: v })])(x);
      const q = eliminateCommonSubexpressions(p);
      expect(q.eqns, `${u} vs ${v}`).toHaveLength(2);
      const [a, b] = fx.evalProgram(q, [x], { reference: true });
      expect(Object.is(a!.data()[0], Math.fround(u))).toBe(true);
      expect(Object.is(b!.data()[0], Math.fround(v))).toBe(true);
      // Eager caches kernels by the same key.
      expect(Object.is(fx.pad(x, [[1, 0]], { value: u }).data()[0], u)).toBe(true);
      expect(Object.is(fx.pad(x, [[1, 0]], { value: v }).data()[0], v)).toBe(true);
    }
  });

  it("CSE still merges equal literals and keeps −0 and 0 literals apart", () => {
    const b = new ProgramBuilder();
    const x = b.addInput({ shape: [2], dtype: "float32" });
    const u = b.addEqn(addPrim, [x, new Lit(-0, "float32")], {});
    const v = b.addEqn(addPrim, [x, new Lit(0, "float32")], {});
    const w = b.addEqn(addPrim, [x, new Lit(0, "float32")], {});
    const y = b.addEqn(subPrim, [u, v], {});
    const z = b.addEqn(subPrim, [y, w], {});
    expect(eliminateCommonSubexpressions(b.build([z])).eqns).toHaveLength(4);
  });
});

// ---------------------------------------------------------------- ties

describe("maximum and minimum split the gradient at a tie, as JAX and PyTorch do", () => {
  it("grad(x ⇒ sum(maximum(x, 0)))(0) = 0.5", () => {
    const f = (x: Tensor) => fx.sum(fx.maximum(x, 0));
    expect(bits(fx.grad(f)(fx.tensor([0, 2, -2])))).toEqual([0.5, 1, 0]);
    expect(bits(fx.jit(fx.grad(f))(fx.tensor([0, 2, -2])))).toEqual([0.5, 1, 0]);
  });

  it("both operands get half at a tie, in reverse and forward mode", () => {
    for (const op of [fx.maximum, fx.minimum]) {
      const [ga, gb] = fx.grad((a: Tensor, b: Tensor) => fx.sum(op(a, b)), { argnums: [0, 1] })(fx.tensor([1, 2, 3]), fx.tensor([1, 0, 5])) as Tensor[];
      const first = op === fx.maximum ? [0.5, 1, 0] : [0.5, 0, 1];
      expect(bits(ga!)).toEqual(first);
      expect(bits(gb!)).toEqual(first.map((v) => 1 - v));
      const [, t] = fx.jvp((a: Tensor) => op(a, fx.tensor([1, 0, 5])), [fx.tensor([1, 2, 3])], [fx.tensor([1, 1, 1])]);
      expect(bits(t as Tensor)).toEqual(first);
    }
  });
});

// ---------------------------------------------------------------- random programs, bit for bit

import fc from "fast-check";
import { runs } from "../props/runs.js";

const SPECIAL = [0, -0, 1, -1, 2, 0.1, 0.3, 1e-30, -1e-40, 1e30, 3.4e38, 1e8, NaN, Infinity, -Infinity];
const UNARY: ((x: Tensor) => Tensor)[] = [fx.neg, fx.abs, fx.exp, fx.log, fx.sqrt, fx.tanh, fx.sigmoid, fx.round, fx.square, fx.reciprocal, fx.sign];
const BINARY: ((a: Tensor, b: fx.TensorLike) => Tensor)[] = [fx.add, fx.sub, fx.mul, fx.div, fx.maximum, fx.minimum, fx.pow, (a, b) => fx.where(fx.greater(a, b), a, b)];

/** One step of a random program: an op applied to earlier values or a literal. */
const step = fc.record({
  op: fc.nat(UNARY.length + BINARY.length - 1),
  a: fc.nat(),
  b: fc.nat(),
  literal: fc.option(fc.constantFrom(...SPECIAL), { freq: 3 }),
});

/** The program the steps describe: each step reads two earlier values (or one and a literal). */
function program(steps: readonly (typeof step extends fc.Arbitrary<infer T> ? T : never)[]) {
  return (x: Tensor, y: Tensor): Tensor => {
    const vals = [x, y];
    for (const s of steps) {
      const a = vals[s.a % vals.length]!;
      const b = s.literal === null ? vals[s.b % vals.length]! : s.literal; // a literal in the IR
      vals.push(s.op < UNARY.length ? UNARY[s.op]!(a) : BINARY[s.op - UNARY.length]!(a, b));
    }
    return vals[vals.length - 1]!;
  };
}

describe("random elementwise programs over special values: jit ≡ eager ≡ reference, bit for bit", () => {
  const operands = (dtype: DType) =>
    fc.tuple(fc.array(fc.constantFrom(...SPECIAL), { minLength: 6, maxLength: 6 }), fc.array(fc.constantFrom(...SPECIAL), { minLength: 6, maxLength: 6 })).map(([u, v]) => [
      fx.tensor(u, { dtype }).reshape([2, 3]),
      fx.tensor(v, { dtype }).reshape([2, 3]),
    ]);

  for (const dtype of ["float32", "float64"] as DType[]) {
    it(`${dtype}: fused loops, reduction prologues and epilogues, matmul and conv epilogues`, () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), operands(dtype), (steps, [x, y]) => {
          const f = program(steps);
          const g = (x: Tensor, y: Tensor) => fx.sub(fx.sum(f(x, y), { axis: 1 }), fx.max(fx.add(x, 1e8), { axis: 0 }).sum());
          const h = (x: Tensor, y: Tensor) => f(fx.matmul(x, fx.transpose(y)), fx.matmul(y, fx.transpose(x)));
          const conv = (x: Tensor, y: Tensor) => fx.conv1d(x.reshape([1, 2, 3]), y.reshape([3, 2, 1]));
          const k = (x: Tensor, y: Tensor) => f(conv(x, y), conv(y, x));
          for (const fn of [f, g, h, k]) {
            const eager = fn(x!, y!);
            const [ref] = fx.evalProgram(fx.trace(fn)(x!, y!), [x!, y!], { reference: true });
            expectSameBits(eager, ref!, "eager vs reference");
            expectSameBits(fx.jit(fn)(x!, y!), ref!, "jit vs reference");
          }
        }),
        runs(100),
      );
    });
  }
});

describe("random int32 programs over the full range: jit ≡ eager ≡ reference, bit for bit", () => {
  const INT_UNARY: ((x: Tensor) => Tensor)[] = [fx.neg, fx.abs, fx.square, fx.sign];
  const INT_BINARY: ((a: Tensor, b: fx.TensorLike) => Tensor)[] = [fx.add, fx.sub, fx.mul, fx.maximum, fx.minimum, (a, b) => fx.where(fx.less(a, b), a, b)];
  const int = fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.constantFrom(0, 1, -1, 2147483647, -2147483648, 65536, 46341));
  const intStep = fc.record({ op: fc.nat(INT_UNARY.length + INT_BINARY.length - 1), a: fc.nat(), b: fc.nat(), literal: fc.option(int, { freq: 3 }) });
  const operand = fc.array(int, { minLength: 6, maxLength: 6 }).map((v) => fx.tensor(v, { dtype: "int32" }).reshape([2, 3]));

  it("loops, sum/prod reductions and matmul epilogues", () => {
    fc.assert(
      fc.property(fc.array(intStep, { minLength: 1, maxLength: 8 }), operand, operand, (steps, x, y) => {
        const f = (x: Tensor, y: Tensor): Tensor => {
          const vals = [x, y];
          for (const s of steps) {
            const a = vals[s.a % vals.length]!;
            const b = s.literal === null ? vals[s.b % vals.length]! : fx.scalar(s.literal, "int32");
            vals.push(s.op < INT_UNARY.length ? INT_UNARY[s.op]!(a) : INT_BINARY[s.op - INT_UNARY.length]!(a, b));
          }
          return vals[vals.length - 1]!;
        };
        const g = (x: Tensor, y: Tensor) => fx.add(fx.sum(f(x, y), { axis: 1 }), fx.prod(fx.mul(x, y), { axis: 1 }));
        const h = (x: Tensor, y: Tensor) => f(fx.matmul(x, fx.transpose(y)), fx.matmul(y, fx.transpose(x)));
        for (const fn of [f, g, h]) {
          const eager = fn(x, y);
          const [ref] = fx.evalProgram(fx.trace(fn)(x, y), [x, y], { reference: true });
          expectSameBits(eager, ref!, "eager vs reference");
          expectSameBits(fx.jit(fn)(x, y), ref!, "jit vs reference");
        }
      }),
      runs(100),
    );
  });
});
