// The compiler pipeline: IR → optimised IR → fused IR → kernels over planned buffers.
//
//   eliminateDeadCode → simplifyAlgebra → foldConstants → eliminateCommonSubexpressions
//   → simplifyAlgebra → eliminateDeadCode → fuseElementwise → eliminateDeadCode
//   → planMemory + lowering + code generation (buildExecutable)

import type { Program } from "../ir/program.js";
import { verifyProgram } from "../ir/verify.js";
import { type Executable, buildExecutable } from "./executable.js";
import { eliminateCommonSubexpressions } from "./passes/cse.js";
import { eliminateDeadCode } from "./passes/dce.js";
import { foldConstants } from "./passes/fold-constants.js";
import { fuseElementwise } from "./passes/fuse.js";
import { simplifyAlgebra } from "./passes/simplify.js";

export type Pass = (p: Program) => Program;

export const OPTIMIZATION_PASSES: readonly [string, Pass][] = [
  ["dce", eliminateDeadCode],
  ["simplify", simplifyAlgebra],
  ["fold", foldConstants],
  ["cse", eliminateCommonSubexpressions],
  ["simplify", simplifyAlgebra],
  ["dce", eliminateDeadCode],
];

/** The machine-independent optimisations, in order. */
export function optimizeProgram(program: Program): Program {
  let p = program;
  for (const [, pass] of OPTIMIZATION_PASSES) p = pass(p);
  return p;
}

export interface CompiledProgram {
  readonly traced: Program;
  readonly optimized: Program;
  readonly fused: Program;
  readonly executable: Executable;
}

export interface CompileOptions {
  /** Run the optimisation passes (default true). */
  optimize?: boolean;
  /** Fuse elementwise work (default true). */
  fuse?: boolean;
  /** Check the IR invariants after the passes (default false; tests turn it on). */
  verify?: boolean;
}

export function compileProgram(program: Program, options: CompileOptions = {}): CompiledProgram {
  const optimized = options.optimize === false ? program : optimizeProgram(program);
  const fused = options.fuse === false ? optimized : eliminateDeadCode(fuseElementwise(optimized));
  if (options.verify) {
    verifyProgram(optimized);
    verifyProgram(fused);
  }
  return { traced: program, optimized, fused, executable: buildExecutable(fused) };
}
