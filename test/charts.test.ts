import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { escapeXml, niceTicks } from "../src/train/charts.js";

/** Renders an SVG (resvg fails on malformed XML) and gives its RGBA pixels. */
function render(svg: string): { width: number; height: number; pixel: (x: number, y: number) => [number, number, number]; colours: Set<string> } {
  const image = new Resvg(svg, { background: "#ffffff", font: { loadSystemFonts: true } }).render();
  const { width, height } = image;
  const px = image.pixels;
  const pixel = (x: number, y: number): [number, number, number] => {
    const i = (Math.round(y) * width + Math.round(x)) * 4;
    return [px[i]!, px[i + 1]!, px[i + 2]!];
  };
  const colours = new Set<string>();
  for (let i = 0; i < px.length; i += 4) colours.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
  return { width, height, pixel, colours };
}

/** Pixels of a region that are not white. */
function inked(r: ReturnType<typeof render>, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (r.pixel(x, y).some((c) => c < 240)) n++;
  return n;
}

const count = (svg: string, needle: string) => svg.split(needle).length - 1;

const history: fx.train.EpochRecord[] = [0, 1, 2, 3, 4].map((i) => ({
  epoch: i + 1,
  loss: 1 / (i + 1),
  accuracy: 0.6 + 0.08 * i,
  val_loss: 1.1 / (i + 1) + 0.05,
  val_accuracy: 0.58 + 0.07 * i,
  lrScale: 1,
  seconds: 1,
  samplesPerSecond: 100,
}));

describe("historyChart", () => {
  it("two panels, train and validation series, a point per epoch, a legend entry per series", () => {
    const svg = fx.train.historyChart(history, { title: "run <1> & \"friends\"" });
    expect(count(svg, 'class="panel"')).toBe(2);
    expect(count(svg, 'class="point"')).toBe(20);
    expect(count(svg, "<polyline")).toBe(4);
    expect(count(svg, 'class="legend-entry"')).toBe(4);
    expect(svg).toContain("run &lt;1&gt; &amp; &quot;friends&quot;");
    expect(svg).not.toContain("<1>");
    expect(count(svg, 'class="tick x"')).toBe(10); // epochs 1…5 on each panel
    expect(svg).toMatch(/>epoch</);
    const r = render(svg);
    expect([r.width, r.height]).toEqual([760, 328]);
    expect(r.colours.size).toBeGreaterThan(8);
    // Both series colours are drawn, in both panels.
    const near = (c: [number, number, number], t: [number, number, number]) => c.every((v, i) => Math.abs(v - t[i]!) < 30);
    for (const [x0, x1] of [[0, 380], [380, 760]]) {
      let blue = 0;
      let orange = 0;
      for (let y = 0; y < r.height; y++) for (let x = x0; x < x1; x++) {
        const c = r.pixel(x, y);
        if (near(c, [31, 119, 180])) blue++;
        if (near(c, [255, 127, 14])) orange++;
      }
      expect(blue).toBeGreaterThan(100);
      expect(orange).toBeGreaterThan(100);
      expect(inked(r, x0 + 56, 28, x1 - 12, 256)).toBeGreaterThan(500);
    }
  });

  it("without validation: one series per panel; without accuracy: one panel; empty history is an error", () => {
    const trainOnly = history.map(({ val_loss: _l, val_accuracy: _a, ...r }) => r);
    const svg = fx.train.historyChart(trainOnly);
    expect(count(svg, 'class="point"')).toBe(10);
    expect(count(svg, 'class="legend-entry"')).toBe(2);
    const lossOnly = trainOnly.map(({ accuracy: _a, ...r }) => r);
    const one = fx.train.historyChart(lossOnly);
    expect(count(one, 'class="panel"')).toBe(1);
    expect(render(one).width).toBe(380);
    expect(() => fx.train.historyChart([])).toThrow(/historyChart: the history is empty/);
  });

  it("non-finite losses are left out of the line; one epoch still draws", () => {
    const svg = fx.train.historyChart([{ ...history[0]!, loss: NaN }, history[1]!]);
    expect(count(svg, 'class="point"')).toBe(1 + 2 + 2 + 2); // loss: 1 train (NaN left out) + 2 val; accuracy: 2 + 2
    expect(svg).not.toContain("NaN");
    const single = fx.train.historyChart([history[0]!]);
    expect(count(single, 'class="point"')).toBe(4);
    expect(render(single).colours.size).toBeGreaterThan(4);
  });

  it("niceTicks: round steps covering the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 5, 4)).toEqual([1, 2, 3, 4, 5]);
    expect(niceTicks(0.13, 0.97, 5)).toEqual([0.2, 0.4, 0.6, 0.8]);
  });
});

