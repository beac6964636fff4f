// The drawing pad: white strokes on black, like MNIST, and its conversion to an MNIST-like
// 28×28 image (the ink's bounding box scaled to fit 20×20, centred in 28×28 — how the MNIST
// digits were prepared).

import { PIXELS } from "./digits.js";

/** Lets the user draw on `canvas` with a mouse, pen or finger; calls `onStroke` after each stroke. */
export function drawingPad(canvas: HTMLCanvasElement, onStroke: () => void): { clear(): void } {
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let last: [number, number] | undefined;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * canvas.width, ((e.clientY - r.top) / r.height) * canvas.height];
  };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (last === undefined) return;
    const p = at(e);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  });
  const end = () => {
    if (last === undefined) return;
    last = undefined;
    onStroke();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  return { clear };
}

/** The drawing as 784 pixels in [0, 1], MNIST-style; undefined when nothing is drawn. */
export function mnistPixels(canvas: HTMLCanvasElement): Float32Array | undefined {
  const { width, height } = canvas;
  const ink = canvas.getContext("2d", { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[4 * (y * width + x)]! > 20) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) return undefined;
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const scale = 20 / Math.max(w, h);
  const small = document.createElement("canvas");
  small.width = small.height = 28;
  const s = small.getContext("2d", { willReadFrequently: true })!;
  s.fillStyle = "#000";
  s.fillRect(0, 0, 28, 28);
  s.imageSmoothingQuality = "high";
  s.drawImage(canvas, x0, y0, w, h, 14 - (w * scale) / 2, 14 - (h * scale) / 2, w * scale, h * scale);
  const rgba = s.getImageData(0, 0, 28, 28).data;
  const pixels = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) pixels[i] = rgba[4 * i]! / 255;
  return pixels;
}
