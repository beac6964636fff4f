// jit's WebAssembly elementwise kernel (src/compile/wasm/elementwise-kernel.ts): which fused loops
// it takes under the "wasm" backend (contiguous or single-value operands, ≥ WASM_LOOP_MIN_SIZE
// elements, a wasm form for every node) and which stay on the JS loop, and that what it computes
// is bit for bit what the JS kernels and the reference interpreter compute.

import { afterEach, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { jit } from "../src/compile/jit.js";
import { codeGenerationAvailable } from "../src/compile/codegen/emitter.js";
import { backendSetting, setBackend } from "../src/compile/wasm/backend.js";
import { WASM_LOOP_MIN_SIZE, compileWasmLoop, gatherInto, planWasmLoop } from "../src/compile/wasm/elementwise-kernel.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { renderWasmElementwise } from "../src/compile/wasm/elementwise.js";
import { S } from "../src/scalar/expr.js";
import { sigmoidF32, tanhF32 } from "../src/scalar/fastmath.js";
import { type KernelSpec, lowerEqn } from "../src/compile/lower.js";
import { compileProgram } from "../src/compile/pipeline.js";
import { evalProgram } from "../src/trace/interpret.js";
import { bitDifference } from "../props/exact.js";

const before = backendSetting();
afterEach(() => setBackend(before.backend, before.options));

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1.401298464324817e-45, 3.4028234663852886e38, 1, -1, 88.5, -104];

/** Deterministic values in [−5, 5) with the specials spread through (every 7th element). */
function corner(n: number, seed: number, dtype: "float32" | "float64" = "float32"): fx.Tensor {
  const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = i % 7 === 3 ? SPECIALS[(s >>> 8) % SPECIALS.length]! : (s / 2 ** 32) * 10 - 5;
  }
  return fx.tensor(data, { dtype });
}

type Fn = (...xs: fx.Tensor[]) => fx.Tensor;

/** The emitter jit used for the program's first kernel. */
function emitterOf(f: Fn, args: readonly fx.Tensor[]): string {
  return /kernel 0: \S+ → \S+ \(([^)]+)\)/.exec(jit(f).explain(...args))![1]!;
}

/** jit under the backend in use ≡ the reference interpreter, bit for bit. */
function expectReferenceBits(f: Fn, args: readonly fx.Tensor[]): void {
  const got = (jit(f)(...args) as fx.Tensor).data();
  const want = evalProgram(fx.trace(f)(...args), args, { reference: true })[0]!.data();
  expect(bitDifference(got, want)).toBeNull();
}

const chain: Fn = (x) => fx.add(fx.mul(fx.tanh(fx.add(fx.mul(x, 1.7), -0.3)), fx.sigmoid(x)), fx.maximum(fx.sub(x, 1), 0));

