// The WebAssembly renderer (src/compile/wasm/elementwise.ts) computes the interpreter's bits:
// random well-typed expressions without library calls (which have no wasm form), over operands
// of each type, per element or rank-0, and single-precision trees that take the f32x4 SIMD loop
// (78 elements: 19 vectors and a scalar tail); plus the float32 approximations of fastmath.ts,
// which take the SIMD loop with f64x2 lanes for their double-precision steps, and the
// float32-step ones of fastmath32.ts, which take f32x4 lanes only (props/wasm-elementwise.test.ts
// has random mixed-precision trees).
// Compared by Object.is.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { S, type ScalarExpr, formatScalar } from "../src/scalar/expr.js";
import { interpretScalar } from "../src/scalar/interpret.js";
import { expF32, expm1F32, log1pF32, logF32, sigmoidF32, tanhF32 } from "../src/scalar/fastmath.js";
import { expF32Steps, expm1F32Steps, log1pF32Steps, logF32Steps, sigmoidF32Steps, tanhF32Steps } from "../src/scalar/fastmath32.js";
import { type Operand, compileWasmElementwise, renderWasmElementwise, wasmCanRender, wasmElementwiseUsesSimd } from "../src/compile/wasm/elementwise.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import type { DType } from "../src/tensor/dtype.js";
import { ARG_TYPES, F32, exprArb, operandColumns } from "./scalar-arbitraries.js";
import { runs } from "./runs.js";

const DTYPE_OF = { f32: "float32", f64: "float64", i32: "int32" } as const;
const ARRAY_OF = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };

/** Runs `root` through wasm and the interpreter over the corner columns; fails on the first difference. */
function check(root: ScalarExpr, scalars: readonly boolean[]): void {
  const cols = operandColumns();
  const n = cols[0].length;
  const operands: Operand[] = ARG_TYPES.map((t, k) => ({ dtype: DTYPE_OF[t], scalar: scalars[k]! }));
  const inputs = operands.map((o, k) => ARRAY_OF[o.dtype].from(o.scalar ? [cols[k]![0]!] : cols[k]!));
  const out: DType = root.type === "i32" ? "int32" : DTYPE_OF[root.type];
  const result = new ARRAY_OF[out](n);
  const kernel = compileWasmElementwise(root, operands, out);
  expect(kernel).not.toBeNull();
  kernel!(inputs, result);
  const fn = interpretScalar(root, 3);
  const at = (k: number, i: number) => inputs[k]![operands[k]!.scalar ? 0 : i]!;
  for (let i = 0; i < n; i++) {
    const want = fn(at(0, i), at(1, i), at(2, i));
    if (!Object.is(result[i], want)) expect.fail(`${formatScalar(root)} at (${at(0, i)}, ${at(1, i)}, ${at(2, i)}): wasm ${result[i]}, interpreter ${want}`);
  }
}

const scalarsArb = fc.tuple(fc.boolean(), fc.boolean(), fc.boolean());

describe("WebAssembly renderer ≡ interpreter, bit for bit", () => {
  for (const type of ARG_TYPES) {
    it(`${type} results (scalar loop)`, () => {
      fc.assert(fc.property(exprArb(type, 4, { noCalls: true }), scalarsArb, check), runs(120));
    });
  }

  it("single-precision trees take the f32x4 loop and its scalar tail", () => {
    fc.assert(
      fc.property(exprArb("f32", 4, { f32Only: true }), scalarsArb, (root, scalars) => {
        check(root, scalars);
      }),
      runs(150),
    );
  });

  it("the float32 approximations (exp, expm1, log, log1p, tanh, sigmoid), on a sweep of float32 values", () => {
    const x = S.arg(0, "f32");
    for (const f of [expF32, expm1F32, logF32, log1pF32, tanhF32, sigmoidF32]) {
      const root = f(x);
      const bits = Uint32Array.from({ length: 1 << 14 }, (_, i) => (i * 262147) >>> 0);
      const xs = new Float32Array(bits.buffer);
      const kernel = compileWasmElementwise(root, [{ dtype: "float32", scalar: false }], "float32")!;
      const out = new Float32Array(xs.length);
      kernel([xs], out);
      const fn = interpretScalar(root, 1);
      for (let i = 0; i < xs.length; i++) if (!Object.is(out[i], fn(xs[i]!))) expect.fail(`${formatScalar(root).slice(0, 40)}… at ${xs[i]}: wasm ${out[i]}, interpreter ${fn(xs[i]!)}`);
    }
  });

  it("the float32-step approximations take the f32x4 loop (no f64x2 lane) and compute the interpreter's bits on a sweep", () => {
    const x = S.arg(0, "f32");
    const operands: Operand[] = [{ dtype: "float32", scalar: false }];
    const F64X2_ADD = 0xf0;
    for (const f of [expF32Steps, expm1F32Steps, logF32Steps, log1pF32Steps, tanhF32Steps, sigmoidF32Steps]) {
      const root = f(x);
      if (wasmSimdAvailable()) {
        expect(wasmElementwiseUsesSimd(root, operands, "float32")).toBe(true);
        const b = renderWasmElementwise(root, operands, "float32")!.bytes();
        expect(b.some((v, i) => v === 0xfd && b[i + 1] === F64X2_ADD && b[i + 2] === 0x01)).toBe(false);
      }
      // 2¹⁴ + 3 elements: the SIMD loop and a scalar tail.
      const bits = Uint32Array.from({ length: (1 << 14) + 3 }, (_, i) => (i * 262147 + 11) >>> 0);
      const xs = new Float32Array(bits.buffer);
      const kernel = compileWasmElementwise(root, operands, "float32")!;
      const out = new Float32Array(xs.length);
      kernel([xs], out);
      const fn = interpretScalar(root, 1);
      for (let i = 0; i < xs.length; i++) if (!Object.is(out[i], fn(xs[i]!))) expect.fail(`${f.name} at ${xs[i]}: wasm ${out[i]}, interpreter ${fn(xs[i]!)}`);
    }
  });

  it("a single-precision tree is rendered with f32x4 instructions, a mixed one with f64x2 lanes for its double part", () => {
    const x = S.arg(0, "f32");
    const has = (root: ScalarExpr, op: number) => {
      const b = renderWasmElementwise(root, [{ dtype: "float32", scalar: false }], "float32")!.bytes();
      return b.some((v, i) => v === 0xfd && b[i + 1] === op && b[i + 2] === 0x01);
    };
    const F32X4_ADD = 0xe4;
    const F64X2_ADD = 0xf0;
    expect(has(S.add(x, x), F32X4_ADD)).toBe(true);
    const mixed = S.demote(S.add(S.promote(x), S.promote(x)));
    expect(has(mixed, F32X4_ADD)).toBe(false);
    expect(has(mixed, F64X2_ADD)).toBe(true);
  });

  it("declines library calls and ToInt32 (the JS kernel stays)", () => {
    const x = S.arg(0, "f64");
    expect(wasmCanRender(S.libm("exp", x))).toBe(false);
    expect(renderWasmElementwise(S.toInt(x), [{ dtype: "float64", scalar: false }], "int32")).toBeNull();
    expect(wasmCanRender(S.add(x, S.c(F32[3]!, "f64")))).toBe(true);
  });
});
