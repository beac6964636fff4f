// The float32-step transcendentals (src/scalar/fastmath32.ts), chosen by setBackend's
// `transcendentals: "float32"`: a dense sweep of float32 bit patterns (every 2¹²-th, both signs,
// every binade, subnormals, ±Inf, NaN payloads) against float64 Math within the documented
// bound (docs/compiler.md, "Fast float32 transcendentals"; scripts/sweep-fastmath32.ts checks all
// 2³² inputs); the special values exactly; the interpreter, the JS renderer and the WebAssembly
// renderer bit for bit equal; and what the option changes: float32 transcendentals and what is
// built on them, nothing else (the default keeps fastmath.ts's bits, float64 keeps Math's).

import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { ValueError } from "../src/errors.js";
import { jit } from "../src/compile/jit.js";
import { backendSetting, setBackend } from "../src/compile/wasm/backend.js";
import { compileWasmElementwise } from "../src/compile/wasm/elementwise.js";
import { codeGenerationAvailable, compileKernelSource } from "../src/compile/codegen/emitter.js";
import { renderJsStatements } from "../src/compile/scalar/render-js.js";
import { S, type ScalarExpr } from "../src/scalar/expr.js";
import { expF32, expm1F32, log1pF32, logF32, sigmoidF32, tanhF32 } from "../src/scalar/fastmath.js";
import { expF32Steps, expm1F32Steps, log1pF32Steps, logF32Steps, sigmoidF32Steps, tanhF32Steps } from "../src/scalar/fastmath32.js";
import { interpretScalar } from "../src/scalar/interpret.js";
import { type SweepCase, sigmoid64, softplus64, sweepInputs, ulpOf } from "./float32-sweep.js";

const before = backendSetting();
afterEach(() => setBackend(before.backend, before.options));

/** The backend in use, with float32-step transcendentals. */
function useFloat32Steps(): void {
  setBackend(before.backend, { ...before.options, transcendentals: "float32" });
}

// The documented bounds (docs/compiler.md): the full sweep's measurements, rounded up.
const CASES: SweepCase[] = [
  { name: "exp", op: fx.exp, ref: Math.exp, ulps: 1, rel: 8e-8 },
  { name: "expm1", op: fx.expm1, ref: Math.expm1, ulps: 1.8, rel: 1.3e-7 },
  { name: "log", op: fx.log, ref: Math.log, ulps: 0.9, rel: 9e-8 },
  { name: "log1p", op: fx.log1p, ref: Math.log1p, ulps: 0.9, rel: 9e-8 },
  { name: "tanh", op: fx.tanh, ref: Math.tanh, ulps: 1.5, rel: 1.6e-7 },
  { name: "sigmoid", op: fx.sigmoid, ref: sigmoid64, ulps: 2, rel: 1.8e-7 },
  // Composites of several float32 ops (each rounds), held to the bound the docs state for all.
  { name: "softplus", op: fx.nn.softplus, ref: softplus64, ulps: 2, rel: 1.8e-7 },
  { name: "logSigmoid", op: fx.nn.logSigmoid, ref: (x) => -softplus64(-x), ulps: 2, rel: 1.8e-7 },
];

const report: string[] = [];
afterAll(() => console.log(`float32-step transcendentals, ${2 ** 20} inputs each (every 2¹²-th bit pattern):\n${report.join("\n")}`));

