// The fused transcendental chain of issue 12, tanh(x·a + b)·σ(x) + max(x − 1, 0) over 1M float32
// values, side by side in one process: fluxion jit on the WebAssembly backend (one SIMD kernel,
// operands copied into the kernel memory and the result out) and on the JS backend (one JS loop),
// @jax-js/jax (jit, WASM device) and TensorFlow.js WASM. Rounds are interleaved (every contender
// once per round, the order rotated) and each contender's median per-call time is reported, with
// fluxion-wasm's speed-up over each (their ms / its ms). Then where fluxion-wasm's call goes: its
// loop alone (the same generated kernel over data already in a memory of its own, checked bit
// for bit against the jit's result) and the copies (the kernel memory round trip, operand in and
// result out, and the output's allocation), timed the same way. fluxion-wasm runs twice: with the
// default transcendentals (computed in double, f64x2 lanes) and with setBackend's
// `transcendentals: "float32"` (single steps, f32x4 lanes); their ratio is printed, for the whole
// call and for the loop alone.
//
//   node --import tsx bench/chain.ts [elements]      (default 1048576)

import * as jax from "@jax-js/jax";
import * as fx from "../src/index.js";
import { jit } from "../src/compile/jit.js";
import { setBackend } from "../src/compile/wasm/backend.js";
import { webAssembly } from "../src/compile/wasm/api.js";
import { renderWasmElementwise } from "../src/compile/wasm/elementwise.js";
import { ensureScratch, scratchBase, scratchF32 } from "../src/compile/wasm/memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "../src/compile/wasm/module.js";
import { S, type ScalarExpr } from "../src/scalar/expr.js";
import { sigmoidF32, tanhF32 } from "../src/scalar/fastmath.js";
import { sigmoidF32Steps, tanhF32Steps } from "../src/scalar/fastmath32.js";
import { assertClose, initTf, median, onBackend, randomArray, rotate, tf, useBackend } from "./common.js";

const N = Number(process.argv[2] ?? 1 << 20);
const A = 1.7;
const B = -0.3;
const ROUNDS = 15;
const CALLS = 8;

/** tanh(x·a + b)·σ(x) + max(x − 1, 0). */
const chain = (x: fx.Tensor): fx.Tensor => fx.add(fx.mul(fx.tanh(fx.add(fx.mul(x, A), B)), fx.sigmoid(x)), fx.maximum(fx.sub(x, 1), 0));

interface Contender {
  readonly name: string;
  /** One call, blocking until the result is on the host. */
  readonly run: () => void;
  readonly result: () => ArrayLike<number>;
}

function fluxion(backend: "js" | "wasm", x: fx.Tensor, transcendentals: "float64" | "float32" = "float64"): Contender {
  setBackend(backend, { transcendentals });
  const f = jit(chain); // keeps the kernels compiled now, under this setting
  let out = f(x);
  const kernel = /kernel 0: \S+ → \S+ \(([^)]+)\)/.exec(f.explain(x))![1]!;
  const steps = transcendentals === "float32" ? ", f32 transcendentals" : "";
  return { name: `fluxion-${backend}${steps} (${kernel})`, run: () => void (out = f(x)), result: () => out.data() };
}

function jaxjs(data: Float32Array): Contender {
  const np = jax.numpy;
  const x = np.array(data, { shape: [N] });
  const f = jax.jit((v: jax.Array) => np.tanh(v.ref.mul(A).add(B)).mul(jax.nn.sigmoid(v.ref)).add(np.maximum(v.sub(1), 0)));
  let last: ArrayLike<number> = new Float32Array(0);
  return { name: "jax-js (jit, wasm)", run: () => void (last = f(x.ref).dataSync() as ArrayLike<number>), result: () => last };
}

function tfjsWasm(data: Float32Array): Contender {
  const x = onBackend("wasm", () => tf.tensor1d(data));
  let last: ArrayLike<number> = new Float32Array(0);
  const run = () => {
    useBackend("wasm");
    last = tf.tidy(() => x.mul(A).add(B).tanh().mul(x.sigmoid()).add(x.sub(1).maximum(0))).dataSync() as Float32Array;
  };
  return { name: "tfjs-wasm", run, result: () => last };
}

/** The copies the WebAssembly kernel adds to its loop: operand in, result out, plus a fresh output array. */
function copyContender(data: Float32Array): Contender {
  ensureScratch(8 * N + 64);
  const out = new Float32Array(N);
  return {
    name: "copies alone (in + out + allocation)",
    run: () => {
      const memory = scratchF32();
      const at = scratchBase() / 4;
      memory.set(data, at);
      new Float32Array(N).set(memory.subarray(at + N, at + 2 * N));
    },
    result: () => out,
  };
}

