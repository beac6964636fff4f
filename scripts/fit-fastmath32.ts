// Derives the polynomial coefficients of src/scalar/fastmath32.ts (the float32-step
// transcendentals): a minimax fit of relative error by Lawson's algorithm (weighted least squares
// whose weights grow where the error is largest, converging to the equioscillating fit), then
// every coefficient rounded to single. Prints each fit's maximum relative error (the fit in
// double, with the single coefficients) next to the coefficients, highest degree first (the order
// `horner` of fastmath32.ts takes).
//
//   node --import tsx scripts/fit-fastmath32.ts

/** Solves the square system a·x = b by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

const evaluate = (c: readonly number[], t: number) => c.reduceRight((acc, ck) => acc * t + ck, 0); // c[0] + c[1]t + …

/**
 * Coefficients c₀…c_d (lowest first) of the polynomial p(t) minimising max |w(t)·(p(t) − f(t))|
 * over [lo, hi]: w = 1/f fits relative error; a weight that also carries the factor p is scaled
 * by in the final formula fits the error it contributes to the result.
 */
function minimax(f: (t: number) => number, w: (t: number) => number, lo: number, hi: number, degree: number): number[] {
  const points = 2000;
  const ts = Array.from({ length: points }, (_, i) => (lo + hi) / 2 + ((hi - lo) / 2) * Math.cos((Math.PI * (i + 0.5)) / points));
  let lw = ts.map(() => 1 / points);
  let c: number[] = [];
  for (let iter = 0; iter < 200; iter++) {
    // Weighted least squares of w(t)·(p(t) − f(t)): rows w(t)·t^k, target w(t)·f(t).
    const ata = Array.from({ length: degree + 1 }, () => new Array<number>(degree + 1).fill(0));
    const atb = new Array<number>(degree + 1).fill(0);
    ts.forEach((t, i) => {
      const row = Array.from({ length: degree + 1 }, (_, k) => w(t) * t ** k);
      for (let j = 0; j <= degree; j++) {
        atb[j]! += lw[i]! * row[j]! * w(t) * f(t);
        for (let k = 0; k <= degree; k++) ata[j]![k]! += lw[i]! * row[j]! * row[k]!;
      }
    });
    c = solve(ata, atb);
    const err = ts.map((t) => Math.abs(w(t) * (evaluate(c, t) - f(t))));
    const next = lw.map((wi, i) => wi * err[i]!);
    const sum = next.reduce((a, b) => a + b, 0);
    lw = next.map((v) => v / sum);
  }
  return c;
}

/** Max weighted error of the polynomial with coefficients `c` (lowest first) on a fine grid. */
function maxError(f: (t: number) => number, w: (t: number) => number, c: readonly number[], lo: number, hi: number): number {
  let worst = 0;
  for (let i = 0; i <= 20000; i++) {
    const t = lo + ((hi - lo) * i) / 20000;
    worst = Math.max(worst, Math.abs(w(t) * (evaluate(c, t) - f(t))));
  }
  return worst;
}

/** Fits, rounds the coefficients to single and prints the error they contribute to the result. */
function report(name: string, f: (t: number) => number, w: (t: number) => number, lo: number, hi: number, degree: number): void {
  const single = minimax(f, w, lo, hi, degree).map(Math.fround);
  console.log(`${name}, degree ${degree} on [${lo}, ${hi}]: max relative error in the result ${maxError(f, w, single, lo, hi).toExponential(2)}`);
  console.log(`  [${[...single].reverse().join(", ")}]`);
}

const R_EXP = Math.LN2 / 2 + 1e-3; // |r| after the reduction, with room for the rounding of n·ln2
// expm1(r) = r + r²(½ + r·g(r)): g(r) = (eʳ − 1 − r − r²/2)/r³ (series 1/6 + r/24 + … near 0).
const g = (r: number) => (Math.abs(r) < 1e-4 ? 1 / 6 + r / 24 + (r * r) / 120 : (Math.expm1(r) - r - (r * r) / 2) / (r * r * r));
// g's error is scaled by r³/expm1(r) in the result.
const gWeight = (r: number) => (Math.abs(r) < 1e-4 ? r * r : (r * r * r) / Math.expm1(r));
for (const degree of [2, 3, 4]) report("expm1: g(r)", g, gWeight, -R_EXP, R_EXP, degree);

// log(1 + f) = f − f²/2 + s(f²/2 + z·h(z)), s = f/(2 + f), z = s²: h(z) = (2·atanh(s) − 2s)/(s·z)
// (series 2/3 + 2z/5 + …) for f in [√½ − 1, √2 − 1], i.e. z ≤ (3 − 2√2)².
const Z_MAX = (3 - 2 * Math.SQRT2) ** 2 * 1.001;
const h = (z: number) => {
  if (z < 1e-6) return 2 / 3 + (2 * z) / 5 + (2 * z * z) / 7;
  const s = Math.sqrt(z);
  return (2 * Math.atanh(s) - 2 * s) / (s * z);
};
// h's error is scaled by s·z/log(1 + f) = s·z/(2·atanh s) in the result, at most z/2.
const hWeight = (z: number) => (z < 1e-12 ? z / 2 : (Math.sqrt(z) * z) / (2 * Math.atanh(Math.sqrt(z))));
for (const degree of [1, 2]) report("log: h(z)", h, hWeight, 0, Z_MAX, degree);

// tanh x = x + x·z·k(z) with z = x² for |x| ≤ 0.625: k(z) = (tanh x − x)/(x·z) (series −1/3 + 2z/15 − …).
const T_MAX = 0.625;
const k = (z: number) => {
  if (z < 1e-6) return -1 / 3 + (2 * z) / 15 - (17 * z * z) / 315;
  const x = Math.sqrt(z);
  return (Math.tanh(x) - x) / (x * z);
};
// k's error is scaled by x·z/tanh x in the result.
const kWeight = (z: number) => (z < 1e-12 ? z : (Math.sqrt(z) * z) / Math.tanh(Math.sqrt(z)));
for (const degree of [3, 4, 5]) report("tanh: k(z)", k, kWeight, 0, T_MAX * T_MAX, degree);
