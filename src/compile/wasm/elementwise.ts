// The WebAssembly renderer of scalar expressions (src/compile/scalar/expr.ts) for fused
// elementwise loops over contiguous operands: a function `kernel(ptr0, …, ptrK, outPtr, n)` over
// one memory. Where the whole expression is single precision (f32 values, comparisons of them as
// lane masks, and/or of masks, select), the loop runs f32x4 SIMD with a scalar tail; otherwise
// one element per iteration with scalar wasm instructions.
//
// Bit-identical to the JS renderer by construction of the semantics: wasm f32 and f64 operations
// are IEEE single and double operations, which is what `Math.fround(a op b)` and double
// arithmetic compute; i32 arithmetic wraps; `nearest` is round-half-even in both; `exponent` and
// `pow2` read and build the double's bits. Two nodes have no wasm form here and make the
// renderer decline (the caller keeps the JS kernel): library calls (`Math.exp` & co., float64
// transcendentals) and `toInt` (JavaScript's ToInt32 wraps where wasm's truncation saturates).

import { FluxionError } from "../../errors.js";
import type { DType, TypedArray } from "../../tensor/dtype.js";
import { type ScalarExpr, type ScalarType, isComparison, topoOrder } from "../scalar/expr.js";
import { webAssembly } from "./api.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";

/** How an operand or the result is stored in memory. */
export interface Operand {
  readonly dtype: DType;
  /** A rank-0 operand: one value, read once, the same for every element. */
  readonly scalar: boolean;
}

const VAL: Record<ScalarType, ValType> = { f32: ValType.f32, f64: ValType.f64, i32: ValType.i32 };
const SIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const ALIGN: Record<DType, number> = { float32: 2, float64: 3, int32: 2, bool: 0 };
const LOAD: Record<DType, number> = { float32: Op.f32Load, float64: Op.f64Load, int32: Op.i32Load, bool: Op.i32Load8U };
const STORE: Record<DType, number> = { float32: Op.f32Store, float64: Op.f64Store, int32: Op.i32Store, bool: Op.i32Store8 };

// Opcodes the encoder's tables do not name (core spec numbers).
const I64_CONST = 0x42;
const I64_SHL = 0x86;
const I64_SHR_U = 0x88;
const I32_WRAP_I64 = 0xa7;
const I64_EXTEND_I32_U = 0xad;
const I64_REINTERPRET_F64 = 0xbd;
const F64_REINTERPRET_I64 = 0xbf;
const I32_TRUNC_F64_S = 0xaa;
const F32X4_CEIL = 0x67;
const F32X4_FLOOR = 0x68;
const F32X4_NEAREST = 0x6a;

const SCALAR_ARITH: Record<string, Partial<Record<ScalarType, number>>> = {
  add: { f32: Op.f32Add, f64: Op.f64Add, i32: Op.i32Add },
  sub: { f32: Op.f32Sub, f64: Op.f64Sub, i32: Op.i32Sub },
  mul: { f32: Op.f32Mul, f64: Op.f64Mul, i32: Op.i32Mul },
  div: { f32: Op.f32Div, f64: Op.f64Div },
  sqrt: { f32: Op.f32Sqrt, f64: Op.f64Sqrt },
  floor: { f32: Op.f32Floor, f64: Op.f64Floor },
  ceil: { f32: Op.f32Ceil, f64: Op.f64Ceil },
  nearest: { f32: Op.f32Nearest, f64: Op.f64Nearest },
  neg: { f32: Op.f32Neg, f64: Op.f64Neg },
  abs: { f32: Op.f32Abs, f64: Op.f64Abs },
  and: { i32: Op.i32And },
  or: { i32: Op.i32Or },
};
const SCALAR_COMPARE: Record<string, Record<ScalarType, number>> = {
  eq: { f32: Op.f32Eq, f64: Op.f64Eq, i32: Op.i32Eq },
  ne: { f32: Op.f32Ne, f64: Op.f64Ne, i32: Op.i32Ne },
  lt: { f32: Op.f32Lt, f64: Op.f64Lt, i32: Op.i32LtS },
  le: { f32: Op.f32Le, f64: Op.f64Le, i32: Op.i32LeS },
  gt: { f32: Op.f32Gt, f64: Op.f64Gt, i32: Op.i32GtS },
  ge: { f32: Op.f32Ge, f64: Op.f64Ge, i32: Op.i32GeS },
};
const SIMD_OP: Record<string, number> = {
  add: Simd.f32x4Add, sub: Simd.f32x4Sub, mul: Simd.f32x4Mul, div: Simd.f32x4Div, sqrt: Simd.f32x4Sqrt,
  neg: Simd.f32x4Neg, abs: Simd.f32x4Abs, floor: F32X4_FLOOR, ceil: F32X4_CEIL, nearest: F32X4_NEAREST,
  eq: Simd.f32x4Eq, ne: Simd.f32x4Ne, lt: Simd.f32x4Lt, le: Simd.f32x4Le, gt: Simd.f32x4Gt, ge: Simd.f32x4Ge,
  and: Simd.v128And, or: Simd.v128Or,
};

