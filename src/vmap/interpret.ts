// The batching interpreter: runs a per-example Program once on batched values, equation by
// equation. An equation whose operands are all unbatched is bound as it is; any other goes
// through its primitive's batching rule. Rules bind primitives, so with concrete operands this
// computes the batched values and inside another transform it records the batched equations.

import { FluxionError, fmtShape } from "../errors.js";
import type { Program } from "../ir/program.js";
import type { Atom, Var } from "../ir/var.js";
import { scalar } from "../tensor/create.js";
import { bind } from "../trace/context.js";
import { type Batched, withAxis } from "./batched.js";
import { batchingRuleFor } from "./rules.js";

/** Checks that a rule's result is the equation's per-example result with the batch at `bdim`. */
function checkRuleResult(name: string, out: Batched, expected: Var, size: number): void {
  const want = out.bdim === null ? [...expected.shape] : withAxis(expected.shape, out.bdim, size);
  const got = out.value.shape;
  if (out.value.dtype !== expected.dtype || got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new FluxionError(
      `vmap: internal error: the batching rule of ${name} gave ${out.value.dtype}${fmtShape(got)} (batch axis ${out.bdim}), expected ${expected.dtype}${fmtShape(want)}`,
    );
  }
}

/** Evaluates `program` (written for one example) on `args` carrying a batch of `size`. */
export function batchProgram(program: Program, args: readonly Batched[], size: number): Batched[] {
  const env = new Map<Var, Batched>();
  program.inputs.forEach((v, i) => env.set(v, args[i]!));
  program.constants.forEach((c) => env.set(c.v, { value: c.value, bdim: null }));
  const read = (a: Atom): Batched => (a.kind === "lit" ? { value: scalar(a.value, a.dtype), bdim: null } : env.get(a)!);
  for (const e of program.eqns) {
    const inputs = e.inputs.map(read);
    if (inputs.every((x) => x.bdim === null)) {
      env.set(e.out, { value: bind(e.prim, inputs.map((x) => x.value), e.params), bdim: null });
      continue;
    }
    const out = batchingRuleFor(e.prim)(e.prim, inputs, e.params, size);
    checkRuleResult(e.prim.name, out, e.out, size);
    env.set(e.out, out);
  }
  return program.outputs.map(read);
}
