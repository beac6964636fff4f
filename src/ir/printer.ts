// Prints a Program as text a person can read, in the spirit of JAX's jaxpr:
//   { lambda c:f32[3] ; a:f32[2,3] b:f32[3]. let
//       d:f32[2,3] = broadcast_to[shape=[2,3]] b
//       e:f32[2,3] = add a d
//     in (e) }
// Variables are renamed a, b, …, z, ba, … in order of definition, so the text does not depend
// on variable ids and doubles as a structural key.

import type { Params, ParamValue } from "../prims/primitive.js";
import { DTYPE_SHORT } from "../tensor/dtype.js";
import type { Program } from "./program.js";
import type { Atom, Aval, Lit, Var } from "./var.js";

function varName(n: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

/** `f32[2,3]`; a weak value (a JS number argument) is marked `f64[]{weak}`. */
export function formatAval(a: Aval): string {
  return `${DTYPE_SHORT[a.dtype]}[${a.shape.join(",")}]${a.weak ? "{weak}" : ""}`;
}

export function formatLit(l: Lit): string {
  const v = l.value;
  let text: string;
  if (l.dtype === "bool") text = v ? "true" : "false";
  else if (l.dtype === "int32") text = String(v);
  else if (Number.isNaN(v)) text = "NaN";
  else if (!Number.isFinite(v)) text = v > 0 ? "inf" : "-inf";
  else text = Number.isInteger(v) ? v.toFixed(1) : String(v);
  return `${text}:${DTYPE_SHORT[l.dtype]}`;
}

function formatParam(v: ParamValue): string {
  if (Array.isArray(v)) return `[${v.map(formatParam).join(",")}]`;
  if (typeof v === "string") return v;
  return String(v);
}

export function formatParams(params: Params): string {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return "";
  return `[${keys.map((k) => `${k}=${formatParam(params[k]!)}`).join(" ")}]`;
}

/** A namer shared by the printer and by `explain`: stable short names in definition order. */
export class VarNamer {
  private readonly names = new Map<Var, string>();
  name(v: Var): string {
    let s = this.names.get(v);
    if (s === undefined) {
      s = varName(this.names.size);
      this.names.set(v, s);
    }
    return s;
  }
  atom(a: Atom): string {
    return a.kind === "lit" ? formatLit(a) : this.name(a);
  }
  typed(v: Var): string {
    return `${this.name(v)}:${formatAval(v)}`;
  }
}

export function printProgram(p: Program, namer = new VarNamer()): string {
  const consts = p.constants.map((c) => namer.typed(c.v) + (c.value.isTracer ? "(captured)" : ""));
  const inputs = p.inputs.map((v) => namer.typed(v));
  const lines = [`{ lambda ${consts.join(" ")}${consts.length ? " " : ""}; ${inputs.join(" ")}. let`];
  for (const e of p.eqns) {
    const lhs = namer.typed(e.out);
    const rhs = [e.prim.name + formatParams(e.params), ...e.inputs.map((a) => namer.atom(a))].join(" ");
    lines.push(`    ${lhs} = ${rhs}`);
  }
  lines.push(`  in (${p.outputs.map((a) => namer.atom(a)).join(", ")}) }`);
  return lines.join("\n");
}
