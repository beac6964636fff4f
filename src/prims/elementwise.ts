// The machinery shared by elementwise primitives: their shape/dtype rule, the reference
// evaluation (the interpreter running each primitive's scalar description), and the user-facing wrapper that converts JS numbers, promotes dtypes and broadcasts (NumPy
// rules) before binding the primitive.
//
// In the IR, the operands of an elementwise equation have the output's shape, except rank-0
// operands, which stand for a value repeated everywhere. Broadcasting is made explicit by the
// front end with `broadcast_to` equations, so gradient rules never have to undo it.

import { DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { S, type ScalarExpr, formatScalar, scalarTypeOf } from "../scalar/expr.js";
import { interpretScalar } from "../scalar/interpret.js";
import type { Aval } from "../ir/var.js";
import { type DType, type TypedArray, allocArray, isFloat, promoteTypes } from "../tensor/dtype.js";
import { type Shape, broadcastShapes, shapesEqual, sizeOf } from "../tensor/shape.js";
import { Tensor, strongTensor } from "../tensor/tensor.js";
import { weakKindOf, weakKindOfDType, weakResultDType } from "../tensor/weak.js";
import { scalar } from "../tensor/create.js";
import { bind } from "../trace/context.js";
import { type ConcreteArg, type JvpArgs, type Params, type Primitive, type VjpArgs, definePrimitive, lookupPrimitive } from "./primitive.js";

/** A tensor, or a JS number/boolean standing for a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number | boolean;

/** Which operand dtypes an elementwise op works in. Ints are converted to float32 for `float`. */
export type OperandKind = "numeric" | "float" | "bool" | "any";

/** The output shape of elementwise operands: all equal, except rank-0 ones. */
export function elementwiseShape(op: string, inputs: readonly Aval[]): Shape {
  let shape: Shape = [];
  for (const a of inputs) {
    if (a.shape.length === 0) continue;
    if (shape.length === 0) shape = a.shape;
    else if (!shapesEqual(shape, a.shape)) {
      throw new ShapeError(`${op}: operand shapes differ: ${inputs.map((x) => fmtShape(x.shape)).join(", ")}`);
    }
  }
  return shape;
}

export function checkSameDType(op: string, inputs: readonly Aval[]): DType {
  const d = inputs[0]!.dtype;
  for (const a of inputs) {
    if (a.dtype !== d) throw new DTypeError(`${op}: operand dtypes differ: ${inputs.map((x) => x.dtype).join(", ")}`);
  }
  return d;
}

export function checkKind(op: string, dtype: DType, kind: OperandKind): void {
  if (kind === "float" && !isFloat(dtype)) throw new DTypeError(`${op}: expects float operands, got ${dtype}`);
  if (kind === "numeric" && dtype === "bool") {
    throw new DTypeError(`${op}: bool operands are not supported; cast them first, e.g. fx.cast(x, "float32")`);
  }
  if (kind === "bool" && dtype !== "bool") throw new DTypeError(`${op}: expects bool operands, got ${dtype}`);
}

/**
 * Reference evaluation of an elementwise primitive: the interpreter runs its scalar description
 * on each element (the description's result is already in the output's type) and the result is
 * stored in the output's typed array. Rank-0 operands repeat. Specialised by arity so that no
 * element allocates.
 */
function elementwiseImpl<P extends Params>(scalar: (params: P, inDtypes: readonly DType[], outDtype: DType) => ScalarExpr) {
  return (inputs: readonly ConcreteArg[], params: P, out: Aval): TypedArray => {
    const fn = interpretScalar(scalar(params, inputs.map((a) => a.dtype), out.dtype), inputs.length);
    const n = sizeOf(out.shape);
    const result = allocArray(out.dtype, n);
    const datas = inputs.map((a) => a.data);
    const steps = inputs.map((a) => (a.shape.length === 0 ? 0 : 1));
    const [a, b, c] = datas;
    const [sa, sb, sc] = steps;
    if (inputs.length === 1) for (let i = 0; i < n; i++) result[i] = fn(a![i * sa!]!);
    else if (inputs.length === 2) for (let i = 0; i < n; i++) result[i] = fn(a![i * sa!]!, b![i * sb!]!);
    else if (inputs.length === 3) for (let i = 0; i < n; i++) result[i] = fn(a![i * sa!]!, b![i * sb!]!, c![i * sc!]!);
    else {
      const args = new Array<number>(inputs.length);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < datas.length; k++) args[k] = datas[k]![i * steps[k]!]!;
        result[i] = fn(...args);
      }
    }
    return result;
  };
}

