// One thread against two for the WebAssembly kernels, interleaved in one process (a window on one
// thread, then a window on two, repeated) so a loaded machine's drift hits both alike. Prints the
// median ms per call of each and the median of the per-round ratios (1-thread time / 2-thread
// time; > 1 means two threads are faster), plus the share of row-strip chunks the worker computed.
// On a loaded machine wall times say little (a second thread only takes another process's
// share), so it also prints the process's CPU time per call (all threads, process.cpuUsage):
// "cpu 2t/1t" near 1 means the split adds little work, so on an idle second core the wall-time
// ratio approaches 2 × (1-thread cpu / 2-thread cpu).
// Cases: square float32 matmul under jit at each size (float64 and float32 accumulation), the
// MLP's two large products alone (x·W1 with its bias and relu, and the update W1 − lr·xᵀ·dh), the
// 784-256-10 MLP training step at batch 128 (both accumulations) and the LeNet-5 training step
// at batch 64.
//
//   node --import tsx bench/threads.ts [sizes…] [--rounds N] [--mlp]     e.g. … bench/threads.ts 256 512 1024
// (--mlp: only the MLP cases.)

import * as fx from "../src/index.js";
import { setBackend } from "../src/compile/wasm/backend.js";
import type { Accumulation } from "../src/compile/wasm/matmul.js";
import { poolStats } from "../src/compile/wasm/threads/pool.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { BATCH, CLASSES, INPUT, mlpStep } from "./mlp.js";

const args = process.argv.slice(2);
const roundsAt = args.indexOf("--rounds");
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 7;
const sizes = args.filter((a, i) => !a.startsWith("--") && (roundsAt < 0 || i !== roundsAt + 1)).map(Number).filter((n) => n > 0);
const SIZES = sizes.length > 0 ? sizes : [128, 256, 512, 1024];
const MLP_ONLY = args.includes("--mlp");
const WINDOW_MS = 250;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Mean wall and CPU ms per call over a window of at least WINDOW_MS (and 2 calls), after one warm-up call. */
function window(run: () => void): { wall: number; cpu: number } {
  run();
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (calls < 2 || t - t0 < WINDOW_MS) {
    run();
    calls++;
    t = performance.now();
  }
  const c = process.cpuUsage(c0);
  return { wall: (t - t0) / calls, cpu: (c.user + c.system) / 1000 / calls };
}

/** Interleaved rounds of 1 and 2 threads; prints one line. */
function compare(name: string, accumulation: Accumulation, run: () => void): void {
  const one: number[] = [];
  const two: number[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  let helped = 0;
  for (let r = 0; r < ROUNDS; r++) {
    setBackend("wasm", { accumulation, threads: 1 });
    const w1 = window(run);
    setBackend("wasm", { accumulation, threads: 2 });
    const before = poolStats().helpedChunks;
    const w2 = window(run);
    helped += poolStats().helpedChunks - before;
    one.push(w1.wall);
    two.push(w2.wall);
    ratios.push(w1.wall / w2.wall);
    cpuRatios.push(w2.cpu / w1.cpu);
  }
  const line = [
    name.padEnd(50),
    `1 thread ${median(one).toFixed(2).padStart(8)} ms`,
    `2 threads ${median(two).toFixed(2).padStart(8)} ms`,
    `ratio ${median(ratios).toFixed(2)} (rounds ${ratios.map((x) => x.toFixed(2)).join(" ")})`,
    `cpu 2t/1t ${median(cpuRatios).toFixed(2)}`,
    `worker chunks ${helped}`,
  ];
  console.log(line.join("  "));
}

function matmulCase(n: number): () => void {
  const a = fx.random.normal(fx.random.key(1), [n, n]);
  const b = fx.random.normal(fx.random.key(2), [n, n]);
  const f = fx.jit((x: fx.Tensor, y: fx.Tensor) => fx.matmul(x, y));
  return () => void f(a, b).data();
}

/** The MLP step's large products with their epilogues: x·W1 (128×784·784×256) and W1 − lr·xᵀ·dh. */
function mlpProductCases(): [string, () => void][] {
  const x = fx.random.normal(fx.random.key(8), [BATCH, INPUT]);
  const w1 = fx.random.normal(fx.random.key(9), [INPUT, 256]);
  const b1 = fx.random.normal(fx.random.key(10), [256]);
  const dh = fx.random.normal(fx.random.key(11), [BATCH, 256]);
  const forward = fx.jit((xx: fx.Tensor, w: fx.Tensor, b: fx.Tensor) => fx.maximum(fx.add(fx.matmul(xx, w), b), 0));
  const update = fx.jit((xx: fx.Tensor, w: fx.Tensor, g: fx.Tensor) => fx.sub(w, fx.mul(fx.matmul(fx.transpose(xx), g), 0.01)));
  return [
    ["x·W1 + b1, relu (128×784·784×256)", () => void forward(x, w1, b1).data()],
    ["W1 − lr·xᵀ·dh (784×128·128×256)", () => void update(x, w1, dh).data()],
  ];
}

function mlpCase(): () => void {
  const key = fx.random.key(3);
  const p = {
    w1: fx.mul(fx.random.normal(key, [INPUT, 256]), 0.05),
    b1: fx.zeros([256]),
    w2: fx.mul(fx.random.normal(fx.random.key(4), [256, CLASSES]), 0.05),
    b2: fx.zeros([CLASSES]),
  };
  const x = fx.random.normal(fx.random.key(5), [BATCH, INPUT]);
  const y = fx.oneHot(fx.tensor(Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % CLASSES)), CLASSES);
  const step = fx.jit(mlpStep);
  return () => void step(p, x, y)[0].item();
}

function lenetCase(): () => void {
  const model = fx.nn.models.lenet5();
  const { params } = model.init(fx.random.key(6), [1, 28, 28]);
  const x = fx.random.normal(fx.random.key(7), [64, 1, 28, 28]);
  const labels = fx.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10));
  const loss = (p: typeof params) => fx.nn.losses.softmaxCrossEntropy(model.apply(p, {}, x)[0], labels);
  const step = fx.jit((p: typeof params) => {
    const [l, g] = fx.valueAndGrad(loss)(p) as [fx.Tensor, unknown];
    return [l, fx.tree.map((w: fx.Tensor, gw: fx.Tensor) => fx.sub(w, fx.mul(gw, 0.01)), p as unknown, g)] as const;
  });
  return () => void step(params)[0].item();
}

if (!wasmSimdAvailable()) {
  console.log("bench/threads: this platform has no WebAssembly SIMD; nothing to compare");
} else {
  console.log(`bench/threads: ${ROUNDS} interleaved rounds of ${WINDOW_MS} ms windows; ratio = 1-thread time / 2-thread time`);
  for (const accumulation of ["float64", "float32"] as const) {
    for (const n of MLP_ONLY ? [] : SIZES) compare(`matmul ${n} (${accumulation} acc)`, accumulation, matmulCase(n));
  }
  for (const accumulation of ["float64", "float32"] as const) {
    for (const [name, run] of mlpProductCases()) compare(`${name} (${accumulation} acc)`, accumulation, run);
    compare(`MLP 784-256-10 step, batch 128 (${accumulation} acc)`, accumulation, mlpCase());
  }
  if (!MLP_ONLY) compare("LeNet-5 step, batch 64", "float64", lenetCase());
  setBackend("auto");
}
