// The immutable Tensor value. A Tensor is either concrete (it owns a typed array that
// nobody ever writes to again) or abstract: a tracer standing for a value inside `trace`,
// `grad` or `jit`, which knows only its shape and dtype. A weak tensor (JAX's weak_type) stands
// for a JS number passed to jit, grad or trace: front ends promote it as they would the number.

import { TracerError, ValueError } from "../errors.js";
import type { Var } from "../ir/var.js";
import { type DType, type TypedArray } from "./dtype.js";
import { type Shape, sizeOf } from "./shape.js";
import { formatTensor } from "./format.js";

/** The trace a tracer belongs to; defined by `trace/`, seen here only as an opaque owner. */
export interface TraceOwner {
  readonly level: number;
  readonly active: boolean;
}

/** What `toArray()` returns: a number (a boolean for bool tensors) at rank 0, arrays of them nested once per axis above. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * A tensor as JSON (`JSON.stringify` calls `toJSON`): dtype, shape and the values in row-major
 * order; booleans for bool tensors, and the names of the values JSON has no number for.
 */
export interface TensorJSON {
  dtype: DType;
  shape: number[];
  data: (number | boolean | "NaN" | "Infinity" | "-Infinity")[];
}

// Node's util.inspect looks this symbol up (Symbol.for, so the core needs no Node import).
const inspectCustom = Symbol.for("nodejs.util.inspect.custom");

/**
 * An immutable n-dimensional array of one dtype: concrete (it owns its values) or, inside
 * `trace`, `grad` and `jit`, a tracer that knows only its shape and dtype. Make tensors with
 * `fx.tensor`, `fx.zeros`, `fx.arange`, …; every op returns a new one.
 *
 * @example
 * const t = fx.tensor([[1, 2], [3, 4]]);
 * t.shape;       // [2, 2]
 * String(t);     // "tensor([[1., 2.],\n        [3., 4.]], dtype=float32)"
 */
export class Tensor {
  /** The extent of each axis, outermost first (`[]` for a scalar). */
  readonly shape: Shape;
  /** The element type: "float32", "float64", "int32" or "bool". */
  readonly dtype: DType;
  /** The number of elements (the product of the shape; 1 for a scalar). */
  readonly size: number;
  /** @internal the storage of a concrete tensor; never written after construction. */
  readonly _data: TypedArray | null;
  /** @internal the IR variable a tracer stands for. */
  readonly _var: Var | null;
  /** @internal the trace a tracer belongs to. */
  readonly _trace: TraceOwner | null;
  /**
   * Whether this rank-0 tensor stands for a JS number (a number argument of jit, grad or trace):
   * ops then treat it like that number (weak int: int32 storage; weak float: float64 storage).
   */
  readonly weak: boolean;

  /** @internal use `fx.tensor`, `fx.zeros`, … to make tensors. A tracer is weak when its var is, unless `weak` says otherwise. */
  constructor(shape: Shape, dtype: DType, data: TypedArray | null, tracer?: { v: Var; trace: TraceOwner }, weak?: boolean) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this._data = data;
    this._var = tracer?.v ?? null;
    this._trace = tracer?.trace ?? null;
    this.weak = weak ?? tracer?.v.weak ?? false;
    if (data !== null && data.length !== this.size) {
      throw new ValueError(`tensor: ${data.length} values do not fill shape [${shape.join(",")}] (${this.size} elements)`);
    }
  }

  /** The number of axes (0 for a scalar). */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether this tensor is a tracer (an abstract value inside trace/grad/jit). */
  get isTracer(): boolean {
    return this._data === null;
  }

  /** @internal the storage of a concrete tensor, not copied: callers must not write to it. */
  _concrete(op: string): TypedArray {
    if (this._data === null) {
      throw new TracerError(
        `${op}: cannot read the values of a traced tensor (shape [${this.shape.join(",")}], ${this.dtype}) inside trace/grad/jit; ` +
          `values are unknown while tracing. To branch on a tensor use fx.where(cond, a, b) instead of if/?:`,
      );
    }
    return this._data;
  }

  /** A copy of the values, in row-major order, as a typed array of this dtype. */
  data(): TypedArray {
    return this._concrete("data").slice();
  }

  /** The values as nested JS arrays (booleans for bool tensors); a number for a scalar. */
  toArray(): NestedArray {
    const data = this._concrete("toArray");
    const bool = this.dtype === "bool";
    const shape = this.shape;
    const build = (dim: number, offset: number, stride: number): NestedArray => {
      if (dim === shape.length) return bool ? data[offset] !== 0 : data[offset];
      const n = shape[dim]!;
      const inner = stride / (n || 1);
      const out = new Array<NestedArray>(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * inner, inner);
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    const data = this._concrete("item");
    if (this.size !== 1) {
      throw new ValueError(`item: tensor of shape [${this.shape.join(",")}] has ${this.size} elements, item() needs exactly 1`);
    }
    return data[0]!;
  }

  /** `{ dtype, shape, data }`, what `JSON.stringify` writes for a tensor (also inside a pytree). */
  toJSON(): TensorJSON {
    const data = this._concrete("JSON.stringify (toJSON)");
    const bool = this.dtype === "bool";
    const values: TensorJSON["data"] = new Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      values[i] = bool ? v !== 0 : Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    }
    return { dtype: this.dtype, shape: [...this.shape], data: values };
  }

  /** NumPy-like text of the values, summarised with "..." when large; `Tracer<float32[2,3]>` for a tracer. */
  toString(): string {
    if (this._data === null) return `Tracer<${this.dtype}[${this.shape.join(",")}]${this.weak ? "{weak}" : ""}>`;
    return formatTensor(this._data, this.shape, this.dtype);
  }

  /** What `console.log` and Node's `util.inspect` show: the same text as `String(t)`. */
  [inspectCustom](): string {
    return this.toString();
  }

  /** A one-element tensor in JS arithmetic is its number; in a template string, its text. */
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    if (this._data === null) {
      this._concrete("a JS comparison or arithmetic on a tensor");
    }
    if (this.size !== 1) {
      throw new ValueError(
        `Tensor: a tensor of shape [${this.shape.join(",")}] was used as a JS number; use fx ops (fx.add, fx.greater, …) or .item() on a one-element tensor`,
      );
    }
    return this._data![0]!;
  }
}

// One strong alias per weak tensor, so a trace that captures it captures it once.
const strongAliases = new WeakMap<Tensor, Tensor>();

/** @internal the same value without the weak flag (same storage or same traced var). */
export function strongTensor(t: Tensor): Tensor {
  if (!t.weak) return t;
  let alias = strongAliases.get(t);
  if (alias === undefined) {
    alias = new Tensor(t.shape, t.dtype, t._data, t._var === null ? undefined : { v: t._var, trace: t._trace! }, false);
    strongAliases.set(t, alias);
  }
  return alias;
}

/** Whether `x` is a fluxion `Tensor` (concrete or a tracer). */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