/** Whether every node has a wasm form (no library call, no ToInt32). */
export function wasmCanRender(root: ScalarExpr): boolean {
  return topoOrder(root).every((n) => n.kind !== "libm" && !(n.kind === "op" && n.op === "toInt"));
}

/** Whether the f32x4 loop applies: single-precision values, comparisons of them used as masks. */
function simdApplies(order: readonly ScalarExpr[], root: ScalarExpr, operands: readonly Operand[]): boolean {
  if (root.type !== "f32") return false;
  const mask = new Set<ScalarExpr>();
  for (const n of order) {
    if (n.kind === "arg") {
      if (n.type !== "f32" || operands[n.index]!.dtype !== "float32") return false;
    } else if (n.kind === "const") {
      if (n.type !== "f32") return false;
    } else if (n.kind === "libm") return false;
    else if (isComparison(n.op)) {
      if (n.args[0]!.type !== "f32") return false;
      mask.add(n);
    } else if (n.op === "and" || n.op === "or") {
      if (!mask.has(n.args[0]!) || !mask.has(n.args[1]!)) return false;
      mask.add(n);
    } else if (n.op === "select") {
      if (!mask.has(n.args[0]!) || n.type !== "f32") return false;
    } else if (!(n.op in SIMD_OP) || n.type !== "f32") return false;
  }
  return true;
}

