// fx.optim.schedules: every schedule at its first steps (and its corners) against its formula
// written out in JS numbers, to 1e-12 with float64 steps; the same values under jit, bit for
// bit, from one compilation; the step's dtype; reduceOnPlateau against PyTorch's algorithm
// written out here; and the errors of malformed arguments.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

const { schedules } = fx.optim;
type Tensor = fx.Tensor;

function expectClose(actual: number, expected: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
  if (!(err <= 1e-12)) throw new Error(`${what}: got ${actual}, expected ${expected} (relative error ${err})`);
}

const cosineDecay = (t: number, T: number) => 0.5 * (1 + Math.cos((Math.PI * Math.min(t, T)) / T));

const CASES: { name: string; schedule: (s: Tensor | number) => Tensor; formula: (t: number) => number; steps: number }[] = [
  { name: "constant", schedule: schedules.constant(0.3), formula: () => 0.3, steps: 5 },
  { name: "stepDecay", schedule: schedules.stepDecay(0.5, { stepSize: 3, factor: 0.2 }), formula: (t) => 0.5 * 0.2 ** Math.floor(t / 3), steps: 10 },
  { name: "stepDecay (default factor 0.1)", schedule: schedules.stepDecay(1, { stepSize: 2 }), formula: (t) => 0.1 ** Math.floor(t / 2), steps: 7 },
  { name: "exponential", schedule: schedules.exponential(0.1, 0.25), formula: (t) => 0.1 * Math.exp(-0.25 * t), steps: 8 },
  { name: "inverseTime", schedule: schedules.inverseTime(0.1, 0.5), formula: (t) => 0.1 / (1 + 0.5 * t), steps: 8 },
  {
    name: "polynomial",
    schedule: schedules.polynomial(0.1, { steps: 5, end: 0.01, power: 2 }),
    formula: (t) => (0.1 - 0.01) * (1 - Math.min(t, 5) / 5) ** 2 + 0.01,
    steps: 8,
  },
  {
    name: "polynomial with a delayed begin (defaults end 0, power 1)",
    schedule: schedules.polynomial(1, { steps: 4, begin: 2 }),
    formula: (t) => 1 - Math.min(Math.max(t - 2, 0), 4) / 4,
    steps: 9,
  },
  { name: "cosine", schedule: schedules.cosine(0.1, { steps: 6 }), formula: (t) => 0.1 * cosineDecay(t, 6), steps: 9 },
  { name: "cosine with an alpha floor", schedule: schedules.cosine(0.1, { steps: 6, alpha: 0.2 }), formula: (t) => 0.1 * (0.8 * cosineDecay(t, 6) + 0.2), steps: 9 },
  {
    name: "warmupCosine",
    schedule: schedules.warmupCosine({ init: 0.01, peak: 0.1, warmupSteps: 3, totalSteps: 8, end: 0.001 }),
    formula: (t) => (t < 3 ? 0.01 + ((0.1 - 0.01) * t) / 3 : 0.001 + (0.1 - 0.001) * cosineDecay(t - 3, 5)),
    steps: 11,
  },
  {
    name: "warmupCosine without warmup",
    schedule: schedules.warmupCosine({ peak: 0.1, warmupSteps: 0, totalSteps: 4 }),
    formula: (t) => 0.1 * cosineDecay(t, 4),
    steps: 6,
  },
  {
    name: "warmupCosine that is all warmup",
    schedule: schedules.warmupCosine({ peak: 0.1, warmupSteps: 4, totalSteps: 4, end: 0.05 }),
    formula: (t) => (t < 4 ? (0.1 * t) / 4 : 0.05),
    steps: 6,
  },
  {
    name: "piecewise",
    schedule: schedules.piecewise([2, 5], [0.1, 0.05, 0.001]),
    formula: (t) => (t < 2 ? 0.1 : t < 5 ? 0.05 : 0.001),
    steps: 7,
  },
];

