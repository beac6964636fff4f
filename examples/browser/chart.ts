// A live line chart on a canvas: one series of (step, value) points, drawn raw (faint) and
// smoothed (an exponential moving average), redrawn at most once per animation frame.

export interface LineChartOptions {
  readonly title: string;
  /** The y range; values outside are clipped. Default: from 0 to the largest value seen. */
  readonly yMin?: number;
  readonly yMax?: number;
  readonly color: string;
  /** Weight of the newest point in the smoothed line. Default 0.1. */
  readonly smoothing?: number;
}

export class LineChart {
  private readonly raw: [number, number][] = [];
  private readonly smooth: [number, number][] = [];
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly options: LineChartOptions) {
    this.draw();
  }

  /** The smoothed value of the last point (undefined before the first). */
  get last(): number | undefined {
    return this.smooth.at(-1)?.[1];
  }

  add(x: number, y: number): void {
    const a = this.options.smoothing ?? 0.1;
    const previous = this.smooth.at(-1)?.[1];
    this.raw.push([x, y]);
    this.smooth.push([x, previous === undefined ? y : previous + a * (y - previous)]);
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw();
      });
    }
  }

  private draw(): void {
    const ctx = this.canvas.getContext("2d")!;
    const { width, height } = this.canvas;
    const pad = { left: 44, right: 10, top: 24, bottom: 22 };
    ctx.clearRect(0, 0, width, height);
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillStyle = "#333";
    ctx.fillText(this.options.title, pad.left, 15);
    const yMin = this.options.yMin ?? 0;
    const yMax = this.options.yMax ?? Math.max(1e-9, ...this.raw.map((p) => p[1]));
    const xMax = Math.max(10, this.raw.at(-1)?.[0] ?? 0);
    const px = (x: number) => pad.left + (x / xMax) * (width - pad.left - pad.right);
    const py = (y: number) => height - pad.bottom - ((Math.min(yMax, Math.max(yMin, y)) - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
    ctx.strokeStyle = "#ccc";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const f of [0, 0.5, 1]) {
      const y = yMin + f * (yMax - yMin);
      ctx.moveTo(pad.left, py(y));
      ctx.lineTo(width - pad.right, py(y));
      ctx.fillText(y.toFixed(2), 4, py(y) + 4);
    }
    ctx.stroke();
    ctx.fillText(`step ${this.raw.at(-1)?.[0] ?? 0}`, width - pad.right - 60, height - 5);
    this.line(ctx, this.raw, px, py, this.options.color, 0.25);
    this.line(ctx, this.smooth, px, py, this.options.color, 1);
  }

  private line(ctx: CanvasRenderingContext2D, points: readonly [number, number][], px: (x: number) => number, py: (y: number) => number, color: string, alpha: number): void {
    if (points.length < 2) return;
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
}