/** One node's value from its operands' locals, as scalar instructions. */
function scalarNode(f: FunctionBody, n: ScalarExpr, local: (m: ScalarExpr) => number): void {
  if (n.kind === "arg") throw new FluxionError("wasm elementwise: operands are loaded by the loop");
  if (n.kind === "const") {
    if (n.type === "f32") f.f32Const(n.value);
    else if (n.type === "f64") f.f64Const(n.value);
    else f.i32Const(n.value);
    return;
  }
  if (n.kind === "libm") throw new FluxionError(`wasm elementwise: no wasm form for Math.${n.fn}`);
  const [a, b, c] = n.args;
  const t = n.type;
  switch (n.op) {
    case "neg":
      if (t === "i32") f.i32Const(0).get(local(a!)).emit(Op.i32Sub);
      else f.get(local(a!)).emit(SCALAR_ARITH.neg![t]!);
      return;
    case "abs":
      if (t === "i32") {
        // x ≥ 0 ? x : 0 − x (wraps at −2³¹, as JS's `| 0` does)
        f.get(local(a!)).i32Const(0).get(local(a!)).emit(Op.i32Sub).get(local(a!)).i32Const(0).emit(Op.i32GeS, Op.select);
      } else f.get(local(a!)).emit(SCALAR_ARITH.abs![t]!);
      return;
    case "select":
      f.get(local(b!)).get(local(c!)).get(local(a!)).emit(Op.select);
      return;
    case "promote":
      f.get(local(a!)).emit(Op.f64PromoteF32);
      return;
    case "demote":
      f.get(local(a!)).emit(Op.f32DemoteF64);
      return;
    case "fromInt":
      f.get(local(a!)).emit(Op.f64ConvertI32S);
      return;
    case "toInt":
      throw new FluxionError("wasm elementwise: no wasm form for toInt");
    case "exponent":
      // ((bits >>> 52) & 2047) − 1023
      f.get(local(a!)).emit(I64_REINTERPRET_F64, I64_CONST, 52, I64_SHR_U, I32_WRAP_I64).i32Const(2047).emit(Op.i32And).i32Const(1023).emit(Op.i32Sub, Op.f64ConvertI32S);
      return;
    case "pow2":
      // bits of 2ⁿ: (n + 1023) << 52; NaN counts as 0, as JS's `| 0` makes it (n is in range otherwise).
      f.get(local(a!)).f64Const(0).get(local(a!)).get(local(a!)).emit(Op.f64Eq, Op.select, I32_TRUNC_F64_S).i32Const(1023).emit(Op.i32Add, I64_EXTEND_I32_U, I64_CONST, 52, I64_SHL, F64_REINTERPRET_I64);
      return;
    default:
      break;
  }
  if (isComparison(n.op)) {
    f.get(local(a!)).get(local(b!)).emit(SCALAR_COMPARE[n.op]![a!.type]);
    return;
  }
  const code = SCALAR_ARITH[n.op]?.[t];
  if (code === undefined) throw new FluxionError(`wasm elementwise: no ${t} ${n.op}`);
  for (const x of n.args) f.get(local(x));
  f.emit(code);
}

/** One node's value as f32x4 instructions (comparisons give lane masks). */
function simdNode(f: FunctionBody, n: ScalarExpr, local: (m: ScalarExpr) => number): void {
  if (n.kind === "const") {
    f.f32Const(n.value).simd(Simd.f32x4Splat);
    return;
  }
  if (n.kind !== "op") throw new FluxionError("wasm elementwise: not a SIMD node");
  if (n.op === "select") {
    f.get(local(n.args[1]!)).get(local(n.args[2]!)).get(local(n.args[0]!)).simd(Simd.v128Bitselect);
    return;
  }
  for (const x of n.args) f.get(local(x));
  f.simd(SIMD_OP[n.op]!);
}

/**
 * The kernel function for `root` over `operands` (in argument order) storing `out`, or null when
 * some node has no wasm form. Parameters: one byte address per operand, the output's, the count.
 */
