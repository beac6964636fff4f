// Where the LeNet-5 training step's time goes: every kernel of the jitted step (batch 64, wasm
// backend, one thread) timed on its own, summed over many steps, per accumulation. A profiling
// emitter registered first wraps each kernel the other emitters make with a clock; the figures
// are CPU time per step (process.cpuUsage, µs resolution: less disturbed by other processes on a
// loaded machine than wall time; read the shares more than the absolute values).
//   node --import tsx bench/lenet-profile.ts [steps] [float64|float32|both]

import * as fx from "../src/index.js";
import { type KernelEmitter, emitKernel, registerEmitter } from "../src/compile/codegen/emitter.js";
import type { KernelSpec } from "../src/compile/lower.js";
import { LENET_CLASSES, LENET_PARAMS, lenetData, lenetStep } from "./lenet.js";

interface Timed {
  readonly label: string;
  readonly emitter: string;
  ms: number;
  calls: number;
}

let timed: Timed[] = [];
let inside = false;

function labelOf(spec: KernelSpec): string {
  const shape = `[${spec.out.shape.join(",")}]`;
  if (spec.kind === "call") return `${spec.prim.name} ${shape} ← ${spec.inputs.map((a) => `[${a.shape.join(",")}]`).join(" ")}`;
  if (spec.kind === "contraction") {
    const ops = spec.epilogue.nodes.filter((n) => n.kind === "op").map((n) => (n as { prim?: { name: string } }).prim?.name ?? "op");
    return `${spec.root.kernelClass} ${shape} ← ${spec.root.inputs.map((a) => `[${a.shape.join(",")}]`).join(" ")}${ops.length > 0 ? ` + ${ops.join(",")}` : ""}`;
  }
  if (spec.kind === "reduce") return `reduce axes [${spec.axes.join(",")}] ${shape} ← [${spec.prologue.shape.join(",")}]`;
  return `loop ${shape} (${spec.graph.nodes.filter((n) => n.kind === "op").length} ops)`;
}

const profiler: KernelEmitter = {
  name: "profile",
  emit(spec) {
    if (inside) return null;
    inside = true;
    try {
      const k = emitKernel(spec);
      const entry: Timed = { label: labelOf(spec), emitter: k.emitter ?? "?", ms: 0, calls: 0 };
      timed.push(entry);
      const run = k.run;
      return {
        ...k,
        run: (ins, out) => {
          const t = process.cpuUsage();
          run(ins, out);
          const d = process.cpuUsage(t);
          entry.ms += (d.user + d.system) / 1000;
          entry.calls++;
        },
      };
    } finally {
      inside = false;
    }
  },
};
registerEmitter(profiler, { first: true });

function profile(accumulation: "float64" | "float32", steps: number): void {
  fx.setBackend("wasm", { threads: 1, accumulation });
  timed = [];
  const d = lenetData();
  const p = Object.fromEntries(LENET_PARAMS.map(([k, shape], i) => [k, fx.tensor(d.params[i]!).reshape(shape)])) as Parameters<typeof lenetStep>[0];
  const x = fx.tensor(d.x).reshape([d.batch, 1, 28, 28]);
  const y = fx.tensor(d.y).reshape([d.batch, LENET_CLASSES]);
  const step = fx.jit(lenetStep);
  for (let i = 0; i < 10; i++) step(p, x, y);
  for (const t of timed) [t.ms, t.calls] = [0, 0];
  const t0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) step(p, x, y);
  const used = process.cpuUsage(t0);
  const total = (used.user + used.system) / 1000 / steps;
  const sum = timed.reduce((s, t) => s + t.ms, 0) / steps;
  console.log(`\n== ${accumulation} accumulation: ${total.toFixed(2)} ms per step, kernels ${sum.toFixed(2)} ms, ${timed.length} kernels`);
  for (const t of [...timed].sort((a, b) => b.ms - a.ms)) {
    console.log(`${(t.ms / steps).toFixed(3).padStart(7)} ms  ${t.emitter.padEnd(26)} ${t.label}`);
  }
}

const steps = Number(process.argv[2] ?? 100);
const which = process.argv[3] ?? "both";
if (which !== "float32") profile("float64", steps);
if (which !== "float64") profile("float32", steps);
