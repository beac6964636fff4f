// Loop nests over typed arrays with constant bounds and folded index arithmetic. An access is
// an affine index `offset + Σ i_d·stride_d`; the nest keeps one running offset per access and
// level (`p3_1 = p3_0 + i1 * 40`), so the innermost body reads `in0[p3_1]` with no
// multiplication beyond one per level. Adjacent loops are merged when every access walks them
// contiguously, so a same-shape elementwise loop is always one flat loop.

export interface Access {
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Merges adjacent dimensions of `dims` that every access walks as one (stride of the outer =
 * stride of the inner × inner size) and drops dimensions of size 1. `sections` gives the sizes of
 * groups of leading dimensions that must not merge across (kept vs reduced axes).
 */
export function coalesce(dims: readonly number[], accesses: readonly Access[], sections: readonly number[] = [dims.length]) {
  const outDims: number[] = [];
  const outStrides: number[][] = accesses.map(() => []);
  const outSections: number[] = [];
  let start = 0;
  for (const len of sections) {
    let count = 0;
    for (let d = start; d < start + len; d++) {
      const n = dims[d]!;
      if (n === 1) continue;
      const last = outDims.length - 1;
      const mergeable =
        count > 0 && accesses.every((a, k) => outStrides[k]![last] === a.strides[d]! * n);
      if (mergeable) {
        outDims[last] = outDims[last]! * n;
        accesses.forEach((a, k) => (outStrides[k]![last] = a.strides[d]!));
      } else {
        outDims.push(n);
        accesses.forEach((a, k) => outStrides[k]!.push(a.strides[d]!));
        count++;
      }
    }
    outSections.push(count);
    start += len;
  }
  return {
    dims: outDims,
    accesses: accesses.map((a, k): Access => ({ strides: outStrides[k]!, offset: a.offset })),
    sections: outSections,
  };
}

/** The deepest loop level whose index an access depends on (-1: none, the access is invariant). */
export function accessDepth(a: Access): number {
  for (let d = a.strides.length - 1; d >= 0; d--) if (a.strides[d] !== 0) return d;
  return -1;
}

export interface NestHooks {
  /** Lines right after entering loop `level` (-1: before all loops); `at(k)` is access k's index there. */
  enter(level: number, at: (k: number) => string): string[];
  /** Lines before leaving loop `level` (-1: after all loops). */
  leave(level: number, at: (k: number) => string): string[];
}

/** Emits the loop nest over `dims` with running offsets for `accesses`. */
export function emitNest(dims: readonly number[], accesses: readonly Access[], hooks: NestHooks, prefix = ""): string[] {
  const lines: string[] = [];
  const current: string[] = accesses.map((a) => String(a.offset));
  const at = (k: number) => current[k]!;
  lines.push(...hooks.enter(-1, at));
  const open = (level: number) => {
    if (level === dims.length) return;
    const i = `i${prefix}${level}`;
    lines.push(`for (let ${i} = 0; ${i} < ${dims[level]}; ${i}++) {`);
    const saved = [...current];
    accesses.forEach((a, k) => {
      const s = a.strides[level]!;
      if (s === 0) return;
      const name = `p${prefix}${k}_${level}`;
      const prev = current[k]!;
      const step = s === 1 ? i : `${i} * ${s < 0 ? `(${s})` : s}`;
      lines.push(`const ${name} = ${prev === "0" ? step : `${prev} + ${step}`};`);
      current[k] = name;
    });
    lines.push(...hooks.enter(level, at));
    open(level + 1);
    lines.push(...hooks.leave(level, at));
    lines.push("}");
    current.splice(0, current.length, ...saved);
  };
  open(0);
  lines.push(...hooks.leave(-1, at));
  return lines;
}