export function renderWasmElementwise(root: ScalarExpr, operands: readonly Operand[], out: DType): FunctionBody | null {
  if (!wasmCanRender(root)) return null;
  const order = topoOrder(root);
  const k = operands.length;
  const f = new FunctionBody([...operands.map(() => ValType.i32), ValType.i32, ValType.i32], []);
  const outPtr = k;
  const count = k + 1;
  const i = f.local(ValType.i32);
  const args = order.filter((n) => n.kind === "arg");

  // Scalar locals: every node's value; rank-0 operands are loaded once.
  const scalarLocal = new Map<ScalarExpr, number>();
  for (const n of order) scalarLocal.set(n, f.local(VAL[n.type]));
  const sl = (m: ScalarExpr) => scalarLocal.get(m)!;
  const loadScalar = (n: ScalarExpr & { kind: "arg" }, index: () => void) => {
    const o = operands[n.index]!;
    f.get(n.index);
    index();
    f.emit(Op.i32Add).mem(LOAD[o.dtype], ALIGN[o.dtype]).set(sl(n));
  };
  for (const n of args) if (n.kind === "arg" && operands[n.index]!.scalar) loadScalar(n, () => f.i32Const(0));

  f.i32Const(0).set(i);
  if (simdApplies(order, root, operands)) {
    const vec = new Map<ScalarExpr, number>();
    for (const n of order) vec.set(n, f.local(ValType.v128));
    const vl = (m: ScalarExpr) => vec.get(m)!;
    for (const n of args) if (n.kind === "arg" && operands[n.index]!.scalar) f.get(sl(n)).simd(Simd.f32x4Splat).set(vl(n));
    // while (i + 4 <= n) { … i += 4 }
    f.block().loop();
    f.get(i).i32Const(4).emit(Op.i32Add).get(count).emit(Op.i32GtS).brIf(1);
    for (const n of order) {
      if (n.kind === "arg") {
        if (operands[n.index]!.scalar) continue;
        f.get(n.index).get(i).i32Const(2).emit(Op.i32Shl, Op.i32Add).simdMem(Simd.v128Load, 2).set(vl(n));
      } else {
        simdNode(f, n, vl);
        f.set(vl(n));
      }
    }
    f.get(outPtr).get(i).i32Const(2).emit(Op.i32Shl, Op.i32Add).get(vl(root)).simdMem(Simd.v128Store, 2);
    f.get(i).i32Const(4).emit(Op.i32Add).set(i).br(0);
    f.end().end();
  }
  // The scalar loop (the whole range, or the tail after the SIMD loop).
  const shift = (d: DType) => Math.log2(SIZE[d]);
  f.block().loop();
  f.get(i).get(count).emit(Op.i32GeS).brIf(1);
  for (const n of order) {
    if (n.kind === "arg") {
      if (!operands[n.index]!.scalar) loadScalar(n, () => (shift(operands[n.index]!.dtype) === 0 ? f.get(i) : f.get(i).i32Const(shift(operands[n.index]!.dtype)).emit(Op.i32Shl)));
      continue;
    }
    scalarNode(f, n, sl);
    f.set(sl(n));
  }
  f.get(outPtr);
  if (shift(out) === 0) f.get(i);
  else f.get(i).i32Const(shift(out)).emit(Op.i32Shl);
  f.emit(Op.i32Add).get(sl(root)).mem(STORE[out], ALIGN[out]);
  f.get(i).i32Const(1).emit(Op.i32Add).set(i).br(0);
  f.end().end();
  return f;
}

/** A compiled elementwise kernel over typed arrays (copied into and out of its own memory). */
export type WasmElementwiseKernel = (inputs: readonly TypedArray[], out: TypedArray) => void;

const PAGE = 65536;

/**
 * Compiles `root` to a WebAssembly module with its own memory and returns a runner over typed
 * arrays, or null where WebAssembly is unavailable or a node has no wasm form. The runner copies
 * its operands in and the result out (for tests and standalone use; kernels of a program share
 * the program's memory instead).
 */
export function compileWasmElementwise(root: ScalarExpr, operands: readonly Operand[], out: DType): WasmElementwiseKernel | null {
  const api = webAssembly();
  if (api === undefined) return null;
  const body = renderWasmElementwise(root, operands, out);
  if (body === null) return null;
  const module = new ModuleBuilder().importMemory("env", "memory", { initial: 1 });
  module.addFunction(body, "kernel");
  const memory = new api.Memory({ initial: 1 });
  const instance = instantiateModule(compileModule(module.build()), { env: { memory } });
  const kernel = instance.exports["kernel"] as (...args: number[]) => void;
  return (inputs, result) => {
    const n = result.length;
    const align = (v: number) => Math.ceil(v / 16) * 16;
    const offsets: number[] = [];
    let end = 0;
    inputs.forEach((a) => {
      offsets.push(end);
      end = align(end + a.byteLength);
    });
    const outOffset = end;
    end = align(end + result.byteLength);
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
    const buffer = memory.buffer as ArrayBuffer;
    inputs.forEach((a, k) => new Uint8Array(buffer, offsets[k]!, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
    kernel(...offsets, outOffset, n);
    new Uint8Array(result.buffer, result.byteOffset, result.byteLength).set(new Uint8Array(buffer, outOffset, result.byteLength));
  };
}