describe('transcendentals: "float32": dense sweep against float64 Math', () => {
  // Without code generation (the no-eval run) every element goes through the interpreter, which
  // the next describe pins bit for bit to the generated kernels on 2¹⁸ inputs wherever code can
  // be generated: there a sparser sweep (2¹⁶ inputs) checks the bounds; the dense one runs on the
  // compiled kernels.
  const x = sweepInputs(codeGenerationAvailable() ? 2 ** 12 : 2 ** 16);
  for (const c of CASES) {
    it(`${c.name}: ≤ ${c.ulps} ulp and ≤ ${c.rel} relative; exact specials`, () => {
      useFloat32Steps();
      const y = c.op(fx.tensor(x)).data();
      let maxUlp = 0;
      let maxRel = 0;
      let worst = 0;
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        const want64 = c.ref(v);
        const want32 = Math.fround(want64);
        const got = y[i]!;
        // Special values, overflow and underflow: exactly what float64 Math rounds to, the sign
        // of a zero included (a result next to the rounding threshold of 0 or ∞ may land on the
        // nonzero finite neighbour).
        if (!Number.isFinite(want32) || want32 === 0 || Number.isNaN(v)) {
          if (!Object.is(got, want32)) {
            const near = Number.isFinite(got) && got !== 0 && Math.abs(got - want64) <= ulpOf(want64);
            if (!near || Number.isNaN(want32)) expect.fail(`${c.name}(${v}) = ${got}, expected ${want32}`);
          }
          continue;
        }
        const err = Math.abs(got - want64);
        const ulps = err / ulpOf(want64);
        if (!(ulps <= maxUlp)) {
          maxUlp = ulps;
          worst = v;
        }
        if (Math.abs(want64) >= 2 ** -126) maxRel = Math.max(maxRel, err / Math.abs(want64));
      }
      report.push(`  ${c.name.padEnd(10)} max ${maxUlp.toFixed(3)} ulp (at x = ${worst}), max relative ${maxRel.toExponential(2)}`);
      expect(maxUlp, `${c.name} worst at x = ${worst}`).toBeLessThanOrEqual(c.ulps);
      expect(maxRel).toBeLessThanOrEqual(c.rel);
    });
  }

  it("the IEEE special values, ±0, overflow and underflow exactly; subnormal results within the bound", () => {
    useFloat32Steps();
    const v = [NaN, Infinity, -Infinity, 0, -0, -1, -2, 89, 88.72283172607422, 88.72284, -87, -100, -103.9, -104, 1e-45, -1e-45, 1e-40, -1e-40];
    const input = fx.tensor(v);
    for (const c of CASES.slice(0, 6)) {
      const got = c.op(input).data();
      v.forEach((xv, i) => {
        const want64 = c.ref(Math.fround(xv));
        const want32 = Math.fround(want64);
        const exact = Number.isNaN(want32) || !Number.isFinite(want32) || want32 === 0;
        const ok = exact ? Object.is(got[i], want32) : Math.abs(got[i]! - want64) <= c.ulps * ulpOf(want64);
        if (!ok) expect.fail(`${c.name}(${Object.is(xv, -0) ? "-0" : Math.fround(xv)}) = ${Object.is(got[i], -0) ? "-0" : got[i]}, expected ${Object.is(want32, -0) ? "-0" : want32}`);
      });
    }
    // What that table means, spelled out: the zero rules, subnormal results, the overflow threshold.
    const at = (op: (x: fx.Tensor) => fx.Tensor, xv: number) => op(fx.tensor([xv])).data()[0]!;
    expect([at(fx.expm1, -0), at(fx.log1p, -0), at(fx.tanh, -0), at(fx.expm1, 1e-45), at(fx.log1p, -1e-45), at(fx.tanh, 1e-40)]).toEqual([-0, -0, -0, Math.fround(1e-45), Math.fround(-1e-45), Math.fround(1e-40)]);
    expect(Object.is(at(fx.tanh, -0), -0) && Object.is(at(fx.expm1, -0), -0) && Object.is(at(fx.log1p, -0), -0)).toBe(true);
    expect(at(fx.exp, -100)).toBeGreaterThan(0);
    expect(at(fx.exp, -100)).toBeLessThan(2 ** -126);
    expect(at(fx.sigmoid, -100)).toBe(at(fx.exp, -100));
    expect(at(fx.exp, 88.72283172607422)).toBeLessThan(Infinity);
    expect([at(fx.exp, 88.72284), at(fx.exp, -104), at(fx.sigmoid, -104), at(fx.log, 0), at(fx.log, -0), at(fx.log1p, -1), at(fx.tanh, 10), at(fx.sigmoid, 20)]).toEqual([Infinity, 0, 0, -Infinity, -Infinity, -Infinity, 1, 1]);
  });
});

