// A one-off check (not run in CI): every float32 input, 2³² bit patterns, through each
// float32-step transcendental of src/scalar/fastmath32.ts, against float64 Math. Prints per
// function the maximum error in ulps (of the float32 result's binade, subnormal spacing below
// 2⁻¹²⁶) and the maximum relative error (over results of magnitude ≥ 2⁻¹²⁶), where each occurs,
// and how many special or saturated results (NaN, ±Inf, 0 expected) differ from float64 Math
// rounded to single (a result that rounds to 0 or overflows may land on the neighbour ±1 ulp:
// counted apart). The kernel is the WebAssembly one where available (bit for bit the JS kernel
// and the interpreter: test/fastmath32.test.ts), else the JS renderer's.
//
//   node --import tsx scripts/sweep-fastmath32.ts [step] [names…]   (step 1: every pattern; default 1)

import { type ScalarExpr, S } from "../src/scalar/expr.js";
import { expF32Steps, expm1F32Steps, log1pF32Steps, logF32Steps, sigmoidF32Steps, tanhF32Steps } from "../src/scalar/fastmath32.js";
import { compileWasmElementwise } from "../src/compile/wasm/elementwise.js";
import { RENDER_ARRAYS, renderJsStatements } from "../src/compile/scalar/render-js.js";

const step = Number(process.argv[2] ?? 1);
const only = process.argv.slice(3);

const sigmoid64 = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

const FUNCTIONS: [string, (x: ScalarExpr) => ScalarExpr, (x: number) => number][] = [
  ["exp", expF32Steps, Math.exp],
  ["expm1", expm1F32Steps, Math.expm1],
  ["log", logF32Steps, Math.log],
  ["log1p", log1pF32Steps, Math.log1p],
  ["tanh", tanhF32Steps, Math.tanh],
  ["sigmoid", sigmoidF32Steps, sigmoid64],
];

function ulpOf(v: number): number {
  const a = Math.abs(v);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** A kernel over a Float32Array: WebAssembly SIMD where available, else the JS renderer's loop. */
function kernelOf(root: ScalarExpr): (x: Float32Array, y: Float32Array) => void {
  const wasm = compileWasmElementwise(root, [{ dtype: "float32", scalar: false }], "float32");
  if (wasm !== null) return (x, y) => wasm([x], y);
  const body = renderJsStatements(root, ["x[i]"], "r", (k) => `t${k}`).join("\n");
  const names = Object.keys(RENDER_ARRAYS);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...names, `return (x, y) => { for (let i = 0; i < x.length; i++) { ${body}\n y[i] = r; } };`);
  return make(...names.map((n) => RENDER_ARRAYS[n as keyof typeof RENDER_ARRAYS])) as (x: Float32Array, y: Float32Array) => void;
}

const CHUNK = 2 ** 22;
for (const [name, describe, ref] of FUNCTIONS) {
  if (only.length > 0 && !only.includes(name)) continue;
  const kernel = kernelOf(describe(S.arg(0, "f32")));
  const bits = new Uint32Array(CHUNK);
  const x = new Float32Array(bits.buffer);
  const y = new Float32Array(CHUNK);
  let maxUlp = 0;
  let ulpAt = 0;
  let maxRel = 0;
  let relAt = 0;
  let specialsWrong = 0;
  let neighbours = 0;
  let count = 0;
  const started = Date.now();
  for (let base = 0; base < 2 ** 32; base += CHUNK * step) {
    const n = Math.min(CHUNK, Math.ceil((2 ** 32 - base) / step));
    for (let i = 0; i < n; i++) bits[i] = base + i * step;
    kernel(x.subarray(0, n), y.subarray(0, n));
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const want64 = ref(v);
      const want32 = Math.fround(want64);
      const got = y[i]!;
      count++;
      if (!Number.isFinite(want32) || want32 === 0 || Number.isNaN(v)) {
        if (!Object.is(got, want32)) {
          if (Number.isFinite(got) && !Number.isNaN(want32) && Math.abs(got - want64) <= ulpOf(want64)) neighbours++;
          else specialsWrong++;
        }
        continue;
      }
      const err = Math.abs(got - want64);
      const size = Math.abs(want64);
      // An ulp is more than size·2⁻²⁴: below this the error cannot beat the maximum (log2 skipped).
      if (!(err <= maxUlp * size * 2 ** -24)) {
        const ulps = err / ulpOf(want64);
        if (!(ulps <= maxUlp)) {
          maxUlp = ulps;
          ulpAt = v;
        }
      }
      if (size >= 2 ** -126 && !(err <= maxRel * size)) {
        maxRel = err / size;
        relAt = v;
      }
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `${name.padEnd(8)} max ${maxUlp.toFixed(3)} ulp (x = ${ulpAt}), max relative ${maxRel.toExponential(3)} (x = ${relAt}); ` +
      `specials wrong: ${specialsWrong}, saturation neighbours: ${neighbours}; ${count} inputs, ${seconds} s`,
  );
}
