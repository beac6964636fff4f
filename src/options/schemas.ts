// The options and structured arguments of every public function, each described once as a
// codec (built here, at module load, never per call). The public TypeScript interfaces next to
// each function (ConvOptions, ReduceOptions, …) document the same keys; test/options.test.ts
// checks that the two agree.

import * as t from "io-ts";
import type { Tensor } from "../tensor/tensor.js";
import {
  Axes,
  AxisOrNull,
  Bool,
  DTypeCodec,
  FiniteNumber,
  FunctionCodec,
  Int,
  NonNegativeInt,
  NumberOrBool,
  PositiveInt,
  ShapeCodec,
  TensorCodec,
  TensorLikeCodec,
  described,
  listOf,
  sized,
  optionsObject,
  paddingCodec,
  perAxis,
} from "./codecs.js";

/** Codecs for 1 and 2 spatial axes, indexed by the number of axes. */
function bySpatialRank<C>(make: (nd: number) => C): { readonly 1: C; readonly 2: C } {
  return { 1: make(1), 2: make(2) };
}

// ---------------------------------------------------------------- creation

export const DTypeOptions = optionsObject({ dtype: DTypeCodec });
export const TensorOptions = optionsObject({ dtype: DTypeCodec, shape: ShapeCodec });
export const EyeOptions = optionsObject({ k: Int, dtype: DTypeCodec });
export { ShapeCodec as Shape, DTypeCodec as DType, FiniteNumber, NumberOrBool, NonNegativeInt as Count };

// ---------------------------------------------------------------- layout and movement

/** reshape's target: integers ≥ −1 (at most one −1, checked with the element count). */
interface ReshapeDimBrand {
  readonly ReshapeDim: unique symbol;
}
interface SliceRangeBrand {
  readonly SliceRange: unique symbol;
}
interface NonEmptyBrand {
  readonly NonEmpty: unique symbol;
}
export const ReshapeTarget = listOf(
  described<number>("an integer >= -1", t.brand(t.number, (n): n is t.Branded<number, ReshapeDimBrand> => Number.isInteger(n) && n >= -1, "ReshapeDim")),
  "a list of non-negative integers (one may be -1)",
);
export const Permutation = listOf(Int, "a list of integers (a permutation of the axes)");
export const AxisOption = optionsObject({ axis: Int });
export const AxesOption = optionsObject({ axis: Axes });
export const FlattenOptions = optionsObject({ startAxis: Int, endAxis: Int });

const SliceBound = described("an integer or null", t.union([Int, t.null, t.undefined]));
/** One axis of a slice: [start, stop, step] with each part an integer or null, or null for all. */
const SliceRangeCodec = described(
  "[start, stop, step] (integers or null) or null",
  t.union([t.null, t.undefined, t.brand(t.array(SliceBound), (r): r is t.Branded<(number | null | undefined)[], SliceRangeBrand> => r.length <= 3, "SliceRange")]),
);
export const SliceSpec = listOf(SliceRangeCodec, "a list with one [start, stop, step] entry (integers or null) or null per axis");

const WidthPair = described("a [low, high] pair of non-negative integers", sized(2, NonNegativeInt));
export const PadWidths = described(
  "a non-negative integer, a [low, high] pair, or one [low, high] pair per axis (use fx.slice to crop)",
  t.union([NonNegativeInt, WidthPair, t.array(WidthPair)]),
);
export const PadOptions = optionsObject({
  value: NumberOrBool,
  interior: described("a non-negative integer or one per axis", t.union([NonNegativeInt, t.array(NonNegativeInt)])),
});

export const SplitSections = described(
  "a positive integer (equal parts) or a list of non-negative split indices",
  t.union([PositiveInt, t.array(NonNegativeInt)]),
);
export const TileReps = described("a non-negative integer or a list of them", t.union([NonNegativeInt, t.array(NonNegativeInt)]));

/** Index data for take/gather/scatterAdd/oneHot: an int32 tensor, an integer or nested lists of integers. */
interface NestedInts extends ReadonlyArray<number | NestedInts> {}
const NestedIntsCodec: t.Type<NestedInts, NestedInts, unknown> = t.recursion("nested lists of integers", () =>
  t.readonlyArray(t.union([Int, NestedIntsCodec])),
);
export const IndexData = described("an int32 Tensor, an integer, or nested lists of integers", t.union([TensorCodec, Int, NestedIntsCodec]));

// ---------------------------------------------------------------- reductions

export const ReduceOptions = optionsObject({ axis: Axes, keepDims: Bool });
export const ArgReduceOptions = optionsObject({ axis: AxisOrNull, keepDims: Bool });
export const VarianceOptions = optionsObject({ axis: Axes, keepDims: Bool, ddof: NonNegativeInt });
export const GlobalPoolOptions = optionsObject({ keepDims: Bool });

// ---------------------------------------------------------------- convolution and pooling

/** The options conv and its transpose share, for `nd` spatial axes. */
const convProps = (nd: number) => ({
  stride: perAxis(nd, PositiveInt),
  padding: paddingCodec(nd),
  dilation: perAxis(nd, PositiveInt),
  groups: PositiveInt,
  bias: TensorLikeCodec,
});
export const ConvOptions = bySpatialRank((nd) => optionsObject(convProps(nd)));
export const ConvTransposeOptions = bySpatialRank((nd) => optionsObject({ ...convProps(nd), outputPadding: perAxis(nd, NonNegativeInt) }));
export const ConvolveOptions = optionsObject({
  mode: described('"full", "same" or "valid"', t.keyof({ full: null, same: null, valid: null })),
});

/** A pooling window: one size for every spatial axis or one per axis. */
export const PoolWindow = bySpatialRank((nd) => perAxis(nd, PositiveInt));
export const PoolOptions = bySpatialRank((nd) => optionsObject({ stride: perAxis(nd, PositiveInt), padding: paddingCodec(nd) }));
export const AvgPoolOptions = bySpatialRank((nd) =>
  optionsObject({ stride: perAxis(nd, PositiveInt), padding: paddingCodec(nd), countIncludePad: Bool }),
);

// ---------------------------------------------------------------- transforms

const Argnums = described("a non-negative integer or a list of them", t.union([NonNegativeInt, t.array(NonNegativeInt)]));
export const GradOptions = optionsObject({ argnums: Argnums, hasAux: Bool });
export const JacobianOptions = optionsObject({ argnums: Argnums });
export const HessianOptions = optionsObject({ argnums: Argnums });
export const JitOptions = optionsObject({ staticArgnums: Argnums, cacheLimit: PositiveInt });

/** `setCacheLimits`: bounds of the compiler's caches. */
export const CacheLimits = optionsObject({ jitEntries: NonNegativeInt, eagerEntries: NonNegativeInt, kernelSources: NonNegativeInt, workspaceBytes: NonNegativeInt });
export const CompileOptions = optionsObject({ optimize: Bool, fuse: Bool, verify: Bool });
/** jvp's primals and tangents: lists of arguments (pytrees). */
export const ArgumentList = described("a list of arguments", t.array(t.unknown));
export { FunctionCodec as Function, TensorLikeCodec as TensorLike, TensorCodec as TensorArg };
/** A non-empty list of tensors (or numbers standing for scalars). */
export const TensorList = described<(Tensor | number | boolean)[]>(
  "a non-empty list of Tensors",
  t.brand(t.array(TensorLikeCodec), (a): a is t.Branded<(typeof a)[number][], NonEmptyBrand> => a.length > 0, "NonEmpty"),
);
