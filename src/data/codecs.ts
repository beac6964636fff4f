// The option codecs of fx.data (built once, at module load, from the shared building blocks).

import * as t from "io-ts";
import { described, PositiveInt } from "../options/codecs.js";
import { Tensor } from "../tensor/tensor.js";

/** A random key: an int32 tensor of shape [2] (fx.random.key/split/foldIn). */
export const KeyCodec: t.Type<Tensor, Tensor, unknown> = described<Tensor>("a random key (an int32 tensor of shape [2], from fx.random.key)", {
  is: (u: unknown) => u instanceof Tensor && u.dtype === "int32" && u.shape.length === 1 && u.shape[0] === 2 && !u.isTracer,
  validate(u: unknown, c: t.Context) {
    return this.is(u) ? t.success(u as Tensor) : t.failure(u, c);
  },
});

/** A number strictly between 0 and 1. */
export const UnitFraction: t.Type<number, number, unknown> = described<number>("a number in (0, 1)", {
  is: (u: unknown) => typeof u === "number" && u > 0 && u < 1,
  validate(u: unknown, c: t.Context) {
    return this.is(u) ? t.success(u as number) : t.failure(u, c);
  },
});

export const PositiveIntCodec = PositiveInt;

/** A non-empty string (a path). */
export const PathCodec: t.Type<string, string, unknown> = described<string>("a file path (a non-empty string)", {
  is: (u: unknown) => typeof u === "string" && u.length > 0,
  validate(u: unknown, c: t.Context) {
    return this.is(u) ? t.success(u as string) : t.failure(u, c);
  },
});
