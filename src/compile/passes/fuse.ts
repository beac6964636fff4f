// Elementwise fusion: groups equations that can run as one loop and replaces each group of two
// or more by a single fused equation carrying the group as its body (see ../fused.ts).
//
// Rules (a group is one kernel; its "sink" is the equation whose result the kernel stores):
//  1. Elementwise equations join the group of their readers when every reader is in that one group
//     and reads them at the same loop index: then the value lives in a register of the loop.
//     Rank-0 values read by a larger loop are computed once, before the loop.
//  2. Layout equations with an index rule (reshape, transpose, broadcast_to, slice, rev) are index
//     arithmetic on loads: they join every group whose members all read them through index
//     arithmetic (duplicating them is free), and are materialised when something else needs
//     them (an output, a contraction operand, …); a group that needs the stored value reads it.
//     Only layouts and rank-0 values may sit under a layout inside a group.
//  3. A reduction joins the group of its elementwise readers as the group's root when they are
//     over its output shape: they become its epilogue (applied once per output element). Its
//     operand's elementwise producers then join over the input shape: the prologue, evaluated in
//     the reduction's single pass over its input (`sum(exp(x − m))` reads x once).
//  4. A contraction (a kernel class whose lowering declares `epilogue: true`: matmul, conv) joins
//     the same way as a root whose epilogue (bias add, activation) is applied in its kernel's
//     output loop. Its operands are always materialised buffers.
//  5. Anything else (and any value the program returns) is materialised.
// The pass visits equations from last to first, so each equation sees its readers' groups.

import type { Eqn, Program } from "../../ir/program.js";
import { Program as ProgramClass } from "../../ir/program.js";
import type { Var } from "../../ir/var.js";
import { type Shape, shapesEqual } from "../../tensor/shape.js";
import { type FusedKind, makeFusedPrimitive } from "../fused.js";
import { viewRuleFor } from "../views.js";
import { outputVars, usersOf } from "./uses.js";

export type EqnClass = "elementwise" | "view" | "reduce" | "contraction" | "other";

/** How the compiler treats an equation, from its primitive's lowering (never its name). */
export function classifyEqn(e: Eqn): EqnClass {
  const l = e.prim.lowering;
  if (l.kind === "elementwise") return "elementwise";
  if (l.kind === "reduce") return "reduce";
  if (l.kind === "kernel") {
    if (l.epilogue === true) return "contraction";
    if (e.inputs.length === 1 && viewRuleFor(l.kernel) !== undefined) return "view";
  }
  return "other";
}

/** Where a member of a group is evaluated: the output loop, a reduction's input loop, once
 * before the loop (rank-0), or as index arithmetic under a layout. */
type Tag = "out" | "in" | "scalar" | "index";

interface Group {
  readonly sink: Eqn;
  readonly members: Set<Eqn>;
  readonly tags: Map<Eqn, Tag>;
  root: Eqn | null;
  rootKind: EqnClass | null;
  readonly outShape: Shape;
}

