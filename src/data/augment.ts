// Simple image augmentation for training: each image shifted by a random whole number of pixels
// (up to `shift` each way, the uncovered border filled with zeros) and, optionally, mirrored left
// to right with probability 1/2. Deterministic: the same key gives the same images. Pure: no Node imports.

import { ValueError, fmtShape } from "../errors.js";
import { Bool, NonNegativeInt, optionsObject } from "../options/codecs.js";
import { checkOptions } from "../options/validate.js";
import { splitKeys } from "../random/keys.js";
import { bernoulli, randint } from "../random/samplers.js";
import { checkKey } from "../random/keys.js";
import { fromArray } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";

/** Options of `augment`: the largest shift and whether to mirror. */
export interface AugmentOptions {
  /** The largest shift in pixels, each axis and direction (default 2; 0 for none). */
  shift?: number;
  /** Mirror half the images left to right (default false: digits and letters do not survive it). */
  flip?: boolean;
}
const AugmentCodec = optionsObject({ shift: NonNegativeInt, flip: Bool });

/**
 * Augmented copies of images x (float32 [N, C, H, W]): image n is first mirrored (if `flip` and
 * its coin says so), then moved by (dy, dx) drawn uniformly from [−shift, shift]²:
 * out[n, c, i, j] = in[n, c, i − dy, j' − dx], zero where that falls outside.
 */
export function augment(key: Tensor, x: Tensor, options?: AugmentOptions): Tensor {
  const op = "augment";
  checkKey(op, key);
  const o = checkOptions(op, AugmentCodec, options);
  if (x.rank !== 4 || x.dtype !== "float32") throw new ValueError(`${op}: x must be float32 images [N, C, H, W], got a ${x.dtype} tensor of shape ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const shift = o.shift ?? 2;
  const [shiftKey, flipKey] = splitKeys(key);
  const offsets = randint(shiftKey!, [n, 2], -shift, shift + 1)._concrete(op);
  const flips = o.flip ? bernoulli(flipKey!, 0.5, [n])._concrete(op) : new Uint8Array(n);
  const src = x._concrete(op);
  const out = new Float32Array(src.length);
  for (let s = 0; s < n; s++) {
    const dy = offsets[2 * s]!;
    const dx = offsets[2 * s + 1]!;
    const mirror = flips[s] !== 0;
    for (let ch = 0; ch < c; ch++) {
      const base = (s * c + ch) * h * w;
      for (let i = Math.max(0, dy); i < Math.min(h, h + dy); i++) {
        for (let j = Math.max(0, dx); j < Math.min(w, w + dx); j++) {
          const sj = j - dx;
          out[base + i * w + j] = src[base + (i - dy) * w + (mirror ? w - 1 - sj : sj)]!;
        }
      }
    }
  }
  return fromArray(out, x.shape, "float32");
}
