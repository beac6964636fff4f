// The matmul kernel emitter: JavaScript source for one batched matrix product, specialised to
// static sizes, register-tiled and cache-blocked, with an optional epilogue (bias, activation)
// applied in the output loop. The jit's passes decide which buffers a matmul reads and writes;
// this file only writes the code of the kernel.
//
// Scheme (GotoBLAS-like, sized for V8): both operands are packed into one Float64 scratch panel
// (strips of `mr` rows of A and `nr` columns of B, k-major), so the inner loop reads two contiguous
// streams whatever the transposition flags and never converts float32 → float64. The micro-kernel
// keeps an mr×nr tile of float64 accumulators in locals over the whole of k (measured: cutting k
// into L1-sized blocks gains nothing in V8, whose scalar code is compute-bound, and would round
// float32 partial sums); `kc` still allows it. Rows are blocked by `mc` strips so a block of A's
// panel stays in L2 while a strip of B's panel (k·nr doubles) is reused from L1.

import type { ExprGraph } from "../lower.js";
import { ValueError } from "../../errors.js";
import type { TypedArray } from "../../tensor/dtype.js";
import { compileCheckedSource } from "../codegen/emitter.js";

export interface MatmulSpec {
  batch: number;
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  dtype: "float32" | "float64" | "int32";
}

export interface MatmulEpilogue {
  /** number of extra input arrays the epilogue reads (e.g. a bias) */
  readonly extraInputs: number;
  /** JS expression for the stored value given the accumulator identifier, index identifiers (batch `b`, row `i`, column `j`, flat output offset `o`) and the extra input array identifiers. Only compiler-made identifiers and numbers. */
  expr(acc: string, index: { b: string; i: string; j: string; o: string }, extras: readonly string[]): string;
  /**
   * Optional statement form (the WebAssembly kernel's store pass prefers it): `const`
   * declarations of block-local temporaries named by `local(k)`, and the stored value. The
   * temporaries stay in registers, where the expression form keeps them in a register file.
   */
  block?(acc: string, index: { b: string; i: string; j: string; o: string }, extras: readonly string[], local: (k: number) => string): { lines: string[]; value: string };
  /** The epilogue as data, for renderers other than JS: its graph, and which kernel input each extra array is (`graph`'s loads name kernel inputs). */
  readonly graph?: { readonly graph: ExprGraph; readonly inputs: readonly number[] };
}

export type MatmulKernel = (a: TypedArray, b: TypedArray, out: TypedArray, extras: readonly TypedArray[]) => void;

/** Tile and block sizes; the defaults were measured fastest in V8 (see docs/performance.md). */
export interface MatmulTiling {
  /** rows of the register tile */
  readonly mr: number;
  /** columns of the register tile */
  readonly nr: number;
  /** rows of A per cache block, in strips of `mr` */
  readonly mcStrips: number;
  /** depth of a k block; 0: all of k in one block (partial sums never leave the registers) */
  readonly kc: number;
  /** pack A into a Float64 panel (else read it in place) */
  readonly packA: boolean;
  /** pack B into a Float64 panel (else read it in place) */
  readonly packB: boolean;
  /** unroll factor of the k loop in the micro-kernel */
  readonly unroll: number;
}

export const DEFAULT_TILING: MatmulTiling = { mr: 3, nr: 4, mcStrips: 16, kc: 0, packA: true, packB: true, unroll: 1 };

/** Largest scratch panel (in float64 elements, 32 MiB) a kernel allocates; beyond it operands are read in place. */
export const PANEL_BUDGET = 1 << 22;

/**
 * The default tiling for a product: a packed panel of A is reused once per column strip of the
 * output and a panel of B once per row strip, so packing only pays when there are a few of them
 * (a thin output, e.g. logits with 10 classes or a matrix-vector product, reads in place). Panels
 * hold all of k, so for very large operands the larger one is read in place to bound memory.
 */
