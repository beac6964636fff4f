// The option codecs and the one validator (src/options): message text, suggestions for
// misspelled keys, how values are shown, what the codecs decode to, and that each codec has
// exactly the keys its public TypeScript interface documents.

import type * as t from "io-ts";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { closestName, describeValue, editDistance } from "../src/options/describe.js";
import { Axes, NonNegativeInt, PositiveInt, optionsObject, paddingCodec, perAxis } from "../src/options/codecs.js";
import * as schemas from "../src/options/schemas.js";
import { checkArg, checkOptions } from "../src/options/validate.js";
import type { ReduceOptions } from "../src/prims/reduce.js";
import type { PadOptions } from "../src/prims/movement.js";
import type { CompileOptions } from "../src/compile/pipeline.js";

/** The message of the error `f` throws (failing the test when it throws none or a non-FluxionError). */
function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(fx.FluxionError);
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

describe("describeValue", () => {
  it("shows values faithfully where JSON.stringify would not", () => {
    expect(describeValue([NaN, Infinity, -Infinity, -0])).toBe("[NaN,Infinity,-Infinity,-0]");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue({ window: 2 })).toBe('{"window":2}');
    expect(describeValue([1, [2, "x"], null])).toBe('[1,[2,"x"],null]');
    expect(describeValue(10n)).toBe("10n");
    expect(describeValue(() => 1)).toBe("a function");
    expect(describeValue(fx.zeros([2, 3]))).toBe("a float32 tensor of shape [2,3]");
    expect(describeValue(new Map())).toBe("a Map");
    expect(describeValue(new Float32Array(3))).toBe("a Float32Array");
  });

  it("survives cycles and stays short", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('{"a":1,"self":[circular]}');
    const long = describeValue(Array.from({ length: 1000 }, (_, i) => i));
    expect(long).toContain("… 992 more");
    expect(describeValue("x".repeat(1000)).length).toBeLessThanOrEqual(160);
    expect(describeValue([[[[[1]]]]])).toBe("[[[[…]]]]");
  });
});