describe("schedules against their formulas (float64 steps)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      for (let t = 0; t < c.steps; t++) {
        const v = c.schedule(fx.scalar(t, "float64"));
        expect(v.dtype).toBe("float64");
        expect(v.shape).toEqual([]);
        expectClose(v.item(), c.formula(t), `${c.name} at step ${t}`);
        // A JS number is read as a float64 step.
        expect(c.schedule(t).item()).toBe(v.item());
      }
      // A whole curve at once: a vector of steps gives the vector of values.
      const curve = c.schedule(fx.arange(0, c.steps, 1, { dtype: "float64" }));
      expect(curve.shape).toEqual([c.steps]);
      Array.from(curve.data()).forEach((v, t) => expectClose(v, c.formula(t), `${c.name} curve[${t}]`));
    });
  }
});

describe("schedules under jit", () => {
  for (const c of CASES) {
    it(`${c.name}: the same bits from one compilation`, () => {
      const dtypes = ["float32", "float64"] as const;
      for (const dtype of dtypes) {
        const jitted = fx.jit((s: Tensor) => c.schedule(s));
        for (let t = 0; t < c.steps; t++) {
          const step = fx.scalar(t, dtype);
          const eager = c.schedule(step);
          const compiled = jitted(step);
          expect(compiled.dtype).toBe(dtype);
          if (!Object.is(compiled.item(), eager.item())) throw new Error(`${c.name} ${dtype} step ${t}: jit ${compiled.item()}, eager ${eager.item()}`);
        }
        expect(jitted.cacheSize).toBe(1);
      }
    });
  }

  it("an int32 step is read as float32", () => {
    const v = schedules.exponential(0.1, 0.25)(fx.scalar(3, "int32"));
    expect(v.dtype).toBe("float32");
    expect(v.item()).toBe(Math.fround(Math.fround(0.1) * Math.fround(Math.exp(Math.fround(-0.25) * 3))));
  });
});

describe("reduceOnPlateau", () => {
  /** PyTorch's ReduceLROnPlateau.step, on plain numbers, with the learning rate as a scale from 1. */
  function reference(o: { factor: number; patience: number; threshold: number; thresholdMode: "rel" | "abs"; mode: "min" | "max"; cooldown: number; minScale: number }) {
    let best = o.mode === "min" ? Infinity : -Infinity;
    let bad = 0;
    let cooldown = 0;
    let scale = 1;
    const better = (a: number) =>
      o.mode === "min"
        ? o.thresholdMode === "rel" ? a < best * (1 - o.threshold) : a < best - o.threshold
        : o.thresholdMode === "rel" ? a > best * (1 + o.threshold) : a > best + o.threshold;
    return (metric: number) => {
      if (better(metric)) {
        best = metric;
        bad = 0;
      } else bad += 1;
      if (cooldown > 0) {
        cooldown -= 1;
        bad = 0;
      }
      if (bad > o.patience) {
        scale = Math.max(scale * o.factor, o.minScale);
        cooldown = o.cooldown;
        bad = 0;
      }
      return { best, badEpochs: bad, cooldown, scale };
    };
  }

  const metrics = [1.0, 0.9, 0.95, 0.9, 0.91, 0.9, 0.89999, 0.85, 0.86, 0.87, 0.88, 0.9, 0.84, 0.84, 0.84, 0.84, 0.84, 0.84];
  const configs = [
    { factor: 0.5, patience: 2, threshold: 1e-4, thresholdMode: "rel", mode: "min", cooldown: 0, minScale: 0 },
    { factor: 0.5, patience: 1, threshold: 0.01, thresholdMode: "abs", mode: "min", cooldown: 2, minScale: 0.2 },
    { factor: 0.1, patience: 0, threshold: 1e-4, thresholdMode: "rel", mode: "max", cooldown: 1, minScale: 0 },
    { factor: 0.3, patience: 1, threshold: 0.02, thresholdMode: "abs", mode: "max", cooldown: 0, minScale: 0.05 },
  ] as const;

  for (const o of configs) {
    it(`follows PyTorch's algorithm (${o.mode}, ${o.thresholdMode}, patience ${o.patience}, cooldown ${o.cooldown})`, () => {
      const plateau = schedules.reduceOnPlateau(o);
      const ref = reference(o);
      const jittedUpdate = fx.jit((m: Tensor, s: fx.optim.schedules.PlateauState) => plateau.update(m, s));
      let state = plateau.init();
      let jstate = plateau.init();
      expect(plateau.scale(state).item()).toBe(1);
      const scales: number[] = [];
      for (const [i, m] of metrics.entries()) {
        state = plateau.update(m, state);
        jstate = jittedUpdate(fx.scalar(m, "float64"), jstate);
        const want = ref(m);
        const got = { best: state.best.item(), badEpochs: state.badEpochs.item(), cooldown: state.cooldown.item(), scale: plateau.scale(state).item() };
        expect(got, `after metric ${i}`).toEqual(want);
        for (const k of ["best", "badEpochs", "cooldown", "scale"] as const) expect(Object.is(jstate[k].item(), state[k].item()), `jit ${k} after ${i}`).toBe(true);
        scales.push(got.scale);
      }
      expect(new Set(scales).size, "the scale was reduced at least once").toBeGreaterThan(1);
      expect(jittedUpdate.cacheSize).toBe(1);
      expect(state.badEpochs.dtype).toBe("int32");
      expect(state.scale.dtype).toBe("float64");
    });
  }

  it("has PyTorch's defaults (factor 0.1 after more than 10 bad evaluations)", () => {
    const plateau = schedules.reduceOnPlateau();
    let s = plateau.init();
    s = plateau.update(1, s);
    for (let i = 0; i < 10; i++) s = plateau.update(1, s);
    expect(plateau.scale(s).item()).toBe(1);
    s = plateau.update(1, s);
    expect(plateau.scale(s).item()).toBe(0.1);
  });

  it("its scale multiplies updates through scaleUpdates", () => {
    const plateau = schedules.reduceOnPlateau({ patience: 0, factor: 0.5 });
    let s = plateau.init();
    s = plateau.update(1, s);
    s = plateau.update(2, s);
    const u = fx.optim.scaleUpdates({ w: fx.tensor([4, -2]) }, plateau.scale(s));
    expect(u.w.toArray()).toEqual([2, -1]);
  });
});

