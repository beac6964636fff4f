// Where generating code is forbidden (a strict Content-Security-Policy, `node
// --disallow-code-generation-from-strings`), jit and eager mode run every equation through its
// primitive's reference evaluation: the same bits, no generated source. `setCodeGeneration("off")`
// forces that path here; the platform's refusal is checked in a child process.

import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { codeGenerationAvailable, compiledSourceCount, setCodeGeneration } from "../../src/compile/codegen/emitter.js";
import { clearCaches } from "../../src/compile/limits.js";
import { compileProgram } from "../../src/compile/pipeline.js";

afterEach(() => setCodeGeneration("auto"));

type Case = [string, (...xs: fx.Tensor[]) => fx.tree.TreeLike, fx.Tensor[]];

function mlpLoss(w1: fx.Tensor, b1: fx.Tensor, w2: fx.Tensor, x: fx.Tensor) {
  const h = fx.maximum(fx.add(fx.matmul(x, w1), b1), 0);
  return fx.mean(fx.logSumExp(fx.matmul(h, w2), { axis: 1 }));
}

function convLoss(w: fx.Tensor, x: fx.Tensor) {
  const y = fx.maxPool2d(fx.tanh(fx.conv2d(x, w, { padding: 1 })), 2);
  return fx.sum(fx.mul(y, y));
}

const ramp = (shape: number[], scale: number) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fx.reshape(fx.mul(fx.sin(fx.arange(n)), scale), shape);
};

const cases: Case[] = [
  ["MLP value and gradient", fx.valueAndGrad(mlpLoss, { argnums: [0, 1, 2] }), [ramp([6, 5], 0.3), ramp([5], 0.1), ramp([5, 3], 0.5), ramp([4, 6], 1)]],
  ["conv, pool and their gradient", fx.grad(convLoss), [ramp([2, 1, 3, 3], 0.4), ramp([1, 1, 6, 6], 1)]],
  [
    "reductions and broadcasting",
    (x: fx.Tensor) => [fx.sum(x, { axis: 0 }), fx.max(x, { axis: 1, keepDims: true }), fx.argmax(x, { axis: 1 }), fx.prod(fx.add(x, 1.5)), fx.sub(x, fx.mean(x, { axis: 1, keepDims: true }))],
    [ramp([3, 4], 2)],
  ],
  [
    "int32 and bool",
    (x: fx.Tensor) => {
      const i = fx.cast(fx.mul(x, 100), "int32");
      return [fx.add(i, 2147483647), fx.where(fx.less(x, 0), i, fx.neg(i)), fx.logicalNot(fx.greater(x, 0.5))];
    },
    [ramp([5], 3)],
  ],
];

function bits(tree: unknown): number[] {
  return fx.tree.leaves(tree as never).flatMap((t) => Array.from((t as fx.Tensor).data()));
}

function expectSameBits(got: number[], want: number[], label: string) {
  expect(got.length, label).toBe(want.length);
  got.forEach((v, i) => expect(Object.is(v, want[i]), `${label} [${i}]: ${v} vs ${want[i]}`).toBe(true));
}

describe("without generated code", () => {
  it("jit computes eager mode's bits, through reference kernels only", () => {
    for (const [name, f, args] of cases) {
      // Op-by-op evaluation is the semantics jit promises (DESIGN.md: one semantics).
      const want = bits(f(...args));
      setCodeGeneration("off");
      expect(codeGenerationAvailable()).toBe(false);
      const jf = fx.jit(f);
      expectSameBits(bits(jf(...args)), want, name);
      expectSameBits(bits(jf(...args)), want, `${name} (second call)`);
      const { executable } = compileProgram(fx.trace(f)(...args));
      expect(executable.steps.length, name).toBeGreaterThan(0);
      for (const s of executable.steps) expect(s.kernel.emitter, `${name}: ${s.eqn.prim.name}`).toBe("reference");
      setCodeGeneration("auto");
    }
  });

  it("eager operations compute the same bits as with generated kernels", () => {
    for (const [name, f, args] of cases) {
      const want = bits(f(...args));
      setCodeGeneration("off");
      expectSameBits(bits(f(...args)), want, name);
      setCodeGeneration("auto");
    }
  });

  it("compiles no kernel source at all", () => {
    clearCaches();
    setCodeGeneration("off");
    for (const [, f, args] of cases) {
      f(...args);
      fx.jit(f)(...args);
    }
    expect(compiledSourceCount()).toBe(0);
  });

  it("setCodeGeneration accepts only \"auto\" and \"off\"", () => {
    expect(() => setCodeGeneration("on" as never)).toThrow(/setCodeGeneration: expected "auto" or "off", got "on"/);
  });
});

describe("the platform probe", () => {
  const emitter = resolve(__dirname, "../../src/compile/codegen/emitter.ts");
  const probe = (flags: string[]) => {
    const script = `import(${JSON.stringify(emitter)}).then((m) => console.log(m.codeGenerationAvailable()))`;
    const r = spawnSync(process.execPath, [...flags, "--import", "tsx", "-e", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    return r.stdout.trim();
  };

  it("finds code generation forbidden under --disallow-code-generation-from-strings, and allowed otherwise", () => {
    expect(probe(["--disallow-code-generation-from-strings"])).toBe("false");
    expect(probe([])).toBe("true");
  }, 60_000);
});
