// Use-def helpers shared by the passes: who reads each variable, and atom substitution.

import type { Eqn, Program } from "../../ir/program.js";
import type { Atom, Var } from "../../ir/var.js";

/** For each variable, the equations reading it (an equation reading it twice appears once). */
export function usersOf(program: Program): Map<Var, Eqn[]> {
  const users = new Map<Var, Eqn[]>();
  for (const e of program.eqns) {
    for (const a of e.inputs) {
      if (a.kind !== "var") continue;
      let list = users.get(a);
      if (list === undefined) users.set(a, (list = []));
      if (list[list.length - 1] !== e) list.push(e);
    }
  }
  return users;
}

/** The variables a program returns. */
export function outputVars(program: Program): Set<Var> {
  const s = new Set<Var>();
  for (const a of program.outputs) if (a.kind === "var") s.add(a);
  return s;
}

/** Follows a substitution map to its final atom. */
export function resolve(subst: ReadonlyMap<Var, Atom>, a: Atom): Atom {
  while (a.kind === "var") {
    const next = subst.get(a);
    if (next === undefined) break;
    a = next;
  }
  return a;
}

/** The equation with its inputs substituted (the same object when nothing changes). */
export function substituteEqn(e: Eqn, subst: ReadonlyMap<Var, Atom>): Eqn {
  let changed = false;
  const inputs = e.inputs.map((a) => {
    const r = resolve(subst, a);
    if (r !== a) changed = true;
    return r;
  });
  return changed ? { ...e, inputs } : e;
}
