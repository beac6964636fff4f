// The laws of convolution, as fast-check properties over random sizes, channels, groups,
// strides, dilations and paddings (where the law allows them):
// convolve is commutative and associative; conv/convolve are linear in each argument; shift
// equivariance; conv and transposed conv are adjoint; conv2d is convolve with a flipped kernel;
// the 1×1 identity kernel is the identity and a delta kernel shifts; and every op's gradients
// (first and second order) agree with finite differences in float64 (props/gradcheck.ts: the
// fourth-order central stencil with h = 2⁻¹⁰, relative tolerance 1e-6, absolute 1e-8).
//
// Inputs are dyadic (k/256), so most laws hold exactly in float64; they are still compared
// with a 1e-12 tolerance so that compiled kernels may reorder sums.

import fc from "fast-check";
import { describe, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import {
  assertClose,
  checkDotProduct,
  checkJvp,
  checkVjp,
  dot,
  fdDirectional,
  flatGradient,
  prng,
  randomLike,
  tensorOf,
  values,
  type TensorFn,
} from "./gradcheck.js";
import { runs } from "./runs.js";
import { bitDifference } from "./exact.js";
import { convTransposeLoop } from "./reference-loops.js";
import { type ConvGeometry, type PadKind, convGeometryArb } from "./conv-cases.js";

const RUNS = runs(100);
const EXACT = { rtol: 1e-12, atol: 1e-12 };

const randomTensor = (shape: readonly number[], rand: () => number): Tensor => randomLike({ shape, dtype: "float64" }, rand);

// ---------------------------------------------------------------- random convolution cases

type ConvCase = ConvGeometry;

interface CaseLimits {
  n?: number;
  groups?: number;
  channels?: number;
  extra?: number;
  kernel?: number;
  stride?: number;
  padKinds?: PadKind[];
}

function convCaseArb(limits: CaseLimits = {}): fc.Arbitrary<ConvCase> {
  const channels = limits.channels ?? 2;
  return convGeometryArb({
    n: [1, limits.n ?? 2],
    groups: [1, limits.groups ?? 3],
    cg: [1, channels],
    og: [1, channels],
    kernel: limits.kernel ?? 3,
    stride: limits.stride ?? 3,
    extra: limits.extra ?? 3,
    ...(limits.padKinds ? { padKinds: limits.padKinds } : {}),
  });
}

function convOptions(c: ConvCase): fx.ConvOptions {
  return { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padKind === "explicit" ? c.pads : c.padKind };
}

const convOf = (c: ConvCase) => (c.nd === 1 ? fx.conv1d : fx.conv2d);
const convTransposeOf = (c: ConvCase) => (c.nd === 1 ? fx.conv1dTranspose : fx.conv2dTranspose);

function describeCase(c: ConvCase): string {
  return JSON.stringify({ ...c, seed: undefined });
}

function inputsOf(c: ConvCase, rand: () => number): { x: Tensor; w: Tensor } {
  const x = randomTensor([c.n, c.groups * c.cg, ...c.sizes], rand);
  const w = randomTensor([c.groups * c.og, c.cg, ...c.k], rand);
  return { x, w };
}

/** Runs `body`, prefixing any failure with the case (fast-check shows the shrunk case too). */
function labelled(c: unknown, body: () => void): void {
  try {
    body();
  } catch (e) {
    if (fc.PreconditionFailure.isFailure(e)) throw e;
    throw new Error(`${typeof c === "string" ? c : JSON.stringify(c)}\n${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- convolve

interface ConvolveCase {
  a: Tensor;
  b: Tensor;
  c: Tensor;
  lambda: number;
  mu: number;
}

const convolveCaseArb: fc.Arbitrary<ConvolveCase> = fc
  .record({
    nd: fc.constantFrom(1, 2),
    sa: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 2 }),
    sb: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
    sc: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
    seed: fc.nat(),
  })
  .map(({ nd, sa, sb, sc, seed }) => {
    const rand = prng(seed);
    return {
      a: randomTensor(sa.slice(0, nd), rand),
      b: randomTensor(sb.slice(0, nd), rand),
      c: randomTensor(sc.slice(0, nd), rand),
      lambda: Math.round((rand() * 4 - 2) * 64) / 64,
      mu: Math.round((rand() * 4 - 2) * 64) / 64,
    };
  });

describe("convolve: algebra of the true convolution", () => {
  it("is commutative in full mode: a ∗ b = b ∗ a", () => {
    fc.assert(
      fc.property(convolveCaseArb, ({ a, b }) => {
        assertClose(values(fx.convolve(a, b)), values(fx.convolve(b, a)), "a∗b vs b∗a", EXACT);
      }),
      RUNS,
    );
  });

  it("is associative: (a ∗ b) ∗ c = a ∗ (b ∗ c)", () => {
    fc.assert(
      fc.property(convolveCaseArb, ({ a, b, c }) => {
        const left = fx.convolve(fx.convolve(a, b), c);
        const right = fx.convolve(a, fx.convolve(b, c));
        assertClose(values(left), values(right), "(a∗b)∗c vs a∗(b∗c)", EXACT);
      }),
      RUNS,
    );
  });

  it("is linear in each argument in every mode: a ∗ (λb + μc) = λ(a ∗ b) + μ(a ∗ c)", () => {
    const arb = convolveCaseArb.chain((k) =>
      fc.record({ k: fc.constant(k), mode: fc.constantFrom("full" as const, "same" as const, "valid" as const) }),
    );
    fc.assert(
      fc.property(arb, ({ k: { a, b, lambda, mu }, mode }) => {
        const nested = (p: Tensor, q: Tensor) => p.shape.every((n, d) => n >= q.shape[d]!);
        fc.pre(mode !== "valid" || nested(a, b) || nested(b, a));
        // The second operand of the same shape as b: b reversed and scaled.
        const c = fx.mul(fx.flip(b), 0.75);
        const mix = (p: Tensor, q: Tensor) => fx.add(fx.mul(p, lambda), fx.mul(q, mu));
        const opts = { mode };
        // In the second argument (a fixed) and in the first (b fixed).
        assertClose(values(fx.convolve(a, mix(b, c), opts)), values(mix(fx.convolve(a, b, opts), fx.convolve(a, c, opts))), "second argument", EXACT);
        const a2 = fx.mul(fx.flip(a), -0.5);
        assertClose(values(fx.convolve(mix(a, a2), b, opts)), values(mix(fx.convolve(a, b, opts), fx.convolve(a2, b, opts))), "first argument", EXACT);
      }),
      RUNS,
    );
  });

  it("is shift equivariant: delaying a delays a ∗ b", () => {
    const arb = fc.record({ k: convolveCaseArb, shift: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 2 }) });
    fc.assert(
      fc.property(arb, ({ k: { a, b }, shift }) => {
        const nd = a.shape.length;
        const sh = shift.slice(0, nd);
        const shifted = fx.pad(a, sh.map((s) => [s, 0] as [number, number]));
        const expected = fx.pad(fx.convolve(a, b), sh.map((s) => [s, 0] as [number, number]));
        assertClose(values(fx.convolve(shifted, b)), values(expected), "convolve(shift a, b) vs shift convolve(a, b)", EXACT);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- conv1d / conv2d

describe("conv1d / conv2d: linearity and shift equivariance", () => {
  it("is linear in the input and in the filter (any stride, padding, dilation, groups)", () => {
    fc.assert(
      fc.property(convCaseArb(), (c) => {
        labelled(describeCase(c), () => {
          const rand = prng(c.seed);
          const { x, w } = inputsOf(c, rand);
          const x2 = randomTensor(x.shape, rand);
          const w2 = randomTensor(w.shape, rand);
          const [lambda, mu] = [Math.round(rand() * 512 - 256) / 64, Math.round(rand() * 512 - 256) / 64];
          const conv = convOf(c);
          const o = convOptions(c);
          const mix = (p: Tensor, q: Tensor) => fx.add(fx.mul(p, lambda), fx.mul(q, mu));
          assertClose(values(conv(mix(x, x2), w, o)), values(mix(conv(x, w, o), conv(x2, w, o))), "linear in the input", EXACT);
          assertClose(values(conv(x, mix(w, w2), o)), values(mix(conv(x, w, o), conv(x, w2, o))), "linear in the filter", EXACT);
        });
      }),
      RUNS,
    );
  });

  it("is shift equivariant: translating the input by m·stride translates the output by m", () => {
    const arb = fc.record({
      c: convCaseArb({ padKinds: ["explicit", "valid"] }),
      m: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 2 }),
      offset: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 2 }),
    });
    fc.assert(
      fc.property(arb, ({ c, m, offset }) => {
        labelled(describeCase(c), () => {
          const nd = c.nd;
          const rand = prng(c.seed);
          const { x: content, w } = inputsOf(c, rand);
          const shiftIn = m.slice(0, nd).map((mm, d) => mm * c.stride[d]!);
          // Two canvases of zeros: the content at `offset`, and at `offset + m·stride`.
          const after = (d: number) => shiftIn[d]! + c.k[d]! * c.dilation[d]!;
          const place = (extra: readonly number[]) =>
            fx.pad(content, [[0, 0], [0, 0], ...extra.map((e, d) => [offset[d]! + e, shiftIn[d]! - e + after(d)] as [number, number])]);
          const conv = convOf(c);
          const y1 = conv(place(shiftIn.map(() => 0)), w, convOptions(c));
          const y2 = conv(place(shiftIn), w, convOptions(c));
          // y2[t + m] = y1[t] wherever both exist.
          const ms = m.slice(0, nd);
          const keep = y1.shape.slice(2).map((t, d) => t - ms[d]!);
          fc.pre(keep.every((t) => t > 0));
          const a = fx.slice(y2, [null, null, ...ms.map((mm, d) => [mm, mm + keep[d]!] as [number, number])]);
          const b = fx.slice(y1, [null, null, ...keep.map((t) => [0, t] as [number, number])]);
          assertClose(values(a), values(b), "shifted output vs output of the shifted input", EXACT);
        });
      }),
      RUNS,
    );
  });
});

describe("transposed convolution is the adjoint of convolution", () => {
  it("⟨conv(x, w), y⟩ = ⟨x, convTranspose(y, w)⟩ for conv1d and conv2d", () => {
    fc.assert(
      fc.property(convCaseArb(), (c0) => {
        // "same" is its own transpose when the input size is a multiple of the stride.
        const c = c0.padKind === "same" ? { ...c0, sizes: c0.sizes.map((s, d) => Math.ceil(s / c0.stride[d]!) * c0.stride[d]!) } : c0;
        labelled(describeCase(c), () => {
          const rand = prng(c.seed);
          const { x, w } = inputsOf(c, rand);
          const o = convOptions(c);
          const yShape = convOf(c)(x, w, o).shape;
          const y = randomTensor(yShape, rand);
          // outputPadding restores the input rows that no window reaches.
          const outputPadding =
            c.padKind === "same"
              ? c.sizes.map(() => 0)
              : c.sizes.map((s, d) => {
                  const [lo, hi] = c.padKind === "explicit" ? c.pads[d]! : [0, 0];
                  return s - ((yShape[2 + d]! - 1) * c.stride[d]! + (c.k[d]! - 1) * c.dilation[d]! + 1 - lo - hi);
                });
          const xt = convTransposeOf(c)(y, w, { ...o, outputPadding });
          assertClose(xt.shape, x.shape, "transposed output shape vs input shape", { rtol: 0, atol: 0 });
          const lhs = dot(values(convOf(c)(x, w, o)), values(y));
          const rhs = dot(values(x), values(xt));
          assertClose([lhs], [rhs], "⟨conv(x,w), y⟩ vs ⟨x, convT(y,w)⟩", EXACT);
        });
      }),
      RUNS,
    );
  });
});

describe("conv relates to convolve and to simple kernels", () => {
  it("conv equals the sum over input channels of convolve with the flipped kernel", () => {
    const arb = convCaseArb({ groups: 1, stride: 1, padKinds: ["valid"] }).map((c) => ({ ...c, dilation: c.dilation.map(() => 1) }));
    fc.assert(
      fc.property(arb, (c0) => {
        const c = { ...c0, sizes: c0.sizes.map((s, d) => Math.max(s, c0.k[d]!)) };
        labelled(describeCase(c), () => {
          const rand = prng(c.seed);
          const { x, w } = inputsOf(c, rand);
          const y = convOf(c)(x, w);
          const plane = c.sizes.reduce((a, b) => a * b, 1);
          const taps = c.k.reduce((a, b) => a * b, 1);
          const xs = values(x);
          const ws = values(w);
          const expected: number[] = [];
          for (let n = 0; n < c.n; n++) {
            for (let o = 0; o < c.og; o++) {
              let acc: Tensor | null = null;
              for (let ci = 0; ci < c.cg; ci++) {
                const xp = tensorOf(xs.subarray((n * c.cg + ci) * plane, (n * c.cg + ci + 1) * plane), c.sizes);
                const wp = tensorOf(ws.subarray((o * c.cg + ci) * taps, (o * c.cg + ci + 1) * taps), c.k);
                const term = fx.convolve(xp, fx.flip(wp), { mode: "valid" });
                acc = acc === null ? term : fx.add(acc, term);
              }
              expected.push(...values(acc!));
            }
          }
          assertClose(values(y), expected, "conv vs Σ_c convolve(x_c, flip(w_oc), valid)", EXACT);
        });
      }),
      RUNS,
    );
  });

  it("a 1×1 identity kernel is the identity", () => {
    const arb = fc.record({
      nd: fc.constantFrom(1, 2),
      n: fc.integer({ min: 1, max: 3 }),
      c: fc.integer({ min: 1, max: 5 }),
      sizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 2 }),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(arb, ({ nd, n, c, sizes, seed }) => {
        const x = randomTensor([n, c, ...sizes.slice(0, nd)], prng(seed));
        const w = fx.reshape(fx.eye(c, c, { dtype: "float64" }), [c, c, ...sizes.slice(0, nd).map(() => 1)]);
        const y = nd === 1 ? fx.conv1d(x, w) : fx.conv2d(x, w);
        assertClose(values(y), values(x), "conv(x, 1×1 identity) vs x", { rtol: 0, atol: 0 });
      }),
      RUNS,
    );
  });

  it("a delta kernel shifts: with the 1 at tap a, y[t] = padded x[t·stride + a]", () => {
    const arb = convCaseArb({ padKinds: ["explicit", "valid"] }).chain((c) =>
      fc.record({ c: fc.constant(c), tap: fc.tuple(...c.k.map((k) => fc.integer({ min: 0, max: k - 1 }))) }),
    );
    fc.assert(
      fc.property(arb, ({ c, tap }) => {
        labelled(describeCase(c), () => {
          const channels = c.groups * c.cg;
          const x = randomTensor([c.n, channels, ...c.sizes], prng(c.seed));
          // Depthwise: every channel's kernel is the same delta.
          const taps = c.k.reduce((a, b) => a * b, 1);
          const flat = tap.reduce((acc, a, d) => acc * c.k[d]! + a, 0);
          const w = tensorOf(Array.from({ length: channels * taps }, (_, i) => (i % taps === flat ? 1 : 0)), [channels, 1, ...c.k]);
          const o = { stride: c.stride, padding: c.padKind === "explicit" ? c.pads : ("valid" as const), groups: channels };
          const y = c.nd === 1 ? fx.conv1d(x, w, o) : fx.conv2d(x, w, o);
          const lo = c.padKind === "explicit" ? c.pads.map((p) => p[0]) : c.pads.map(() => 0);
          const xs = values(x);
          const out = y.shape.slice(2);
          const expected: number[] = [];
          const plane = c.sizes.reduce((a, b) => a * b, 1);
          const outPlane = out.reduce((a, b) => a * b, 1);
          for (let p = 0; p < c.n * channels; p++) {
            for (let i = 0; i < outPlane; i++) {
              const t = c.nd === 1 ? [i] : [Math.floor(i / out[1]!), i % out[1]!];
              const src = t.map((tt, d) => tt * c.stride[d]! + tap[d]! - lo[d]!);
              const inside = src.every((s, d) => s >= 0 && s < c.sizes[d]!);
              expected.push(inside ? xs[p * plane + (c.nd === 1 ? src[0]! : src[0]! * c.sizes[1]! + src[1]!)]! : 0);
            }
          }
          assertClose(values(y), expected, "conv(x, delta) vs shifted x", { rtol: 0, atol: 0 });
        });
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- gradients vs finite differences

/** Second order without the expensive per-element sweep: H·v by jvp-of-grad and grad-of-grad vs finite differences of the gradient. */
function checkHessianVector(f: TensorFn, xs: readonly Tensor[], seed: number, label: string): void {
  const rand = prng(seed);
  const u = randomLike(f(...xs), rand);
  const vs = xs.map((x) => randomLike(x, rand));
  const gradS = flatGradient(f, u, xs);
  const numeric = fdDirectional(gradS, xs, vs);
  const [, hv] = fx.jvp(gradS, [...xs], [...vs]);
  assertClose(values(hv), numeric, `${label}: jvp of grad vs finite differences of grad`);
  const vFlat = tensorOf(vs.flatMap((v) => Array.from(values(v))), [numeric.length]);
  const argnums = xs.map((_, i) => i);
  const gg = fx.grad((...ys: Tensor[]) => fx.sum(fx.mul(vFlat, gradS(...ys))), { argnums })(...xs) as Tensor[];
  assertClose(gg.flatMap((t) => Array.from(values(t))), numeric, `${label}: grad of grad vs finite differences of grad`);
}

/** First order (vjp and jvp vs finite differences, the dot-product test) and second order. */
function checkDerivatives(f: TensorFn, xs: readonly Tensor[], seed: number, label: string): void {
  const rand = prng(seed ^ 0x5bd1e995);
  const out = f(...xs);
  const u = randomLike(out, rand);
  const vs = xs.map((x) => randomLike(x, rand));
  checkVjp(f, xs, u, {}, `${label}: vjp`);
  checkJvp(f, xs, vs, {}, `${label}: jvp`);
  checkDotProduct(f, xs, u, vs);
  checkHessianVector(f, xs, seed, label);
}

// Small cases: the first-order check differentiates along every input element.
const smallCase = convCaseArb({ n: 2, groups: 3, channels: 2, extra: 2 });

describe("gradients agree with finite differences (float64)", () => {
  it("conv1d / conv2d w.r.t. input, filter and bias, for every option", () => {
    fc.assert(
      fc.property(smallCase, (c) => {
        labelled(describeCase(c), () => {
          const rand = prng(c.seed);
          const { x, w } = inputsOf(c, rand);
          const bias = randomTensor([c.groups * c.og], rand);
          const conv = convOf(c);
          // A nonlinear function of the output, so that second derivatives are not zero.
          const f = (xx: Tensor, ww: Tensor, bb: Tensor) => fx.square(conv(xx, ww, { ...convOptions(c), bias: bb }));
          checkDerivatives(f, [x, w, bias], c.seed, c.nd === 1 ? "conv1d" : "conv2d");
        });
      }),
      RUNS,
    );
  });

  it("conv1dTranspose / conv2dTranspose w.r.t. input and filter, with outputPadding", () => {
    const arb = smallCase.chain((c) => fc.record({ c: fc.constant(c), extra: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }) }));
    fc.assert(
      fc.property(arb, ({ c, extra }) => {
        labelled(describeCase(c), () => {
          const rand = prng(c.seed);
          // Transposed layout: input [N, G·og, T…], filter [G·og, cg, K…] → output [N, G·cg, …].
          const t = c.sizes.map((s, d) => Math.max(1, Math.min(s, 4), 1 + Math.ceil((c.pads[d]![0] + c.pads[d]![1]) / c.stride[d]!)));
          const y = randomTensor([c.n, c.groups * c.og, ...t], rand);
          const w = randomTensor([c.groups * c.og, c.cg, ...c.k], rand);
          const outputPadding = extra.slice(0, c.nd).map((e, d) => e % Math.max(c.stride[d]!, c.dilation[d]!));
          const convT = convTransposeOf(c);
          const f = (yy: Tensor, ww: Tensor) => fx.square(convT(yy, ww, { ...convOptions(c), outputPadding }));
          checkDerivatives(f, [y, w], c.seed, c.nd === 1 ? "conv1dTranspose" : "conv2dTranspose");
        });
      }),
      RUNS,
    );
  });

  it("convolve w.r.t. both operands, in every mode", () => {
    const arb = fc.record({ k: convolveCaseArb, mode: fc.constantFrom("full" as const, "same" as const, "valid" as const) });
    fc.assert(
      fc.property(arb, ({ k: { a, b }, mode }) => {
        const nested = (p: Tensor, q: Tensor) => p.shape.every((n, d) => n >= q.shape[d]!);
        fc.pre(mode !== "valid" || nested(a, b) || nested(b, a));
        const f = (p: Tensor, q: Tensor) => fx.square(fx.convolve(p, q, { mode }));
        checkDerivatives(f, [a, b], a.size * 31 + b.size, `convolve ${mode}`);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- transposed convolution vs a loop

describe("transposed convolution equals an independent loop, bit for bit (eager and jit)", () => {
  // Dyadic inputs (k/256): every sum is exact in float64, so any summation order gives the same bits.
  const arb = smallCase.chain((c) =>
    fc.record({ c: fc.constant(c), extra: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }), tExtra: fc.array(fc.nat(2), { minLength: 2, maxLength: 2 }) }),
  );
  it("every padding kind, with outputPadding (\"same\": T·stride + outputPadding rows)", () => {
    fc.assert(
      fc.property(arb, ({ c, extra, tExtra }) => {
        labelled(describeCase(c), () => {
          const rand = prng(c.seed);
          const t = c.sizes.map((s, d) => Math.max(1, Math.min(s, 3), 1 + Math.ceil((c.pads[d]![0] + c.pads[d]![1]) / c.stride[d]!)) + tExtra[d]!);
          const y = randomTensor([c.n, c.groups * c.og, ...t], rand);
          const w = randomTensor([c.groups * c.og, c.cg, ...c.k], rand);
          const outputPadding = extra.slice(0, c.nd).map((e, d) => e % Math.max(c.stride[d]!, c.dilation[d]!));
          const options = { ...convOptions(c), outputPadding };
          const expected = convTransposeLoop(values(y), y.shape, values(w), w.shape, c.groups, {
            sizes: t,
            kernel: c.k,
            stride: c.stride,
            dilation: c.dilation,
            padding: c.padKind === "same" ? "same" : c.padKind === "explicit" ? c.pads : c.pads.map(() => [0, 0] as [number, number]),
            outputPadding,
          });
          const convT = convTransposeOf(c);
          const eager = convT(y, w, options);
          const jitted = fx.jit((a: Tensor, b: Tensor) => convT(a, b, options))(y, w);
          for (const [name, got] of [["eager", eager], ["jit", jitted]] as const) {
            if (got.shape.join() !== expected.shape.join()) throw new Error(`${name} shape [${got.shape}] vs expected [${expected.shape}]`);
            const diff = bitDifference(got.data(), expected.values);
            if (diff !== null) throw new Error(`${name}: ${diff} (outputPadding ${JSON.stringify(outputPadding)}, T ${JSON.stringify(t)})`);
          }
        });
      }),
      RUNS,
    );
  });
});