export function fuseElementwise(program: Program): Program {
  const users = usersOf(program);
  const outs = outputVars(program);
  const groupsOf = new Map<Eqn, Group[]>();
  const groupOfSink = new Map<Eqn, Group>();
  const memberOf = (e: Eqn, g: Group, tag: Tag) => {
    g.members.add(e);
    g.tags.set(e, tag);
    const list = groupsOf.get(e);
    if (list === undefined) groupsOf.set(e, [g]);
    else if (!list.includes(g)) list.push(g);
  };

  for (let i = program.eqns.length - 1; i >= 0; i--) {
    const e = program.eqns[i]!;
    const cls = classifyEqn(e);
    const readers = users.get(e.out) ?? [];
    let materialise = outs.has(e.out) || readers.length === 0;

    if (cls === "view") {
      // Join a group only if every reader inside it reads through index arithmetic: a group
      // whose contraction root also reads the value needs it as a stored buffer, and a value
      // cannot be both a kernel input and computed inside that kernel.
      const joinable = new Map<Group, boolean>();
      for (const u of readers) {
        for (const g of groupsOf.get(u)!) joinable.set(g, (joinable.get(g) ?? true) && readsThroughIndex(g, u));
      }
      for (const [g, ok] of joinable) {
        if (ok) memberOf(e, g, "index");
        else materialise = true;
      }
    } else if (!materialise && (cls === "elementwise" || cls === "reduce" || cls === "contraction")) {
      materialise = !tryJoin(e, cls, readers, groupsOf, memberOf);
    } else {
      materialise = true;
    }

    if (materialise) {
      const isRoot = cls === "reduce" || cls === "contraction" || cls === "other";
      const g: Group = {
        sink: e,
        members: new Set(),
        tags: new Map(),
        root: isRoot ? e : null,
        rootKind: isRoot ? cls : null,
        outShape: e.out.shape,
      };
      memberOf(e, g, "out");
      groupOfSink.set(e, g);
    }
  }

  let changed = false;
  const eqns: Eqn[] = [];
  for (const e of program.eqns) {
    const g = groupOfSink.get(e);
    if (g === undefined) continue;
    if (g.members.size === 1) {
      eqns.push(e);
      continue;
    }
    changed = true;
    eqns.push(buildFusedEqn(program, g));
  }
  if (!changed && eqns.length === program.eqns.length) return program;
  return program.with({ eqns });
}

/** Whether member `u` of `g` can read an operand through index arithmetic. */
function readsThroughIndex(g: Group, u: Eqn): boolean {
  const c = classifyEqn(u);
  if (c === "elementwise" || c === "view") return true;
  return u === g.root && g.rootKind === "reduce";
}

/** The tag `e` would have as an operand of member `u` of `g`, or null if it cannot join. */
function tagUnder(g: Group, u: Eqn, e: Eqn): Tag | null {
  if (u === g.root) return g.rootKind === "reduce" ? "in" : null;
  const c = classifyEqn(u);
  const scalarInLoop = e.out.shape.length === 0 && u.out.shape.length !== 0;
  if (c === "elementwise") return scalarInLoop ? "scalar" : g.tags.get(u)!;
  if (c === "view") return e.out.shape.length === 0 ? "scalar" : null;
  return null;
}

function tryJoin(
  e: Eqn,
  cls: EqnClass,
  readers: readonly Eqn[],
  groupsOf: Map<Eqn, Group[]>,
  memberOf: (e: Eqn, g: Group, tag: Tag) => void,
): boolean {
  let group: Group | null = null;
  for (const u of readers) {
    const gs = groupsOf.get(u)!;
    if (gs.length !== 1) return false; // a duplicated layout reads it in several kernels
    if (group !== null && gs[0] !== group) return false;
    group = gs[0]!;
  }
  if (group === null) return false;
  let tag: Tag | null = null;
  for (const u of readers) {
    const t = tagUnder(group, u, e);
    if (t === null || (tag !== null && t !== tag)) return false;
    tag = t;
  }
  if (tag === null || tag === "index") return false;
  if (cls === "elementwise") {
    memberOf(e, group, tag);
    return true;
  }
  // A reduction or contraction becomes the root of a group of elementwise readers over its output.
  if (tag !== "out" || group.root !== null || !shapesEqual(e.out.shape, group.outShape)) return false;
  if (!readers.every((u) => classifyEqn(u) === "elementwise")) return false;
  group.root = e;
  group.rootKind = cls;
  memberOf(e, group, "out");
  return true;
}

function buildFusedEqn(program: Program, g: Group): Eqn {
  const members = program.eqns.filter((e) => g.members.has(e));
  const defined = new Set<Var>(members.map((e) => e.out));
  const inputs: Var[] = [];
  const seen = new Set<Var>();
  for (const e of members) {
    for (const a of e.inputs) {
      if (a.kind === "var" && !defined.has(a) && !seen.has(a)) {
        seen.add(a);
        inputs.push(a);
      }
    }
  }
  const kind: FusedKind = g.rootKind === "reduce" ? "reduce" : g.rootKind === "contraction" ? "contraction" : "loop";
  const body = new ProgramClass({ inputs, constants: [], eqns: members, outputs: [g.sink.out] });
  return { prim: makeFusedPrimitive({ kind, program: body, root: g.root }), inputs, params: {}, out: g.sink.out };
}
