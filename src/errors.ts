// The error classes fluxion throws. Every message names the operation first
// (`matmul: inner dimensions differ: [2,3] @ [4,5]`) so a person can act on it.

/** Base class of every error fluxion raises on bad input. */
export class FluxionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an operation (broadcasting, matmul dimensions, axes). */
export class ShapeError extends FluxionError {}

/** A dtype an operation does not accept, or a mix it cannot promote. */
export class DTypeError extends FluxionError {}

/** A parameter or value outside what an operation accepts. */
export class ValueError extends FluxionError {}

/**
 * An argument or option of the wrong form: a wrong type, a non-integer where an integer is
 * needed, a list of the wrong length, an unknown option key. Raised by the one option
 * validator (src/options/validate.ts); the message says what was expected and what came.
 */
export class ArgumentError extends ValueError {}

/** Reading a concrete value from a traced tensor (e.g. branching on it inside `grad`/`jit`). */
export class TracerError extends FluxionError {}

/** Formats a shape the way messages print it: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
