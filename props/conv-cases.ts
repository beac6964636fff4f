// Random convolution geometries shared by the convolution properties (props/conv.test.ts) and
// the conv-fusion properties (props/jit-conv.test.ts): dimensionality, batch, groups, channels
// per group, kernel, stride, dilation, padding, and input sizes large enough for an output.

import fc from "fast-check";

export type PadKind = "explicit" | "same" | "valid";

export interface ConvGeometry {
  nd: 1 | 2;
  n: number;
  groups: number;
  cg: number; // input channels per group
  og: number; // output channels per group
  k: number[];
  stride: number[];
  dilation: number[];
  pads: [number, number][];
  padKind: PadKind;
  sizes: number[]; // input spatial sizes (always large enough for an output)
  seed: number;
}

/** Inclusive ranges of each drawn quantity, and how input sizes are chosen. */
export interface ConvGeometryRanges {
  n: [number, number];
  groups: [number, number];
  cg: [number, number];
  og: [number, number];
  kernel: number;
  stride: number;
  extra: number;
  padKinds?: PadKind[];
  /** "fit": the smallest size holding the dilated filter (less the padding) plus `extra`;
   *  "wide": at least 8 (2-D) or 64 (1-D) outputs per axis even without padding. */
  sizes?: "fit" | "wide";
}

const range = ([min, max]: [number, number]) => fc.integer({ min, max });

export function convGeometryArb(r: ConvGeometryRanges): fc.Arbitrary<ConvGeometry> {
  const pair = (max: number) => fc.array(fc.integer({ min: 1, max }), { minLength: 2, maxLength: 2 });
  return fc
    .record({
      nd: fc.constantFrom(1 as const, 2 as const),
      n: range(r.n),
      groups: range(r.groups),
      cg: range(r.cg),
      og: range(r.og),
      k: pair(r.kernel),
      stride: pair(r.stride),
      dilation: pair(2),
      pads: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: 2, maxLength: 2 }),
      padKind: fc.constantFrom(...(r.padKinds ?? (["explicit", "same", "valid"] as PadKind[]))),
      extra: fc.array(fc.integer({ min: 0, max: r.extra }), { minLength: 2, maxLength: 2 }),
      seed: fc.nat(),
    })
    .map(({ extra, ...g }) => {
      const nd = g.nd;
      const k = g.k.slice(0, nd);
      const dilation = g.dilation.slice(0, nd);
      const pads = g.pads.slice(0, nd) as [number, number][];
      const sizes = k.map((kk, d) => {
        const window = (kk - 1) * dilation[d]! + 1;
        if (r.sizes === "wide") return window + extra[d]! + (nd === 2 ? 7 : 63);
        const padTotal = g.padKind === "explicit" ? pads[d]![0] + pads[d]![1] : 0;
        return Math.max(1, window - (g.padKind === "same" ? window : padTotal)) + extra[d]!;
      });
      return { ...g, k, stride: g.stride.slice(0, nd), dilation, pads, sizes };
    });
}