const FORMS: [string, (x: ScalarExpr) => ScalarExpr][] = [
  ["exp", expF32Steps],
  ["expm1", expm1F32Steps],
  ["log", logF32Steps],
  ["log1p", log1pF32Steps],
  ["tanh", tanhF32Steps],
  ["sigmoid", sigmoidF32Steps],
];

/** The JS renderer's loop over `n` elements of a Float32Array (through the checked-source path). */
function jsKernel(root: ScalarExpr, n: number): (ins: readonly Float32Array[], out: Float32Array) => void {
  const source = [
    "return function kernel(ins, out) {",
    "const in0 = ins[0];",
    `for (let i0 = 0; i0 < ${n}; i0++) {`,
    "const t0 = in0[i0];",
    ...renderJsStatements(root, ["t0"], "t1", (k) => `t1_${k}`),
    "out[i0] = t1;",
    "}",
    "};",
  ].join("\n");
  return compileKernelSource(source) as unknown as (ins: readonly Float32Array[], out: Float32Array) => void;
}

describe("the interpreter, the JS renderer and the WebAssembly renderer compute the same bits", () => {
  const x = sweepInputs(2 ** 14);
  for (const [name, form] of FORMS) {
    it(name, () => {
      const root = form(S.arg(0, "f32"));
      const fn = interpretScalar(root, 1);
      const want = x.map((v) => fn(v));
      const compare = (what: string, got: Float32Array) => {
        for (let i = 0; i < x.length; i++) if (!Object.is(got[i], want[i])) expect.fail(`${name}(${x[i]}): ${what} ${got[i]}, interpreter ${want[i]}`);
      };
      if (codeGenerationAvailable()) {
        const y = new Float32Array(x.length);
        jsKernel(root, x.length)([x], y);
        compare("JS renderer", y);
      }
      const wasm = compileWasmElementwise(root, [{ dtype: "float32", scalar: false }], "float32");
      if (wasm !== null) {
        const y = new Float32Array(x.length);
        wasm([x], y);
        compare("WebAssembly renderer", y);
      }
      // The primitive under the option: the same description, whichever kernel runs it.
      useFloat32Steps();
      const op = { exp: fx.exp, expm1: fx.expm1, log: fx.log, log1p: fx.log1p, tanh: fx.tanh, sigmoid: fx.sigmoid }[name]!;
      compare("the primitive", op(fx.tensor(x)).data() as Float32Array);
    });
  }
});

