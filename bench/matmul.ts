// Benchmark 2: square float32 matmul at 128, 256, 512 and 1024. fluxion is timed through
// `fx.matmul` (jit when available) and through the emitted kernel called directly.

import { compileMatmul } from "../src/compile/kernels/matmul.js";
import { getExecutor, referenceExecutor } from "../src/trace/context.js";
import { assertClose, type Case, FLUXION_MODE, type SuiteDef, fx, maybeJit, onBackend, randomArray, tf, useBackend } from "./common.js";

export const MATMUL_SIZES = [128, 256, 512, 1024] as const;

/** The loop a person writes: i-k-j order so the inner loop walks rows of B and C. */
export function matmulLoop(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const c = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let p = 0; p < n; p++) {
      const av = a[i * n + p]!;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j]! += av * b[bp + j]!;
    }
  }
  return c;
}

export function matmulSuite(n: number): SuiteDef {
  return {
    name: `matmul ${n}x${n} f32`,
    reference: "fluxion kernel",
    check() {
      if (n > 256) return; // the hand loop at 512+ is slow; smaller sizes exercise the same code
      const ad = randomArray(n * n, 2 * n + 1);
      const bd = randomArray(n * n, 2 * n + 2);
      const want = matmulLoop(ad, bd, n);
      const out = new Float32Array(n * n);
      compileMatmul({ batch: 1, m: n, k: n, n, transposeA: false, transposeB: false, dtype: "float32" })(ad, bd, out, []);
      assertClose("matmul kernel", out, want, 1e-4);
      const a = fx.tensor(ad).reshape([n, n]);
      const b = fx.tensor(bd).reshape([n, n]);
      assertClose("fx.matmul", maybeJit((x: fx.Tensor, y: fx.Tensor) => fx.matmul(x, y))(a, b).data(), want, 1e-4);
      for (const backend of ["cpu", "wasm"] as const) {
        const got = onBackend(backend, () => tf.tidy(() => tf.matMul(tf.tensor2d(ad, [n, n]), tf.tensor2d(bd, [n, n])).dataSync()));
        assertClose(`matmul tfjs-${backend}`, got, want, 1e-4);
      }
    },
    cases() {
      const ad = randomArray(n * n, 2 * n + 1);
      const bd = randomArray(n * n, 2 * n + 2);
      const kernel = compileMatmul({ batch: 1, m: n, k: n, n, transposeA: false, transposeB: false, dtype: "float32" });
      const a = fx.tensor(ad).reshape([n, n]);
      const bt = fx.tensor(bd).reshape([n, n]);
      const mm = maybeJit((x: fx.Tensor, y: fx.Tensor) => fx.matmul(x, y));
      const tfCase = (backend: "cpu" | "wasm"): Case => {
        const [ta, tb] = onBackend(backend, () => [tf.tensor2d(ad, [n, n]), tf.tensor2d(bd, [n, n])]);
        return {
          name: `tfjs-${backend}`,
          fn: () => {
            useBackend(backend);
            const r = tf.matMul(ta!, tb!);
            r.dataSync();
            r.dispose();
          },
        };
      };
      const cases: Case[] = [{ name: "fluxion kernel", fn: () => kernel(ad, bd, new Float32Array(n * n), []) }];
      // The reference executor is a plain triple loop; timing it at large sizes only burns the shared machine.
      const reference = FLUXION_MODE === "eager" && getExecutor() === referenceExecutor;
      if (!reference || n <= 256) {
        cases.push({ name: `fluxion fx.matmul ${FLUXION_MODE}${reference ? " (reference executor)" : ""}`, fn: () => mm(a, bt) });
      }
      cases.push(tfCase("cpu"), tfCase("wasm"), { name: "hand-written loop", fn: () => matmulLoop(ad, bd, n) });
      return cases;
    },
  };
}
