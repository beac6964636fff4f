// The public autodiff transforms. Each one traces the user's function to a Program, derives a
// new Program containing the derivative computation (forward and backward equations in the same
// primitive language), simplifies it, and evaluates it. Evaluating with tracers (inside another
// transform) re-records the derived program, so transforms compose: grad(grad(f)), jvp of
// grad, hessian, jit of grad.
//
// Argument leaves: tensors are traced; JS numbers are weak scalars (weak floats when they are
// differentiated, and then their derivative is a float32 scalar, as JAX's is for a Python
// float); JS booleans are static (passed to f as they are, never differentiated).

import { DTypeError, ValueError, ShapeError, fmtShape } from "../errors.js";
import type { Program } from "../ir/program.js";
import type { Aval } from "../ir/var.js";
import { shapesEqual } from "../tensor/shape.js";
import { scalar } from "../tensor/create.js";
import { isFloat } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { withNewTrace } from "../trace/context.js";
import { evalProgram } from "../trace/interpret.js";
import { flattenArgs, strongAval, traceFlat } from "../trace/trace.js";
import { cast } from "../prims/compare.js";
import { type TreeDef, flatten, numLeaves, treeDefKey, unflatten } from "../tree/index.js";
import type { Argnums, CotangentOf, GradsAt, HessianAt, TangentOf, Traced, TreeLike } from "../tree/types.js";
import { broadcastTo, reshape } from "../prims/layout.js";
import { backwardPass, forwardTangents } from "./rules.js";
import { simplifyDerivative } from "./simplify.js";
import { concat } from "../prims/movement.js";
import * as schemas from "../options/schemas.js";
import { checkArg, checkJvpArgs, checkTransform } from "../options/validate.js";

type Fn = (...args: any[]) => any;

/**
 * Options of `grad` and `valueAndGrad`.
 *
 * @typeParam N - the literal type of `argnums` (inferred: `{ argnums: [0, 2] }` is `readonly [0, 2]`).
 */
export interface GradOptions<N extends Argnums = Argnums> {
  /** Which positional argument(s) to differentiate with respect to (default 0); a list gives a tuple of gradients. */
  argnums?: N;
  /** f returns [value, aux]; aux is passed through undifferentiated. */
  hasAux?: boolean;
}

/** Options of `jacobian` and `hessian`: which positional argument(s) to differentiate (default 0). */
export interface JacobianOptions<N extends Argnums = Argnums> {
  /** One position, or a list (a tuple of results, one per position). */
  argnums?: N;
}

/** A scalar-valued function to differentiate (grad, valueAndGrad, hessian): it must return a tensor. */
type ScalarFn<A extends unknown[]> = (...args: A) => Tensor;
/** A function returning `[value, aux]` (hasAux): value a scalar tensor, aux any pytree. */
type AuxFn<A extends unknown[], Aux> = (...args: A) => readonly [Tensor, Aux];

/**
 * Flattened arguments (numbers in differentiated arguments become weak floats) with, for each
 * traced tensor, the index of the argument it belongs to (`owner`).
 */
function flattenDiffArgs(op: string, args: readonly unknown[], differentiated: (arg: number) => boolean) {
  const leafOwner: number[] = [];
  args.forEach((a, i) => {
    const n = numLeaves(flatten(a)[1]);
    for (let k = 0; k < n; k++) leafOwner.push(i);
  });
  const { leaves, tensors, inTree } = flattenArgs(op, args, (j) => (differentiated(leafOwner[j]!) ? "float" : undefined));
  const owner = leafOwner.filter((_, j) => leaves[j] instanceof Tensor);
  leaves.forEach((l, j) => {
    if (typeof l === "boolean" && differentiated(leafOwner[j]!)) {
      throw new DTypeError(
        `${op}: cannot differentiate with respect to argument ${leafOwner[j]} (leaf ${j} is the JS boolean ${l}, which is static); only float32/float64 inputs have gradients`,
      );
    }
  });
  return { leaves, tensors, inTree, owner };
}

