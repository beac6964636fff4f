// Linear-algebra composites over matmul: NumPy's `dot` (for rank ≤ 2) and `outer`.

import { ShapeError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { promoteTypes } from "../tensor/dtype.js";
import { checkTensorSize } from "../tensor/shape.js";
import { type TensorLike, toTensors } from "../prims/elementwise.js";
import { matmul } from "../prims/linalg.js";
import { mul } from "../prims/binary.js";
import { reshape } from "../prims/layout.js";

/**
 * NumPy `dot` for operands of rank ≤ 2: a scalar operand multiplies elementwise; vector·vector
 * is the inner product (a rank-0 result); otherwise the matrix product. Higher ranks are an
 * error (NumPy's N-D `dot` contracts different axes than `matmul`; use `matmul`).
 */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = toTensors("dot", [a, b]);
  if (x!.shape.length === 0 || y!.shape.length === 0) return mul(x!, y!);
  if (x!.shape.length > 2 || y!.shape.length > 2) {
    throw new ShapeError(`dot: supports operands of rank <= 2, got ${fmtShape(x!.shape)} and ${fmtShape(y!.shape)}; use fx.matmul for batches`);
  }
  if (x!.shape[x!.shape.length - 1] !== y!.shape[y!.shape.length === 1 ? 0 : y!.shape.length - 2]) {
    throw new ShapeError(`dot: inner dimensions differ: ${fmtShape(x!.shape)} · ${fmtShape(y!.shape)}`);
  }
  return matmul(x!, y!);
}

/** Outer product of two vectors (inputs of higher rank are flattened first, as in NumPy). */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = toTensors("outer", [a, b]);
  checkTensorSize("outer", [x!.size, y!.size], promoteTypes(x!.dtype, y!.dtype));
  return mul(reshape(x!, [x!.size, 1]), reshape(y!, [1, y!.size]));
}
