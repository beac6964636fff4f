// `threefry2x32_lanes`: Threefry-2x32 with a key per counter pair. The registered
// `threefry2x32` takes one key for all its counters, so a batch of keys (random sampling
// under vmap) has no equation of its own: its batching rule spreads each example's key over that
// example's counters and applies this primitive once to all of them. The block function is the
// registered primitive's own (`threefryBlock`), so the bits are the same bit for bit.
//
// It is the batching transform's internal primitive and is not in the registry (programs print
// it; the compiler runs its reference loop). It belongs beside threefry2x32 in
// src/prims/random.ts once that file can take it.

import { ShapeError, fmtShape } from "../errors.js";
import { type Params, type Primitive } from "../prims/primitive.js";
import { checkInt32, threefryBlock } from "../prims/random.js";
import { shapesEqual } from "../tensor/shape.js";

/** keys [2, n] (int32 holding uint32 words), counters [2, n] → the n output pairs [2, n]. */
export const threefryLanesPrim: Primitive<Params> = {
  name: "threefry2x32_lanes",
  abstractEval([keys, x]) {
    for (const [what, a] of [["the keys", keys!], ["the counters", x!]] as const) {
      checkInt32("threefry2x32_lanes", what, a);
      if (a.shape.length !== 2 || a.shape[0] !== 2) throw new ShapeError(`threefry2x32_lanes: ${what} must have shape [2, n], got ${fmtShape(a.shape)}`);
    }
    if (!shapesEqual(keys!.shape, x!.shape)) {
      throw new ShapeError(`threefry2x32_lanes: keys ${fmtShape(keys!.shape)} and counters ${fmtShape(x!.shape)} differ`);
    }
    return { shape: x!.shape, dtype: "int32" };
  },
  impl([keys, x]) {
    const n = x!.shape[1]!;
    const k = keys!.data;
    const c = x!.data;
    const out = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) threefryBlock(k[i]!, k[n + i]!, c[i]!, c[n + i]!, out, i, n + i);
    return out;
  },
  vjp: () => [null, null],
  jvp: () => null,
  lowering: { kind: "kernel", kernel: "threefry2x32_lanes" },
};