/** The chain as the primitives describe it (mul, add, tanh, sigmoid, sub and maximum's select), over operand 0. */
function chainExpression(steps: boolean): ScalarExpr {
  const x = S.arg(0, "f32");
  const f32 = (v: number) => S.c(Math.fround(v), "f32");
  const g = S.sub(x, f32(1));
  const relu = S.select(S.or(S.ge(g, f32(0)), S.ne(g, g)), g, f32(0));
  const [tanh, sigmoid] = steps ? [tanhF32Steps, sigmoidF32Steps] : [tanhF32, sigmoidF32];
  return S.add(S.mul(tanh(S.add(S.mul(x, f32(A)), f32(B))), sigmoid(x)), relu);
}

/** fluxion-wasm's loop without the copies: the same kernel over the operand already in its memory (result at N). */
function loopContender(data: Float32Array, steps: boolean): Contender {
  const memory = new (webAssembly()!.Memory)({ initial: Math.ceil((8 * N) / 65536) });
  const m = new ModuleBuilder().importMemory("env", "memory", { initial: 1 });
  m.addFunction(renderWasmElementwise(chainExpression(steps), [{ dtype: "float32", scalar: false }], "float32")!, "kernel");
  const kernel = instantiateModule(compileModule(m.build()), { env: { memory } }).exports["kernel"] as (...args: number[]) => void;
  new Float32Array(memory.buffer).set(data);
  const name = `fluxion-wasm${steps ? ", f32 transcendentals," : ""} loop alone (no copies)`;
  return { name, run: () => kernel(0, 4 * N, N), result: () => new Float32Array(memory.buffer, 4 * N, N) };
}

function time(c: Contender): number {
  const t = performance.now();
  for (let k = 0; k < CALLS; k++) c.run();
  return (performance.now() - t) / CALLS;
}

async function main(): Promise<void> {
  await initTf();
  await jax.init("wasm", "cpu");
  jax.defaultDevice("wasm");
  const data = randomArray(N, 2, 4);
  const x = fx.tensor(data);
  const contenders = [fluxion("wasm", x), fluxion("js", x), jaxjs(data), tfjsWasm(data), copyContender(data), loopContender(data, false), fluxion("wasm", x, "float32"), loopContender(data, true)];
  setBackend("auto");
  const reference = contenders[0]!.result();
  for (const c of [...contenders.slice(1, 4), contenders[6]!]) {
    c.run();
    assertClose(c.name, c.result(), reference, 1e-5);
  }
  // Each loop alone computes its jitted function's bits.
  for (const [loop, jitted] of [[contenders[5]!, contenders[0]!], [contenders[7]!, contenders[6]!]] as const) {
    loop.run();
    const loopResult = loop.result();
    const want = jitted.result();
    for (let i = 0; i < N; i++) if (!Object.is(loopResult[i], want[i])) throw new Error(`${loop.name} differs from ${jitted.name} at ${i}: ${loopResult[i]} vs ${want[i]}`);
  }
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) time(c); // warm-up (wasm tier-up, jit compiles)
  for (let r = 0; r < ROUNDS; r++) for (const c of rotate(contenders, r)) times.get(c.name)!.push(time(c));
  console.log(`# chain tanh(x·${A}+${B})·σ(x) + max(x−1, 0), ${N} float32; ${ROUNDS} interleaved rounds of ${CALLS} calls; ${new Date().toISOString()}; node ${process.version}`);
  const ms = new Map([...times].map(([name, t]) => [name, median(t)]));
  for (const [name, m] of ms) console.log(`${name.padEnd(58)} ${m.toFixed(3).padStart(9)} ms`);
  const wasm = ms.get(contenders[0]!.name)!;
  const steps = ms.get(contenders[6]!.name)!;
  console.log("\n# fluxion-wasm speed-up (their ms / fluxion-wasm ms), default transcendentals | float32 steps");
  for (const c of contenders.slice(1, 4)) console.log(`${c.name.padEnd(44)} ${(ms.get(c.name)! / wasm).toFixed(2).padStart(8)}× | ${(ms.get(c.name)! / steps).toFixed(2).padStart(6)}×`);
  const copies = ms.get(contenders[4]!.name)!;
  const loopMs = ms.get(contenders[5]!.name)!;
  const stepsLoopMs = ms.get(contenders[7]!.name)!;
  console.log(`\nfluxion-wasm's call: loop alone ${loopMs.toFixed(3)} ms (${((100 * loopMs) / wasm).toFixed(0)}%), copies and output allocation ${copies.toFixed(3)} ms (${((100 * copies) / wasm).toFixed(0)}%)`);
  console.log(`float32-step transcendentals: call ${(wasm / steps).toFixed(2)}× faster, loop alone ${(loopMs / stepsLoopMs).toFixed(2)}× faster (default ms / float32-steps ms)`);
}

await main();