describe("what the transcendentals option changes", () => {
  const x = sweepInputs(2 ** 20);
  const arg = S.arg(0, "f32");
  const PRIMS: [string, (x: fx.Tensor) => fx.Tensor, ScalarExpr, ScalarExpr][] = [
    ["exp", fx.exp, expF32(arg), expF32Steps(arg)],
    ["expm1", fx.expm1, expm1F32(arg), expm1F32Steps(arg)],
    ["log", fx.log, logF32(arg), logF32Steps(arg)],
    ["log1p", fx.log1p, log1pF32(arg), log1pF32Steps(arg)],
    ["tanh", fx.tanh, tanhF32(arg), tanhF32Steps(arg)],
    ["sigmoid", fx.sigmoid, sigmoidF32(arg), sigmoidF32Steps(arg)],
  ];
  const bits = (t: fx.Tensor) => Array.from(t.data(), (v) => (Object.is(v, -0) ? "-0" : String(v)));
  const interpreted = (root: ScalarExpr) => {
    const fn = interpretScalar(root, 1);
    return Array.from(x, (v) => String(Object.is(fn(v), -0) ? "-0" : fn(v)));
  };

  it("float32 tensors: the default is fastmath.ts bit for bit, float32 steps are fastmath32.ts, and back", () => {
    const input = fx.tensor(x);
    for (const [name, op, double, single] of PRIMS) {
      setBackend(before.backend, { ...before.options, transcendentals: "float64" });
      const defaultBits = bits(op(input));
      expect(defaultBits, name).toEqual(interpreted(double));
      useFloat32Steps();
      const singleBits = bits(op(input));
      expect(singleBits, name).toEqual(interpreted(single));
      expect(singleBits.filter((b, i) => b !== defaultBits[i]).length, `${name}: the option changes some results`).toBeGreaterThan(0);
      setBackend(before.backend, { ...before.options, transcendentals: "float64" });
      expect(bits(op(input)), `${name} after switching back`).toEqual(defaultBits);
    }
  });

  it("float64 tensors and every other float32 op are unaffected", () => {
    const x64 = fx.tensor(Float64Array.from(x), { dtype: "float64" });
    const x32 = fx.tensor(x);
    const f64Ops = [fx.exp, fx.expm1, fx.log, fx.log1p, fx.tanh, fx.sigmoid, fx.nn.softplus];
    const f32Ops = [fx.sqrt, fx.rsqrt, fx.sin, fx.cos, fx.abs, (t: fx.Tensor) => fx.pow(t, 1.5), (t: fx.Tensor) => fx.mul(t, 3)];
    const run = () => [...f64Ops.map((op) => bits(op(x64))), ...f32Ops.map((op) => bits(op(x32)))];
    setBackend(before.backend, { ...before.options, transcendentals: "float64" });
    const defaults = run();
    useFloat32Steps();
    expect(run()).toEqual(defaults);
  });

  it("a jitted function keeps the kernels it compiled until clearCache() (without code generation it follows the setting)", () => {
    setBackend(before.backend, { ...before.options, transcendentals: "float64" });
    const input = fx.tensor(x);
    const f = jit((t: fx.Tensor) => fx.tanh(t));
    const double = bits(f(input));
    expect(double).toEqual(interpreted(tanhF32(arg)));
    useFloat32Steps();
    // Where code generation is forbidden a jitted function runs the reference evaluation, which
    // describes each primitive as it runs.
    expect(bits(f(input))).toEqual(codeGenerationAvailable() ? double : interpreted(tanhF32Steps(arg)));
    f.clearCache();
    expect(bits(f(input))).toEqual(interpreted(tanhF32Steps(arg)));
  });

  it("jit computes what eager mode computes, op by op, under the option (the issue's chain, softplus, gelu)", () => {
    useFloat32Steps();
    const input = fx.tensor(x.map((v) => (Number.isFinite(v) ? Math.max(-120, Math.min(120, v)) : v)));
    const fns = [
      (t: fx.Tensor) => fx.add(fx.mul(fx.tanh(fx.add(fx.mul(t, 1.7), -0.3)), fx.sigmoid(t)), fx.maximum(fx.sub(t, 1), 0)),
      (t: fx.Tensor) => fx.nn.softplus(t),
      (t: fx.Tensor) => fx.nn.gelu(t, { approximate: true }),
      (t: fx.Tensor) => fx.log1p(fx.exp(fx.neg(fx.abs(t)))),
      // A reduction whose prologue is the exponential (the WebAssembly reduction renders it too).
      (t: fx.Tensor) => fx.nn.softmax(fx.reshape(t, [-1, 8]), { axis: 1 }),
      (t: fx.Tensor) => fx.logSumExp(fx.reshape(t, [-1, 8]), { axis: 1 }),
    ];
    for (const f of fns) expect(bits(jit(f)(input))).toEqual(bits(f(input)));
  });

  it("setBackend validates the option: the message names setBackend and the value; nothing changes", () => {
    useFloat32Steps();
    for (const bad of ["float16", "single", 32, null]) {
      expect(() => setBackend("auto", { transcendentals: bad as never })).toThrow(ValueError);
      expect(() => setBackend("auto", { transcendentals: bad as never })).toThrow(`setBackend: transcendentals must be "float64" or "float32", got ${JSON.stringify(bad)}`);
    }
    expect(backendSetting().options.transcendentals).toBe("float32");
    setBackend("auto");
    expect(backendSetting().options.transcendentals).toBe("float64");
  });
});
