// The LeNet-5 training step (batch 64, wasm backend, one thread) with a switch of the WebAssembly
// convolution off (old path) and on (new path), in one process, interleaved: median CPU ms per step (process.cpuUsage: robust to other processes on a loaded machine)
// of each, their ratio, and whether both give the same bits.
//   node --import tsx bench/lenet-ab.ts [switch] [rounds] [float64|float32]
import * as fx from "../src/index.js";
import { wasmConvTuning } from "../src/compile/wasm/conv.js";
import { LENET_CLASSES, LENET_PARAMS, lenetData, lenetStep } from "./lenet.js";

type Switch = keyof typeof wasmConvTuning;
const which = (process.argv[2] ?? "wasmStore") as Switch;
const rounds = Number(process.argv[3] ?? 15);
const accumulation = (process.argv[4] ?? "float64") as "float64" | "float32";
fx.setBackend("wasm", { threads: 1, accumulation });

function make(on: boolean) {
  wasmConvTuning[which] = on;
  const d = lenetData();
  const p = Object.fromEntries(LENET_PARAMS.map(([k, shape], i) => [k, fx.tensor(d.params[i]!).reshape(shape)])) as Parameters<typeof lenetStep>[0];
  const x = fx.tensor(d.x).reshape([d.batch, 1, 28, 28]);
  const y = fx.tensor(d.y).reshape([d.batch, LENET_CLASSES]);
  const step = fx.jit(lenetStep);
  const out = step(p, x, y); // compiles under the switch
  wasmConvTuning[which] = true;
  return { run: () => step(p, x, y), out };
}

const old = make(false);
const neu = make(true);
const same = [old.out[0], ...Object.values(old.out[1])].every((t, i) => {
  const u = [neu.out[0], ...Object.values(neu.out[1])][i]!;
  const a = t.data();
  const b = u.data();
  return a.length === b.length && a.every((v, j) => Object.is(v, b[j]));
});
const times: [number[], number[]] = [[], []];
const PER = 4;
for (let r = 0; r < rounds; r++) {
  for (const [k, c] of [old, neu].entries()) {
    const t = process.cpuUsage();
    for (let i = 0; i < PER; i++) c.run();
    const u = process.cpuUsage(t);
    times[k]!.push((u.user + u.system) / 1000 / PER);
  }
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
const [mo, mn] = times.map(median) as [number, number];
console.log(`${which} ${accumulation}: old ${mo.toFixed(2)} ms, new ${mn.toFixed(2)} ms, old/new ${(mo / mn).toFixed(3)}×, same bits: ${same}`);
