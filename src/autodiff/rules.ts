// The two passes of automatic differentiation over a Program, run inside an active trace so
// that every derivative computation is itself recorded as IR:
// - `backwardPass` re-emits the forward equations, then walks them in reverse applying each
//   primitive's VJP rule (reverse mode);
// - `forwardTangents` re-emits the forward equations together with each primitive's JVP rule
//   (forward mode).
// Zero cotangents/tangents are symbolic (null) and never materialised. Only equations that
// depend on a differentiated input (and produce floats) get derivative work.

import type { Program } from "../ir/program.js";
import type { Atom, Var } from "../ir/var.js";
import { scalar } from "../tensor/create.js";
import { isFloat } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { add } from "../prims/binary.js";
import { shapesEqual } from "../tensor/shape.js";
import { ShapeError, fmtShape } from "../errors.js";

/** The forward equations of `program` applied to `args`, keeping every intermediate value. */
function forward(program: Program, args: readonly Tensor[]) {
  const env = new Map<Var, Tensor>();
  program.inputs.forEach((v, i) => env.set(v, args[i]!));
  program.constants.forEach((c) => env.set(c.v, c.value));
  const read = (a: Atom): Tensor => (a.kind === "lit" ? scalar(a.value, a.dtype) : env.get(a)!);
  return { env, read };
}

/** Which variables depend on an input marked in `wrt` through float values. */
function activeVars(program: Program, wrt: readonly boolean[]): Set<Var> {
  const active = new Set<Var>();
  program.inputs.forEach((v, i) => {
    if (wrt[i] && isFloat(v.dtype)) active.add(v);
  });
  for (const e of program.eqns) {
    if (isFloat(e.out.dtype) && e.inputs.some((a) => a.kind === "var" && active.has(a))) active.add(e.out);
  }
  return active;
}

/**
 * Emits forward and backward equations: returns the outputs and the cotangents of the inputs
 * marked in `wrt` (null where the output does not depend on that input).
 */
export function backwardPass(
  program: Program,
  args: readonly Tensor[],
  outCotangents: readonly (Tensor | null)[],
  wrt: readonly boolean[],
): { outputs: Tensor[]; cotangents: (Tensor | null)[] } {
  const { env, read } = forward(program, args);
  const active = activeVars(program, wrt);
  for (const e of program.eqns) env.set(e.out, bind(e.prim, e.inputs.map(read), e.params));
  const outputs = program.outputs.map(read);

  const cts = new Map<Var, Tensor>();
  const accumulate = (v: Var, ct: Tensor) => {
    if (!shapesEqual(ct.shape, v.shape)) {
      throw new ShapeError(`grad: internal error: cotangent of shape ${fmtShape(ct.shape)} for a value of shape ${fmtShape(v.shape)}`);
    }
    const prev = cts.get(v);
    cts.set(v, prev === undefined ? ct : add(prev, ct));
  };
  program.outputs.forEach((a, i) => {
    const ct = outCotangents[i];
    if (a.kind === "var" && active.has(a) && ct) accumulate(a, ct);
  });
  for (let k = program.eqns.length - 1; k >= 0; k--) {
    const e = program.eqns[k]!;
    const g = cts.get(e.out);
    if (g === undefined || !active.has(e.out)) continue;
    const inputs = e.inputs.map(read);
    const inputCts = e.prim.vjp(g, { inputs, out: env.get(e.out)!, params: e.params });
    e.inputs.forEach((a, i) => {
      const ct = inputCts[i];
      if (a.kind === "var" && active.has(a) && ct) accumulate(a, ct);
    });
  }
  return { outputs, cotangents: program.inputs.map((v, i) => (wrt[i] ? (cts.get(v) ?? null) : null)) };
}

/** Emits forward equations with their JVP rules: returns outputs and their tangents. */
export function forwardTangents(
  program: Program,
  args: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
): { outputs: Tensor[]; tangents: (Tensor | null)[] } {
  const { env, read } = forward(program, args);
  const tan = new Map<Var, Tensor>();
  program.inputs.forEach((v, i) => {
    const t = tangents[i];
    if (t && isFloat(v.dtype)) tan.set(v, t);
  });
  const tangentOf = (a: Atom): Tensor | null => (a.kind === "var" ? (tan.get(a) ?? null) : null);
  for (const e of program.eqns) {
    const inputs = e.inputs.map(read);
    const out = bind(e.prim, inputs, e.params);
    env.set(e.out, out);
    const ts = e.inputs.map(tangentOf);
    if (!isFloat(e.out.dtype) || ts.every((t) => t === null)) continue;
    const t = e.prim.jvp({ inputs, out, params: e.params, tangents: ts });
    if (t !== null) tan.set(e.out, t);
  }
  return { outputs: program.outputs.map(read), tangents: program.outputs.map(tangentOf) };
}