describe("schedule errors name the schedule and the option", () => {
  it("rejects malformed arguments", () => {
    expect(() => schedules.cosine(0.1, {} as never)).toThrow(/^cosine: missing option "steps": expected a positive integer$/);
    expect(() => schedules.cosine(0.1, { step: 10 } as never)).toThrow(/cosine: unknown option "step"; did you mean "steps"\?/);
    expect(() => schedules.cosine(0.1, undefined as never)).toThrow(/^cosine: options: expected an options object \{ steps, alpha \}, got undefined$/);
    expect(() => schedules.cosine(0.1, { step: 10 } as never)).toThrow(fx.ArgumentError);
    expect(() => schedules.cosine(0.1, { steps: 10, alpha: 2 })).toThrow(/cosine: alpha .* \[0, 1\], got 2/);
    expect(() => schedules.stepDecay(0.1, { stepSize: 0 })).toThrow(/^stepDecay: stepSize: expected a positive integer, got 0$/);
    expect(() => schedules.exponential(0.1, -1)).toThrow(/exponential: k: expected a non-negative finite number, got -1/);
    expect(() => schedules.inverseTime(NaN, 1)).toThrow(/inverseTime: init: expected a finite number, got NaN/);
    expect(() => schedules.polynomial(0.1, { steps: 3, power: 0 })).toThrow(/^polynomial: power: expected a positive finite number, got 0$/);
    expect(() => schedules.warmupCosine({ peak: 1, warmupSteps: 5, totalSteps: 3 })).toThrow(/warmupCosine: totalSteps \(3\) must be at least warmupSteps \(5\)/);
    expect(() => schedules.piecewise([1, 2], [1, 2])).toThrow(/piecewise: needs one more value than boundaries/);
    expect(() => schedules.piecewise([2, 1], [1, 2, 3])).toThrow(/piecewise: boundaries must increase strictly/);
    expect(() => schedules.reduceOnPlateau({ mode: "minimum" } as never)).toThrow(/^reduceOnPlateau: mode: expected "min" or "max", got "minimum"$/);
    expect(() => schedules.reduceOnPlateau({ patients: 3 } as never)).toThrow(/reduceOnPlateau: unknown option "patients"; did you mean "patience"\?/);
    expect(() => schedules.constant(0.1)("x" as never)).toThrow(/constant: the step must be a number or a numeric tensor, got "x"/);
    const p = schedules.reduceOnPlateau();
    expect(() => p.update(fx.tensor([1, 2]), p.init())).toThrow(/reduceOnPlateau.update: the metric must be a number or a scalar tensor/);
  });
});
