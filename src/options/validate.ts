// The one validator of arguments and options: decodes a value with its codec and turns a
// failure into a FluxionError that names the op, the argument (or option key), what was
// expected and what came:
//   maxPool2d: window: expected a positive integer or a list of 2, got {"window":2}
//   sum: unknown option "keepdims"; did you mean "keepDims"?
// Public functions call it once, at their entry; the codecs are built at module load.

import type * as t from "io-ts";
import { ArgumentError, DTypeError, TracerError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { DTypeCodec, FunctionCodec, NonNegativeInt, PositiveInt, sized } from "./codecs.js";
import { describeValue } from "./describe.js";
import * as schemas from "./schemas.js";

/** Decodes argument `name` of `op`, or throws an ArgumentError (a DTypeError for a dtype). */
export function checkArg<A, O>(op: string, name: string, codec: t.Type<A, O, unknown>, value: unknown): A {
  const result = codec.validate(value, [{ key: name, type: codec, actual: value }]);
  if (result._tag === "Right") return result.right;
  const error = result.left[0];
  const failed = error?.context[error.context.length - 1]?.type;
  const ErrorClass = failed === DTypeCodec ? DTypeError : ArgumentError;
  // A tracer where a plain JS value is needed: most often a number argument of jit/grad/trace.
  const bad = error?.value;
  if (bad instanceof Tensor && bad.isTracer) {
    throw new TracerError(
      `${op}: ${name} needs a concrete JS value, got a traced ${bad.dtype} tensor of shape [${bad.shape.join(",")}]; ` +
        `a number argument of jit/grad/trace is traced: use fx ops on it, or make it static (jit's staticArgnums)`,
    );
  }
  // Options objects word their own failures (the key, or the unknown key and a suggestion).
  if (error?.message !== undefined) throw new ErrorClass(`${op}: ${error.message}`);
  throw new ErrorClass(`${op}: ${name}: expected ${codec.name}, got ${describeValue(value)}`);
}

/** Decodes an options argument (undefined means none given). */
export function checkOptions<A, O>(op: string, codec: t.Type<A, O, unknown>, value: unknown): A {
  return value === undefined ? ({} as A) : checkArg(op, "options", codec, value);
}

/** The entry check of a function transform (grad, jit, …): `f` is a function and its options decode. */
export function checkTransform<A, O>(op: string, f: unknown, codec: t.Type<A, O, unknown>, options: unknown): A {
  checkArg(op, "f", FunctionCodec, f);
  return checkOptions(op, codec, options);
}

/** jit's entry check: f, its options and the compiler options. */
export function checkJitArgs(f: unknown, options: unknown, compileOptions: unknown): void {
  checkTransform("jit", f, schemas.JitOptions, options);
  if (compileOptions !== undefined) checkArg("jit", "compileOptions", schemas.CompileOptions, compileOptions);
}

/** jvp's entry check: f, and primals and tangents given as lists. */
export function checkJvpArgs(f: unknown, primals: unknown, tangents: unknown): void {
  checkArg("jvp", "f", FunctionCodec, f);
  checkArg("jvp", "primals", schemas.ArgumentList, primals);
  checkArg("jvp", "tangents", schemas.ArgumentList, tangents);
}

const intListCodecs = new Map<string, t.Type<number[], number[], unknown>>();

/**
 * A primitive's per-axis parameter (slice bounds, pad widths, conv strides, pool windows): a
 * list of `n` integers ≥ `min` (0 or 1). The codec for each (n, min) is made once and kept.
 */
export function checkIntList(op: string, name: string, value: unknown, n: number, min: 0 | 1): number[] {
  const key = `${n},${min}`;
  let codec = intListCodecs.get(key);
  if (codec === undefined) intListCodecs.set(key, (codec = sized(n, min === 0 ? NonNegativeInt : PositiveInt)));
  return checkArg(op, name, codec, value);
}
