// Common-subexpression elimination: two equations applying the same primitive with equal
// parameters to the same operands compute the same value; the later one is replaced by the
// earlier. Primitives are compared by identity (fused primitives share names), parameters and
// literals by value — bit for bit, so −0 ≠ 0 and NaN ≠ ±Infinity — and dtype; constants holding
// the same tensor are merged.

import type { Program } from "../../ir/program.js";
import type { Atom, Var } from "../../ir/var.js";
import type { Params, Primitive } from "../../prims/primitive.js";
import type { Tensor } from "../../tensor/tensor.js";
import { resolve, substituteEqn } from "./uses.js";

const primIds = new WeakMap<Primitive, number>();
let nextPrimId = 0;
function primId(p: Primitive): number {
  let id = primIds.get(p);
  if (id === undefined) primIds.set(p, (id = nextPrimId++));
  return id;
}

/**
 * A canonical text of parameters (plain data): object keys sorted; every number written so that
 * distinct values stay distinct — −0 and 0, NaN and ±Infinity (JSON would write `0` for −0 and
 * `null` for the others) — and apart from strings ("NaN" the string is not NaN the number).
 */
export function paramsKey(params: Params): string {
  return valueKey(params);
}

function valueKey(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `[${v.map(valueKey).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${valueKey(o[k])}`).join(",")}}`;
}

function atomKey(a: Atom): string {
  if (a.kind === "var") return `v${a.id}`;
  return `l${Object.is(a.value, -0) ? "-0" : String(a.value)}:${a.dtype}`;
}

export function eliminateCommonSubexpressions(program: Program): Program {
  const subst = new Map<Var, Atom>();
  const constants = [];
  const byTensor = new Map<Tensor, Var>();
  for (const c of program.constants) {
    const prev = byTensor.get(c.value);
    if (prev !== undefined) subst.set(c.v, prev);
    else {
      byTensor.set(c.value, c.v);
      constants.push(c);
    }
  }
  const seen = new Map<string, Var>();
  const eqns = [];
  for (const e0 of program.eqns) {
    const e = substituteEqn(e0, subst);
    const key = `${primId(e.prim)}|${paramsKey(e.params)}|${e.inputs.map(atomKey).join(",")}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      subst.set(e.out, prev);
      continue;
    }
    seen.set(key, e.out);
    eqns.push(e);
  }
  if (subst.size === 0) return program;
  return program.with({ constants, eqns, outputs: program.outputs.map((a) => resolve(subst, a)) });
}
