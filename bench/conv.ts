// Convolution and pooling benchmarks at LeNet-5's shapes (batch 64), side by side in one run with
// TensorFlow.js's CPU and WASM backends: conv2d forward, conv2d forward + backward (input and
// filter gradients), max pooling 2×2 forward and forward + backward. fluxion runs `fx.jit` of the
// forward and of the `fx.grad`-based backward; tfjs runs its own layout (NHWC, filters HWIO) on
// the same data. Prints ratio = fluxion time / other time (below 1: fluxion faster).
//
//   npm run bench:conv                          all suites, 3 repeats
//   npm run bench:conv -- --repeat 5            more repeats
//   npm run bench:conv -- --quick               fewer samples, one repeat (a smoke run)
//   npm run bench:conv -- --kernels             the kernel methods per shape class (direct loops
//                                               under several register tiles vs im2col + matmul)
//   npm run bench:conv -- --lenet [--against DIR] [--torch]
//                                               a LeNet-5 training step at batch 64 and conv
//                                               forward + both gradients per layer, in CPU time
//                                               (robust on a shared machine); with --against, the
//                                               same cases of another checkout (e.g. main) run
//                                               interleaved in this process; with --torch, PyTorch
//                                               on one thread (bench/lenet_torch.py) afterwards

import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ConvMethod, type DirectTiling, DEFAULT_DIRECT_TILING, chooseConvMethod, compileConv, convGeometry, directConvAccelerated, directTilingFor } from "../src/compile/kernels/conv.js";
import { matmulAccelerated } from "../src/compile/kernels/matmul.js";
import type { ConvParams } from "../src/prims/conv.js";
import { type Case, type RunOptions, type SuiteDef, DEFAULT_RUN, assertClose, fx, initTf, median, onBackend, randomArray, runSuite, tf, useBackend, wasmFeatures, writeReport } from "./common.js";

const BATCH = 64;

interface ConvLayer {
  readonly name: string;
  readonly c: number;
  readonly size: number;
  readonly o: number;
  readonly k: number;
  readonly padding: "same" | "valid";
}

/** LeNet-5's two convolutions. */
export const LENET_CONVS: readonly ConvLayer[] = [
  { name: "conv1 1×28×28 → 6×5×5 same", c: 1, size: 28, o: 6, k: 5, padding: "same" },
  { name: "conv2 6×14×14 → 16×5×5 valid", c: 6, size: 14, o: 16, k: 5, padding: "valid" },
];

/** NCHW → NHWC (and OIHW → HWIO with `filter`). */
function toChannelsLast(data: Float32Array, shape: readonly number[], filter = false): Float32Array {
  const [a, b, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const src = ((i * b + j) * h + y) * w + x;
          out[filter ? ((y * w + x) * b + j) * a + i : ((i * h + y) * w + x) * b + j] = data[src]!;
        }
  return out;
}

/** Whether tfjs `backend` implements every kernel `f` needs (its WASM backend lacks some gradients). */
function tfSupports(backend: "cpu" | "wasm", f: () => tf.Tensor | tf.Tensor[]): boolean {
  useBackend(backend);
  try {
    tf.dispose(tf.tidy(f));
    return true;
  } catch (e) {
    if (e instanceof Error && /not registered for backend/.test(e.message)) {
      console.log(`note: tfjs-${backend} cannot run this case (${e.message})`);
      return false;
    }
    throw e;
  }
}

const tfRun = (backend: "cpu" | "wasm", f: () => tf.Tensor | tf.Tensor[]) => () => {
  useBackend(backend);
  const r = tf.tidy(f);
  for (const t of Array.isArray(r) ? r : [r]) {
    t.dataSync();
    t.dispose();
  }
};

interface ConvData {
  x: Float32Array;
  w: Float32Array;
  r: Float32Array; // fixed cotangent weights: loss = Σ conv(x, w) · r
  xShape: number[];
  wShape: number[];
  outShape: number[];
}