/** The derivative of a weak (JS number) input comes back as a float32 scalar, as JAX's does. */
function derivativeOf(d: Tensor, input: Tensor): Tensor {
  return input.weak ? cast(d, "float32") : d;
}

function normalizeArgnums(op: string, argnums: number | readonly number[] | undefined, nargs: number): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new ValueError(`${op}: argnums ${a} is out of range for a function called with ${nargs} argument${nargs === 1 ? "" : "s"}`);
    }
  }
  if (list.length === 0) throw new ValueError(`${op}: argnums must name at least one argument`);
  return list;
}

/** A tensor of zeros of `like`'s shape, recorded as a broadcast of a literal inside traces. */
function zerosOf(like: Tensor): Tensor {
  return broadcastTo(scalar(0, like.dtype), like.shape);
}

function checkDifferentiable(op: string, tensors: readonly Tensor[], owner: readonly number[], wrt: readonly boolean[]): void {
  tensors.forEach((t, i) => {
    if (wrt[i] && !isFloat(t.dtype)) {
      throw new DTypeError(
        `${op}: cannot differentiate with respect to argument ${owner[i]} (leaf of dtype ${t.dtype}, shape ${fmtShape(t.shape)}); only float32/float64 inputs have gradients`,
      );
    }
  });
}

/** A cotangent/tangent leaf as a tensor (a number stands for a scalar of `like`'s dtype), checked to match `like`. */
function leafLike(op: string, what: string, leaf: unknown, i: number, like: Aval, likeName: string): Tensor {
  const t = typeof leaf === "number" && like.shape.length === 0 ? scalar(leaf, like.dtype) : leaf;
  if (!(t instanceof Tensor)) {
    throw new ValueError(`${op}: ${what} ${i} must be a ${like.dtype}${fmtShape(like.shape)} tensor like ${likeName}, got ${t === null ? "null" : typeof t}`);
  }
  if (t.dtype !== like.dtype || !shapesEqual(t.shape, like.shape)) {
    throw new ShapeError(`${op}: ${what} ${i} must be ${like.dtype}${fmtShape(like.shape)} like ${likeName}, got ${t.dtype}${fmtShape(t.shape)}`);
  }
  return t;
}

/** Index of the scalar value among the output leaves (0), checking the output's form. */
function checkScalarOutput(op: string, program: Program, outTree: TreeDef, hasAux: boolean): void {
  if (program.outputs.length === 0) throw new ValueError(`${op}: the function returned no tensor`);
  if (hasAux) {
    if (outTree.kind !== "array" || outTree.children.length !== 2 || outTree.children[0]!.kind !== "leaf") {
      throw new ValueError(`${op}: with hasAux the function must return [value, aux] with a tensor value, got structure ${treeDefKey(outTree)}`);
    }
  } else if (outTree.kind !== "leaf") {
    throw new ValueError(`${op}: the function must return a single scalar tensor, got structure ${treeDefKey(outTree)}; use hasAux to return extra values`);
  }
  const v = program.outputs[0]!;
  if (v.shape.length !== 0) {
    throw new ShapeError(`${op}: the function must return a scalar (shape []), got shape ${fmtShape(v.shape)}; use vjp or jacobian for non-scalar outputs`);
  }
  if (!isFloat(v.dtype)) throw new DTypeError(`${op}: the function must return a float scalar, got ${v.dtype}`);
}

/** Gradients of the flat inputs (zeros where unconnected) rearranged per selected argument. */
function regroupGrads(args: readonly unknown[], argnums: readonly number[], owner: readonly number[], flatGrads: readonly Tensor[], single: boolean): unknown {
  const perArg = argnums.map((a) => {
    const leaves = flatGrads.filter((_, i) => owner[i] === a);
    return unflatten(flatten(args[a])[1], leaves);
  });
  return single ? perArg[0] : perArg;
}

