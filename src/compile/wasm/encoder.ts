// A small WebAssembly binary encoder: value types, opcodes (the scalar and SIMD instructions the
// compiler emits) and `FunctionBody`, which writes one function's locals and instructions as bytes.
// ./module.ts assembles functions into a module. Opcode numbers follow the WebAssembly core
// specification and its SIMD proposal (0xFD prefix, LEB128 sub-opcode); everything here is plain
// data, so a renderer (matmul, elementwise loops) builds kernels without any toolchain.
//
// Usage: `const f = new FunctionBody([ValType.i32], [])`; `const t = f.local(ValType.v128)`;
// `f.get(0).mem(Op.f32Load, 2).emit(Op.f32Neg)…`; `f.bytes()` once every block is closed.

import { FluxionError } from "../../errors.js";

/** An error in building a WebAssembly module (a compiler bug, never a user's). */
export class WasmEncodeError extends FluxionError {}

/** Value types, as encoded. */
export const ValType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
/** One of `ValType`'s codes. */
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Single-byte opcodes of the core instruction set (those the renderers use). */
export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  f32Store: 0x38,
  f64Store: 0x39,
  i32Store8: 0x3a,
  i32Const: 0x41,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  f32Eq: 0x5b,
  f32Ne: 0x5c,
  f32Lt: 0x5d,
  f32Gt: 0x5e,
  f32Le: 0x5f,
  f32Ge: 0x60,
  f64Eq: 0x61,
  f64Ne: 0x62,
  f64Lt: 0x63,
  f64Gt: 0x64,
  f64Le: 0x65,
  f64Ge: 0x66,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivS: 0x6d,
  i32DivU: 0x6e,
  i32RemS: 0x6f,
  i32RemU: 0x70,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  f32Abs: 0x8b,
  f32Neg: 0x8c,
  f32Ceil: 0x8d,
  f32Floor: 0x8e,
  f32Trunc: 0x8f,
  f32Nearest: 0x90,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32Min: 0x96,
  f32Max: 0x97,
  f32Copysign: 0x98,
  f64Abs: 0x99,
  f64Neg: 0x9a,
  f64Ceil: 0x9b,
  f64Floor: 0x9c,
  f64Trunc: 0x9d,
  f64Nearest: 0x9e,
  f64Sqrt: 0x9f,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  f64Min: 0xa4,
  f64Max: 0xa5,
  f64Copysign: 0xa6,
  f32ConvertI32S: 0xb2,
  f32DemoteF64: 0xb6,
  f64ConvertI32S: 0xb7,
  f64PromoteF32: 0xbb,
  i32ReinterpretF32: 0xbc,
  f32ReinterpretI32: 0xbe,
} as const;

/** SIMD sub-opcodes (written after the 0xFD prefix). */
export const Simd = {
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Load64Splat: 0x0a,
  v128Store: 0x0b,
  v128Const: 0x0c,
  i32x4Splat: 0x11,
  f32x4Splat: 0x13,
  f64x2Splat: 0x14,
  f32x4ExtractLane: 0x1f,
  f32x4ReplaceLane: 0x20,
  f64x2ExtractLane: 0x21,
  f64x2ReplaceLane: 0x22,
  f32x4Eq: 0x41,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  f32x4Le: 0x45,
  f32x4Ge: 0x46,
  f64x2Eq: 0x47,
  f64x2Ne: 0x48,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  f64x2Le: 0x4b,
  f64x2Ge: 0x4c,
  v128Not: 0x4d,
  v128And: 0x4e,
  v128AndNot: 0x4f,
  v128Or: 0x50,
  v128Xor: 0x51,
  v128Bitselect: 0x52,
  v128AnyTrue: 0x53,
  v128Load32Zero: 0x5c,
  v128Load64Zero: 0x5d,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  i32x4Shl: 0xab,
  i32x4ShrU: 0xad,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  f64x2Abs: 0xec,
  f64x2Neg: 0xed,
  f64x2Sqrt: 0xef,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
  f64x2Min: 0xf4,
  f64x2Max: 0xf5,
  f64x2Pmin: 0xf6,
  f64x2Pmax: 0xf7,
} as const;

const SIMD_PREFIX = 0xfd;
const BLOCK_EMPTY = 0x40;

