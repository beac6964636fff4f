// Program buffers in the kernel memory versus copied in and out (src/compile/wasm/arena.ts), in one
// process, interleaved: the MLP 784-256-10 training step (batch 128) and the transcendental chain
// over 1M floats, each jitted twice under the wasm backend, once with `arenaTuning.enabled` off
// (the copying path) and once on. Prints median CPU times and the ratio old / new.
//   node --import tsx bench/arena.ts [rounds]

import * as fx from "../src/index.js";
import { arenaTuning } from "../src/compile/executable.js";
import { CHAIN_SIZE, chainData, mlpData } from "./contenders.js";
import { mlpStep } from "./mlp.js";

fx.setBackend("wasm", { threads: 1 });
const rounds = Number(process.argv[2] ?? 15);

type Case = { name: string; make: () => () => unknown };

const mlp: Case = {
  name: "MLP step (784-256-10, batch 128)",
  make: () => {
    const d = mlpData(128);
    const x = fx.tensor(d.x).reshape([128, 784]);
    const y = fx.tensor(d.y).reshape([128, 10]);
    const [w1, b1, w2, b2] = d.params.map((p, i) => fx.tensor(p).reshape(d.shapes[i]!));
    const p = { w1: w1!, b1: b1!, w2: w2!, b2: b2! };
    const step = fx.jit(mlpStep);
    return () => (step(p, x, y) as [fx.Tensor, unknown])[0].data();
  },
};

const chainCase: Case = {
  name: `chain tanh(x·a+b)·sigmoid(x) + max(x−1, 0), ${CHAIN_SIZE} floats`,
  make: () => {
    const x = fx.tensor(chainData(CHAIN_SIZE));
    const f = fx.jit((v: fx.Tensor) => fx.add(fx.mul(fx.tanh(fx.add(fx.mul(v, 1.5), 0.25)), fx.sigmoid(v)), fx.maximum(fx.sub(v, 1), 0)));
    return () => f(x).data();
  },
};

/** CPU milliseconds per run (on a shared machine wall time mostly measures the other processes; one thread here). */
function time(run: () => unknown, reps: number): number {
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

for (const c of [mlp, chainCase]) {
  arenaTuning.enabled = false;
  const old = c.make();
  old();
  arenaTuning.enabled = true;
  const now = c.make();
  now();
  for (let w = 0; w < 5; w++) {
    old();
    now();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(time(old, 3));
    b.push(time(now, 3));
  }
  const ma = median(a);
  const mb = median(b);
  console.log(`${c.name}: copying ${ma.toFixed(2)} ms, in place ${mb.toFixed(2)} ms, ratio ${(ma / mb).toFixed(3)}`);
}