/**
 * Derives and runs the gradient program of scalar `f`. Its outputs are the value (with aux)
 * when `withValue`, else only aux (with hasAux), then the gradients; dead-code elimination then
 * drops every forward equation the requested outputs do not need.
 */
function gradProgram(f: Fn, options: GradOptions, withValue: boolean, args: readonly unknown[]): { value: unknown; grads: unknown } {
  const op = "grad";
  const hasAux = options.hasAux ?? false;
  const argnums = normalizeArgnums(op, options.argnums, args.length);
  const { leaves, tensors, inTree, owner } = flattenDiffArgs(op, args, (a) => argnums.includes(a));
  const wrt = owner.map((o) => argnums.includes(o));
  checkDifferentiable(op, tensors, owner, wrt);
  const { program, outTree } = traceFlat(op, f, leaves, inTree);
  checkScalarOutput(op, program, outTree, hasAux);
  const kept = withValue ? program.outputs.length : hasAux ? program.outputs.length - 1 : 0;

  const derived = withNewTrace((t) => {
    // The traced program has resolved its weak inputs already: derived work treats them as strong.
    const xs = tensors.map((a) => t.newInput(strongAval(a)));
    const seed = scalar(1, program.outputs[0]!.dtype);
    const { outputs, cotangents } = backwardPass(program, xs, [seed], wrt);
    const grads = cotangents.flatMap((ct, i) => (wrt[i] ? [derivativeOf(ct ?? zerosOf(xs[i]!), tensors[i]!)] : []));
    return t.finish([...outputs.slice(outputs.length - kept), ...grads]);
  });
  const results = evalProgram(simplifyDerivative(derived), tensors);
  const gradsByLeaf = results.slice(kept);
  const ownerOfWrt = owner.filter((_, i) => wrt[i]);
  const grads = regroupGrads(args, argnums, ownerOfWrt, gradsByLeaf, typeof options.argnums !== "object");
  if (withValue) return { value: unflatten(outTree, results.slice(0, kept)), grads };
  return { value: hasAux ? unflatten((outTree as { children: readonly TreeDef[] }).children[1]!, results.slice(0, kept)) : undefined, grads };
}

/**
 * `valueAndGrad(f)(...args)` → `[value, grads]` (`[[value, aux], grads]` with hasAux). The
 * gradients have the structure of the differentiated argument (a tuple of them when argnums
 * is a list). f must return a scalar float tensor.
 *
 * @example
 * const loss = (w: Tensor, x: Tensor) => fx.sum(fx.square(fx.matmul(x, w)));
 * const [value, dw] = fx.valueAndGrad(loss)(w, x); // [Tensor, Tensor]
 * const [[v, aux], [gw, gx]] = fx.valueAndGrad((w: Tensor, x: Tensor) => [loss(w, x), { n: 1 }], { argnums: [0, 1], hasAux: true })(w, x);
 */
export function valueAndGrad<A extends unknown[], Aux, const N extends Argnums = 0>(
  f: AuxFn<A, Aux>,
  options: GradOptions<N> & { hasAux: true },
): (...args: A) => [[Tensor, Traced<Aux>], GradsAt<A, NoInfer<N>>];
/** `valueAndGrad(f)(...args)` → `[value, grads]` for a scalar-valued f (see the hasAux form above). */
export function valueAndGrad<A extends unknown[], const N extends Argnums = 0>(
  f: ScalarFn<A>,
  options?: GradOptions<N> & { hasAux?: false },
): (...args: A) => [Tensor, GradsAt<A, NoInfer<N>>];
export function valueAndGrad(f: Fn, options: GradOptions = {}): (...args: any[]) => [any, any] {
  checkTransform("valueAndGrad", f, schemas.GradOptions, options);
  return (...args: any[]) => {
    const { value, grads } = gradProgram(f, options, true, args);
    return [value, grads];
  };
}