export function chooseTiling(spec: MatmulSpec): MatmulTiling {
  const t = DEFAULT_TILING;
  let packA = Math.ceil(spec.n / t.nr) >= 4;
  let packB = Math.ceil(spec.m / t.mr) >= 4;
  const panelA = Math.ceil(spec.m / t.mr) * t.mr * spec.k;
  const panelB = Math.ceil(spec.n / t.nr) * t.nr * spec.k;
  const size = () => (packA ? panelA : 0) + (packB ? panelB : 0);
  if (size() > PANEL_BUDGET) {
    if (panelA >= panelB) packA = false;
    else packB = false;
  }
  if (size() > PANEL_BUDGET) packA = packB = false;
  return { ...t, packA, packB };
}

/** A faster matmul (the WebAssembly backend, ../wasm/backend.ts). */
export interface MatmulAccelerator {
  /** The kernel for a spec, or null to use the JS kernel. */
  compile(spec: MatmulSpec, epilogue: MatmulEpilogue | undefined): { kernel: MatmulKernel; source: string; emitter: string } | null;
  /** Whether it is switched on now (kernel choices elsewhere, e.g. conv's method, depend on it). */
  active(): boolean;
}

let accelerator: MatmulAccelerator | null = null;

/** Whether an accelerator is plugged in and switched on. */
export function matmulAccelerated(): boolean {
  return accelerator !== null && accelerator.active();
}

/** Plugs in the accelerator `compileMatmul` tries first when no tiling is given (null: none). */
export function setMatmulAccelerator(a: MatmulAccelerator | null): void {
  accelerator = a;
}

/** The accelerated kernel for `spec`, if an accelerator is plugged in and takes it. */
export function acceleratedMatmul(spec: MatmulSpec, epilogue?: MatmulEpilogue): { kernel: MatmulKernel; source: string; emitter: string } | null {
  return accelerator === null ? null : accelerator.compile(spec, epilogue);
}

/**
 * Compiles `out[b] = epilogue(op(A[b]) @ op(B[b]))` for fixed sizes into a closure; without an
 * explicit `tiling`, a plugged-in accelerator (`setMatmulAccelerator`) is tried first. `out` must not
 * alias `a` or `b`. With the default tiling (one k block) each output element is written once,
 * after its whole sum, so an extra input may share `out`'s buffer if the epilogue reads it only at
 * offset `o`; with `kc` < k partial sums pass through `out` and no extra input may alias it.
 * All kernels share one Float64 scratch panel; calls must not overlap (JS is single-threaded).
 */
export function compileMatmul(spec: MatmulSpec, epilogue?: MatmulEpilogue, tiling?: MatmulTiling): MatmulKernel {
  const fast = tiling === undefined ? acceleratedMatmul(spec, epilogue) : null;
  if (fast !== null) return fast.kernel;
  const { source, packASize, packBSize } = emitMatmulSource(spec, epilogue, tiling ?? chooseTiling(spec));
  const kernel = (compileCheckedSource([], source) as () => PanelKernel)();
  const size = packASize + packBSize;
  return (a, b, out, extras) => kernel(a, b, out, extras, sharedPanel(size));
}

type PanelKernel = (a: TypedArray, b: TypedArray, out: TypedArray, extras: readonly TypedArray[], panel: Float64Array) => void;

let panel = new Float64Array(0);

/** The scratch panel all matmul kernels pack into: kernels run one at a time, so one suffices. */
function sharedPanel(size: number): Float64Array {
  if (panel.length < size) panel = new Float64Array(size);
  return panel;
}

