// Dead-code elimination: drops equations whose results nothing reads and constants no equation
// or output uses. Every primitive is pure, so an unread result is never needed.

import type { Program } from "../../ir/program.js";
import type { Var } from "../../ir/var.js";

export function eliminateDeadCode(program: Program): Program {
  const live = new Set<Var>();
  for (const a of program.outputs) if (a.kind === "var") live.add(a);
  const kept = [];
  for (let i = program.eqns.length - 1; i >= 0; i--) {
    const e = program.eqns[i]!;
    if (!live.has(e.out)) continue;
    kept.push(e);
    for (const a of e.inputs) if (a.kind === "var") live.add(a);
  }
  kept.reverse();
  const constants = program.constants.filter((c) => live.has(c.v));
  if (kept.length === program.eqns.length && constants.length === program.constants.length) return program;
  return program.with({ eqns: kept, constants });
}