/**
 * `grad(f)(...args)` → the gradient of scalar-valued f with respect to argument `argnums`
 * (default 0), shaped like that argument (`GradOf`); a tuple of gradients when argnums is a
 * list; `[grads, aux]` with hasAux. The returned function has f's parameters.
 *
 * @example
 * const loss = (p: { w: Tensor; b: Tensor }, x: Tensor) => fx.sum(fx.square(fx.add(fx.matmul(x, p.w), p.b)));
 * const g = fx.grad(loss)(params, x);                       // { w: Tensor; b: Tensor }
 * const [gp, gx] = fx.grad(loss, { argnums: [0, 1] })(params, x);
 * const [g2, aux] = fx.grad((p: typeof params) => [loss(p, x), 42], { hasAux: true })(params); // aux: Tensor
 */
export function grad<A extends unknown[], Aux, const N extends Argnums = 0>(
  f: AuxFn<A, Aux>,
  options: GradOptions<N> & { hasAux: true },
): (...args: A) => [GradsAt<A, NoInfer<N>>, Traced<Aux>];
/** `grad(f)(...args)` → `GradOf` the argument(s) `argnums` selects, for a scalar-valued f (see the hasAux form above). */
export function grad<A extends unknown[], const N extends Argnums = 0>(
  f: ScalarFn<A>,
  options?: GradOptions<N> & { hasAux?: false },
): (...args: A) => GradsAt<A, NoInfer<N>>;
export function grad(f: Fn, options: GradOptions = {}): (...args: any[]) => any {
  checkTransform("grad", f, schemas.GradOptions, options);
  return (...args: any[]) => {
    const { value, grads } = gradProgram(f, options, false, args);
    return options.hasAux ? [grads, value] : grads;
  };
}

/**
 * `vjp(f, ...primals)` → `[out, vjpFn]`; `vjpFn(cotangent)` (shaped like `out`; a number may
 * stand for a scalar) returns the cotangents of all primals as a tuple (null at JS boolean
 * leaves, which are static). The backward program is derived once and re-runs the forward
 * equations it needs.
 *
 * @example
 * const [y, back] = fx.vjp((x: Tensor, w: Tensor) => fx.matmul(x, w), x, w);
 * const [dx, dw] = back(fx.onesLike(y)); // [Tensor, Tensor]
 */
export function vjp<A extends unknown[], R extends TreeLike>(f: (...args: A) => R, ...primals: A): [Traced<R>, (cotangent: TangentOf<Traced<R>>) => { -readonly [K in keyof A]: CotangentOf<A[K]> }];
export function vjp(f: Fn, ...primals: any[]): [any, (cotangent: any) => any[]] {
  checkArg("vjp", "f", schemas.Function, f);
  const op = "vjp";
  const { leaves, tensors, inTree } = flattenArgs(op, primals, () => "float");
  const wrt = tensors.map((t) => isFloat(t.dtype));
  const { program, outTree } = traceFlat(op, f, leaves, inTree);
  if (program.outputs.length === 0) throw new ValueError(`${op}: the function returned no tensor`);
  const out = unflatten(outTree, evalProgram(program, tensors));
  const outAvals = program.outputs;
  const derived = simplifyDerivative(
    withNewTrace((t) => {
      const xs = tensors.map((a) => t.newInput(strongAval(a)));
      const cts = outAvals.map((a) => t.newInput(strongAval(a)));
      const { cotangents } = backwardPass(program, xs, cts, wrt);
      return t.finish(cotangents.map((ct, i) => derivativeOf(ct ?? zerosOf(xs[i]!), tensors[i]!)));
    }),
  );
  const vjpFn = (cotangent: any): any[] => {
    const [ctLeaves, ctTree] = flatten(cotangent);
    if (treeDefKey(ctTree) !== treeDefKey(outTree)) {
      throw new ValueError(`vjp: cotangent has structure ${treeDefKey(ctTree)}, expected the output's ${treeDefKey(outTree)}`);
    }
    const cts = ctLeaves.map((l, i) => leafLike(op, "cotangent", l, i, outAvals[i]!, "the output"));
    const flat = evalProgram(derived, [...tensors, ...cts]);
    let k = 0;
    const perLeaf = leaves.map((l) => (l instanceof Tensor ? flat[k++]! : null));
    let end = 0;
    return primals.map((p) => {
      const def = flatten(p)[1];
      end += numLeaves(def);
      return unflatten(def, perLeaf.slice(end - numLeaves(def), end));
    });
  };
  return [out, vjpFn];
}