describe("closest-name suggestions", () => {
  it("measures edits case-insensitively", () => {
    expect(editDistance("keepdims", "keepDims")).toBe(0);
    expect(editDistance("strides", "stride")).toBe(1);
    expect(editDistance("axes", "axis")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("suggests a near or prefixed name, and nothing when none is close", () => {
    const keys = ["stride", "padding", "dilation", "groups", "bias"];
    expect(closestName("strides", keys)).toBe("stride");
    expect(closestName("pading", keys)).toBe("padding");
    expect(closestName("group", keys)).toBe("groups");
    expect(closestName("start", ["startAxis", "endAxis"])).toBe("startAxis");
    expect(closestName("kernel", keys)).toBeUndefined();
    expect(closestName("x", keys)).toBeUndefined();
  });

  it("knows long and short forms, other spellings of a word, and swapped letters", () => {
    expect(editDistance("dtpye", "dtype")).toBe(1);
    expect(closestName("beta1", ["b1", "b2", "eps"])).toBe("b1");
    expect(closestName("beta2", ["b1", "b2", "eps"])).toBe("b2");
    expect(closestName("epsilon", ["b1", "b2", "eps"])).toBe("eps");
    expect(closestName("weight_decay", ["b1", "eps", "weightDecay"])).toBe("weightDecay");
    expect(closestName("dtpye", ["dtype", "gain"])).toBe("dtype");
    expect(closestName("approx", ["approximate"])).toBe("approximate");
    // one-letter initials alone relate nothing: axis is not alpha, dtype is not delta
    expect(closestName("axis", ["alpha", "b1"])).toBeUndefined();
    expect(closestName("dtype", ["delta", "reduction"])).toBeUndefined();
  });
});

describe("the validator", () => {
  const codec = optionsObject({ axis: Axes, shift: NonNegativeInt });

  it("says what was expected and what came, for an argument", () => {
    expect(messageOf(() => checkArg("maxPool2d", "window", schemas.PoolWindow[2], { window: 2 }))).toBe(
      'maxPool2d: window: expected a positive integer or a list of 2, got {"window":2}',
    );
    expect(messageOf(() => checkArg("zeros", "shape", schemas.Shape, [2, NaN]))).toBe("zeros: shape: expected a list of non-negative integers, got [2,NaN]");
  });

  it("names the option key for a bad value and the closest key for an unknown one", () => {
    expect(messageOf(() => checkOptions("sum", schemas.ReduceOptions, { axis: "0" }))).toBe('sum: axis: expected an integer, a list of integers, or null, got "0"');
    expect(messageOf(() => checkOptions("sum", schemas.ReduceOptions, { keepdims: true }))).toBe('sum: unknown option "keepdims"; did you mean "keepDims"?');
    expect(messageOf(() => checkOptions("sum", schemas.ReduceOptions, { banana: 1 }))).toBe('sum: unknown option "banana"; valid options are axis, keepDims');
    // Keys inherited by every object are still unknown options.
    expect(messageOf(() => checkOptions("sum", schemas.ReduceOptions, { toString: 1 }))).toBe('sum: unknown option "toString"; valid options are axis, keepDims');
    expect(schemas.AxisOption.is({ constructor: 1 })).toBe(false);
    // Unknown keys are reported before bad values.
    expect(messageOf(() => checkOptions("roll", codec, { axis: "x", axes: 1 }))).toBe('roll: unknown option "axes"; did you mean "axis"?');
    expect(messageOf(() => checkOptions("roll", codec, { shift: -1 }))).toBe("roll: shift: expected a non-negative integer, got -1");
  });

  it("requires the required keys and types them as present", () => {
    const schedule = optionsObject({ alpha: NonNegativeInt }, { steps: PositiveInt });
    expect(messageOf(() => checkArg("cosine", "options", schedule, {}))).toBe('cosine: missing option "steps": expected a positive integer');
    expect(messageOf(() => checkArg("cosine", "options", schedule, { steps: undefined, alpha: 1 }))).toBe('cosine: missing option "steps": expected a positive integer');
    expect(messageOf(() => checkArg("cosine", "options", schedule, { steps: 0 }))).toBe("cosine: steps: expected a positive integer, got 0");
    expect(messageOf(() => checkArg("cosine", "options", schedule, { step: 3 }))).toBe('cosine: unknown option "step"; did you mean "steps"?');
    expect(messageOf(() => checkArg("cosine", "options", schedule, undefined))).toBe("cosine: options: expected an options object { steps, alpha }, got undefined");
    const decoded: { steps: number; alpha?: number } = checkArg("cosine", "options", schedule, { steps: 3 });
    expect(decoded).toEqual({ steps: 3 });
    expect(schedule.is({ steps: 3 })).toBe(true);
    expect(schedule.is({ alpha: 1 })).toBe(false);
  });

  it("rejects options that are not plain objects", () => {
    for (const bad of [null, 3, "axis", [0], fx.zeros([1]), new Map(), () => 0]) {
      const msg = messageOf(() => checkOptions("sum", schemas.ReduceOptions, bad));
      expect(msg).toBe(`sum: options: expected an options object { axis, keepDims }, got ${describeValue(bad)}`);
    }
  });

  it("treats undefined options and undefined values as not given", () => {
    expect(checkOptions("sum", schemas.ReduceOptions, undefined)).toEqual({});
    expect(checkOptions("sum", schemas.ReduceOptions, { axis: undefined, keepDims: true })).toEqual({ keepDims: true });
    expect(checkOptions("sum", schemas.ReduceOptions, Object.create(null))).toEqual({});
  });

  it("raises a DTypeError for an unknown dtype and an ArgumentError otherwise", () => {
    expect(() => checkOptions("zeros", schemas.DTypeOptions, { dtype: "float16" })).toThrow(fx.DTypeError);
    expect(() => checkOptions("zeros", schemas.DTypeOptions, { dtype: "float16" })).toThrow('zeros: dtype: expected one of "bool", "int32", "float32", "float64", got "float16"');
    expect(() => checkOptions("sum", schemas.ReduceOptions, { keepDims: 1 })).toThrow(fx.ArgumentError);
    expect(new fx.ArgumentError("x: y")).toBeInstanceOf(fx.ValueError);
  });
});

describe("codecs decode to the resolved form", () => {
  const decode = <A>(codec: t.Type<A, A, unknown>, v: unknown): A => checkArg("test", "v", codec, v);

  it("per-axis integers expand to one per axis and reject the wrong length", () => {
    expect(decode(perAxis(2, PositiveInt), 3)).toEqual([3, 3]);
    expect(decode(perAxis(2, PositiveInt), [1, 2])).toEqual([1, 2]);
    expect(() => decode(perAxis(2, PositiveInt), [1, 2, 3])).toThrow("test: v: expected a positive integer or a list of 2, got [1,2,3]");
    expect(() => decode(perAxis(1, NonNegativeInt), -1)).toThrow("expected a non-negative integer or a list of 1");
    for (const bad of [0, 1.5, NaN, Infinity, "2", null, [2, "2"], { 0: 1 }]) expect(() => decode(perAxis(2, PositiveInt), bad)).toThrow(fx.ArgumentError);
  });

  it("padding resolves to [low, high] per axis or stays a mode", () => {
    expect(decode(paddingCodec(2), 1)).toEqual([[1, 1], [1, 1]]);
    expect(decode(paddingCodec(2), [1, [0, 2]])).toEqual([[1, 1], [0, 2]]);
    expect(decode(paddingCodec(1), "same")).toBe("same");
    for (const bad of ["full", -1, [1], [[1, 2, 3], 0], [[1, -1], 0], 0.5]) expect(() => decode(paddingCodec(2), bad)).toThrow(fx.ArgumentError);
  });

  it("axes become a list, null stays null", () => {
    expect(decode(Axes, 1)).toEqual([1]);
    expect(decode(Axes, [0, -1])).toEqual([0, -1]);
    expect(decode(Axes, null)).toBeNull();
    for (const bad of ["0", 0.5, [0, "1"], {}, NaN]) expect(() => decode(Axes, bad)).toThrow(fx.ArgumentError);
  });

  it("index data accepts tensors, integers and nested integer lists only", () => {
    expect(decode(schemas.IndexData, [[1, 2], [3, 4]])).toEqual([[1, 2], [3, 4]]);
    expect(decode(schemas.IndexData, 3)).toBe(3);
    for (const bad of [1.5, true, "1", [1, [2, 0.5]], [null]]) expect(() => decode(schemas.IndexData, bad)).toThrow(fx.ArgumentError);
  });

  it("codecs are built once: eager calls reuse the same objects", () => {
    expect(schemas.ConvOptions[2]).toBe(schemas.ConvOptions[2]);
    expect(schemas.PoolWindow[1].name).toBe("a positive integer or a list of 1");
  });
});

// Each codec has exactly the keys of the interface users see (a compile-time check, run by
// `tsc`), and every documented key is accepted at run time.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Decoded<C> = C extends t.Type<infer A, unknown, unknown> ? A : never;
const agree: true[] = [
  true satisfies SameKeys<fx.ConvOptions, Decoded<(typeof schemas.ConvOptions)[2]>>,
  true satisfies SameKeys<fx.ConvTransposeOptions, Decoded<(typeof schemas.ConvTransposeOptions)[1]>>,
  true satisfies SameKeys<fx.ConvolveOptions, Decoded<typeof schemas.ConvolveOptions>>,
  true satisfies SameKeys<fx.PoolOptions, Decoded<(typeof schemas.PoolOptions)[2]>>,
  true satisfies SameKeys<fx.AvgPoolOptions, Decoded<(typeof schemas.AvgPoolOptions)[2]>>,
  true satisfies SameKeys<fx.GlobalPoolOptions, Decoded<typeof schemas.GlobalPoolOptions>>,
  true satisfies SameKeys<ReduceOptions, Decoded<typeof schemas.ReduceOptions>>,
  true satisfies SameKeys<fx.VarianceOptions, Decoded<typeof schemas.VarianceOptions>>,
  true satisfies SameKeys<PadOptions, Decoded<typeof schemas.PadOptions>>,
  true satisfies SameKeys<fx.TensorOptions, Decoded<typeof schemas.TensorOptions>>,
  true satisfies SameKeys<fx.GradOptions, Decoded<typeof schemas.GradOptions>>,
  true satisfies SameKeys<fx.JitOptions, Decoded<typeof schemas.JitOptions>>,
  true satisfies SameKeys<CompileOptions, Decoded<typeof schemas.CompileOptions>>,
];

describe("codecs and public interfaces", () => {
  it("accept every documented key", () => {
    expect(agree.every((ok) => ok)).toBe(true);
    const x = fx.ones([1, 2, 5, 5]);
    const w = fx.ones([2, 1, 3, 3]);
    expect(fx.conv2d(x, w, { stride: 1, padding: "same", dilation: 1, groups: 2, bias: fx.zeros([2]) }).shape).toEqual([1, 2, 5, 5]);
    expect(fx.conv2dTranspose(x, fx.ones([2, 1, 3, 3]), { stride: 2, padding: 1, dilation: 1, groups: 1, bias: fx.zeros([1]), outputPadding: 1 }).shape).toEqual([1, 1, 10, 10]);
    expect(fx.avgPool2d(x, 2, { stride: 1, padding: [1, 0], countIncludePad: false }).shape).toEqual([1, 2, 6, 4]);
    expect(fx.variance(x, { axis: [2, 3], keepDims: true, ddof: 1 }).shape).toEqual([1, 2, 1, 1]);
    expect(fx.pad(fx.ones([2]), 1, { value: 7, interior: 1 }).toArray()).toEqual([7, 1, 7, 1, 7]);
    expect(fx.tensor([1, 2], { dtype: "int32", shape: [2, 1] }).shape).toEqual([2, 1]);
    expect(fx.jit((a: fx.Tensor) => a, { staticArgnums: [] }, { optimize: true, fuse: true, verify: true })(fx.ones([1])).shape).toEqual([1]);
  });
});

describe("fx.nn's names for the validator (used by the layers)", () => {
  it("optionsCodec and decodeOptions are the shared closed codec and checkOptions", async () => {
    const { optionsCodec, decodeOptions, PositiveNumber } = await import("../src/nn/options.js");
    const codec = optionsCodec("DenseOptions", { units: PositiveInt, scale: PositiveNumber });
    expect(decodeOptions("nn.Dense", codec, undefined)).toEqual({});
    expect(decodeOptions("nn.Dense", codec, { units: 3, scale: undefined })).toEqual({ units: 3 });
    expect(messageOf(() => decodeOptions("nn.Dense", codec, { unit: 3 }))).toBe('nn.Dense: unknown option "unit"; did you mean "units"?');
    expect(messageOf(() => decodeOptions("nn.Dense", codec, { scale: 0 }))).toBe("nn.Dense: scale: expected a positive finite number, got 0");
    expect(() => decodeOptions("nn.Dense", codec, { units: 0 })).toThrow(fx.ArgumentError);
  });
});