function checkSize(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new ValueError(`matmul kernel: ${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

// Characters an epilogue expression may contain: identifiers, numbers, operators, calls and indexing.
// No quotes, template literals, braces or semicolons, so it cannot smuggle statements or strings in.
const SAFE_EXPR = /^[A-Za-z0-9_$.\s+\-*/%()<>=!?:&|^~,[\]]*$/;

/** `expr` if it has only identifier, number and operator characters; else a ValueError (also used by the WebAssembly kernel's store pass). */
export function checkedExpr(expr: string): string {
  if (!SAFE_EXPR.test(expr)) throw new ValueError(`matmul kernel: epilogue expression has characters outside identifiers, numbers and operators`);
  return expr;
}

/**
 * The source of the kernel factory: a function body returning the kernel, which takes the scratch
 * panel `panel` (of `packASize + packBSize` float64 elements) as its last argument. Exposed for
 * `explain` and tests.
 */
export function emitMatmulSource(
  spec: MatmulSpec,
  epilogue?: MatmulEpilogue,
  tiling: MatmulTiling = chooseTiling(spec),
): { source: string; packASize: number; packBSize: number } {
  const batch = checkSize("batch", spec.batch);
  const m = checkSize("m", spec.m);
  const k = checkSize("k", spec.k);
  const n = checkSize("n", spec.n);
  if (spec.dtype !== "float32" && spec.dtype !== "float64" && spec.dtype !== "int32") {
    throw new ValueError(`matmul kernel: unsupported dtype ${String(spec.dtype)}`);
  }
  // int32 products and sums wrap like C at every step (a double product is inexact beyond 2⁵³).
  const wraps = spec.dtype === "int32";
  const tA = spec.transposeA === true;
  const tB = spec.transposeB === true;
  const mr = checkSize("mr", tiling.mr) || 1;
  const nr = checkSize("nr", tiling.nr) || 1;
  const mcStrips = checkSize("mcStrips", tiling.mcStrips) || 1;
  const unroll = checkSize("unroll", tiling.unroll) || 1;
  const kcMax = Math.max(1, Math.min(checkSize("kc", tiling.kc) || k, k));
  const extraCount = epilogue ? checkSize("extraInputs", epilogue.extraInputs) : 0;
  const extras = Array.from({ length: extraCount }, (_, e) => `x${e}`);

  const packASize = tiling.packA ? Math.ceil(m / mr) * kcMax * mr : 0;
  const packBSize = tiling.packB ? Math.ceil(n / nr) * kcMax * nr : 0;
  const lines: string[] = [];
  const emit = (s: string) => lines.push(s);

  /** The stored expression for accumulator `acc` at tile position (r, c). */
  const store = (acc: string, r: number, c: number, mode: "raw" | "final"): string => {
    if (mode === "raw" || !epilogue) return `C[o + ${r * n + c}] = ${acc};`;
    const e = checkedExpr(epilogue.expr(acc, { b: "bt", i: "ei", j: "ej", o: "eo" }, extras));
    return `{ const ei = i + ${r}, ej = j + ${c}, eo = o + ${r * n + c}; C[eo] = ${e}; }`;
  };

  emit(`return function matmulKernel(A, B, C, X, panel) {`);
  // Both panels live in one array so the inner loop checks one typed array, not two.
  emit(`const PA = panel, PB = panel;`);
  extras.forEach((x, e) => emit(`const ${x} = X[${e}];`));
  emit(`for (let bt = 0; bt < ${batch}; bt++) {`);
  emit(`const aOff = bt * ${m * k}, bOff = bt * ${k * n}, cOff = bt * ${m * n};`);

  if (m * n === 0) {
    // nothing to write
  } else if (k === 0) {
    // An empty sum: every output is the epilogue of 0.
    emit(`for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${n}; j++) { const o = cOff + i * ${n} + j;`);
    emit(store("0", 0, 0, "final"));
    emit(`}`);
  } else {
    const mFull = Math.floor(m / mr);
    const mRem = m % mr;
    const nFull = Math.floor(n / nr);
    const nRem = n % nr;
    const packA = tiling.packA;
    const packB = tiling.packB;

    // Where the k-loop of a tile starts reading, and how it steps, per operand.
    const aSrc = packA ? "PA" : "A";
    const bSrc = packB ? "PB" : "B";
    const aStart = packA ? `is * ${kcMax * mr}` : tA ? `aOff + pc * ${m} + i` : `aOff + i * ${k} + pc`;
    const aStep = packA ? mr : tA ? m : 1;
    const aRowOff = packA ? 1 : tA ? 1 : k;
    const bStart = packB ? `${packASize} + js * ${kcMax * nr}` : tB ? `bOff + j * ${k} + pc` : `bOff + pc * ${n} + j`;
    const bStep = packB ? nr : tB ? 1 : n;
    const bColOff = packB ? 1 : tB ? k : 1;

    /** One register tile of `rows`×`cols` outputs at (i, j) = (is·mr, js·nr) over one k block. */
    const tile = (rows: number, cols: number, kc: string, first: boolean, last: boolean) => {
      emit(`{ const i = is * ${mr}, j = js * ${nr}, o = cOff + i * ${n} + j;`);
      emit(`let pa = ${aStart}, pb = ${bStart};`);
      for (let r = 0; r < rows; r++) {
        const init = [];
        for (let c = 0; c < cols; c++) init.push(`c${r}_${c} = ${first ? "0" : `C[o + ${r * n + c}]`}`);
        emit(`let ${init.join(", ")};`);
      }
      const body = (u: number) => {
        const as = [];
        const bs = [];
        for (let r = 0; r < rows; r++) as.push(`a${r} = ${aSrc}[pa + ${u * aStep + r * aRowOff}]`);
        for (let c = 0; c < cols; c++) bs.push(`b${c} = ${bSrc}[pb + ${u * bStep + c * bColOff}]`);
        emit(`{ const ${bs.join(", ")};`);
        emit(`const ${as.join(", ")};`);
        for (let r = 0; r < rows; r++) {
          const fm = [];
          for (let c = 0; c < cols; c++) fm.push(wraps ? `c${r}_${c} = (c${r}_${c} + Math.imul(a${r}, b${c})) | 0;` : `c${r}_${c} += a${r} * b${c};`);
          emit(fm.join(" "));
        }
        emit(`}`);
      };
      if (unroll > 1) {
        emit(`let p = 0;`);
        emit(`for (; p + ${unroll - 1} < ${kc}; p += ${unroll}) {`);
        for (let u = 0; u < unroll; u++) body(u);
        emit(`pa += ${unroll * aStep}; pb += ${unroll * bStep}; }`);
        emit(`for (; p < ${kc}; p++) {`);
      } else {
        emit(`for (let p = 0; p < ${kc}; p++) {`);
      }
      body(0);
      emit(`pa += ${aStep}; pb += ${bStep}; }`);
      for (let r = 0; r < rows; r++) {
        const st = [];
        for (let c = 0; c < cols; c++) st.push(store(`c${r}_${c}`, r, c, last ? "final" : "raw"));
        emit(st.join(" "));
      }
      emit(`}`);
    };

    /** Packs rows/cols of the current k block [pc, pc + kc) into the Float64 panels. */
    const packPanels = (kc: string) => {
      if (packB) {
        // PB[packASize + js·kcMax·nr + p·nr + c] = B'[pc + p, js·nr + c] (B' = B, or Bᵀ when transposed)
        const strips = Math.ceil(n / nr);
        emit(`for (let js = 0; js < ${strips}; js++) {`);
        emit(`const j = js * ${nr}, w = ${n} - j < ${nr} ? ${n} - j : ${nr};`);
        emit(`let d = ${packASize} + js * ${kcMax * nr};`);
        if (tB) {
          emit(`for (let c = 0; c < w; c++) { let s = bOff + (j + c) * ${k} + pc, dd = d + c;`);
          emit(`for (let p = 0; p < ${kc}; p++) { PB[dd] = B[s + p]; dd += ${nr}; } }`);
        } else {
          emit(`let s = bOff + pc * ${n} + j;`);
          emit(`if (w === ${nr}) { for (let p = 0; p < ${kc}; p++) {`);
          emit(Array.from({ length: nr }, (_, c) => `PB[d + ${c}] = B[s + ${c}];`).join(" "));
          emit(`d += ${nr}; s += ${n}; } }`);
          emit(`else { for (let p = 0; p < ${kc}; p++) { for (let c = 0; c < w; c++) PB[d + c] = B[s + c]; d += ${nr}; s += ${n}; } }`);
        }
        emit(`}`);
      }
      if (packA) {
        // PA[is·kcMax·mr + p·mr + r] = A'[is·mr + r, pc + p] (A' = A, or Aᵀ when transposed)
        const strips = Math.ceil(m / mr);
        emit(`for (let is = 0; is < ${strips}; is++) {`);
        emit(`const i = is * ${mr}, h = ${m} - i < ${mr} ? ${m} - i : ${mr};`);
        emit(`let d = is * ${kcMax * mr};`);
        if (tA) {
          emit(`let s = aOff + pc * ${m} + i;`);
          emit(`if (h === ${mr}) { for (let p = 0; p < ${kc}; p++) {`);
          emit(Array.from({ length: mr }, (_, r) => `PA[d + ${r}] = A[s + ${r}];`).join(" "));
          emit(`d += ${mr}; s += ${m}; } }`);
          emit(`else { for (let p = 0; p < ${kc}; p++) { for (let r = 0; r < h; r++) PA[d + r] = A[s + r]; d += ${mr}; s += ${m}; } }`);
        } else {
          emit(`for (let r = 0; r < h; r++) { let s = aOff + (i + r) * ${k} + pc, dd = d + r;`);
          emit(`for (let p = 0; p < ${kc}; p++) { PA[dd] = A[s + p]; dd += ${mr}; } }`);
        }
        emit(`}`);
      }
    };

    /** All tiles of one k block. */
    const kBlock = (kc: string, first: boolean, last: boolean) => {
      packPanels(kc);
      if (mFull > 0 && nFull > 0) {
        emit(`for (let ic = 0; ic < ${mFull}; ic += ${mcStrips}) {`);
        emit(`const icEnd = ic + ${mcStrips} < ${mFull} ? ic + ${mcStrips} : ${mFull};`);
        emit(`for (let js = 0; js < ${nFull}; js++) for (let is = ic; is < icEnd; is++)`);
        tile(mr, nr, kc, first, last);
        emit(`}`);
      }
      if (nRem > 0 && mFull > 0) {
        emit(`for (let is = 0, js = ${nFull}; is < ${mFull}; is++)`);
        tile(mr, nRem, kc, first, last);
      }
      if (mRem > 0 && nFull > 0) {
        emit(`for (let js = 0, is = ${mFull}; js < ${nFull}; js++)`);
        tile(mRem, nr, kc, first, last);
      }
      if (mRem > 0 && nRem > 0) {
        emit(`{ const is = ${mFull}, js = ${nFull};`);
        tile(mRem, nRem, kc, first, last);
        emit(`}`);
      }
    };

    const blocks = Math.ceil(k / kcMax);
    const lastStart = (blocks - 1) * kcMax;
    const lastKc = k - lastStart;
    if (blocks === 1) {
      emit(`{ const pc = 0;`);
      kBlock(String(k), true, true);
      emit(`}`);
    } else {
      emit(`{ const pc = 0;`);
      kBlock(String(kcMax), true, false);
      emit(`}`);
      if (blocks > 2) {
        emit(`for (let pc = ${kcMax}; pc < ${lastStart}; pc += ${kcMax}) {`);
        kBlock(String(kcMax), false, false);
        emit(`}`);
      }
      emit(`{ const pc = ${lastStart};`);
      kBlock(String(lastKc), false, true);
      emit(`}`);
    }
  }
  emit(`}`);
  emit(`};`);

  return { source: lines.join("\n"), packASize, packBSize };
}
