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

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
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
  toArray(): unknown {
    const data = this._concrete("toArray");
    const bool = this.dtype === "bool";
    const shape = this.shape;
    const build = (dim: number, offset: number, stride: number): unknown => {
      if (dim === shape.length) return bool ? data[offset] !== 0 : data[offset];
      const n = shape[dim]!;
      const inner = stride / (n || 1);
      const out = new Array(n);
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

  toString(): string {
    if (this._data === null) return `Tracer<${this.dtype}[${this.shape.join(",")}]${this.weak ? "{weak}" : ""}>`;
    return formatTensor(this._data, this.shape, this.dtype);
  }

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

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