function convData(l: ConvLayer): ConvData {
  const t = l.padding === "same" ? l.size : l.size - l.k + 1;
  const xShape = [BATCH, l.c, l.size, l.size];
  const wShape = [l.o, l.c, l.k, l.k];
  const outShape = [BATCH, l.o, t, t];
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return { x: randomArray(n(xShape), 31), w: randomArray(n(wShape), 32, 0.2), r: randomArray(n(outShape), 33), xShape, wShape, outShape };
}

function fluxionConv(l: ConvLayer, d: ConvData) {
  const x = fx.tensor(d.x).reshape(d.xShape);
  const w = fx.tensor(d.w).reshape(d.wShape);
  const r = fx.tensor(d.r).reshape(d.outShape);
  const forward = fx.jit((x: fx.Tensor, w: fx.Tensor) => fx.conv2d(x, w, { padding: l.padding }));
  const loss = (x: fx.Tensor, w: fx.Tensor, r: fx.Tensor) => fx.sum(fx.mul(fx.conv2d(x, w, { padding: l.padding }), r));
  // The loss value and both gradients, so the forward convolution runs too.
  const step = fx.jit(fx.valueAndGrad(loss, { argnums: [0, 1] }) as (x: fx.Tensor, w: fx.Tensor, r: fx.Tensor) => [fx.Tensor, [fx.Tensor, fx.Tensor]]);
  const backward = (x: fx.Tensor, w: fx.Tensor, r: fx.Tensor) => step(x, w, r)[1];
  return { x, w, r, forward, backward };
}

function tfConv(backend: "cpu" | "wasm", l: ConvLayer, d: ConvData) {
  return onBackend(backend, () => {
    const x = tf.tensor4d(toChannelsLast(d.x, d.xShape), [BATCH, l.size, l.size, l.c]);
    const w = tf.tensor4d(toChannelsLast(d.w, d.wShape, true), [l.k, l.k, l.c, l.o]);
    const t = d.outShape[2]!;
    const r = tf.tensor4d(toChannelsLast(d.r, d.outShape), [BATCH, t, t, l.o]);
    const forward = () => tf.conv2d(x, w, 1, l.padding);
    const valueAndGrads = tf.valueAndGrads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, l.padding), r)));
    const backward = () => valueAndGrads([x, w]).grads;
    const step = () => {
      const { value, grads } = valueAndGrads([x, w]);
      return [value, ...grads];
    };
    return { forward, backward, step };
  });
}

function convSuite(l: ConvLayer, withBackward: boolean): SuiteDef {
  const what = withBackward ? "forward + backward (loss, dx, dw)" : "forward";
  return {
    name: `conv2d ${what}, ${l.name}, batch ${BATCH}`,
    reference: "fluxion jit",
    check() {
      const d = convData(l);
      const f = fluxionConv(l, d);
      const mine = withBackward ? f.backward(f.x, f.w, f.r).map((t) => t.data()) : [f.forward(f.x, f.w).data()];
      const shapes = withBackward ? [d.xShape, d.wShape] : [d.outShape];
      for (const backend of ["cpu", "wasm"] as const) {
        const t = tfConv(backend, l, d);
        if (!tfSupports(backend, withBackward ? t.backward : t.forward)) continue;
        useBackend(backend);
        const theirs = tf.tidy(() => (withBackward ? t.backward() : [t.forward()]).map((r) => r.dataSync() as Float32Array));
        theirs.forEach((v, i) => {
          const ours = toChannelsLast(mine[i] as Float32Array, shapes[i]!, withBackward && i === 1);
          assertClose(`${l.name} ${what} tfjs-${backend} #${i}`, ours, v, 2e-3);
        });
      }
    },
    cases() {
      const d = convData(l);
      const f = fluxionConv(l, d);
      const cases: Case[] = [
        { name: "fluxion jit", fn: withBackward ? () => f.backward(f.x, f.w, f.r) : () => f.forward(f.x, f.w) },
      ];
      for (const backend of ["cpu", "wasm"] as const) {
        const t = tfConv(backend, l, d);
        if (!tfSupports(backend, withBackward ? t.step : t.forward)) continue;
        cases.push({ name: `tfjs-${backend}`, fn: tfRun(backend, withBackward ? t.step : t.forward) });
      }
      return cases;
    },
  };
}