/** Sums a cotangent down to a rank-0 operand's shape (rank-0 operands broadcast implicitly). */
function fitCotangent(ct: Tensor | null, input: Tensor, out: Tensor): Tensor | null {
  if (ct === null || input.shape.length > 0 || out.shape.length === 0) return ct;
  return bind(lookupSum(), [ct], { axes: ct.shape.map((_, i) => i) });
}

// reduce_sum is defined in reduce.ts; looked up by name so module order does not matter.
function lookupSum(): Primitive {
  return lookupPrimitive("reduce_sum")!;
}

export interface ElementwiseSpec<P extends Params> {
  name: string;
  arity: number;
  /** Operand dtypes accepted (the front end converts to them where it can). */
  operands: OperandKind;
  /** Output dtype from the (common) operand dtype; default: the same. */
  result?: (dtype: DType, params: P) => DType;
  /**
   * What the op computes on one element, as a scalar expression (src/scalar/expr.ts) over
   * the operands `xs` (argument nodes of the operands' types); its result must have the output
   * dtype's type, i.e. be rounded or wrapped as storing it would (see `stored`).
   */
  scalar(xs: readonly ScalarExpr[], params: P, inDtypes: readonly DType[], outDtype: DType): ScalarExpr;
  vjp(g: Tensor, args: VjpArgs<P>): readonly (Tensor | null)[];
  jvp(args: JvpArgs<P>): Tensor | null;
  /** A custom dtype rule (e.g. `where`, whose condition is bool); replaces operands/result. */
  dtypeRule?: (op: string, inputs: readonly Aval[], params: P) => DType;
}

/**
 * A double-precision result as stored in `dtype`: float32 rounds (`demote`), float64 keeps it.
 * For the ops that compute in double and round once (pow, sin, …).
 */
export function stored(x: ScalarExpr, dtype: DType): ScalarExpr {
  return S.fromF64(x, dtype === "float32" ? "f32" : "f64");
}

/** The primitive's description for concrete dtypes, its root checked to have the output's type. */
function describe<P extends Params>(spec: ElementwiseSpec<P>) {
  return (params: P, inDtypes: readonly DType[], outDtype: DType): ScalarExpr => {
    const xs = inDtypes.map((d, i) => S.arg(i, scalarTypeOf(d)));
    const root = spec.scalar(xs, params, inDtypes, outDtype);
    if (root.type !== scalarTypeOf(outDtype)) {
      throw new FluxionError(`${spec.name}: scalar description for ${inDtypes.join(", ")} → ${outDtype} has type ${root.type}: ${formatScalar(root)}`);
    }
    return root;
  };
}

export function defineElementwise<P extends Params = Params>(spec: ElementwiseSpec<P>): Primitive<P> {
  const scalar = describe(spec);
  const prim: Primitive<P> = definePrimitive<P>({
    name: spec.name,
    abstractEval(inputs, params) {
      if (inputs.length !== spec.arity) throw new ShapeError(`${spec.name}: expects ${spec.arity} operands, got ${inputs.length}`);
      const shape = elementwiseShape(spec.name, inputs);
      let dtype: DType;
      if (spec.dtypeRule) dtype = spec.dtypeRule(spec.name, inputs, params);
      else {
        const d = checkSameDType(spec.name, inputs);
        checkKind(spec.name, d, spec.operands);
        dtype = spec.result ? spec.result(d, params) : d;
      }
      return { shape, dtype };
    },
    impl: elementwiseImpl(scalar),
    vjp(g, args) {
      const cts = spec.vjp(g, args);
      return cts.map((ct, i) => fitCotangent(ct, args.inputs[i]!, args.out));
    },
    jvp(args) {
      const t = spec.jvp(args);
      // A tangent built only from rank-0 operands' tangents must still have the output's shape.
      if (t === null || shapesEqual(t.shape, args.out.shape)) return t;
      return bind(lookupPrimitive("broadcast_to")!, [t], { shape: [...args.out.shape] });
    },
    lowering: { kind: "elementwise", scalar },
  });
  return prim;
}

