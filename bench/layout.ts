// Layout conversions between fluxion's (and PyTorch's, jax-js's) channels-first tensors and
// TensorFlow.js's channels-last ones: images NCHW ↔ NHWC, filters OIHW ↔ HWIO.

/** NCHW → NHWC. */
export function toNhwc(a: ArrayLike<number>, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < n!; i++) for (let j = 0; j < c!; j++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) out[((i * h! + y) * w! + x) * c! + j] = a[((i * c! + j) * h! + y) * w! + x]!;
  return out;
}

/** NHWC → NCHW (`shape` is the NCHW shape). */
export function fromNhwc(a: ArrayLike<number>, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < n!; i++) for (let j = 0; j < c!; j++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) out[((i * c! + j) * h! + y) * w! + x] = a[((i * h! + y) * w! + x) * c! + j]!;
  return out;
}

/** OIHW → HWIO. */
export function toHwio(a: ArrayLike<number>, [o, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < o!; i++) for (let j = 0; j < c!; j++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) out[((y * w! + x) * c! + j) * o! + i] = a[((i * c! + j) * h! + y) * w! + x]!;
  return out;
}

/** HWIO → OIHW (`shape` is the OIHW shape). */
export function fromHwio(a: ArrayLike<number>, [o, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < o!; i++) for (let j = 0; j < c!; j++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) out[((i * c! + j) * h! + y) * w! + x] = a[((y * w! + x) * c! + j) * o! + i]!;
  return out;
}
