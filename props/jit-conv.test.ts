// Laws of conv epilogue fusion (src/compile/passes/fuse.ts makes conv a contraction root like
// matmul): over random convolutions (1-D and 2-D, batch, groups, channels, strides, dilations,
// paddings), with a bias and a random activation, `jit` compiles conv + bias + activation into ONE
// kernel whose results equal the reference interpreter bit for bit; the backward program compiled by `jit`
// equals the reference evaluation of `grad`; and a small CNN's `jit(grad)` equals the reference evaluation of grad's program.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { evalProgram } from "../src/trace/interpret.js";
import { compileProgram } from "../src/compile/pipeline.js";
import { jit } from "../src/compile/jit.js";
import { tensorDifference } from "./exact.js";
import { prng, randomLike } from "./gradcheck.js";
import { runs } from "./runs.js";
import { convGeometryArb } from "./conv-cases.js";
import { backendSetting, setBackend } from "../src/compile/wasm/backend.js";
import { wasmConvCalls } from "../src/compile/wasm/conv.js";

const RUNS = runs(100);

type Activation = (y: Tensor) => Tensor;
const ACTIVATIONS: Record<string, Activation> = {
  "relu (maximum)": (y) => fx.maximum(y, 0),
  "relu (where)": (y) => fx.where(fx.greater(y, 0), y, 0),
  "leaky relu": (y) => fx.where(fx.greater(y, 0), y, fx.mul(y, 0.125)),
  tanh: (y) => fx.tanh(y),
  sigmoid: (y) => fx.div(1, fx.add(1, fx.exp(fx.neg(y)))),
  "swish (reads y twice)": (y) => fx.mul(y, fx.div(1, fx.add(1, fx.exp(fx.neg(y))))),
  "none (bias only)": (y) => y,
};

interface Case {
  nd: 1 | 2;
  n: number;
  groups: number;
  cg: number;
  og: number;
  k: number[];
  stride: number[];
  dilation: number[];
  padding: "valid" | "same" | [number, number][];
  sizes: number[];
  bias: boolean;
  activation: string;
  dtype: "float32" | "float64";
  seed: number;
}

/** `wide`: many filters per group and a deep contraction, the shape class of the im2col method. */
function caseArb(wide = false): fc.Arbitrary<Case> {
  const geometry = convGeometryArb({
    n: [1, 2],
    groups: wide ? [1, 1] : [1, 3],
    cg: wide ? [32, 36] : [1, 3],
    og: wide ? [32, 36] : [1, 5],
    kernel: wide ? 2 : 3,
    stride: wide ? 1 : 3,
    extra: wide ? 9 : 4,
    sizes: wide ? "wide" : "fit",
  });
  return fc
    .record({
      g: geometry,
      // Without a bias the activation alone is the epilogue; "none" always has a bias.
      bias: fc.boolean(),
      activation: fc.constantFrom(...Object.keys(ACTIVATIONS)),
      dtype: fc.constantFrom("float32" as const, "float64" as const),
    })
    .map(({ g, bias, activation, dtype }) => {
      const padding = g.padKind === "explicit" ? g.pads : g.padKind;
      const { nd, n, groups, cg, og, k, stride, dilation, sizes, seed } = g;
      return { nd, n, groups, cg, og, k, stride, dilation, padding, sizes, bias: bias || activation.startsWith("none"), activation, dtype, seed };
    });
}

function inputsOf(c: Case, dtype: "float32" | "float64" = c.dtype): [Tensor, Tensor, Tensor] {
  const rand = prng(c.seed);
  const x = randomLike({ shape: [c.n, c.groups * c.cg, ...c.sizes], dtype }, rand);
  const w = randomLike({ shape: [c.groups * c.og, c.cg, ...c.k], dtype }, rand);
  const b = randomLike({ shape: [c.groups * c.og], dtype }, rand);
  return [x, w, b];
}

