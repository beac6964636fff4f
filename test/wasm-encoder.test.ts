// The WebAssembly encoder and module builder: LEB128 against known encodings, and small modules
// that must validate (WebAssembly.validate) and compute what they say when run.

import { describe, expect, it } from "vitest";
import { FunctionBody, Op, Simd, ValType, WasmEncodeError, writeI32, writeU32 } from "../src/compile/wasm/encoder.js";
import { ModuleBuilder, compileModule, instantiateModule } from "../src/compile/wasm/module.js";
import { type WasmImports, webAssembly } from "../src/compile/wasm/api.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";

const leb = (write: (out: number[], v: number) => void, v: number) => {
  const out: number[] = [];
  write(out, v);
  return out;
};

const wasm = webAssembly()!;

function instantiate(m: ModuleBuilder, imports: WasmImports = {}): Record<string, unknown> {
  const bytes = m.build();
  expect(wasm.validate(bytes)).toBe(true);
  return instantiateModule(compileModule(bytes), imports).exports;
}

describe("LEB128", () => {
  it("unsigned", () => {
    expect(leb(writeU32, 0)).toEqual([0]);
    expect(leb(writeU32, 127)).toEqual([0x7f]);
    expect(leb(writeU32, 128)).toEqual([0x80, 0x01]);
    expect(leb(writeU32, 624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(leb(writeU32, 0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => leb(writeU32, -1)).toThrow(WasmEncodeError);
  });
  it("signed", () => {
    expect(leb(writeI32, 0)).toEqual([0]);
    expect(leb(writeI32, -1)).toEqual([0x7f]);
    expect(leb(writeI32, 63)).toEqual([0x3f]);
    expect(leb(writeI32, 64)).toEqual([0xc0, 0x00]);
    expect(leb(writeI32, -123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(leb(writeI32, -0x80000000)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(() => leb(writeI32, 2 ** 31)).toThrow(WasmEncodeError);
  });
});

describe("modules", () => {
  it("scalar arithmetic and constants", () => {
    const m = new ModuleBuilder();
    const add = new FunctionBody([ValType.i32, ValType.i32], [ValType.i32]);
    add.get(0).get(1).emit(Op.i32Add).i32Const(-5).emit(Op.i32Mul);
    m.addFunction(add, "add");
    const fma = new FunctionBody([ValType.f64], [ValType.f64]);
    fma.get(0).f64Const(0.1).emit(Op.f64Mul).f32Const(0.1).emit(Op.f64PromoteF32, Op.f64Add);
    m.addFunction(fma, "fma");
    const e = instantiate(m);
    expect((e["add"] as (a: number, b: number) => number)(3, 4)).toBe(-35);
    expect((e["fma"] as (x: number) => number)(3)).toBe(3 * 0.1 + Math.fround(0.1));
  });

  it("a loop over imported memory (sum of f32s) with locals and branches", () => {
    const memory = new wasm.Memory({ initial: 1 });
    const m = new ModuleBuilder().importMemory("env", "memory", { initial: 1 });
    const f = new FunctionBody([ValType.i32, ValType.i32], [ValType.f32]); // (ptr, count)
    const acc = f.local(ValType.f32);
    f.get(1).emit(Op.i32Eqz).if().f32Const(0).emit(Op.return).end();
    f.loop();
    f.get(acc).get(0).mem(Op.f32Load, 2).emit(Op.f32Add).set(acc);
    f.get(0).i32Const(4).emit(Op.i32Add).set(0);
    f.get(1).i32Const(1).emit(Op.i32Sub).tee(1).brIf(0);
    f.end();
    f.get(acc);
    m.addFunction(f, "sum");
    const e = instantiate(m, { env: { memory } });
    new Float32Array(memory.buffer).set([1, 2, 3.5, 4], 2);
    expect((e["sum"] as (p: number, n: number) => number)(8, 4)).toBe(10.5);
    expect((e["sum"] as (p: number, n: number) => number)(8, 0)).toBe(0);
  });

  it("SIMD: f32x4 and f64x2 arithmetic, splat loads, stores", () => {
    if (!wasmSimdAvailable()) return; // covered by the JS fallback
    const memory = new wasm.Memory({ initial: 1 });
    const m = new ModuleBuilder().importMemory("env", "memory", { initial: 1 });
    // out[0..4) = x[0..4) * splat(s) + x[0..4); out64[0..2) = promote(x[0..2)) * 2
    const f = new FunctionBody([ValType.i32, ValType.i32, ValType.i32], []);
    const v = f.local(ValType.v128);
    f.get(0).simdMem(Simd.v128Load, 4).set(v);
    f.get(1).get(v).get(0).simdMem(Simd.v128Load32Splat, 2, 16).simd(Simd.f32x4Mul).get(v).simd(Simd.f32x4Add).simdMem(Simd.v128Store, 4);
    f.get(2).get(v).simd(Simd.f64x2PromoteLowF32x4).f64Const(2).simd(Simd.f64x2Splat).simd(Simd.f64x2Mul).simdMem(Simd.v128Store, 4);
    m.addFunction(f, "k");
    const e = instantiate(m, { env: { memory } });
    const f32 = new Float32Array(memory.buffer);
    f32.set([1, 2, 3, 0.1, 10], 0);
    (e["k"] as (a: number, b: number, c: number) => void)(0, 64, 128);
    expect(Array.from(f32.subarray(16, 20))).toEqual([11, 22, 33, Math.fround(Math.fround(0.1 * 10) + Math.fround(0.1))]);
    expect(Array.from(new Float64Array(memory.buffer, 128, 2))).toEqual([2, 4]);
  });

  it("types are shared between functions of one signature, and exports are unique", () => {
    const m = new ModuleBuilder();
    const one = () => new FunctionBody([ValType.i32], [ValType.i32]).get(0);
    m.addFunction(one(), "a");
    m.addFunction(one(), "b");
    const e = instantiate(m);
    expect((e["b"] as (x: number) => number)(7)).toBe(7);
    expect(() => m.addFunction(one(), "a")).toThrow(WasmEncodeError);
  });

  it("unbalanced control is refused before it reaches the engine", () => {
    expect(() => new FunctionBody([], []).loop().bytes()).toThrow(/left open/);
    expect(() => new FunctionBody([], []).end()).toThrow(WasmEncodeError);
    expect(() => new FunctionBody([], []).emit(Op.end)).toThrow(WasmEncodeError);
  });

  it("a wrong stack shape fails validation (the validator sees our bytes)", () => {
    const m = new ModuleBuilder();
    m.addFunction(new FunctionBody([], [ValType.i32]).f32Const(1), "bad");
    expect(wasm.validate(m.build())).toBe(false);
  });

  it("a defined memory is exported", () => {
    const m = new ModuleBuilder().defineMemory({ initial: 2, maximum: 3 });
    m.addFunction(new FunctionBody([], [ValType.i32]).i32Const(0).mem(Op.i32Load, 2), "load");
    const e = instantiate(m);
    expect((e["memory"] as { buffer: ArrayBuffer }).buffer.byteLength).toBe(2 * 65536);
  });

  it("SIMD is detected on Node 20", () => {
    expect(wasmSimdAvailable()).toBe(true);
  });
});
