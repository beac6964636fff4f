// The WebAssembly renderer of scalar expressions (src/scalar/expr.ts) for fused elementwise
// loops over contiguous operands: a function `kernel(ptr0, …, ptrK, outPtr, n)` over one memory.
// Where the expression is made of float values (f32 and f64, converted by promote/demote),
// comparisons of them used as masks (and/or, select) and the bit-level exponent/pow2, and the
// float operands and result are stored as float32/float64, the loop runs SIMD: 4 elements per
// lane group, an f32 value in one f32x4 vector, an f64 value in two f64x2 vectors; so the float32
// approximations (computed in double) run with f64x2 lanes. A scalar loop does the tail, and the
// whole range where integer values (int32 or bool operands and results, integer arithmetic) occur.
//
// Bit-identical to the JS renderer by construction of the semantics: wasm f32 and f64 operations
// are IEEE single and double operations, which is what `Math.fround(a op b)` and double
// arithmetic compute; i32 arithmetic wraps; `nearest` is round-half-even in both; `exponent` and
// `pow2` read and build the double's (or, on f32 values, the single's) bits: f32 ones keep the
// loop in f32x4 lanes (i32x4 shifts of the reinterpreted vector), so the float32-step
// approximations (src/scalar/fastmath32.ts) run 4 elements per vector. SIMD lanes are the same
// IEEE operations (fixed-width SIMD keeps subnormals; only NaN payloads may differ, which no
// comparison or store observes as a different value). Some nodes take a cheaper SIMD form that
// gives the same value for every input (./simd-forms.ts: selects as pmin/pmax, clamps that cannot
// clip, pow2 of a small integer by an add). Two nodes have no wasm form here and make the
// renderer decline (the caller keeps the JS kernel): library calls (`Math.exp` & co., float64
// transcendentals) and `toInt` (JavaScript's ToInt32 wraps where wasm's truncation saturates).
// This file holds the operand layout, the scalar loop and the loop's assembly; the SIMD loop's
// lanes, groups and per-node instructions are in ./elementwise-simd.ts.

import { FluxionError } from "../../errors.js";
import type { DType, TypedArray } from "../../tensor/dtype.js";
import { type ScalarExpr, type ScalarType, isComparison, topoOrder } from "../../scalar/expr.js";
import { webAssembly } from "./api.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";
import { simdForms } from "./simd-forms.js";
import { I16X8_EXTEND_LOW_I8X16_U, I32X4_EXTEND_LOW_I16X8_U, I32X4_NEG, type LoopConstants, type Vec, liveNodes, simdGroups, simdLanes, simdNode, splatBytes } from "./elementwise-simd.js";

/** How an operand or the result is stored in memory. */
export interface Operand {
  readonly dtype: DType;
  /** A rank-0 operand: one value, read once, the same for every element. */
  readonly scalar: boolean;
}

const VAL: Record<ScalarType, ValType> = { f32: ValType.f32, f64: ValType.f64, i32: ValType.i32 };
/** Bytes per stored element of each dtype (bool as one byte). */
export const ELEMENT_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
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
const I32_TRUNC_F32_S = 0xa8;

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

/** Whether every node has a wasm form (no library call, no ToInt32). */
export function wasmCanRender(root: ScalarExpr): boolean {
  return topoOrder(root).every((n) => n.kind !== "libm" && !(n.kind === "op" && n.op === "toInt"));
}

