// The clean-up the autodiff transforms apply to every derived program before running it.
// A derived program re-emits the forward equations (some of which the derivative does not
// need), and rules introduce literal ones, scalar broadcasts and repeated subexpressions
// (d(x·x) = g·x + g·x). The compiler's generic IR passes remove them (constant folding only
// folds small results, so no derived program materialises large constant arrays). Every rewrite
// they make is exact (see ../compile/passes/simplify.ts), so a derivative program computes the
// forward values it re-emits bit for bit as the forward program does: `valueAndGrad(f)`'s value
// is `f`'s.

import type { Program } from "../ir/program.js";
import { eliminateCommonSubexpressions } from "../compile/passes/cse.js";
import { eliminateDeadCode } from "../compile/passes/dce.js";
import { foldConstants } from "../compile/passes/fold-constants.js";
import { simplifyAlgebra } from "../compile/passes/simplify.js";

/** A derived program simplified: the passes that are exact for every input (see the file comment). */
export function simplifyDerivative(p: Program): Program {
  let q = eliminateDeadCode(p);
  q = simplifyAlgebra(q);
  q = foldConstants(q);
  q = eliminateCommonSubexpressions(q);
  q = simplifyAlgebra(q);
  return eliminateDeadCode(q);
}