function layerOf(c: Case): (x: Tensor, w: Tensor, b: Tensor) => Tensor {
  const conv = c.nd === 1 ? fx.conv1d : fx.conv2d;
  const act = ACTIVATIONS[c.activation]!;
  const options = { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padding };
  return (x, w, b) => act(conv(x, w, c.bias ? { ...options, bias: b } : options));
}

const label = (c: Case) => JSON.stringify({ ...c, seed: undefined });

/** The forward layer compiles to one contraction kernel with its epilogue, and equals the reference. */
function checkForward(c: Case, method?: "im2col"): void {
  const f = layerOf(c);
  const inputs = inputsOf(c);
  const program = fx.trace(f)(...inputs);
  const { executable } = compileProgram(program, { verify: true });
  expect(executable.steps.length, label(c)).toBe(1);
  const step = executable.steps[0]!;
  expect(step.spec?.kind, label(c)).toBe("contraction");
  expect(step.kernel.emitter, label(c)).toMatch(method === undefined ? /^(js-conv-(direct|im2col)|wasm-conv-f64x2)\+epilogue$/ : /^js-conv-im2col\+epilogue$/);
  const expected = evalProgram(program, inputs, { reference: true })[0]!;
  const [x, w, b] = inputs as [Tensor, Tensor, Tensor];
  const got = jit(f)(x, w, b);
  expect(got.dtype).toBe(c.dtype);
  // Bit for bit: the fused epilogue reads the convolution as stored (rounded to float32).
  expect(tensorDifference(got, expected), label(c)).toBeNull();
}

describe("conv + bias + activation: one kernel, equal to the reference interpreter", () => {
  it("direct method, random options", () => {
    fc.assert(fc.property(caseArb(), (c) => checkForward(c)), RUNS);
  });

  it("im2col method (≥ 32 filters, deep contraction, ≥ 64 outputs)", () => {
    fc.assert(fc.property(caseArb(true), (c) => checkForward(c, "im2col")), RUNS);
  });
});