/** Whether `renderWasmElementwise` runs this expression with SIMD lanes (else one element per iteration). */
export function wasmElementwiseUsesSimd(root: ScalarExpr, operands: readonly Operand[], out: DType): boolean {
  return wasmCanRender(root) && simdLanes(topoOrder(root), root, operands, out) !== null;
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
      if (t === "f32") {
        // ((bits >>> 23) & 255) − 127
        f.get(local(a!)).emit(Op.i32ReinterpretF32).i32Const(23).emit(Op.i32ShrU).i32Const(255).emit(Op.i32And).i32Const(127).emit(Op.i32Sub, Op.f32ConvertI32S);
        return;
      }
      // ((bits >>> 52) & 2047) − 1023
      f.get(local(a!)).emit(I64_REINTERPRET_F64, I64_CONST, 52, I64_SHR_U, I32_WRAP_I64).i32Const(2047).emit(Op.i32And).i32Const(1023).emit(Op.i32Sub, Op.f64ConvertI32S);
      return;
    case "pow2":
      if (t === "f32") {
        // bits of 2ⁿ: (n + 127) << 23; NaN counts as 0 (n is in range otherwise).
        f.get(local(a!)).f32Const(0).get(local(a!)).get(local(a!)).emit(Op.f32Eq, Op.select, I32_TRUNC_F32_S).i32Const(127).emit(Op.i32Add).i32Const(23).emit(Op.i32Shl, Op.f32ReinterpretI32);
        return;
      }
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

/**
 * The kernel function for `root` over `operands` (in argument order) storing `out`, or null when
 * some node has no wasm form. Parameters: one byte address per operand, the output's, the count.
 * `fixedGroups` sets the SIMD loop's groups per iteration (for tests and measurements; by default
 * `simdGroups` chooses).
 */
export function renderWasmElementwise(root: ScalarExpr, operands: readonly Operand[], out: DType, fixedGroups?: number): FunctionBody | null {
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
  const lanes = simdLanes(order, root, operands, out);
  if (lanes !== null) {
    const forms = simdForms(order);
    const live = liveNodes(order, root, forms);
    const groups = fixedGroups ?? simdGroups(order, root, live, forms, lanes);
    // `groups` groups of 4 elements per iteration, each node emitted for every group in turn
    // so that the processor has independent work next to every long dependency chain.
    // Constants are v128.const vectors set before the loop, one local per distinct value (V8
    // rematerialises them where used, three instructions each; splats of f64.const measured 4%
    // slower on the chain). Rank-0 operands are splatted once, before the loop. Both are shared
    // by the groups (both halves of an f64 share one vector).
    const vecs: Map<ScalarExpr, Vec>[] = Array.from({ length: groups }, () => new Map());
    const constants = new Map<string, number>();
    const constant = (bytes: Uint8Array): number => {
      const key = bytes.join(",");
      let local = constants.get(key);
      if (local === undefined) {
        local = f.local(ValType.v128);
        constants.set(key, local);
        f.v128Const(bytes).set(local);
      }
      return local;
    };
    for (const n of order) {
      const l = lanes.get(n)!;
      if (n.kind === "const") {
        const lo = constant(splatBytes(n.value, l === "f32" ? 4 : 8));
        for (const vec of vecs) vec.set(n, { lo, hi: lo });
        continue;
      }
      if (n.kind === "arg" && operands[n.index]!.scalar) {
        const lo = f.local(ValType.v128);
        for (const vec of vecs) vec.set(n, { lo, hi: lo });
        if (l === "m32") f.get(sl(n)).simd(Simd.i32x4Splat).simd(I32X4_NEG).set(lo);
        else f.get(sl(n)).simd(l === "f32" ? Simd.f32x4Splat : Simd.f64x2Splat).set(lo);
        continue;
      }
      for (const vec of vecs) {
        const lo = f.local(ValType.v128);
        vec.set(n, { lo, hi: l === "f64" || l === "m64" ? f.local(ValType.v128) : lo });
      }
    }
    const pow2Int = (t: ScalarType) => order.some((n) => live.has(n) && n.type === t && forms.get(n)?.op === "pow2Int");
    const pow2Bias = pow2Int("f64") ? constant(splatBytes(2 ** 52 + 1023, 8)) : -1;
    const pow2Bias32 = pow2Int("f32") ? constant(splatBytes(2 ** 23 + 127, 4)) : -1;
    const singleBits = order.some((n) => n.kind === "op" && (n.op === "pow2" || n.op === "exponent") && n.type === "f32" && live.has(n) && !forms.has(n));
    const intBytes = (value: number) => {
      const view = new DataView(new ArrayBuffer(16));
      for (let at = 0; at < 16; at += 4) view.setInt32(at, value, true);
      return new Uint8Array(view.buffer);
    };
    const loopConstants: LoopConstants = { pow2Bias, pow2Bias32, bias127: singleBits ? constant(intBytes(127)) : -1, mask255: singleBits ? constant(intBytes(255)) : -1 };
    const step = 4 * groups;
    // Byte address of element i of a run of `dtype` starting at parameter `ptr`.
    const address = (ptr: number, dtype: DType) => f.get(ptr).get(i).i32Const(Math.log2(ELEMENT_BYTES[dtype])).emit(Op.i32Shl, Op.i32Add);
    // while (i + step <= n) { … i += step }
    f.block().loop();
    f.get(i).i32Const(step).emit(Op.i32Add).get(count).emit(Op.i32GtS).brIf(1);
    for (const n of order) {
      if (n.kind === "const" || !live.has(n)) continue;
      vecs.forEach((vec, g) => {
        const v = (m: ScalarExpr) => vec.get(m)!;
        if (n.kind !== "arg") return simdNode(f, n, lanes, v, forms, loopConstants);
        const o = operands[n.index]!;
        if (o.scalar) return;
        const bytes = 4 * ELEMENT_BYTES[o.dtype];
        if (o.dtype === "bool") {
          address(n.index, o.dtype).simdMem(Simd.v128Load32Zero, 0, g * bytes).simd(I16X8_EXTEND_LOW_I8X16_U).simd(I32X4_EXTEND_LOW_I16X8_U).simd(I32X4_NEG).set(v(n).lo);
          return;
        }
        address(n.index, o.dtype).simdMem(Simd.v128Load, 2, g * bytes).set(v(n).lo);
        if (o.dtype === "float64") address(n.index, o.dtype).simdMem(Simd.v128Load, 2, g * bytes + 16).set(v(n).hi);
      });
    }
    vecs.forEach((vec, g) => {
      const bytes = 4 * ELEMENT_BYTES[out];
      address(outPtr, out).get(vec.get(root)!.lo).simdMem(Simd.v128Store, 2, g * bytes);
      if (out === "float64") address(outPtr, out).get(vec.get(root)!.hi).simdMem(Simd.v128Store, 2, g * bytes + 16);
    });
    f.get(i).i32Const(step).emit(Op.i32Add).set(i).br(0);
    f.end().end();
  }
  // The scalar loop (the whole range, or the tail after the SIMD loop).
  const shift = (d: DType) => Math.log2(ELEMENT_BYTES[d]);
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
 * the program's memory instead). `fixedGroups`: as for `renderWasmElementwise`.
 */
export function compileWasmElementwise(root: ScalarExpr, operands: readonly Operand[], out: DType, fixedGroups?: number): WasmElementwiseKernel | null {
  const api = webAssembly();
  if (api === undefined) return null;
  const body = renderWasmElementwise(root, operands, out, fixedGroups);
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
