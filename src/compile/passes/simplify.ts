// Algebraic simplification: local rewrites that remove work without changing any value. A rule
// fires only where it is exact for every input — NaN, ±Infinity, −0 and subnormals included — in
// the equation's dtype (float32 values are rounded after every op, int32 values wrap modulo 2³²):
//   x·1, 1·x, x/1, x−0 → x                          every dtype (x − (+0) keeps −0)
//   x+(−0), (−0)+x → x                              every dtype (an int32 literal is never −0)
//   x+0, 0+x → x                                    int32 only (for floats −0 + 0 = +0)
//   x·0, 0·x, x−x → 0                               int32 only (for floats NaN and ±Infinity give NaN, −x·0 = −0)
//   c₁·(x·c₂) → x·(c₁c₂)                            int32 (a ring: wrapping commutes); floats only
//                                                     when c₁ or c₂ is ±1 (negation is exact). Other
//                                                     scales can overflow, underflow or round
//                                                     differently in two steps than in one.
//   −(−x) → x        (−a)+b → b−a,  a+(−b) → a−b    every dtype (IEEE subtraction adds the negation)
//   convert to the same dtype → x
//   transpose(transpose(x)) → one transpose (or x)    reshape(reshape(x)) → one reshape (or x)
//   broadcast_to(broadcast_to(x)) → one broadcast     layout to the same shape → x
//   an elementwise operand broadcast from a rank-0 value → the rank-0 value itself; when every
//   operand is such a value, the op is done once on scalars and its result broadcast
//   matmul of a transpose of the last two axes → matmul reading the operand transposed (the
//   kernel sums over the inner dimension in the same order)

import type { Eqn, Program } from "../../ir/program.js";
import { type Atom, type Aval, Lit, Var } from "../../ir/var.js";
import { addPrim, divPrim, mulPrim, subPrim } from "../../prims/binary.js";
import { castPrim } from "../../prims/compare.js";
import { broadcastToPrim, reshapePrim, transposePrim } from "../../prims/layout.js";
import { matmulPrim } from "../../prims/linalg.js";
import type { Params } from "../../prims/primitive.js";
import { negPrim } from "../../prims/unary.js";
import { type DType, coerceScalar } from "../../tensor/dtype.js";
import { shapesEqual } from "../../tensor/shape.js";
import { resolve, substituteEqn } from "./uses.js";

type Rewrite = Atom | Eqn | null;

const sameAval = (a: Aval, b: Aval) => a.dtype === b.dtype && shapesEqual(a.shape, b.shape);
/** A literal with exactly the value `v` (−0 and +0 are different values here). */
const isLit = (a: Atom, v: number) => a.kind === "lit" && Object.is(a.value, v);
/** A literal zero that leaves x unchanged when added: −0 for every dtype, +0 too for int32. */
const isAdditiveIdentity = (a: Atom, dtype: DType) => isLit(a, -0) || (dtype === "int32" && isLit(a, 0));

export function simplifyAlgebra(program: Program): Program {
  const subst = new Map<Var, Atom>();
  const defOf = new Map<Var, Eqn>();
  const def = (a: Atom) => (a.kind === "var" ? defOf.get(a) : undefined);
  const eqns: Eqn[] = [];
  let changed = false;
  /** Adds an equation a rewrite needs before the one it returns. */
  const emit = (e: Eqn) => {
    defOf.set(e.out, e);
    eqns.push(e);
  };

  const rewrite = (e: Eqn): Rewrite => {
    const out = e.out;
    const [a, b] = e.inputs;
    const keep = (x: Atom | undefined): Rewrite => (x !== undefined && sameAval(x, out) ? x : null);
    switch (e.prim) {
      case addPrim:
        return (
          (isAdditiveIdentity(b!, out.dtype) ? keep(a) : isAdditiveIdentity(a!, out.dtype) ? keep(b) : null) ??
          addOfNegation(e, def) ??
          unbroadcastScalars(e, def, emit)
        );
      case subPrim:
        return (isLit(b!, 0) ? keep(a) : null) ?? (out.dtype === "int32" && a === b ? intZero(out) : null) ?? unbroadcastScalars(e, def, emit);
      case mulPrim:
        return (
          (isLit(b!, 1) ? keep(a) : isLit(a!, 1) ? keep(b) : null) ??
          (out.dtype === "int32" && (isLit(a!, 0) || isLit(b!, 0)) ? intZero(out) : null) ??
          combineScales(e, def) ??
          unbroadcastScalars(e, def, emit)
        );
      case divPrim:
        return (isLit(b!, 1) ? keep(a) : null) ?? unbroadcastScalars(e, def, emit);
      case negPrim: {
        const d = def(a!);
        return d?.prim === negPrim ? keep(d.inputs[0]) : null;
      }
      case castPrim:
        return keep(a);
      case transposePrim: {
        const perm = e.params["perm"] as readonly number[];
        if (perm.every((p, i) => p === i)) return keep(a);
        const d = def(a!);
        if (d?.prim !== transposePrim) return null;
        const inner = d.params["perm"] as readonly number[];
        const composed = perm.map((p) => inner[p]!);
        if (composed.every((p, i) => p === i)) return keep(d.inputs[0]);
        return { ...e, inputs: d.inputs, params: { perm: composed } };
      }
      case reshapePrim: {
        if (sameAval(a!, out)) return a!;
        const d = def(a!);
        if (d?.prim !== reshapePrim) return null;
        if (sameAval(d.inputs[0]!, out)) return d.inputs[0]!;
        return { ...e, inputs: d.inputs };
      }
      case broadcastToPrim: {
        if (sameAval(a!, out)) return a!;
        const d = def(a!);
        if (d?.prim !== broadcastToPrim) return null;
        return { ...e, inputs: d.inputs };
      }
      case matmulPrim:
        return foldMatmulTranspose(e, def);
    }
    if (e.prim.lowering.kind === "elementwise") return unbroadcastScalars(e, def, emit);
    return null;
  };

  for (const e0 of program.eqns) {
    let e = substituteEqn(e0, subst);
    if (e !== e0) changed = true;
    // Rewrite to a fixed point: one rewrite can enable another (a scalar operand, then x·1).
    for (;;) {
      const r = rewrite(e);
      if (r === null) break;
      changed = true;
      if ("prim" in r) {
        e = r;
        continue;
      }
      subst.set(e.out, r);
      e = null as unknown as Eqn;
      break;
    }
    if (e === null) continue;
    defOf.set(e.out, e);
    eqns.push(e);
  }
  if (!changed) return program;
  return program.with({ eqns, outputs: program.outputs.map((a) => resolve(subst, a)) });
}