describe("confusionChart", () => {
  const matrix = [[50, 2, 0], [5, 40, 5], [0, 1, 30]];

  it("k² cells shaded by row fraction, class names escaped on both axes", () => {
    const svg = fx.train.confusionChart(matrix, ["cat", "a<b&c", "dog's"]);
    expect(count(svg, 'class="cell"')).toBe(9);
    expect(count(svg, 'class="label row"')).toBe(3);
    expect(count(svg, 'class="label col"')).toBe(3);
    expect(svg).toContain("a&lt;b&amp;c");
    expect(svg).toContain("dog&#39;s");
    const r = render(svg);
    expect(r.colours.size).toBeGreaterThan(8);
    // The diagonal (high recall) is darker than an off-diagonal cell of the same row.
    const cellAt = (row: number, col: number) => {
      const m = new RegExp(`data-row="${row}" data-col="${col}" x="(\\d+)" y="(\\d+)"`).exec(svg)!;
      return r.pixel(Number(m[1]) + 3, Number(m[2]) + 3);
    };
    const lum = (c: [number, number, number]) => c[0] + c[1] + c[2];
    for (let k = 0; k < 3; k++) expect(lum(cellAt(k, k))).toBeLessThan(lum(cellAt(k, (k + 1) % 3)) - 200);
  });

  it("rejects a non-square matrix or a wrong number of names", () => {
    expect(() => fx.train.confusionChart([[1, 2]], ["a"])).toThrow(/confusionChart: the matrix must be square/);
    expect(() => fx.train.confusionChart([[1]], ["a", "b"])).toThrow(/confusionChart: 2 class names for a 1×1 matrix/);
  });
});

describe("misclassifiedGrid", () => {
  // Eight 8×8 images: image i is a gradient with a bright square at column i.
  const n = 8;
  const x = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) for (let p = 0; p < 64; p++) x[i * 64 + p] = (p % 8) / 16 + (p % 8 === i ? 1 : 0);
  const split = { x: fx.tensor(x, { shape: [n, 1, 8, 8] }), y: fx.tensor(Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), { shape: [n], dtype: "int32" }) };
  const predictions = Int32Array.from([0, 2, 2, 1, 1, 2, 0, 0]); // wrong: 1, 3, 7

  it("draws the misclassified images as pixels with 'true → predicted' captions", () => {
    const svg = fx.train.misclassifiedGrid(split, predictions, ["zero", "<one>", "two"], { scale: 4 });
    expect(count(svg, 'class="example"')).toBe(3);
    expect([...svg.matchAll(/data-index="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([1, 3, 7]);
    expect(svg).toContain("&lt;one&gt; → two");
    expect(svg).toContain("zero → &lt;one&gt;");
    const r = render(svg);
    expect(r.colours.size).toBeGreaterThan(6);
    // The first tile (10…42, 36…68) holds dark and bright pixels.
    const tile: number[] = [];
    for (let y = 38; y < 66; y += 4) for (let x = 12; x < 40; x += 4) tile.push(r.pixel(x, y)[0]);
    expect(Math.min(...tile)).toBeLessThan(40);
    expect(Math.max(...tile)).toBeGreaterThan(220);
  });

  it("flat feature vectors of a square length draw too; none misclassified says so; max limits", () => {
    const flat = { x: fx.reshape(split.x, [n, 64]), y: split.y };
    expect(count(fx.train.misclassifiedGrid(flat, predictions, ["a", "b", "c"], { max: 2 }), 'class="example"')).toBe(2);
    const none = fx.train.misclassifiedGrid(split, split.y.data(), ["a", "b", "c"]);
    expect(none).toContain("no misclassified examples");
    expect(render(none).colours.size).toBeGreaterThan(1);
    expect(() => fx.train.misclassifiedGrid({ x: fx.zeros([2, 5]), y: fx.zeros([2], { dtype: "int32" }) }, [0, 1], [])).toThrow(/misclassifiedGrid: cannot draw examples of shape \[5\]/);
  });

  it("escapeXml escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