/** Max pooling 2×2 (stride 2) of conv1's output [64, 6, 28, 28]. */
function poolSuite(withBackward: boolean): SuiteDef {
  const shape = [BATCH, 6, 28, 28];
  const pooled = [BATCH, 6, 14, 14];
  const what = withBackward ? "forward + backward" : "forward";
  const make = () => {
    // Positive inputs (pooling follows a ReLU in LeNet-5). tfjs-wasm 4.22's max-pool gradient
    // drops windows whose values are all negative, so with negative windows it computes less.
    const xd = randomArray(shape.reduce((a, b) => a * b, 1), 41).map((v) => Math.abs(v) + 1e-3);
    const rd = randomArray(pooled.reduce((a, b) => a * b, 1), 42);
    const x = fx.tensor(xd).reshape(shape);
    const r = fx.tensor(rd).reshape(pooled);
    const forward = fx.jit((x: fx.Tensor) => fx.maxPool2d(x, 2));
    const step = fx.jit(fx.valueAndGrad((x: fx.Tensor, r: fx.Tensor) => fx.sum(fx.mul(fx.maxPool2d(x, 2), r))) as (x: fx.Tensor, r: fx.Tensor) => [fx.Tensor, fx.Tensor]);
    const backward = (x: fx.Tensor, r: fx.Tensor) => step(x, r)[1];
    const tfOf = (backend: "cpu" | "wasm") =>
      onBackend(backend, () => {
        const tx = tf.tensor4d(toChannelsLast(xd, shape), [BATCH, 28, 28, 6]);
        const tr = tf.tensor4d(toChannelsLast(rd, pooled), [BATCH, 14, 14, 6]);
        const valueAndGrad = tf.valueAndGrad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, "valid"), tr)));
        const backward = () => {
          const { value, grad } = valueAndGrad(tx);
          return [value, grad];
        };
        return { forward: () => tf.maxPool(tx, 2, 2, "valid"), backward };
      });
    return { x, r, forward, backward, tfOf };
  };
  return {
    name: `maxPool2d 2×2 ${what}, [${shape.join(",")}]`,
    reference: "fluxion jit",
    check() {
      const m = make();
      const mine = withBackward ? m.backward(m.x, m.r).data() : m.forward(m.x).data();
      for (const backend of ["cpu", "wasm"] as const) {
        const t = m.tfOf(backend);
        if (!tfSupports(backend, withBackward ? t.backward : t.forward)) continue;
        useBackend(backend);
        const theirs = tf.tidy(() => (withBackward ? t.backward()[1]! : t.forward()).dataSync() as Float32Array);
        assertClose(`maxPool ${what} tfjs-${backend}`, toChannelsLast(mine as Float32Array, withBackward ? shape : pooled), theirs, 1e-6);
      }
    },
    cases() {
      const m = make();
      const cases: Case[] = [{ name: "fluxion jit", fn: withBackward ? () => m.backward(m.x, m.r) : () => m.forward(m.x) }];
      for (const backend of ["cpu", "wasm"] as const) {
        const t = m.tfOf(backend);
        if (!tfSupports(backend, withBackward ? t.backward : t.forward)) continue;
        cases.push({ name: `tfjs-${backend}`, fn: tfRun(backend, withBackward ? t.backward : t.forward) });
      }
      return cases;
    },
  };
}

export const convSuites: SuiteDef[] = [
  ...LENET_CONVS.map((l) => convSuite(l, false)),
  ...LENET_CONVS.map((l) => convSuite(l, true)),
  poolSuite(false),
  poolSuite(true),
];

// ------------------------------------------------------------ kernel methods per shape class

interface KernelShape {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly params: ConvParams;
}