describe.runIf(wasmSimdAvailable() && codeGenerationAvailable())("jit's fused loops on the WebAssembly backend", () => {
  it("the transcendental chain runs the SIMD kernel, with the JS kernel's and the interpreter's bits (odd tail)", () => {
    const x = corner(WASM_LOOP_MIN_SIZE * 4 + 3, 1);
    setBackend("js");
    expect(emitterOf(chain, [x])).toBe("js-loop");
    const js = (jit(chain)(x) as fx.Tensor).data();
    setBackend("wasm");
    expect(emitterOf(chain, [x])).toBe("wasm-loop-simd");
    expect(bitDifference((jit(chain)(x) as fx.Tensor).data(), js)).toBeNull();
    expectReferenceBits(chain, [x]);
  });

  it("from WASM_LOOP_MIN_SIZE elements on; smaller loops keep the JS kernel", () => {
    setBackend("wasm");
    expect(emitterOf(chain, [corner(WASM_LOOP_MIN_SIZE - 1, 2)])).toBe("js-loop");
    expect(emitterOf(chain, [corner(WASM_LOOP_MIN_SIZE, 2)])).toBe("wasm-loop-simd");
  });

  it("single values (rank-0 operands, literals) are splatted; a contiguous slice is read from its offset", () => {
    setBackend("wasm");
    const n = WASM_LOOP_MIN_SIZE + 5;
    const withScalar: Fn = (x, s) => fx.div(fx.sub(x, s), fx.add(fx.abs(s), 0.5));
    const args = [corner(n, 3), fx.scalar(-2.25)];
    expect(emitterOf(withScalar, args)).toBe("wasm-loop-simd");
    expectReferenceBits(withScalar, args);
    const shifted: Fn = (x) => fx.mul(fx.slice(x, [[7, 7 + n]]), 3);
    const big = corner(n + 20, 4);
    expect(emitterOf(shifted, [big])).toBe("wasm-loop-simd");
    expectReferenceBits(shifted, [big]);
  });

  it("float64 arithmetic runs f64x2 lanes; float64 transcendentals (library calls) keep the JS kernel", () => {
    setBackend("wasm");
    const x = corner(WASM_LOOP_MIN_SIZE + 1, 5, "float64");
    const y = corner(WASM_LOOP_MIN_SIZE + 1, 6, "float64");
    const arith: Fn = (a, b) => fx.where(fx.greater(a, b), fx.sqrt(fx.abs(a)), fx.mul(fx.minimum(a, b), 1 / 3));
    expect(emitterOf(arith, [x, y])).toBe("wasm-loop-simd");
    expectReferenceBits(arith, [x, y]);
    expect(emitterOf((a) => fx.exp(a), [x])).toBe("js-loop");
  });

  it("bool and int32 results run the scalar wasm loop with the same bits", () => {
    setBackend("wasm");
    const n = WASM_LOOP_MIN_SIZE + 3;
    const [x, y] = [corner(n, 7), corner(n, 8)];
    const compare: Fn = (a, b) => fx.logicalOr(fx.lessEqual(a, b), fx.isNaN(a));
    expect(emitterOf(compare, [x, y])).toBe("wasm-loop-scalar");
    expectReferenceBits(compare, [x, y]);
    const ints = fx.tensor(Int32Array.from({ length: n }, (_, i) => Math.imul(i, 2654435761) | 0), { dtype: "int32" });
    const intArith: Fn = (a) => fx.add(fx.mul(a, a), fx.abs(a));
    expect(emitterOf(intArith, [ints])).toBe("wasm-loop-scalar");
    expectReferenceBits(intArith, [ints]);
  });

  it("broadcast rows and columns and transposed operands are gathered as they are copied; reductions keep the JS kernel", () => {
    setBackend("wasm");
    const x = corner(64 * 33, 9).reshape([64, 33]);
    const row = corner(33, 10);
    const column = corner(64, 11).reshape([64, 1]);
    const bias: Fn = (a, r, c) => fx.tanh(fx.sub(fx.add(a, r), c));
    expect(emitterOf(bias, [x, row, column])).toBe("wasm-loop-simd");
    expectReferenceBits(bias, [x, row, column]);
    const channels: Fn = (a, m) => fx.mul(fx.sub(a, m), 1.5); // NCHW minus a per-channel value
    const args = [corner(4 * 8 * 7 * 5, 12).reshape([4, 8, 7, 5]), corner(8, 13).reshape([1, 8, 1, 1])];
    expect(emitterOf(channels, args)).toBe("wasm-loop-simd");
    expectReferenceBits(channels, args);
    const transposed: Fn = (a, b) => fx.add(fx.transpose(a), fx.sigmoid(b));
    const tArgs = [corner(40 * 30, 14).reshape([40, 30]), corner(30 * 40, 15).reshape([30, 40])];
    expect(emitterOf(transposed, tArgs)).toBe("wasm-loop-simd");
    expectReferenceBits(transposed, tArgs);
    expect(emitterOf((a) => fx.sum(fx.exp(a)), [x])).toBe("js-reduce");
  });

  it("a bool operand (a mask computed by an earlier kernel) is a SIMD lane mask", () => {
    setBackend("wasm");
    const x = corner(64 * 33, 16).reshape([64, 33]);
    const row = corner(33, 17);
    const masked: Fn = (a, r) => fx.where(fx.greater(r, 0), fx.exp(a), fx.neg(a)); // the row's mask is its own small kernel
    const text = jit(masked).explain(x, row);
    expect(text).toMatch(/loop → \S+:bool\[33\]/);
    expect(text).toContain("(wasm-loop-simd)");
    expectReferenceBits(masked, [x, row]);
  });

  it("the output may share a buffer with an operand, and results survive the kernel memory growing", () => {
    setBackend("wasm");
    const n = WASM_LOOP_MIN_SIZE * 2;
    const step: Fn = (x) => fx.mul(fx.sigmoid(fx.mul(fx.tanh(x), 2)), x); // temporaries reuse buffers
    const x = corner(n, 11);
    const first = (jit(step)(x) as fx.Tensor).data();
    // A loop over 2M elements grows the kernel memory past what the tests before needed.
    const huge = corner(1 << 21, 12);
    expectReferenceBits((a) => fx.add(fx.mul(a, a), 1), [huge]);
    expect(bitDifference((jit(step)(x) as fx.Tensor).data(), first)).toBeNull();
    expectReferenceBits(step, [x]);
  });
});