/**
 * `jvp(f, primals, tangents)` → `[out, tangentOut]`: forward-mode derivative of f at `primals`
 * in the direction `tangents` (an array shaped like `primals`; a number may stand for a
 * scalar). Both results are shaped like f's output.
 *
 * @example
 * const [y, dy] = fx.jvp((x: Tensor) => fx.sin(x), [x], [fx.onesLike(x)]); // [Tensor, Tensor]: sin x, cos x
 */
export function jvp<A extends unknown[] | [], R extends TreeLike>(f: (...args: A) => R, primals: A, tangents: TangentOf<NoInfer<A>>): [Traced<R>, Traced<R>];
export function jvp(f: Fn, primals: readonly any[], tangents: readonly any[]): [any, any] {
  checkJvpArgs(f, primals, tangents);
  const op = "jvp";
  const { leaves, tensors, inTree } = flattenArgs(op, primals, () => "float");
  const [tanLeaves, tanTree] = flatten(tangents);
  if (treeDefKey(tanTree) !== treeDefKey(inTree)) {
    throw new ValueError(`jvp: tangents have structure ${treeDefKey(tanTree)}, expected the primals' ${treeDefKey(inTree)}`);
  }
  // Tangents of static (JS boolean) primals are ignored; a number primal's tangent may be any float scalar.
  const tans = tanLeaves.flatMap((l, i) => {
    const primal = leaves[i]!;
    if (!(primal instanceof Tensor)) return [];
    const tangent = primal.weak && l instanceof Tensor && l.shape.length === 0 && isFloat(l.dtype) ? cast(l, primal.dtype) : l;
    return [leafLike(op, "tangent", tangent, i, strongAval(primal), "its primal")];
  });
  const { program, outTree } = traceFlat(op, f, leaves, inTree);
  if (program.outputs.length === 0) throw new ValueError(`${op}: the function returned no tensor`);
  const derived = withNewTrace((t) => {
    const xs = tensors.map((a) => t.newInput(strongAval(a)));
    const ts = tensors.map((a) => (isFloat(a.dtype) ? t.newInput(strongAval(a)) : null));
    const res = forwardTangents(program, xs, ts);
    const outTans = res.tangents.map((tt, i) => tt ?? zerosOf(res.outputs[i]!));
    return t.finish([...res.outputs, ...outTans]);
  });
  const floatTans = tans.filter((_, i) => isFloat(tensors[i]!.dtype));
  const results = evalProgram(simplifyDerivative(derived), [...tensors, ...floatTans]);
  const n = program.outputs.length;
  return [unflatten(outTree, results.slice(0, n)), unflatten(outTree, results.slice(n))];
}

/**
 * `jacobian(f, { argnums })(...args)`: the Jacobian of a tensor-valued f by reverse mode, shaped
 * `out.shape ++ arg.shape` (a pytree like the argument for pytree arguments; a tuple of those
 * when argnums is a list). All rows are derived in one program.
 *
 * @example
 * const J = fx.jacobian((x: Tensor) => fx.sin(x))(x);                          // Tensor, shape [n, n]
 * const [Jx, Jw] = fx.jacobian((x: Tensor, w: Tensor) => fx.matmul(x, w), { argnums: [0, 1] })(x, w);
 */
