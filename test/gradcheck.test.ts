// The gradient checker's own laws (props/gradcheck.ts): a derivative that is right but steep
// enough for the step-h stencil's truncation error to exceed the tolerance passes through the
// Richardson extrapolation; a wrong derivative fails both.

import { describe, expect, it } from "vitest";
import { FD_STEP, assertCloseToFd, mismatch } from "../props/gradcheck.js";

/** The fourth-order central stencil of a scalar function at x with step h. */
const stencil = (g: (x: number) => number, x: number) => (h: number) => [(g(x - 2 * h) - 8 * g(x - h) + 8 * g(x + h) - g(x + 2 * h)) / (12 * h)];

describe("assertCloseToFd", () => {
  // d/dx e^(100x) at 0.5: the stencil's relative truncation error h⁴·100⁴/30 ≈ 3e-6 > 1e-6.
  const g = (x: number) => Math.exp(100 * x);
  const exact = 100 * Math.exp(50);

  it("the steep case misses with step h alone (else the next test could not fail)", () => {
    expect(mismatch([exact], stencil(g, 0.5)(FD_STEP))).not.toBeNull();
  });

  it("accepts the right derivative through the extrapolation", () => {
    expect(() => assertCloseToFd([exact], stencil(g, 0.5), "exp(100x)")).not.toThrow();
  });

  it("rejects a derivative off by 1e-5 relative, naming both comparisons", () => {
    expect(() => assertCloseToFd([exact * (1 + 1e-5)], stencil(g, 0.5), "exp(100x)")).toThrow(/Richardson-extrapolated; with step h alone: element 0/);
  });

  it("a gentle function passes with step h and never needs the second step", () => {
    let calls = 0;
    const numericAt = (h: number) => {
      calls++;
      return stencil(Math.sin, 0.3)(h);
    };
    assertCloseToFd([Math.cos(0.3)], numericAt, "sin");
    expect(calls).toBe(1);
  });
});
