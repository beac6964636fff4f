// Memory stays bounded when shapes vary: jit's per-signature cache, the eager one-op cache and the
// kernel-source cache are bounded LRU caches, planned intermediates live in workspaces that are
// given up under a byte budget, and matmul kernels share one scratch panel. Retained memory is
// measured as ArrayBuffer bytes after a full garbage collection.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { compiledSourceCount } from "../../src/compile/codegen/emitter.js";
import { eagerCacheSize } from "../../src/compile/eager.js";
import { DEFAULT_CACHE_LIMITS, clearCaches, setCacheLimits } from "../../src/compile/limits.js";
import { residentWorkspaceBytes } from "../../src/compile/workspace.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const MiB = 2 ** 20;

function retainedArrayBuffers(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

afterEach(() => setCacheLimits(DEFAULT_CACHE_LIMITS));

function mlpLoss(w1: fx.Tensor, b1: fx.Tensor, w2: fx.Tensor, x: fx.Tensor) {
  const h = fx.maximum(fx.add(fx.matmul(x, w1), b1), 0);
  return fx.mean(fx.logSumExp(fx.matmul(h, w2), { axis: 1 }));
}

describe("retained memory over many shapes", () => {
  it("a jitted training step over batch sizes 1..500 retains a bounded amount of ArrayBuffer memory", () => {
    // Before bounded caches and shared workspaces this retained ~230 MiB (500 compiled entries,
    // each pinning its planned buffers and matmul panels).
    const w1 = fx.full([64, 32], 0.01);
    const b1 = fx.zeros([32]);
    const w2 = fx.full([32, 10], 0.01);
    const step = fx.jit(fx.valueAndGrad(mlpLoss, { argnums: [0, 1, 2] }));
    const base = retainedArrayBuffers();
    let last: unknown;
    for (let b = 1; b <= 500; b++) last = step(w1, b1, w2, fx.full([b, 64], 0.5));
    expect(step.cacheSize).toBeLessThanOrEqual(DEFAULT_CACHE_LIMITS.jitEntries);
    const grown = retainedArrayBuffers() - base;
    expect(grown).toBeLessThan(24 * MiB);
    // The last result is still right: d(mean logSumExp)/d b1 sums to the relu's active share.
    expect(fx.tree.leaves(last)).toHaveLength(4);
  }, 600_000);

  it("eager matmuls over 150 shapes retain a bounded amount of ArrayBuffer memory", () => {
    // Before, each cached one-op matmul pinned its own scratch panel (~120 MiB here).
    const w = fx.ones([300, 200]);
    const base = retainedArrayBuffers();
    for (let m = 101; m <= 250; m++) fx.matmul(fx.ones([m, 300]), w);
    expect(retainedArrayBuffers() - base).toBeLessThan(24 * MiB);
  }, 600_000);
});

describe("bounded caches", () => {
  it("jit keeps at most cacheLimit signatures, dropping the least recently used", () => {
    let traces = 0;
    const f = fx.jit(
      (x: fx.Tensor) => {
        traces++;
        return fx.exp(x);
      },
      { cacheLimit: 2 },
    );
    const a = fx.ones([1]);
    const b = fx.ones([2]);
    const c = fx.ones([3]);
    f(a);
    f(b);
    f(a); // a is now the most recent
    f(c); // drops b
    expect(f.cacheSize).toBe(2);
    expect(traces).toBe(3);
    f(a);
    expect(traces).toBe(3);
    f(b);
    expect(traces).toBe(4);
    expect(Array.from(f(c).data())).toEqual([Math.fround(Math.E), Math.fround(Math.E), Math.fround(Math.E)]);
  });

  it("jitted.clearCache() drops every signature; later calls compile again and agree", () => {
    let traces = 0;
    const f = fx.jit((x: fx.Tensor) => {
      traces++;
      return fx.mul(fx.sum(x), 2);
    });
    const x = fx.tensor([1, 2, 3]);
    const before = f(x).item();
    f.clearCache();
    expect(f.cacheSize).toBe(0);
    expect(f(x).item()).toBe(before);
    expect(traces).toBe(2);
  });

  it("rejects a cacheLimit that is not a positive integer", () => {
    for (const bad of [0, -1, 1.5, NaN]) expect(() => fx.jit((x: fx.Tensor) => x, { cacheLimit: bad })).toThrow(/jit: cacheLimit/);
  });

  it("jit's default bound follows setCacheLimits", () => {
    setCacheLimits({ jitEntries: 3 });
    const f = fx.jit((x: fx.Tensor) => fx.neg(x));
    for (let n = 1; n <= 10; n++) f(fx.ones([n]));
    expect(f.cacheSize).toBe(3);
  });

  it("the eager cache and the kernel-source cache stay within their limits", () => {
    setCacheLimits({ eagerEntries: 5, kernelSources: 7 });
    for (let n = 1; n <= 40; n++) fx.add(fx.exp(fx.ones([n])), 1);
    expect(eagerCacheSize()).toBeLessThanOrEqual(5);
    expect(compiledSourceCount()).toBeLessThanOrEqual(7);
    expect(Array.from(fx.exp(fx.zeros([2])).data())).toEqual([1, 1]);
  });

  it("setCacheLimits rejects unknown names and bad values; clearCaches empties the global caches", () => {
    expect(() => setCacheLimits({ eagerEntrys: 3 } as never)).toThrow(/setCacheLimits: unknown option "eagerEntrys"; did you mean "eagerEntries"\?/);
    expect(() => setCacheLimits({ kernelSources: -1 })).toThrow(/setCacheLimits: kernelSources: expected a non-negative integer, got -1/);
    fx.exp(fx.ones([3]));
    clearCaches();
    expect(eagerCacheSize()).toBe(0);
    expect(compiledSourceCount()).toBe(0);
    expect(residentWorkspaceBytes()).toBe(0);
  });
});

describe("workspaces", () => {
  const chain = (x: fx.Tensor) => {
    // Reductions between stages keep the stages apart, so the program has planned intermediates.
    let y = x;
    for (let i = 0; i < 3; i++) y = fx.sub(y, fx.sum(fx.exp(y), { axis: 0, keepDims: true }));
    return y;
  };

  it("resident workspaces stay within the byte budget, and programs that gave theirs up still run correctly", () => {
    setCacheLimits({ workspaceBytes: 4096 });
    const f = fx.jit(chain);
    const want = new Map<number, number[]>();
    for (let n = 1; n <= 30; n++) want.set(n, Array.from(f(fx.full([n, 20], 0.01 * n)).data()));
    expect(residentWorkspaceBytes()).toBeLessThanOrEqual(4096 + 30 * 20 * 8 * 4);
    for (let n = 1; n <= 30; n++) expect(Array.from(f(fx.full([n, 20], 0.01 * n)).data())).toEqual(want.get(n));
  });

  it("a budget of zero keeps only the newest program's workspace", () => {
    setCacheLimits({ workspaceBytes: 0 });
    const f = fx.jit(chain);
    const x = fx.full([4, 5], 0.3);
    const y = fx.full([6, 5], 0.2);
    const fx1 = Array.from(f(x).data());
    const fy1 = Array.from(f(y).data());
    expect(Array.from(f(x).data())).toEqual(fx1);
    expect(Array.from(f(y).data())).toEqual(fy1);
    expect(Array.from(chain(x).data())).toEqual(fx1);
  });
});
