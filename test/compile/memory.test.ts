// Memory: the plan shares buffers between values whose lifetimes do not overlap, and a
// steady-state call of a compiled function allocates only its outputs.

import { afterEach, describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { planMemory } from "../../src/compile/passes/plan-memory.js";
import { compileProgram } from "../../src/compile/pipeline.js";
import { codeGenerationAvailable } from "../../src/compile/codegen/emitter.js";

const CLASSES = ["Float32Array", "Float64Array", "Int32Array", "Uint8Array"] as const;
const g = globalThis as unknown as Record<string, unknown>;
const originals = Object.fromEntries(CLASSES.map((c) => [c, g[c]]));
let allocations = 0;

/** Counts `new Float32Array(...)` etc. while `body` runs. */
function countAllocations(body: () => void): number {
  allocations = 0;
  for (const c of CLASSES) {
    g[c] = new Proxy(originals[c] as object, {
      construct(target, args) {
        allocations++;
        return Reflect.construct(target as new (...a: unknown[]) => object, args);
      },
    });
  }
  try {
    body();
  } finally {
    for (const c of CLASSES) g[c] = originals[c];
  }
  return allocations;
}
afterEach(() => {
  for (const c of CLASSES) g[c] = originals[c];
});

function mlpStep(x: fx.Tensor, w1: fx.Tensor, b1: fx.Tensor, w2: fx.Tensor) {
  const h = fx.maximum(fx.add(fx.matmul(x, w1), b1), 0);
  const z = fx.matmul(h, w2);
  const e = fx.exp(fx.sub(z, fx.max(z, { axis: 1, keepDims: true })));
  return fx.sum(fx.log(fx.sum(e, { axis: 1 })));
}

describe("steady-state allocation", () => {
  it("the counter sees typed-array allocations", () => {
    expect(countAllocations(() => new Float32Array(2))).toBe(1);
    expect(countAllocations(() => fx.exp(fx.ones([3])))).toBeGreaterThan(0);
  });

  // Reference kernels (the path where code generation is forbidden) allocate their results.
  it.skipIf(!codeGenerationAvailable())("a compiled MLP loss and its gradient allocate only their outputs per call", () => {
    const x = fx.ones([8, 6]);
    const w1 = fx.full([6, 5], 0.1);
    const b1 = fx.zeros([5]);
    const w2 = fx.full([5, 3], 0.2);
    const step = fx.jit(fx.valueAndGrad(mlpStep, { argnums: [1, 2, 3] }));
    step(x, w1, b1, w2); // compile
    const before = step(x, w1, b1, w2);
    const outputs = fx.tree.leaves(before).length;
    const perCall = countAllocations(() => {
      for (let i = 0; i < 10; i++) step(x, w1, b1, w2);
    });
    expect(perCall).toBe(10 * outputs);
  });

  it.skipIf(!codeGenerationAvailable())("heap stays flat over 1,000 calls of a fused chain", () => {
    const f = fx.jit((a: fx.Tensor) => fx.tanh(fx.mul(fx.exp(a), 0.5)).add(1));
    const x = fx.ones([1000]);
    for (let i = 0; i < 50; i++) f(x);
    const n = countAllocations(() => {
      for (let i = 0; i < 1000; i++) f(x);
    });
    expect(n).toBe(1000);
  });
});

describe("planMemory", () => {
  it("reuses buffers across kernels with non-overlapping lifetimes, never within one kernel", () => {
    const f = (a: fx.Tensor) => {
      let y = a;
      // Each stage reads the previous one twice through a reduction, so nothing fuses into one loop.
      for (let i = 0; i < 6; i++) y = fx.sub(y, fx.sum(fx.exp(y), { axis: 0, keepDims: true }));
      return y;
    };
    const x = fx.ones([4, 3]);
    const { fused } = compileProgram(fx.trace(f)(x));
    const plan = planMemory(fused);
    const temps = [...plan.lifetimes.keys()];
    expect(temps.length).toBeGreaterThan(plan.buffers.length); // sharing happened
    for (const b of plan.buffers) {
      const spans = b.holds.map((v) => plan.lifetimes.get(v)!);
      for (let i = 0; i < spans.length; i++) {
        for (let j = i + 1; j < spans.length; j++) {
          const [s1, e1] = spans[i]!;
          const [s2, e2] = spans[j]!;
          expect(e1 < s2 || e2 < s1).toBe(true);
        }
      }
      for (const v of b.holds) expect(plan.slotOf.get(v)).toEqual({ kind: "temp", buffer: plan.buffers.indexOf(b) });
    }
    expect(jitResult(f, x)).toEqual(f(x).toArray());
  });

  it("gives outputs, inputs and constants their own slots", () => {
    const w = fx.tensor([1, 2]);
    const p = fx.trace((a: fx.Tensor) => [fx.exp(a).add(w), a])(fx.tensor([0, 0]));
    const plan = planMemory(p);
    expect(plan.slotOf.get(p.inputs[0]!)).toEqual({ kind: "input", index: 0 });
    expect(plan.slotOf.get(p.constants[0]!.v)).toEqual({ kind: "constant", index: 0 });
    expect(plan.outputVars).toHaveLength(1);
  });
});

function jitResult(f: (a: fx.Tensor) => fx.Tensor, x: fx.Tensor) {
  return fx.jit(f)(x).toArray();
}