const p2 = (pad: number, groups = 1): ConvParams => ({ stride: [1, 1], padding: [[pad, pad], [pad, pad]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups });

/** The convolutions a LeNet-5 training step runs (forward, input gradient, filter gradient), depthwise and 1×1. */
export const KERNEL_SHAPES: readonly KernelShape[] = [
  { name: "conv1 forward", x: [64, 1, 28, 28], w: [6, 1, 5, 5], params: p2(2) },
  { name: "conv1 input grad", x: [64, 6, 28, 28], w: [1, 6, 5, 5], params: p2(2) },
  { name: "conv1 filter grad", x: [1, 64, 28, 28], w: [6, 64, 28, 28], params: p2(2) },
  { name: "conv2 forward", x: [64, 6, 14, 14], w: [16, 6, 5, 5], params: p2(0) },
  { name: "conv2 input grad", x: [64, 16, 10, 10], w: [6, 16, 5, 5], params: p2(4) },
  { name: "conv2 filter grad", x: [6, 64, 14, 14], w: [16, 64, 10, 10], params: p2(0) },
  { name: "depthwise 32×28×28 3×3", x: [16, 32, 28, 28], w: [32, 1, 3, 3], params: p2(1, 32) },
  { name: "1×1 64→128 14×14", x: [16, 64, 14, 14], w: [128, 64, 1, 1], params: p2(0) },
  { name: "3×3 32→64 28×28", x: [16, 32, 28, 28], w: [64, 32, 3, 3], params: p2(1) },
];

const TILINGS: Record<string, Partial<DirectTiling>> = {
  "direct 4×4": { ob: 4, jb: 4 },
  "direct 3×4": { ob: 3, jb: 4 },
  "direct 6×2": { ob: 6, jb: 2 },
  "direct 2×6": { ob: 2, jb: 6 },
  "direct 1×8": { ob: 1, jb: 8 },
  "direct 4×4 in place": { ob: 4, jb: 4, alwaysCopy: false },
};

async function kernelMethods(options: RunOptions, repeat: number): Promise<void> {
  console.log(`kernel methods per shape class (median ms of ${repeat} repeat${repeat > 1 ? "s" : ""}; GFLOP/s in brackets)`);
  const rows: string[] = [];
  for (const s of KERNEL_SHAPES) {
    const out = [s.x[0]!, s.w[0]!, ...[0, 1].map((d) => s.x[2 + d]! + s.params.padding[d]![0]! + s.params.padding[d]![1]! - s.w[2 + d]! + 1)];
    const g = convGeometry(s.x, s.w, out, s.params, "float32");
    const x = randomArray(s.x.reduce((a, b) => a * b, 1), 1);
    const w = randomArray(s.w.reduce((a, b) => a * b, 1), 2);
    const y = new Float32Array(out.reduce((a, b) => a * b, 1));
    const flops = 2 * y.length * (s.w[1]! * s.w[2]! * s.w[3]!);
    const variants: Record<string, { method: ConvMethod; tiling?: DirectTiling; accelerate?: boolean }> = {
      [`direct auto ${JSON.stringify(directTilingFor(g)).replace(/"/g, "")}`]: { method: "direct", accelerate: false },
      // The WebAssembly direct kernel (src/compile/wasm/conv.ts) where the backend is WebAssembly.
      "direct wasm": { method: "direct" },
      "im2col + matmul": { method: "im2col" },
    };
    for (const [name, t] of Object.entries(TILINGS)) variants[name] = { method: "direct", tiling: { ...DEFAULT_DIRECT_TILING, ...t } };
    const cases: Case[] = Object.entries(variants).map(([name, v]) => {
      const { kernel } = compileConv(g, v);
      return { name, fn: () => kernel(x, w, y, []) };
    });
    const secs: Record<string, number[]> = {};
    for (let rep = 0; rep < repeat; rep++) {
      const r = await runSuite(`${s.name} [${rep + 1}/${repeat}]`, cases, options);
      for (const [k, v] of Object.entries(r.seconds)) (secs[k] ??= []).push(v);
    }
    const chosen = chooseConvMethod(g, matmulAccelerated(), directConvAccelerated());
    const cells = Object.entries(secs).map(([k, v]) => {
      const t = median(v);
      return `${k}: ${(t * 1e3).toFixed(2)} ms [${(flops / t / 1e9).toFixed(2)}]`;
    });
    rows.push(`${s.name} x${JSON.stringify(s.x)} w${JSON.stringify(s.w)} → chosen: ${chosen}\n    ${cells.join("\n    ")}`);
  }
  console.log(`\n${rows.join("\n")}`);
}

// ------------------------------------------------------------- LeNet-5 step, old vs new

type Fx = typeof fx;

/** One jitted LeNet-5 training step (softmax cross-entropy, SGD 0.01) at batch 64; returns the loss. */
function lenetStep(lib: Fx): () => number {
  const model = lib.nn.models.lenet5();
  const { params, state } = model.init(lib.random.key(0), [1, 28, 28]);
  const x = lib.tensor(randomArray(BATCH * 784, 51).map((v) => Math.abs(v))).reshape([BATCH, 1, 28, 28]);
  const y = lib.tensor(Int32Array.from({ length: BATCH }, (_, i) => i % 10));
  type P = typeof params;
  const step = lib.jit((p: P, x: fx.Tensor, y: fx.Tensor) => {
    const loss = (q: P) => lib.mean(lib.nn.losses.softmaxCrossEntropy(model.apply(q, state, x)[0], y, { reduction: "none" }));
    const [value, grads] = lib.valueAndGrad(loss)(p) as [fx.Tensor, P];
    return [value, lib.tree.map((w: fx.Tensor, g: fx.Tensor) => lib.sub(w, lib.mul(g, 0.01)), p as unknown, grads as unknown) as P] as const;
  });
  let p = params;
  return () => {
    const [value, next] = step(p, x, y) as unknown as [fx.Tensor, P];
    p = next;
    return (value.data() as Float32Array)[0]!;
  };
}

/** conv forward + input and filter gradients of Σ conv(x, w)·r at a LeNet-5 layer; returns the loss. */
function convStep(lib: Fx, l: ConvLayer): () => number {
  const d = convData(l);
  const x = lib.tensor(d.x).reshape(d.xShape);
  const w = lib.tensor(d.w).reshape(d.wShape);
  const r = lib.tensor(d.r).reshape(d.outShape);
  const loss = (x: fx.Tensor, w: fx.Tensor, r: fx.Tensor) => lib.sum(lib.mul(lib.conv2d(x, w, { padding: l.padding }), r));
  const step = lib.jit(lib.valueAndGrad(loss, { argnums: [0, 1] }) as (x: fx.Tensor, w: fx.Tensor, r: fx.Tensor) => [fx.Tensor, [fx.Tensor, fx.Tensor]]);
  return () => {
    const [value, [gx, gw]] = step(x, w, r);
    gx.data();
    gw.data();
    return (value.data() as Float32Array)[0]!;
  };
}

/** Median CPU and wall milliseconds per call of each function, calls interleaved (order alternating). */
function interleaved(fns: readonly (() => number)[], reps: number): { cpu: number[]; wall: number[] } {
  const cpu = fns.map(() => [] as number[]);
  const wall = fns.map(() => [] as number[]);
  for (let warm = 0; warm < 3; warm++) for (const f of fns) f();
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? fns.map((_, k) => k) : fns.map((_, k) => fns.length - 1 - k);
    for (const k of order) {
      const w0 = performance.now();
      const c0 = process.cpuUsage();
      fns[k]!();
      const c = process.cpuUsage(c0);
      wall[k]!.push(performance.now() - w0);
      cpu[k]!.push((c.user + c.system) / 1000);
    }
  }
  return { cpu: cpu.map(median), wall: wall.map(median) };
}