/**
 * Turns JS numbers and booleans, and weak tensors (which stand for numbers), into strong
 * tensors by the weak-type rule (src/tensor/weak.ts): they take the dtype of the strong
 * tensors when that loses nothing of their kind (an int next to int32 or a float dtype, a
 * float next to a float dtype), else the smallest dtype of their kind (an int next to bool →
 * int32, a float next to int32 or bool → float32). A float stays exact next to float64. With
 * no strong tensor, numbers become float32 and JS booleans bool. The one rule for every front end.
 */
export function toTensors(op: string, args: readonly TensorLike[]): Tensor[] {
  let strong: DType | undefined;
  for (const a of args) {
    if (a instanceof Tensor) {
      if (!a.weak) strong = strong === undefined ? a.dtype : promoteTypes(strong, a.dtype);
    } else if (typeof a !== "number" && typeof a !== "boolean") {
      throw new DTypeError(`${op}: operand must be a Tensor, number or boolean, got ${a === null ? "null" : typeof a}`);
    }
  }
  // The dtype every weak operand takes (the strong dtype, promoted if a weak operand needs it).
  let weakTarget = strong;
  if (strong !== undefined) {
    for (const a of args) {
      if (typeof a === "number") weakTarget = weakResultDType(weakTarget!, weakKindOf(a));
      else if (a instanceof Tensor && a.weak) weakTarget = weakResultDType(weakTarget!, weakKindOfDType(a.dtype));
    }
  }
  return args.map((a) => {
    if (a instanceof Tensor) return a.weak ? resolveWeak(a, weakTarget ?? "float32") : a;
    return scalar(a, weakTarget ?? (typeof a === "boolean" ? "bool" : "float32"));
  });
}

/** A weak tensor as the strong tensor of `dtype` the number it stands for would become. */
function resolveWeak(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? strongTensor(t) : bind(lookupPrimitive("convert")!, [t], { dtype });
}

/** Casts every operand to `dtype` (binding `cast` where needed). */
export function castAll(xs: readonly Tensor[], dtype: DType): Tensor[] {
  return xs.map((x) => (x.dtype === dtype ? x : bind(lookupPrimitive("convert")!, [x], { dtype })));
}

/** Broadcasts every operand of rank > 0 to the common NumPy-broadcast shape. */
export function broadcastAll(op: string, xs: readonly Tensor[]): Tensor[] {
  let shape: Shape = [];
  for (const x of xs) shape = broadcastShapes(op, shape, x.shape);
  return xs.map((x) =>
    x.shape.length === 0 || shapesEqual(x.shape, shape) ? x : bind(lookupPrimitive("broadcast_to")!, [x], { shape: [...shape] }),
  );
}

/** The common operand dtype for an op of the given kind, converting ints to float32 for `float`. */
export function operandDType(op: string, xs: readonly Tensor[], kind: OperandKind): DType {
  let d = xs[0]!.dtype;
  for (const x of xs) d = promoteTypes(d, x.dtype);
  if (kind === "float" && !isFloat(d)) d = "float32";
  checkKind(op, d, kind);
  return d;
}

/** The user-facing function of an elementwise primitive: numbers, promotion, broadcasting. */
export function elementwiseOp<P extends Params>(prim: Primitive<P>, kind: OperandKind, publicName: string) {
  return (args: readonly TensorLike[], params: P): Tensor => {
    let xs = toTensors(publicName, args);
    xs = castAll(xs, operandDType(publicName, xs, kind));
    xs = broadcastAll(publicName, xs);
    return bind(prim as unknown as Primitive, xs, params);
  };
}
