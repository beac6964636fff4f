// Matrix multiplication. The primitive multiplies the last two axes of operands with equal
// batch shapes, optionally reading either operand transposed (so gradients need no transpose
// equations). The front end `matmul` adds NumPy semantics: vectors and batch broadcasting.

import { DTypeError, ShapeError, fmtShape } from "../errors.js";
import { allocArray, promoteTypes } from "../tensor/dtype.js";
import { broadcastShapes, shapesEqual, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { type TensorLike, castAll, toTensors } from "./elementwise.js";
import { definePrimitive } from "./primitive.js";
import { addTangents } from "./binary.js";
import { broadcastTo, reshape } from "./layout.js";

type MatmulParams = { readonly transposeA: boolean; readonly transposeB: boolean };

/** [rows, cols] of an operand as the product reads it. */
function logicalDims(shape: readonly number[], transposed: boolean): [number, number] {
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  return transposed ? [c, r] : [r, c];
}

export const matmulPrim = definePrimitive<MatmulParams>({
  name: "matmul",
  abstractEval([a, b], { transposeA, transposeB }) {
    if (a!.shape.length < 2 || b!.shape.length < 2) {
      throw new ShapeError(`matmul: operands must have rank >= 2, got ${fmtShape(a!.shape)} and ${fmtShape(b!.shape)}`);
    }
    if (a!.dtype !== b!.dtype) throw new DTypeError(`matmul: operand dtypes differ: ${a!.dtype} and ${b!.dtype}`);
    if (a!.dtype === "bool") throw new DTypeError("matmul: bool operands are not supported; cast them first");
    const batch = a!.shape.slice(0, -2);
    if (!shapesEqual(batch, b!.shape.slice(0, -2))) {
      throw new ShapeError(`matmul: batch dimensions differ: ${fmtShape(a!.shape)} @ ${fmtShape(b!.shape)}`);
    }
    const [m, k] = logicalDims(a!.shape, transposeA);
    const [k2, n] = logicalDims(b!.shape, transposeB);
    if (k !== k2) throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a!.shape)} @ ${fmtShape(b!.shape)}`);
    return { shape: [...batch, m, n], dtype: a!.dtype };
  },
  impl([a, b], { transposeA, transposeB }, out) {
    const [m, k] = logicalDims(a!.shape, transposeA);
    const n = logicalDims(b!.shape, transposeB)[1];
    const batch = sizeOf(out.shape.slice(0, -2));
    // Strides of the logical (row, col) axes in storage.
    const [ar, ac] = transposeA ? [1, m] : [k, 1];
    const [br, bc] = transposeB ? [1, k] : [n, 1];
    const result = allocArray(out.dtype, batch * m * n);
    // Sums in double in order of p; int32 products and sums wrap like C at every step.
    const wraps = out.dtype === "int32";
    for (let t = 0; t < batch; t++) {
      const ao = t * m * k;
      const bo = t * k * n;
      const co = t * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          if (wraps) for (let p = 0; p < k; p++) s = (s + Math.imul(a!.data[ao + i * ar + p * ac]!, b!.data[bo + p * br + j * bc]!)) | 0;
          else for (let p = 0; p < k; p++) s += a!.data[ao + i * ar + p * ac]! * b!.data[bo + p * br + j * bc]!;
          result[co + i * n + j] = s;
        }
      }
    }
    return result;
  },
  // C = A'B' with A' = tA ? aᵀ : a and B' likewise; dA' = G B'ᵀ and dB' = A'ᵀ G.
  vjp(g, { inputs: [a, b], params: { transposeA: tA, transposeB: tB } }) {
    const da = tA ? matmulRaw(b!, g, tB, true) : matmulRaw(g, b!, false, !tB);
    const db = tB ? matmulRaw(g, a!, true, tA) : matmulRaw(a!, g, !tA, false);
    return [da, db];
  },
  jvp: ({ inputs: [a, b], tangents: [ta, tb], params: { transposeA, transposeB } }) =>
    addTangents(
      ta ? matmulRaw(ta, b!, transposeA, transposeB) : null,
      tb ? matmulRaw(a!, tb, transposeA, transposeB) : null,
    ),
  lowering: { kind: "kernel", kernel: "matmul", epilogue: true },
});

/** The primitive itself: equal batch shapes, optional transposed reads. */
export function matmulRaw(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  return bind(matmulPrim, [a, b], { transposeA, transposeB });
}

/**
 * Matrix product with NumPy semantics: 1-D operands are vectors (a leading/trailing 1 is added
 * and removed again), leading batch dimensions broadcast.
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  let [x, y] = toTensors("matmul", [a, b]);
  if (x!.shape.length === 0 || y!.shape.length === 0) {
    throw new ShapeError(`matmul: operands must not be scalars, got ${fmtShape(x!.shape)} @ ${fmtShape(y!.shape)}`);
  }
  const dtype = promoteTypes(x!.dtype, y!.dtype);
  if (dtype === "bool") throw new DTypeError("matmul: bool operands are not supported; cast them first");
  [x, y] = castAll([x!, y!], dtype);
  const xVec = x!.shape.length === 1;
  const yVec = y!.shape.length === 1;
  const x2 = xVec ? reshape(x!, [1, x!.shape[0]!]) : x!;
  const y2 = yVec ? reshape(y!, [y!.shape[0]!, 1]) : y!;
  const k = x2.shape[x2.shape.length - 1]!;
  const k2 = y2.shape[y2.shape.length - 2]!;
  if (k !== k2) throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(x!.shape)} @ ${fmtShape(y!.shape)}`);
  const batch = broadcastShapes("matmul", x2.shape.slice(0, -2), y2.shape.slice(0, -2));
  const xb = broadcastTo(x2, [...batch, ...x2.shape.slice(-2)]);
  const yb = broadcastTo(y2, [...batch, ...y2.shape.slice(-2)]);
  let out = matmulRaw(xb, yb);
  if (xVec || yVec) {
    const m = out.shape.slice(0, -2);
    if (!xVec) m.push(out.shape[out.shape.length - 2]!);
    if (!yVec) m.push(out.shape[out.shape.length - 1]!);
    out = reshape(out, m);
  }
  return out;
}
