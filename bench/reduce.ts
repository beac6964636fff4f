// The WebAssembly reduction kernel (src/compile/wasm/reduce-kernel.ts) against the JS reduction
// kernel, interleaved in one process: each case is jitted twice under the "wasm" backend, once
// with reductions forced onto the JS kernel (an emitter registered first, for this script only),
// once as the library compiles them; everything else (matmul, elementwise loops) is the same.
// Both must give the same bits. (softmax over [128, 10] and the full sum are below the thresholds:
// both variants run the JS kernel, which shows the noise.) Round after round each variant gets one window of calls; the
// figure is the median CPU ms per call over rounds, and the ratio JS / WebAssembly (> 1: faster).
//
//   node --import tsx bench/reduce.ts [--quick]

import * as fx from "../src/index.js";
import { compileKernelSource, registerEmitter } from "../src/compile/codegen/emitter.js";
import { emitReduceSource } from "../src/compile/codegen/emit-reduce.js";
import { mlpStep } from "./mlp.js";
import { median, randomArray } from "./common.js";

let forceJs = false;
registerEmitter(
  {
    name: "bench-js-reduce",
    emit(spec) {
      if (!forceJs || spec.kind !== "reduce") return null;
      const { source, scratch } = emitReduceSource(spec);
      return { run: compileKernelSource(source, scratch), source, emitter: "js-reduce" };
    },
  },
  { first: true },
);

const quick = process.argv.includes("--quick");
const WINDOW_MS = quick ? 30 : 50;
const ROUNDS = quick ? 9 : 25;
/** CPU time of this process in ms (the machine is shared: wall time would count other processes' turns). */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type Run = () => ArrayLike<number>[];
interface Case {
  readonly name: string;
  readonly make: () => Run;
}

const t = (n: number, seed: number, shape: number[]) => fx.tensor(randomArray(n, seed)).reshape(shape);

const cases: Case[] = [
  {
    name: "bias gradient: sum over axis 0 of [128, 256]",
    make: () => {
      const g = t(128 * 256, 1, [128, 256]);
      const f = fx.jit((g: fx.Tensor) => fx.sum(g, { axis: 0 }));
      return () => [f(g).data()];
    },
  },
  {
    name: "softmax over the rows of [128, 10]",
    make: () => {
      const x = t(1280, 2, [128, 10]);
      const f = fx.jit((x: fx.Tensor) => fx.nn.softmax(x, { axis: -1 }));
      return () => [f(x).data()];
    },
  },
  {
    name: "mean over the rows of [128, 256]",
    make: () => {
      const x = t(128 * 256, 3, [128, 256]);
      const f = fx.jit((x: fx.Tensor) => fx.mean(x, { axis: -1 }));
      return () => [f(x).data()];
    },
  },
  {
    name: "log-sum-exp over the rows of [1024, 100]",
    make: () => {
      const x = t(1024 * 100, 6, [1024, 100]);
      const f = fx.jit((x: fx.Tensor) => fx.logSumExp(x, { axis: -1 }));
      return () => [f(x).data()];
    },
  },
  {
    name: "sum of squares over axis 0 of [1024, 1024]",
    make: () => {
      const x = t(1 << 20, 4, [1024, 1024]);
      const f = fx.jit((x: fx.Tensor) => fx.sum(fx.mul(x, x), { axis: 0 }));
      return () => [f(x).data()];
    },
  },
  {
    name: "full sum over 1M",
    make: () => {
      const x = t(1 << 20, 5, [1 << 20]);
      const f = fx.jit((x: fx.Tensor) => fx.sum(x));
      return () => [f(x).data()];
    },
  },
  {
    name: "MLP step 784-256-10, batch 128",
    make: () => {
      const p = { w1: t(784 * 256, 12, [784, 256]), b1: t(256, 14, [256]), w2: t(2560, 13, [256, 10]), b2: t(10, 15, [10]) };
      const x = t(128 * 784, 11, [128, 784]);
      const y = fx.tensor(Float32Array.from({ length: 1280 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0))).reshape([128, 10]);
      const step = fx.jit(mlpStep);
      return () => {
        const [loss, q] = step(p, x, y);
        return [loss.data(), q.w1.data(), q.b1.data(), q.w2.data(), q.b2.data()];
      };
    },
  },
];

function sameBits(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  return a.length === b.length && a.every((x, k) => x.length === b[k]!.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, b[k]![i])));
}

fx.setBackend("wasm");
for (const c of cases) {
  // jit compiles at the first call: make that call while the choice holds.
  forceJs = true;
  const js = c.make();
  const want = js();
  forceJs = false;
  const wasm = c.make();
  if (!sameBits(want, wasm())) throw new Error(`${c.name}: the kernels differ`);
  const times: [number[], number[]] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    [js, wasm].forEach((run, v) => {
      let calls = 0;
      const start = cpu();
      while (cpu() - start < WINDOW_MS) {
        run();
        calls++;
      }
      times[v]!.push((cpu() - start) / calls);
    });
  }
  const [a, b] = times.map(median) as [number, number];
  console.log(`${c.name.padEnd(48)} JS ${a.toFixed(4)} ms   wasm ${b.toFixed(4)} ms   JS/wasm ${(a / b).toFixed(2)}×`);
}