export function jacobian<A extends unknown[], const N extends Argnums = 0>(f: (...args: A) => Tensor, options?: JacobianOptions<N>): (...args: A) => GradsAt<A, NoInfer<N>>;
export function jacobian(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  checkTransform("jacobian", f, schemas.JacobianOptions, options);
  const op = "jacobian";
  return (...args: any[]) => {
    const argnums = normalizeArgnums(op, options.argnums, args.length);
    const { leaves, tensors, inTree, owner } = flattenDiffArgs(op, args, (a) => argnums.includes(a));
    const wrt = owner.map((o) => argnums.includes(o));
    checkDifferentiable(op, tensors, owner, wrt);
    const { program, outTree } = traceFlat(op, f, leaves, inTree);
    if (outTree.kind !== "leaf") throw new ValueError(`${op}: the function must return a single tensor, got structure ${treeDefKey(outTree)}`);
    const out = program.outputs[0]!;
    if (!isFloat(out.dtype)) throw new DTypeError(`${op}: the function must return a float tensor, got ${out.dtype}`);
    const m = out.shape.reduce((a, b) => a * b, 1);
    const derived = withNewTrace((t) => {
      const xs = tensors.map((a) => t.newInput(strongAval(a)));
      const rows: Tensor[][] = xs.map(() => []);
      for (let i = 0; i < m; i++) {
        const basis = new Float64Array(m);
        basis[i] = 1;
        const ct = reshape(new Tensor([m], out.dtype, out.dtype === "float64" ? basis : Float32Array.from(basis)), out.shape);
        const { cotangents } = backwardPass(program, xs, [ct], wrt);
        cotangents.forEach((c, k) => wrt[k] && rows[k]!.push(c ?? zerosOf(xs[k]!)));
      }
      const jacOf = (x: Tensor, k: number) =>
        m === 0 ? broadcastTo(scalar(0, x.dtype), [...out.shape, ...x.shape]) : reshape(concat(rows[k]!.map((r) => reshape(r, [1, ...r.shape])), { axis: 0 }), [...out.shape, ...x.shape]);
      const jacs = xs.flatMap((x, k) => (wrt[k] ? [derivativeOf(jacOf(x, k), tensors[k]!)] : []));
      return t.finish(jacs);
    });
    const flatJacs = evalProgram(simplifyDerivative(derived), tensors);
    const ownerOfWrt = owner.filter((_, i) => wrt[i]);
    return regroupGrads(args, argnums, ownerOfWrt, flatJacs, typeof options.argnums !== "object");
  };
}

/**
 * `hessian(f, { argnums })(...args)`: the Jacobian of the gradient of scalar-valued f, shaped
 * `arg.shape ++ arg.shape`. argnums is as for `jacobian`: for a list `[i, j, …]` the result is
 * the tuple of blocks `H[a][b]` = ∂²f / ∂arg(argnums[a]) ∂arg(argnums[b]).
 *
 * @example
 * const H = fx.hessian((x: Tensor) => fx.sum(fx.pow(x, 3)))(x);                  // Tensor: diag(6x)
 * const [[Hxx, Hxy], [Hyx, Hyy]] = fx.hessian((x: Tensor, y: Tensor) => fx.sum(fx.mul(x, y)), { argnums: [0, 1] })(x, y);
 */
export function hessian<A extends unknown[], const N extends Argnums = 0>(f: (...args: A) => Tensor, options?: JacobianOptions<N>): (...args: A) => HessianAt<A, NoInfer<N>>;
export function hessian(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  checkTransform("hessian", f, schemas.HessianOptions, options);
  const argnums = options.argnums ?? 0;
  if (typeof argnums === "number") return jacobian(grad(f, { argnums }), { argnums });
  // One row of blocks per position: the Jacobian (w.r.t. every listed argument) of one gradient.
  const rows = argnums.map((i) => jacobian(grad(f, { argnums: i }), { argnums }));
  return (...args: any[]) => rows.map((row) => row(...args));
}
