// Compiled kernels for the max-pooling primitives (src/prims/pool.ts), specialised to static
// shapes: `max_pool`, `max_pool_scatter` (its VJP) and `max_pool_gather` (its JVP). All three
// find, per window, the element the reference selects — the first maximum in row-major window
// order, a NaN over any number — and then store it, add a cotangent at it, or read a tangent at it.
//
// Output rows and columns whose windows lie wholly inside the input run an unrolled window with
// constant offsets; the border ones clamp their window to the input (padding is never selected).
// 1-D pooling runs as 2-D of height 1.

import { ValueError } from "../../errors.js";
import type { PoolParams } from "../../prims/pool.js";
import type { TypedArray } from "../../tensor/dtype.js";
import type { Shape } from "../../tensor/shape.js";
import { type CompiledKernel, compileKernelSource, registerKernel } from "../codegen/emitter.js";

export type PoolKind = "max_pool" | "max_pool_scatter" | "max_pool_gather";

/** A pooling with every size fixed, viewed as 2-D. */
export interface PoolGeometry {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly th: number;
  readonly tw: number;
}

/** The geometry of a pooling over input shape `x` with pooled shape `pooled`. */
export function poolGeometry(x: Shape, pooled: Shape, p: PoolParams): PoolGeometry {
  const two = x.length === 4;
  const g: PoolGeometry = {
    planes: x[0]! * x[1]!,
    h: two ? x[2]! : 1,
    w: x[x.length - 1]!,
    kh: two ? p.window[0]! : 1,
    kw: p.window[p.window.length - 1]!,
    sh: two ? p.stride[0]! : 1,
    sw: p.stride[p.stride.length - 1]!,
    ph: two ? p.padding[0]![0]! : 0,
    pw: p.padding[p.padding.length - 1]![0]!,
    th: two ? pooled[2]! : 1,
    tw: pooled[pooled.length - 1]!,
  };
  for (const [k, v] of Object.entries(g)) if (!Number.isSafeInteger(v) || v < 0) throw new ValueError(`pool kernel: bad ${k} ${v}`);
  return g;
}

// Float64 sums of overlapping scatters, shared by the pooling kernels (they run one at a time).
let scratch = new Float64Array(0);
function scratchOf(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(size);
  return scratch;
}

/** Unrolls windows of at most this many elements. */
const UNROLL_WINDOW = 16;

/**
 * The kernel source. Identifiers: in0 = x, in1 = g (scatter) or h (gather), sc = Float64 scratch;
 * i0 plane, i1 output row, i2 output column, p0 selected index, x0 its value, p9 output index.
 */