describe("the backward pass", () => {
  it("jit(grad) of Σ act(conv(x, w, { bias }))·r equals the reference evaluation of grad's program", () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        const layer = layerOf(c);
        const [x, w, b] = inputsOf(c, "float64");
        const r = randomLike({ shape: layer(x!, w!, b!).shape, dtype: "float64" }, prng(c.seed + 1));
        const loss = (xx: Tensor, ww: Tensor, bb: Tensor) => fx.sum(fx.mul(layer(xx, ww, bb), r));
        const g = fx.grad(loss, { argnums: c.bias ? [0, 1, 2] : [0, 1] });
        const program = fx.trace(g)(x!, w!, b!);
        const expected = evalProgram(program, [x!, w!, b!], { reference: true });
        const got = jit(g)(x!, w!, b!) as Tensor[];
        expect(got.length).toBe(expected.length);
        got.forEach((t, i) => expect(tensorDifference(t, expected[i]!), `${label(c)} gradient ${i}`).toBeNull());
      }),
      RUNS,
    );
  });

  // conv(bias, relu) → max pool → conv(bias, tanh) → avg pool → dense → log-sum-exp loss.
  const cnn = (p: Record<string, Tensor>, x: Tensor, target: Tensor): Tensor => {
    let h = fx.maximum(fx.conv2d(x, p["w1"]!, { bias: p["b1"], padding: "same" }), 0);
    h = fx.maxPool2d(h, 2);
    h = fx.tanh(fx.conv2d(h, p["w2"]!, { bias: p["b2"] }));
    h = fx.avgPool2d(h, 2);
    const logits = fx.add(fx.matmul(fx.reshape(h, [h.shape[0]!, -1]), p["w3"]!), p["b3"]!);
    const m = fx.max(logits, { axis: 1, keepDims: true });
    const lse = fx.add(fx.log(fx.sum(fx.exp(fx.sub(logits, m)), { axis: 1, keepDims: true })), m);
    return fx.mean(fx.sum(fx.mul(fx.sub(lse, logits), target), { axis: 1 }));
  };
  const shapes: Record<string, number[]> = { w1: [4, 2, 3, 3], b1: [4], w2: [6, 4, 3, 3], b2: [6], w3: [6 * 1 * 1, 3], b3: [3] };
  const grad = fx.grad(cnn);
  const jitGrad = jit(grad);

  it("a small CNN: jit(grad) equals grad, and its forward fuses both conv layers with their bias and activation", () => {
    const x0 = randomLike({ shape: [3, 2, 8, 8], dtype: "float64" }, prng(1));
    const forward = jit((p: Record<string, Tensor>, x: Tensor) => fx.maxPool2d(fx.maximum(fx.conv2d(x, p["w1"]!, { bias: p["b1"], padding: "same" }), 0), 2));
    const params0 = Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, randomLike({ shape: s, dtype: "float64" }, prng(10 + i))]));
    const text = forward.explain(params0, x0);
    expect(text).toMatch(/kernel 0: contraction → \S+ \((js-conv-direct|wasm-conv-f64x2)\+epilogue\), 5 equations:/);
    expect(text).toContain("== kernels: 2 ==");
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const rand = prng(seed);
        const params = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, randomLike({ shape: s, dtype: "float64" }, rand)]));
        const x = randomLike({ shape: [3, 2, 8, 8], dtype: "float64" }, rand);
        const target = fx.oneHot(fx.tensor([0, 2, 1], { dtype: "int32" }), 3).cast("float64");
        const program = fx.trace(grad)(params, x, target);
        const leaves = [...Object.keys(shapes).sort().map((k) => params[k]!), x, target];
        const expected = evalProgram(program, leaves, { reference: true });
        const got = jitGrad(params, x, target) as Record<string, Tensor>;
        Object.keys(shapes).sort().forEach((k, i) => expect(tensorDifference(got[k]!, expected[i]!), `d${k}`).toBeNull());
      }),
      RUNS,
    );
  });
});