async function lenetComparison(against: string | null, torch: boolean, repeat: number): Promise<void> {
  const libs: [string, Fx][] = [["this checkout", fx]];
  if (against !== null) libs.push([against, (await import(path.resolve(against, "src/index.ts"))) as Fx]);
  const cases: [string, (lib: Fx) => () => number][] = [
    [`LeNet-5 training step, batch ${BATCH}`, lenetStep],
    ...LENET_CONVS.map((l) => [`${l.name}: forward + dx + dw`, (lib: Fx) => convStep(lib, l)] as [string, (lib: Fx) => () => number]),
  ];
  console.log(`median of ${repeat * 10} interleaved calls; CPU ms (wall ms)${against === null ? "" : `; ratio = ${against} / this checkout (CPU)`}`);
  for (const [name, make] of cases) {
    const fns = libs.map(([, lib]) => make(lib));
    const values = fns.map((f) => f());
    const { cpu, wall } = interleaved(fns, repeat * 10);
    const cells = libs.map(([label], i) => `${label}: ${cpu[i]!.toFixed(2)} (${wall[i]!.toFixed(2)})`);
    const ratio = against === null ? "" : `  ratio ${(cpu[1]! / cpu[0]!).toFixed(2)}  loss ${values[0] === values[1] ? "identical" : `differs: ${values.join(" vs ")}`}`;
    console.log(`${name.padEnd(44)} ${cells.join("  ")}${ratio}`);
  }
  if (torch) {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "lenet_torch.py");
    // Debian's python3-torch lives in the system interpreter, which a pyenv shim may hide.
    for (const python of ["/usr/bin/python3", "python3"]) {
      const r = spawnSync(python, [script], { encoding: "utf8" });
      if (r.status === 0) {
        console.log(`PyTorch (${python}, one thread, CPU ms):\n${r.stdout.trim()}`);
        return;
      }
    }
    console.log("PyTorch: not available (python3 -c 'import torch' failed)");
  }
}

