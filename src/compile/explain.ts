// `jit(f).explain(...args)`: what the compiler made of f, as text. The traced IR, the IR after
// the optimisation passes, the fused IR (one equation per kernel), each kernel with the
// equations it covers, the memory plan and the generated JavaScript.

import type { Eqn } from "../ir/program.js";
import { VarNamer, formatAval, formatParams, printProgram } from "../ir/printer.js";
import { DTYPE_SHORT } from "../tensor/dtype.js";
import { isFused } from "./fused.js";
import type { CompiledProgram } from "./pipeline.js";

function eqnLine(e: Eqn, namer: VarNamer): string {
  return `${namer.typed(e.out)} = ${[e.prim.name + formatParams(e.params), ...e.inputs.map((a) => namer.atom(a))].join(" ")}`;
}

const BYTES = { float32: 4, float64: 8, int32: 4, bool: 1 } as const;

export function explainCompiled(c: CompiledProgram): string {
  const out: string[] = [];
  out.push("== traced IR ==", printProgram(c.traced), "");
  const namer = new VarNamer();
  out.push("== optimised IR ==", printProgram(c.optimized, namer), "");
  out.push("== fused IR (one equation per kernel) ==", printProgram(c.fused, namer), "");
  const steps = c.executable.steps;
  out.push(`== kernels: ${steps.length} ==`);
  steps.forEach((s, k) => {
    const e = s.eqn;
    const covered = isFused(e.prim) ? e.prim.fused.program.eqns : [e];
    out.push(`kernel ${k}: ${s.spec?.kind ?? "reference"} → ${namer.typed(e.out)} (${s.kernel.emitter}), ${covered.length} equation${covered.length === 1 ? "" : "s"}:`);
    for (const ce of covered) out.push(`    ${eqnLine(ce, namer)}`);
  });
  out.push("");
  const plan = c.executable.plan;
  const tempBytes = plan.buffers.reduce((n, b) => n + b.size * BYTES[b.dtype], 0);
  // Under the WebAssembly backend the buffers are one region of the kernel memory (wasm/arena.ts).
  const where = plan.buffers.length > 0 && c.executable.buffersIn === "kernel-memory" ? " in the WebAssembly kernel memory" : "";
  out.push(`== memory: ${plan.buffers.length} reusable buffer${plan.buffers.length === 1 ? "" : "s"}, ${tempBytes} bytes${where}; ${plan.outputVars.length} fresh output${plan.outputVars.length === 1 ? "" : "s"} per call ==`);
  plan.buffers.forEach((b, i) => {
    out.push(`buffer ${i}: ${DTYPE_SHORT[b.dtype]}[${b.size}] holds ${b.holds.map((v) => `${namer.name(v)}:${formatAval(v)}`).join(", ")}`);
  });
  out.push("");
  out.push("== generated JavaScript ==");
  steps.forEach((s, k) => {
    out.push(`-- kernel ${k} (${s.kernel.emitter})`, s.kernel.source);
  });
  return out.join("\n");
}
