// The LeNet-5 training step (batch 64, wasm backend, one thread), old path against new, in one
// process, interleaved: median CPU ms per step of each (process.cpuUsage: less disturbed by other
// processes on a loaded machine than wall time), their ratio, and whether both give the same bits.
// The old path is either this tree with a switch of the WebAssembly convolution off, or another
// checkout of fluxion (make it with e.g. `mkdir /tmp/old && git archive <commit> src | tar -x -C
// /tmp/old && ln -s "$PWD/node_modules" /tmp/old/node_modules`).
//   node --import tsx bench/lenet-ab.ts <switch | /path/to/old> [rounds] [float64|float32] [new-first|old-first]
import * as fx from "../src/index.js";
import { wasmConvTuning } from "../src/compile/wasm/conv.js";
import { LENET_CLASSES, LENET_PARAMS, lenetData, lenetStep } from "./lenet.js";

type FX = typeof fx;
type Switch = keyof typeof wasmConvTuning;
const against = process.argv[2] ?? "wasmStore";
const rounds = Number(process.argv[3] ?? 15);
const accumulation = (process.argv[4] ?? "float64") as "float64" | "float32";
const otherTree = against.includes("/");
const oldFx = otherTree ? ((await import(`${against}/src/index.js`)) as FX) : fx;

function make(lib: FX, switchOn: boolean) {
  lib.setBackend("wasm", { threads: 1, accumulation });
  if (!otherTree) wasmConvTuning[against as Switch] = switchOn;
  const d = lenetData();
  const p = Object.fromEntries(LENET_PARAMS.map(([k, shape], i) => [k, lib.tensor(d.params[i]!).reshape(shape)])) as Parameters<typeof lenetStep>[0];
  const x = lib.tensor(d.x).reshape([d.batch, 1, 28, 28]);
  const y = lib.tensor(d.y).reshape([d.batch, LENET_CLASSES]);
  const step = lib.jit((pp: Parameters<typeof lenetStep>[0], xx: fx.Tensor, yy: fx.Tensor) => lenetStep(pp, xx, yy, lib));
  const out = step(p, x, y); // compiles under the switch
  if (!otherTree) wasmConvTuning[against as Switch] = true;
  return { run: () => step(p, x, y), out };
}

// With another checkout, whichever tree compiles first ran its step about 1.16× slower in a check
// of two identical trees; run both orders ("new-first", "old-first") and take the geometric mean
// of the two ratios.
const oldFirst = process.argv[5] === "old-first";
const first = oldFirst ? make(oldFx, false) : make(fx, true);
const second = oldFirst ? make(fx, true) : make(oldFx, false);
const [old, neu] = oldFirst ? [first, second] : [second, first];
const values = (o: ReturnType<typeof lenetStep>) => [o[0], ...Object.values(o[1])].map((t) => t.data());
const [a, b] = [values(old.out), values(neu.out)];
const same = a.every((v, i) => v.length === b[i]!.length && v.every((e, j) => Object.is(e, b[i]![j])));
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
const median = (m: number[]) => [...m].sort((p, q) => p - q)[m.length >> 1]!;
const [mo, mn] = times.map(median) as [number, number];
console.log(`${against} ${accumulation}${otherTree ? (oldFirst ? ", old first" : ", new first") : ""}: old ${mo.toFixed(2)} ms, new ${mn.toFixed(2)} ms, old/new ${(mo / mn).toFixed(3)}×, same bits: ${same}`);