// ------------------------------------------------------------------------------ main

function fmtRatio(r: number): string {
  return `${r.toFixed(3).padStart(8)}  (fluxion ${r < 1 ? `${(1 / r).toFixed(1)}x faster` : `${r.toFixed(1)}x slower`})`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let repeat = 3;
  let quick = false;
  let kernels = false;
  let lenet = false;
  let torch = false;
  let against: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--repeat") repeat = Number(argv[++i]);
    else if (a === "--quick") quick = true;
    else if (a === "--kernels") kernels = true;
    else if (a === "--lenet") lenet = true;
    else if (a === "--torch") torch = true;
    else if (a === "--against") against = argv[++i] ?? null;
    else throw new Error(`bench:conv: unknown argument ${JSON.stringify(a)}; expected --repeat N, --quick, --kernels, --lenet [--against DIR] [--torch]`);
  }
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`bench:conv: --repeat must be a positive integer, got ${repeat}`);
  if (quick) repeat = 1;
  const options: RunOptions = quick ? { maxTime: 0.3, minSamples: 3 } : DEFAULT_RUN;
  if (kernels) return kernelMethods(options, repeat);
  if (lenet) return lenetComparison(against, torch, repeat);

  await initTf();
  const wasm = await wasmFeatures();
  for (const s of convSuites) s.check?.();
  console.log("checks passed: fluxion and both tfjs backends compute the same values");
  const seconds: Record<string, number[]>[] = convSuites.map(() => ({}));
  for (let rep = 0; rep < repeat; rep++) {
    for (const [i, s] of convSuites.entries()) {
      const r = await runSuite(`${s.name} [${rep + 1}/${repeat}]`, await s.cases(), options);
      for (const [k, v] of Object.entries(r.seconds)) (seconds[i]![k] ??= []).push(v);
    }
  }
  console.log(`\nratio = fluxion time / other time (median of ${repeat} repeat${repeat > 1 ? "s" : ""}; < 1: fluxion faster)`);
  const suites = convSuites.map((s, i) => {
    const secs = seconds[i]!;
    const ref = secs[s.reference]!;
    const ratios: Record<string, number> = {};
    console.log(`\n${s.name} — fluxion: ${(median(ref) * 1e3).toFixed(2)} ms`);
    for (const [name, v] of Object.entries(secs)) {
      if (name === s.reference) continue;
      ratios[name] = median(v.map((t, k) => ref[k]! / t));
      console.log(`  vs ${name.padEnd(12)} ${(median(v) * 1e3).toFixed(2).padStart(8)} ms ${fmtRatio(ratios[name]!)}`);
    }
    return { suite: s.name, reference: s.reference, seconds: secs, ratios };
  });
  const report = {
    date: new Date().toISOString(),
    command: `npm run bench:conv -- ${argv.join(" ")}`.trim(),
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, loadAverage: os.loadavg(), node: process.version },
    tfjs: { version: tf.version.tfjs, wasmSimd: wasm.simd, wasmThreads: wasm.threads },
    repeat,
    sampling: options,
    suites,
  };
  const file = writeReport("conv", report, !quick);
  console.log(`\nresults written to ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