/** Appends `v` as unsigned LEB128. */
export function writeU32(out: number[], v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WasmEncodeError(`wasm encoder: ${v} is not an unsigned 32-bit integer`);
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Appends `v` as signed LEB128 (an i32 immediate). */
export function writeI32(out: number[], v: number): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new WasmEncodeError(`wasm encoder: ${v} is not a signed 32-bit integer`);
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** Appends a name (length-prefixed UTF-8). */
export function writeName(out: number[], name: string): void {
  const bytes = new TextEncoder().encode(name);
  writeU32(out, bytes.length);
  for (const b of bytes) out.push(b);
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * One function's body under construction: its locals (parameters first, then those added with
 * `local`) and its instruction bytes. Methods return `this` so instructions chain in stack order.
 */
export class FunctionBody {
  private readonly code: number[] = [];
  private readonly extraLocals: ValType[] = [];
  /** Open blocks, loops and ifs. */
  private depth = 0;

  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** Declares a local of `type`; returns its index (after the parameters). */
  local(type: ValType): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  /** Appends opcodes that take no immediates (`Op.i32Add`, `Op.f64Mul`, …). */
  emit(...ops: number[]): this {
    for (const op of ops) {
      if (op === Op.block || op === Op.loop || op === Op.if || op === Op.end) throw new WasmEncodeError("wasm encoder: use block/loop/if/end for structured control");
      this.code.push(op);
    }
    return this;
  }

  /** A SIMD instruction without immediates (`Simd.f32x4Add`, …). */
  simd(op: number): this {
    this.code.push(SIMD_PREFIX);
    writeU32(this.code, op);
    return this;
  }

  /** A scalar load or store with alignment 2^`alignLog2` bytes and a constant byte `offset`. */
  mem(op: number, alignLog2: number, offset = 0): this {
    this.code.push(op);
    writeU32(this.code, alignLog2);
    writeU32(this.code, offset);
    return this;
  }

  /** A SIMD load or store (`Simd.v128Load`, `Simd.v128Load32Splat`, …) with alignment and offset. */
  simdMem(op: number, alignLog2: number, offset = 0): this {
    this.simd(op);
    writeU32(this.code, alignLog2);
    writeU32(this.code, offset);
    return this;
  }

  /** SIMD lane access (`Simd.f32x4ExtractLane`, …) of lane `lane`. */
  simdLane(op: number, lane: number): this {
    this.simd(op);
    this.code.push(lane);
    return this;
  }

  /** `i8x16.shuffle`: byte k of the result is byte `lanes[k]` of the operands (0–15 the first, 16–31 the second). */
  simdShuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !(Number.isInteger(l) && l >= 0 && l < 32))) throw new WasmEncodeError(`wasm encoder: i8x16.shuffle needs 16 lane indices below 32, got [${lanes.join(",")}]`);
    this.simd(0x0d);
    for (const l of lanes) this.code.push(l);
    return this;
  }

  i32Const(v: number): this {
    this.code.push(Op.i32Const);
    writeI32(this.code, v);
    return this;
  }

  f32Const(v: number): this {
    this.code.push(Op.f32Const);
    scratch.setFloat32(0, v, true);
    for (let i = 0; i < 4; i++) this.code.push(scratch.getUint8(i));
    return this;
  }

  f64Const(v: number): this {
    this.code.push(Op.f64Const);
    scratch.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.code.push(scratch.getUint8(i));
    return this;
  }

  /** `v128.const` of 16 bytes (little-endian lanes). */
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16) throw new WasmEncodeError(`wasm encoder: v128.const needs 16 bytes, got ${bytes.length}`);
    this.simd(Simd.v128Const);
    for (let i = 0; i < 16; i++) this.code.push(bytes[i]! & 0xff);
    return this;
  }

  /** `v128.const` with every byte 0 (all lanes +0). */
  v128Zero(): this {
    return this.v128Const(new Uint8Array(16));
  }

  get(index: number): this {
    return this.indexed(Op.localGet, index);
  }

  set(index: number): this {
    return this.indexed(Op.localSet, index);
  }

  tee(index: number): this {
    return this.indexed(Op.localTee, index);
  }

  /** Opens a `block` (optionally yielding one value of `result`). A `br` to it jumps past its end. */
  block(result?: ValType): this {
    return this.open(Op.block, result);
  }

  /** Opens a `loop`. A `br` to it jumps back to its start. */
  loop(result?: ValType): this {
    return this.open(Op.loop, result);
  }

  /**
   * `for (counter = 0; counter < count; counter++) body()` with the i32 local `counter`, as a loop
   * testing at its end: `count` must be positive.
   */
  countedLoop(counter: number, count: number, body: () => void): this {
    this.i32Const(0).set(counter);
    this.loop();
    body();
    this.get(counter).i32Const(1).emit(Op.i32Add).tee(counter).i32Const(count).emit(Op.i32LtS).brIf(0);
    return this.end();
  }

  /** Opens an `if` (pops an i32 condition). */
  if(result?: ValType): this {
    return this.open(Op.if, result);
  }

  else(): this {
    if (this.depth === 0) throw new WasmEncodeError("wasm encoder: else outside an if");
    this.code.push(Op.else);
    return this;
  }

  /** Closes the innermost open block, loop or if. */
  end(): this {
    if (this.depth === 0) throw new WasmEncodeError("wasm encoder: end without an open block");
    this.depth--;
    this.code.push(Op.end);
    return this;
  }

  /** Branches to the enclosing block `depth` levels out (0: the innermost). */
  br(depth: number): this {
    return this.indexed(Op.br, depth);
  }

  /** Pops an i32 and branches when it is non-zero. */
  brIf(depth: number): this {
    return this.indexed(Op.brIf, depth);
  }

  /** The encoded body (locals, instructions, final `end`), without its size prefix. */
  bytes(): number[] {
    if (this.depth !== 0) throw new WasmEncodeError(`wasm encoder: ${this.depth} block(s) left open`);
    const out: number[] = [];
    // Locals are declared as runs of one type.
    const runs: [number, ValType][] = [];
    for (const t of this.extraLocals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    writeU32(out, runs.length);
    for (const [count, t] of runs) {
      writeU32(out, count);
      out.push(t);
    }
    for (const b of this.code) out.push(b);
    out.push(Op.end);
    return out;
  }

  private indexed(op: number, index: number): this {
    this.code.push(op);
    writeU32(this.code, index);
    return this;
  }

  private open(op: number, result?: ValType): this {
    this.depth++;
    this.code.push(op, result ?? BLOCK_EMPTY);
    return this;
  }
}
