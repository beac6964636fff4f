// Another checkout of fluxion (old) against this one (new), in one process, interleaved: the MLP
// 784-256-10 training step (batch 128) and the transcendental chain over 1M floats on the wasm
// backend, one thread, median CPU ms per call, and whether both give the same bits. Make the old
// tree with e.g. `mkdir /tmp/old && git archive <commit> src | tar -x -C /tmp/old && ln -s
// "$PWD/node_modules" /tmp/old/node_modules`, then
//   node --import tsx bench/arena-ab.ts /tmp/old [rounds] [float64|float32]
import * as newFx from "../src/index.js";
import { mlpData, chainData, CHAIN_SIZE } from "./contenders.js";

const oldFx = (await import(`${process.argv[2] ?? "/tmp/old"}/src/index.js`)) as typeof newFx;
type FX = typeof newFx;
const LR = 0.1;
function mlpCase(fx: FX) {
  fx.setBackend("wasm", { threads: 1, accumulation: (process.argv[4] ?? "float64") as "float64" | "float32" });
  type T = newFx.Tensor;
  type P = { w1: T; b1: T; w2: T; b2: T };
  const loss = (p: P, x: T, y: T) => {
    const h = fx.maximum(fx.add(fx.matmul(x, p.w1), p.b1), 0);
    const logits = fx.add(fx.matmul(h, p.w2), p.b2);
    const logp = fx.sub(logits, fx.logSumExp(logits, { axis: -1, keepDims: true }));
    return fx.neg(fx.mean(fx.sum(fx.mul(y, logp), { axis: -1 })));
  };
  const step = fx.jit((p: P, x: T, y: T) => {
    const [l, g] = fx.valueAndGrad(loss)(p, x, y) as [T, P];
    return [l, fx.tree.map((w: T, gw: T) => fx.sub(w, fx.mul(gw, LR)), p, g)];
  });
  const d = mlpData(128);
  const x = fx.tensor(d.x).reshape([128, 784]);
  const y = fx.tensor(d.y).reshape([128, 10]);
  const [w1, b1, w2, b2] = d.params.map((q, i) => fx.tensor(q).reshape(d.shapes[i]!));
  const p = { w1: w1!, b1: b1!, w2: w2!, b2: b2! };
  return () => (step(p, x, y) as [T, P])[0].data() as Float32Array;
}
function chainCase(fx: FX) {
  fx.setBackend("wasm", { threads: 1, accumulation: (process.argv[4] ?? "float64") as "float64" | "float32" });
  const x = fx.tensor(chainData(CHAIN_SIZE));
  const f = fx.jit((v: newFx.Tensor) => fx.add(fx.mul(fx.tanh(fx.add(fx.mul(v, 1.5), 0.25)), fx.sigmoid(v)), fx.maximum(fx.sub(v, 1), 0)));
  return () => f(x).data() as Float32Array;
}
// CPU time of this process (the machine is shared: wall time mostly measures the other sessions).
const time = (f: () => unknown, reps: number) => { const c0 = process.cpuUsage(); for (let r = 0; r < reps; r++) f(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000 / reps; };
const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
const rounds = Number(process.argv[3] ?? 21);
for (const [name, mk] of [["MLP step 784-256-10 b128", mlpCase], ["chain 1M", chainCase]] as const) {
  const o = mk(oldFx), n = mk(newFx);
  const ro = o(), rn = n();
  const same = ro.length === rn.length && ro.every((v, i) => Object.is(v, rn[i]));
  for (let w = 0; w < 5; w++) { o(); n(); }
  const a: number[] = [], b: number[] = [];
  for (let r = 0; r < rounds; r++) { a.push(time(o, 3)); b.push(time(n, 3)); }
  console.log(`${name}: old ${med(a).toFixed(2)} ms, new ${med(b).toFixed(2)} ms, old/new ${(med(a) / med(b)).toFixed(3)}, same bits: ${same}`);
}
