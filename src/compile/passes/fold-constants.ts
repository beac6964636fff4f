// Constant folding: an equation whose operands are all literals or concrete constants is
// evaluated at compile time with the primitive's reference evaluation. A rank-0 result becomes a
// literal, anything else a new constant. Equations that would expand data (a broadcast of a
// literal to a large shape) are left alone: folding them would trade a free loop for memory.

import type { Constant, Program } from "../../ir/program.js";
import { type Atom, Lit, Var } from "../../ir/var.js";
import type { ConcreteArg } from "../../prims/primitive.js";
import { allocArray } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { resolve, substituteEqn } from "./uses.js";

/** Results larger than this many elements are folded only if no larger than their operands. */
const SMALL_RESULT = 64;

export function foldConstants(program: Program): Program {
  const concrete = new Map<Var, Tensor>();
  for (const c of program.constants) if (!c.value.isTracer) concrete.set(c.v, c.value);
  const subst = new Map<Var, Atom>();
  const constants: Constant[] = [...program.constants];
  const eqns = [];
  for (const e0 of program.eqns) {
    const e = substituteEqn(e0, subst);
    const args: ConcreteArg[] = [];
    let inputSize = 0;
    for (const a of e.inputs) {
      if (a.kind === "lit") {
        const data = allocArray(a.dtype, 1);
        data[0] = a.value;
        args.push({ data, shape: [], dtype: a.dtype });
        inputSize += 1;
        continue;
      }
      const t = concrete.get(a);
      if (t === undefined) break;
      args.push({ data: t._concrete("foldConstants"), shape: t.shape, dtype: t.dtype });
      inputSize += t.size;
    }
    const outSize = sizeOf(e.out.shape);
    if (args.length !== e.inputs.length || (outSize > SMALL_RESULT && outSize > inputSize)) {
      eqns.push(e);
      continue;
    }
    const data = e.prim.impl(args, e.params, e.out);
    if (e.out.shape.length === 0) {
      subst.set(e.out, new Lit(data[0]!, e.out.dtype));
    } else {
      const value = new Tensor(e.out.shape, e.out.dtype, data);
      const v = new Var(e.out);
      constants.push({ v, value });
      concrete.set(v, value);
      subst.set(e.out, v);
    }
  }
  if (subst.size === 0) return program;
  return program.with({ constants, eqns, outputs: program.outputs.map((a) => resolve(subst, a)) });
}
