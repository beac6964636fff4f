// Side by side in one run: square float32 matmul at 128, 256, 512 and 1024 on one thread —
// fluxion on its JS kernels, on WebAssembly SIMD with float64 accumulation (bit for bit the JS
// results) and with float32 accumulation — against @jax-js/jax (WASM device), TensorFlow.js CPU
// and TensorFlow.js WASM. Prints GFLOP/s (median of timed windows) and fluxion's speed-up over
// each peer (peer time / fluxion time; > 1 means fluxion is faster).
//
//   node --import tsx bench/compare.ts [sizes…]     e.g. node --import tsx bench/compare.ts 128 512

import * as jax from "@jax-js/jax";
import * as fx from "../src/index.js";
import { jit } from "../src/compile/jit.js";
import { setBackend } from "../src/compile/wasm/backend.js";
import { initTf, onBackend, randomArray, tf, useBackend, wasmFeatures } from "./common.js";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length > 0 ? sizes : [128, 256, 512, 1024];
const WINDOW_MS = 400;
const WINDOWS = 5;

/**
 * Median milliseconds per call over WINDOWS windows of at least WINDOW_MS (and 2 calls) each;
 * a contender slower than a second a call is timed over 3 single calls instead.
 */
function timeIt(run: () => void): number {
  const t = performance.now();
  run();
  if (performance.now() - t > 1000) {
    const single = [0, 1, 2].map(() => {
      const t0 = performance.now();
      run();
      return performance.now() - t0;
    });
    return single.sort((a, b) => a - b)[1]!;
  }
  run();
  const per: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const t0 = performance.now();
    let calls = 0;
    do {
      run();
      calls++;
    } while (performance.now() - t0 < WINDOW_MS || calls < 2);
    per.push((performance.now() - t0) / calls);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)]!;
}

/** The largest |difference| between two results, to check every contender computes the product. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

interface Contender {
  readonly name: string;
  /** Prepares inputs of size n; returns one call (blocking until the result is on the host) and its result. */
  setup(n: number, a: Float32Array, b: Float32Array): { run: () => void; result: () => ArrayLike<number> };
}

const fluxion = (name: string, choose: () => void): Contender => ({
  name,
  setup(n, a, b) {
    choose();
    const x = fx.tensor(a).reshape([n, n]);
    const y = fx.tensor(b).reshape([n, n]);
    const mm = jit((p: fx.Tensor, q: fx.Tensor) => fx.matmul(p, q));
    let out = mm(x, y);
    return { run: () => void (out = mm(x, y)), result: () => out.data() };
  },
});

const tfjs = (backend: "cpu" | "wasm"): Contender => ({
  name: `tfjs-${backend}`,
  setup(n, a, b) {
    const [x, y] = onBackend(backend, () => [tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])]);
    let last: Float32Array = new Float32Array(0);
    return {
      run: () => {
        useBackend(backend);
        const c = tf.matMul(x, y);
        last = c.dataSync() as Float32Array;
        c.dispose();
      },
      result: () => last,
    };
  },
});

const jaxjs: Contender = {
  name: "jax-js",
  setup(n, a, b) {
    const x = jax.numpy.array(a, { shape: [n, n] });
    const y = jax.numpy.array(b, { shape: [n, n] });
    const mm = jax.jit((p: jax.Array, q: jax.Array) => jax.numpy.matmul(p, q));
    let last: ArrayLike<number> = new Float32Array(0);
    return {
      run: () => {
        const c = mm(x.ref, y.ref);
        last = c.dataSync() as ArrayLike<number>;
      },
      result: () => last,
    };
  },
};

async function main(): Promise<void> {
  await initTf();
  const devices = await jax.init("wasm", "cpu");
  jax.defaultDevice("wasm");
  const features = await wasmFeatures();
  const contenders: Contender[] = [
    fluxion("fluxion-js", () => setBackend("js")),
    fluxion("fluxion-wasm-f64acc", () => setBackend("wasm")),
    fluxion("fluxion-wasm-f32acc", () => setBackend("wasm", { accumulation: "float32" })),
    jaxjs,
    tfjs("cpu"),
    tfjs("wasm"),
  ];
  console.log(`# matmul float32, one thread; ${new Date().toISOString()}; node ${process.version}`);
  console.log(`# jax-js devices ${devices.join(",")} (using wasm); tfjs-wasm simd=${features.simd} threads=${features.threads}`);
  const table: Record<string, Record<number, number>> = {};
  for (const n of SIZES) {
    const a = randomArray(n * n, 11 * n + 1);
    const b = randomArray(n * n, 11 * n + 2);
    let reference: ArrayLike<number> | null = null;
    for (const c of contenders) {
      const { run, result } = c.setup(n, a, b);
      const ms = timeIt(run);
      const r = result();
      reference ??= r;
      const err = maxDiff(r, reference);
      if (!(err <= 1e-3 * Math.sqrt(n))) throw new Error(`compare: ${c.name} at ${n} differs from fluxion-js by ${err}`);
      (table[c.name] ??= {})[n] = ms;
      console.log(`${c.name.padEnd(22)} n=${String(n).padEnd(5)} ${ms.toFixed(3).padStart(9)} ms  ${((2 * n ** 3) / ms / 1e6).toFixed(2).padStart(7)} GFLOP/s`);
    }
  }
  setBackend("auto");
  console.log("\n# speed-up of fluxion-wasm-f32acc / fluxion-wasm-f64acc over each peer (peer ms / fluxion ms)");
  for (const peer of ["fluxion-js", "jax-js", "tfjs-cpu", "tfjs-wasm"]) {
    const cells = SIZES.map((n) => `${n}: ${(table[peer]![n]! / table["fluxion-wasm-f32acc"]![n]!).toFixed(2)}× / ${(table[peer]![n]! / table["fluxion-wasm-f64acc"]![n]!).toFixed(2)}×`);
    console.log(`${peer.padEnd(12)} ${cells.join("   ")}`);
  }
}

await main();