// The WebAssembly direct convolution's store pass (src/compile/wasm/conv-store.ts) applies fused
// epilogues in WebAssembly; forms it has no WebAssembly rendering for keep the JS pass.
describe("conv epilogues on the WebAssembly backend, every extra-operand form", () => {
  type Form = "channel bias" | "full extra" | "per-position extra" | "per-image extra" | "transposed extra" | "compare (bool result)";
  const FORMS: Form[] = ["channel bias", "full extra", "per-position extra", "per-image extra", "transposed extra", "compare (bool result)"];
  /** The epilogue over the conv result y and one extra tensor e (shaped by `extraShape`). */
  const formOf = (form: Form, act: Activation) => (y: Tensor, e: Tensor): Tensor => {
    const rank = y.shape.length;
    switch (form) {
      case "channel bias":
        return act(fx.add(y, fx.reshape(e, [y.shape[1]!, ...new Array<number>(rank - 2).fill(1)])));
      case "transposed extra":
        return act(fx.add(y, rank === 4 ? fx.transpose(e, [0, 1, 3, 2]) : e));
      case "compare (bool result)":
        return fx.greater(fx.mul(y, e), 0.25);
      default:
        return act(fx.mul(y, e));
    }
  };
  const extraShape = (form: Form, y: readonly number[]): number[] => {
    const rank = y.length;
    if (form === "channel bias") return [y[1]!];
    if (form === "per-position extra") return y.slice(2);
    if (form === "per-image extra") return [y[0]!, ...new Array<number>(rank - 1).fill(1)];
    if (form === "transposed extra" && rank === 4) return [y[0]!, y[1]!, y[3]!, y[2]!];
    return [...y];
  };
  const specialsArb = fc.array(fc.tuple(fc.constantFrom<"x" | "e">("x", "e"), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0)), { maxLength: 3 });
  /** `t` with some elements overwritten (index taken modulo its size). */
  const withSpecials = (t: Tensor, which: "x" | "e", specials: readonly ["x" | "e", number, number][]): Tensor => {
    const data = t.data();
    for (const [w, i, v] of specials) if (w === which) data[i % data.length] = v;
    return fx.tensor(data, { dtype: t.dtype }).reshape(t.shape);
  };

  for (const accumulation of ["float64", "float32"] as const) {
    it(`equal the reference evaluation bit for bit (${accumulation} accumulation; NaN/±Infinity/±0 inputs, odd shapes, 1-D and 2-D)`, () => {
      const saved = backendSetting();
      let viaWasm = 0;
      try {
        fc.assert(
          fc.property(caseArb(), fc.constantFrom(...FORMS), specialsArb, (c, form, specials) => {
            setBackend("wasm", { accumulation });
            const conv = c.nd === 1 ? fx.conv1d : fx.conv2d;
            const options = { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padding };
            const raw = (x: Tensor, w: Tensor) => conv(x, w, options);
            const epilogue = formOf(form, ACTIVATIONS[c.activation]!);
            const f = (x: Tensor, w: Tensor, e: Tensor) => epilogue(raw(x, w), e);
            let [x, w] = inputsOf(c);
            const yShape = raw(x, w).shape;
            let e = randomLike({ shape: extraShape(form, yShape), dtype: c.dtype }, prng(c.seed + 5));
            x = withSpecials(x, "x", specials);
            e = withSpecials(e, "e", specials);
            const before = wasmConvCalls.wasmStore;
            const got = jit(f)(x, w, e);
            viaWasm += wasmConvCalls.wasmStore - before;
            // float64 accumulation: the whole reference; float32: the reference epilogue over the
            // kernel's own convolution (its sums differ from the reference's within float32 rounding).
            const expected =
              accumulation === "float64" || c.dtype === "float64"
                ? evalProgram(fx.trace(f)(x, w, e), [x, w, e], { reference: true })[0]!
                : evalProgram(fx.trace(epilogue)(jit(raw)(x, w), e), [jit(raw)(x, w), e], { reference: true })[0]!;
            expect(tensorDifference(got, expected), `${label(c)} ${form}`).toBeNull();
          }),
          RUNS,
        );
      } finally {
        setBackend(saved.backend, saved.options);
      }
      expect(viaWasm, "calls whose epilogue the WebAssembly store pass applied").toBeGreaterThan(0);
    });
  }

  it("LeNet-5's conv + bias + relu runs its epilogue in WebAssembly, with both accumulations and dtypes", () => {
    const saved = backendSetting();
    try {
      for (const accumulation of ["float64", "float32"] as const) {
        for (const dtype of ["float32", "float64"] as const) {
          setBackend("wasm", { accumulation });
          const rand = prng(3);
          const x = randomLike({ shape: [3, 1, 9, 9], dtype }, rand);
          const w = randomLike({ shape: [6, 1, 5, 5], dtype }, rand);
          const b = randomLike({ shape: [6], dtype }, rand);
          const layer = (xx: Tensor, ww: Tensor, bb: Tensor) => fx.maximum(fx.conv2d(xx, ww, { padding: "same", bias: bb }), 0);
          const before = wasmConvCalls.wasmStore;
          const got = jit(layer)(x, w, b);
          expect(wasmConvCalls.wasmStore, `${accumulation} ${dtype}`).toBe(before + 1);
          const y = jit((xx: Tensor, ww: Tensor) => fx.conv2d(xx, ww, { padding: "same" }))(x, w);
          const expected = evalProgram(fx.trace((yy: Tensor, bb: Tensor) => fx.maximum(fx.add(yy, fx.reshape(bb, [6, 1, 1])), 0))(y, b), [y, b], { reference: true })[0]!;
          expect(tensorDifference(got, expected), `${accumulation} ${dtype}`).toBeNull();
        }
      }
    } finally {
      setBackend(saved.backend, saved.options);
    }
  });
});