/**
 * Elementwise operands that are broadcasts of rank-0 values are replaced by those values. When
 * no operand is left with the output's shape, the op runs once on the scalars (emitted first)
 * and its result is broadcast.
 */
function unbroadcastScalars(e: Eqn, def: (a: Atom) => Eqn | undefined, emit: (e: Eqn) => void): Rewrite {
  if (e.out.shape.length === 0) return null;
  const inputs = e.inputs.map((a) => {
    const d = def(a);
    return d?.prim === broadcastToPrim && d.inputs[0]!.shape.length === 0 ? d.inputs[0]! : a;
  });
  if (inputs.every((a, i) => a === e.inputs[i])) return null;
  if (inputs.some((a) => shapesEqual(a.shape, e.out.shape))) return { ...e, inputs };
  const scalarOut = new Var({ shape: [], dtype: e.out.dtype });
  emit({ prim: e.prim, inputs, params: e.params, out: scalarOut });
  return { prim: broadcastToPrim, inputs: [scalarOut], params: { shape: [...e.out.shape] }, out: e.out };
}

/** The int32 zero of `out`'s shape: the literal, or its broadcast. */
function intZero(out: Var): Rewrite {
  const zero = new Lit(0, "int32");
  if (out.shape.length === 0) return zero;
  return { prim: broadcastToPrim, inputs: [zero], params: { shape: [...out.shape] }, out };
}

/**
 * c₁·(x·c₂) → x·(c₁c₂) for literals c₁, c₂: for int32 always (products wrap modulo 2³² either
 * way, Math.imul), for floats only when c₁ or c₂ is ±1 — scaling by −1 is exact, and any other
 * pair can overflow, underflow or round differently in one step than in two.
 */
function combineScales(e: Eqn, def: (a: Atom) => Eqn | undefined): Rewrite {
  const [a, b] = e.inputs;
  const [c1, y] = a!.kind === "lit" ? [a!, b!] : b!.kind === "lit" ? [b!, a!] : [null, null];
  if (c1 === null || c1.kind !== "lit") return null;
  const d = def(y!);
  if (d?.prim !== mulPrim) return null;
  const [p, q] = d.inputs;
  const [c2, x] = p!.kind === "lit" ? [p!, q!] : q!.kind === "lit" ? [q!, p!] : [null, null];
  if (c2 === null || c2.kind !== "lit") return null;
  const dtype = e.out.dtype;
  const exact = dtype === "int32" || Math.abs(c1.value) === 1 || Math.abs(c2.value) === 1;
  if (!exact || !shapesEqual(x!.shape, e.out.shape)) return null;
  const product = dtype === "int32" ? Math.imul(c1.value, c2.value) : coerceScalar(c1.value * c2.value, dtype);
  return { ...e, inputs: [x!, new Lit(product, e.out.dtype)] };
}

/** (−a) + b → b − a and a + (−b) → a − b. */
function addOfNegation(e: Eqn, def: (a: Atom) => Eqn | undefined): Rewrite {
  const [a, b] = e.inputs;
  const da = def(a!);
  if (da?.prim === negPrim) return { ...e, prim: subPrim, inputs: [b!, da.inputs[0]!] };
  const db = def(b!);
  if (db?.prim === negPrim) return { ...e, prim: subPrim, inputs: [a!, db.inputs[0]!] };
  return null;
}

/** matmul(transpose(a) with the last two axes swapped, b) reads `a` transposed instead. */
function foldMatmulTranspose(e: Eqn, def: (a: Atom) => Eqn | undefined): Rewrite {
  const params: Record<string, boolean> = { transposeA: e.params["transposeA"] === true, transposeB: e.params["transposeB"] === true };
  const inputs = [...e.inputs];
  let changed = false;
  (["transposeA", "transposeB"] as const).forEach((flag, k) => {
    const d = def(inputs[k]!);
    if (d?.prim !== transposePrim) return;
    const perm = d.params["perm"] as readonly number[];
    const r = perm.length;
    const swapsLastTwo = perm.every((p, i) => (i < r - 2 ? p === i : i === r - 2 ? p === r - 1 : p === r - 2));
    if (!swapsLastTwo) return;
    inputs[k] = d.inputs[0]!;
    params[flag] = !params[flag];
    changed = true;
  });
  return changed ? { ...e, inputs, params: params as Params } : null;
}