/** The kernel spec of the first equation of f's fused program. */
function loopSpecOf(f: Fn, args: readonly fx.Tensor[]): Extract<KernelSpec, { kind: "loop" }> {
  const spec = lowerEqn(compileProgram(fx.trace(f)(...args)).fused.eqns[0]!);
  if (spec.kind !== "loop") throw new Error(`expected a loop kernel, got ${spec.kind}`);
  return spec;
}

describe("renderWasmElementwise", () => {
  it("renders the clamps of the fast tanh and sigmoid as f64x2.pmin/pmax, not comparisons and bitselects", () => {
    const x = S.arg(0, "f32");
    const bytes = renderWasmElementwise(S.add(tanhF32(x), sigmoidF32(x)), [{ dtype: "float32", scalar: false }], "float32")!.bytes();
    const count = (op: number) => bytes.filter((v, i) => v === 0xfd && bytes[i + 1] === op && bytes[i + 2] === 0x01).length;
    const [PMIN, PMAX] = [0xf6, 0xf7];
    expect(count(PMIN)).toBeGreaterThanOrEqual(6); // 3 clamps × 2 halves (× 2 groups)
    expect(count(PMAX)).toBeGreaterThanOrEqual(6);
  });
});

describe("gatherInto", () => {
  it("writes strided, broadcast and reversed views in row-major order", () => {
    const src = Float32Array.from({ length: 24 }, (_, i) => i + 1);
    const cases: [number[], number[], number][] = [
      [[3, 4], [0, 1], 2], // a row repeated
      [[5, 3], [1, 0], 0], // a column repeated
      [[4, 6], [1, 4], 0], // a transpose
      [[2, 3, 4], [0, -4, 1], 8], // rows reversed, the block repeated
      [[3, 2], [0, 0], 5], // one value
    ];
    for (const [dims, strides, offset] of cases) {
      const size = dims.reduce((p, d) => p * d, 1);
      const want: number[] = [];
      const visit = (d: number, at: number) => {
        if (d === dims.length) want.push(src[at]!);
        else for (let k = 0; k < dims[d]!; k++) visit(d + 1, at + k * strides[d]!);
      };
      visit(0, offset);
      const dst = new Float32Array(size + 3).fill(-1);
      gatherInto(dst, 2, src, offset, dims, strides);
      expect(Array.from(dst)).toEqual([-1, -1, ...want, -1]);
    }
  });
});

describe("planWasmLoop", () => {
  it("declines loads through more than one index layer (a reshape of a transpose)", () => {
    const f: Fn = (x) => fx.exp(fx.reshape(fx.transpose(x), [64 * 48]));
    expect(planWasmLoop(loopSpecOf(f, [corner(64 * 48, 13).reshape([64, 48])]))).toBeNull();
  });

  it("a plan over a contiguous operand and a literal compiles to a runner where WebAssembly SIMD is available", () => {
    const plan = planWasmLoop(loopSpecOf((x) => fx.mul(x, 2), [corner(2048, 14)]))!;
    expect(plan.operands).toEqual([{ input: 0, offset: 0, scalar: false, dtype: "float32" }]);
    if (!wasmSimdAvailable()) return;
    // Past the kernel memory's budget the JS kernel stays (a plan of 2³⁰ elements, no arrays made).
    expect(compileWasmLoop({ ...plan, size: 2 ** 30 })).toBeNull();
    const kernel = compileWasmLoop(plan)!;
    const x = corner(2048, 14).data() as Float32Array;
    const out = new Float32Array(2048);
    kernel.run([x], out);
    expect(bitDifference(out, x.map((v) => v * 2))).toBeNull();
  });
});