export function emitPoolSource(kind: PoolKind, g: PoolGeometry): string {
  const { planes, h, w, kh, kw, sh, sw, ph, pw, th, tw } = g;
  const overlapping = sh < kh || sw < kw;
  const lines = ["return function kernel(ins, out) {", "const in0 = ins[0], in1 = ins[1], sc = ins[2];"];
  // Scatter: windows that overlap may add at one element, so sums go through Float64 scratch
  // (as the reference does); otherwise each element receives at most one addition.
  const acc = kind === "max_pool_scatter" ? (overlapping ? "sc" : "out") : "";
  if (kind === "max_pool_scatter") lines.push(overlapping ? `sc.fill(0, 0, ${planes * h * w});` : `out.fill(0);`);
  const action = (): string => {
    if (kind === "max_pool") return `out[p9++] = x0;`;
    if (kind === "max_pool_gather") return `out[p9++] = in1[p0];`;
    return `${acc}[p0] += in1[p9++];`;
  };
  const needIndex = kind !== "max_pool";
  const better = (v: string) => `${v} > x0 || (${v} !== ${v} && x0 === x0)`;

  /** A window wholly inside the input, starting at flat index p1. */
  const interior = () => {
    const shift = ph * w + pw; // the window's first element is (i1·sh − ph, i2·sw − pw)
    lines.push(`{ const p1 = i3 + i1 * ${sh * w} + i2 * ${sw}${shift > 0 ? ` - ${shift}` : ""};`);
    if (kh * kw <= UNROLL_WINDOW) {
      lines.push(needIndex ? `let p0 = p1, x0 = in0[p1];` : `let x0 = in0[p1];`);
      for (let u = 0; u < kh; u++) {
        for (let v = 0; v < kw; v++) {
          if (u === 0 && v === 0) continue;
          const off = u * w + v;
          lines.push(`{ const x1 = in0[p1 + ${off}]; if (${better("x1")}) { ${needIndex ? `p0 = p1 + ${off}; ` : ""}x0 = x1; } }`);
        }
      }
    } else {
      lines.push(`let p0 = p1, x0 = in0[p1];`);
      lines.push(`for (let i5 = 0; i5 < ${kh}; i5++) for (let i6 = 0; i6 < ${kw}; i6++) {`);
      lines.push(`const p2 = p1 + i5 * ${w} + i6, x1 = in0[p2]; if (${better("x1")}) { p0 = p2; x0 = x1; } }`);
    }
    lines.push(action(), `}`);
  };
  /** A window clamped to the input. */
  const border = () => {
    lines.push(`{ const i4 = i1 * ${sh} - ${ph}, i5 = i2 * ${sw} - ${pw};`);
    lines.push(`const i6 = i4 < 0 ? 0 : i4, i7 = i4 + ${kh} > ${h} ? ${h} : i4 + ${kh};`);
    lines.push(`const i8 = i5 < 0 ? 0 : i5, i9 = i5 + ${kw} > ${w} ? ${w} : i5 + ${kw};`);
    lines.push(`let p0 = i3 + i6 * ${w} + i8, x0 = in0[p0];`);
    lines.push(`for (let i10 = i6; i10 < i7; i10++) for (let i11 = i8; i11 < i9; i11++) {`);
    lines.push(`const p2 = i3 + i10 * ${w} + i11, x1 = in0[p2]; if (${better("x1")}) { p0 = p2; x0 = x1; } }`);
    lines.push(action(), `}`);
  };
  // Output rows [r0, r1) and columns [c0, c1) have windows inside the input.
  const inside = (t: number, s: number, p: number, k: number, n: number): [number, number] => {
    const lo = Math.min(t, Math.ceil(p / s));
    const hi = Math.max(lo, Math.min(t, Math.floor((n - k + p) / s) + 1));
    return [lo, hi];
  };
  const [r0, r1] = inside(th, sh, ph, kh, h);
  const [c0, c1] = inside(tw, sw, pw, kw, w);
  const cols = (lo: number, hi: number, body: () => void) => {
    if (hi > lo) {
      lines.push(`for (let i2 = ${lo}; i2 < ${hi}; i2++)`);
      body();
    }
  };
  lines.push(`let p9 = 0;`);
  lines.push(`for (let i0 = 0; i0 < ${planes}; i0++) {`);
  lines.push(`const i3 = i0 * ${h * w};`);
  lines.push(`for (let i1 = 0; i1 < ${th}; i1++) {`);
  if (r1 > r0 && c1 > c0) {
    lines.push(`if (i1 >= ${r0} && i1 < ${r1}) {`);
    cols(0, c0, border);
    cols(c0, c1, interior);
    cols(c1, tw, border);
    lines.push(`} else {`);
    cols(0, tw, border);
    lines.push(`}`);
  } else {
    cols(0, tw, border);
  }
  lines.push(`}`, `}`);
  if (kind === "max_pool_scatter" && overlapping) lines.push(`for (let i0 = 0; i0 < ${planes * h * w}; i0++) out[i0] = sc[i0];`);
  lines.push(`};`);
  return lines.join("\n");
}

/** Compiles a pooling kernel: `kernel(x, second, out)` (second = g for scatter, h for gather, unused for max_pool). */
export function compilePool(kind: PoolKind, g: PoolGeometry): { run: (x: TypedArray, second: TypedArray | undefined, out: TypedArray) => void; source: string } {
  const source = emitPoolSource(kind, g);
  const fn = compileKernelSource(source);
  const scratchSize = kind === "max_pool_scatter" ? g.planes * g.h * g.w : 0;
  const args: TypedArray[] = [];
  const empty = new Float64Array(0);
  const run = (x: TypedArray, second: TypedArray | undefined, out: TypedArray) => {
    args.length = 0;
    args.push(x, second ?? empty, scratchSize > 0 ? scratchOf(scratchSize) : empty);
    fn(args, out);
  };
  return { run, source };
}

/** A faster pooling kernel (the WebAssembly backend, ../wasm/pool.ts). */
export interface PoolAccelerator {
  /** The kernel for a pooling, or null to use the JS kernel. */
  compile(kind: PoolKind, g: PoolGeometry, dtype: string): { run: (x: TypedArray, second: TypedArray | undefined, out: TypedArray) => void; source: string; emitter: string } | null;
}

let accelerator: PoolAccelerator | null = null;

/** Plugs in the accelerator the registered pooling kernels try first (null: none). */
export function setPoolAccelerator(a: PoolAccelerator | null): void {
  accelerator = a;
}

function poolKernel(kind: PoolKind) {
  return (spec: { params: unknown; inputs: readonly { shape: Shape }[]; out: { shape: Shape; dtype?: string } }): CompiledKernel => {
    const x = spec.inputs[0]!.shape;
    const pooled = kind === "max_pool_scatter" ? spec.inputs[1]!.shape : spec.out.shape;
    const g = poolGeometry(x, pooled, spec.params as PoolParams);
    const fast = accelerator === null || spec.out.dtype === undefined ? null : accelerator.compile(kind, g, spec.out.dtype);
    if (fast !== null) return { run: (ins, out) => fast.run(ins[0]!, ins[1], out), source: fast.source, emitter: fast.emitter };
    const { run, source } = compilePool(kind, g);
    return { run: (ins, out) => run(ins[0]!, ins[1], out), source, emitter: "js-pool" };
  };
}

/** Registers the pooling kernels for their primitives' kernel classes. */
export function registerPoolKernels(): void {
  for (const kind of ["max_pool", "max_pool_scatter", "max_pool_gather"] as const) registerKernel(kind, poolKernel(kind));
}
