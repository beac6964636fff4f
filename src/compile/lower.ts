// Lowering: turns one equation of the optimised program (fused or not) into a KernelSpec — pure
// data saying what one kernel computes: its loop space, the loads (which operand, through which
// index view), the scalar expression graph, and the reduction or contraction at its root.
// Emitters (codegen/) turn a KernelSpec into code; nothing here writes source text, and nothing
// here knows a primitive's name: contractions are described by their kernel class and params.

import { FluxionError } from "../errors.js";
import type { Eqn, Program } from "../ir/program.js";
import type { Atom, Aval, Var } from "../ir/var.js";
import type { Params, Primitive } from "../prims/primitive.js";
import type { DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import { isFused } from "./fused.js";
import { classifyEqn } from "./passes/fuse.js";
import { type ViewChain, applyView, identityChain, viewRuleFor } from "./views.js";

export type ExprNode =
  | { readonly kind: "load"; readonly input: number; readonly chain: ViewChain; readonly dtype: DType }
  | { readonly kind: "lit"; readonly value: number; readonly dtype: DType }
  | {
      readonly kind: "op";
      readonly prim: Primitive;
      readonly params: Params;
      readonly args: readonly number[];
      readonly inDtypes: readonly DType[];
      readonly dtype: DType;
    }
  /** The root's value (reduction result or contraction accumulator) at the current output element. */
  | { readonly kind: "acc"; readonly dtype: DType };

/** Scalar work over a loop space: nodes in dependency order; loads' first layers span `shape`. */
export interface ExprGraph {
  readonly shape: Shape;
  readonly nodes: readonly ExprNode[];
  readonly result: number;
}

interface SpecBase {
  /** The kernel's operands, in the order its `ins` array holds them (literals only for calls). */
  readonly inputs: readonly Atom[];
  readonly out: Aval;
}

export type KernelSpec =
  | (SpecBase & { readonly kind: "loop"; readonly graph: ExprGraph })
  | (SpecBase & {
      readonly kind: "reduce";
      readonly axes: readonly number[];
      readonly identity: number;
      readonly combine: (acc: string, x: string, dtype: DType) => string;
      /** Over the reduction's input shape. */
      readonly prologue: ExprGraph;
      /** Over the output shape; its `acc` node is the reduced value. */
      readonly epilogue: ExprGraph;
    })
  /**
   * A contraction (an equation whose lowering declares `epilogue: true`: matmul, conv) with an
   * elementwise epilogue written in its output loop. The emitter registered for `root.kernelClass`
   * (`registerEpilogueKernel`) makes the kernel.
   */
  | (SpecBase & {
      readonly kind: "contraction";
      readonly root: ContractionRoot;
      /** Which kernel inputs are the root's operands, in the root's operand order. */
      readonly operands: readonly number[];
      /** Over the root's output shape; its `acc` node is the root's value. An identity epilogue is the bare `acc`. */
      readonly epilogue: ExprGraph;
    })
  /** A primitive with no fused lowering: a registered kernel of its class, or its reference `impl`. */
  | (SpecBase & { readonly kind: "call"; readonly prim: Primitive; readonly params: Params; readonly kernelClass: string });

/** The contraction at the root of a `contraction` kernel: its class, params and types. */
export interface ContractionRoot {
  readonly kernelClass: string;
  readonly params: Params;
  readonly inputs: readonly Aval[];
  /** The contraction's own result (the kernel's `out` is the epilogue's result: same shape, maybe another dtype). */
  readonly out: Aval;
}

/** Builds an expression graph over one loop space by walking a body from a value. */
class GraphBuilder {
  readonly nodes: ExprNode[] = [];
  private readonly memo = new Map<Var, number>();
  private readonly loads = new Map<string, number>();

  constructor(
    readonly shape: Shape,
    private readonly defs: ReadonlyMap<Var, Eqn>,
    private readonly inputIndex: ReadonlyMap<Var, number>,
    private readonly root: Eqn | null,
  ) {}

  private add(n: ExprNode): number {
    this.nodes.push(n);
    return this.nodes.length - 1;
  }

  value(a: Atom): number {
    if (a.kind === "lit") return this.add({ kind: "lit", value: a.value, dtype: a.dtype });
    const hit = this.memo.get(a);
    if (hit !== undefined) return hit;
    const id = this.compute(a);
    this.memo.set(a, id);
    return id;
  }

  private compute(v: Var): number {
    const e = this.defs.get(v);
    if (e === undefined) return this.load(v, identityChain(v.shape));
    if (e === this.root) return this.add({ kind: "acc", dtype: v.dtype });
    const cls = classifyEqn(e);
    if (cls === "elementwise") {
      const args = e.inputs.map((a) => this.value(a));
      return this.add({ kind: "op", prim: e.prim, params: e.params, args, inDtypes: e.inputs.map((a) => a.dtype), dtype: v.dtype });
    }
    if (cls === "view") {
      // Collect the layout equations down to their base, then compose index views upward.
      const chainEqns: Eqn[] = [];
      let base: Atom = v;
      for (let d = this.defs.get(v); d !== undefined && d !== this.root && classifyEqn(d) === "view"; d = base.kind === "var" ? this.defs.get(base) : undefined) {
        chainEqns.push(d);
        base = d.inputs[0]!;
      }
      if (base.kind === "lit") return this.value(base);
      if (this.defs.has(base) && base.shape.length === 0) return this.value(base); // a rank-0 value, any index
      if (this.defs.has(base)) throw new FluxionError(`lower: a layout inside a fused kernel reads a computed value of shape [${base.shape.join(",")}]`);
      let chain = identityChain(base.shape);
      for (let k = chainEqns.length - 1; k >= 0; k--) {
        const le = chainEqns[k]!;
        const l = le.prim.lowering as { kernel: string };
        chain = applyView(chain, viewRuleFor(l.kernel)!, le.params, le.out.shape);
      }
      return this.load(base, chain);
    }
    throw new FluxionError(`lower: ${e.prim.name} cannot be evaluated inside a fused loop`);
  }

  private load(v: Var, chain: ViewChain): number {
    const input = this.inputIndex.get(v);
    if (input === undefined) throw new FluxionError(`lower: operand #${v.id} is not an input of the kernel`);
    // A rank-0 value read in a larger loop: the same element everywhere.
    if (chain[0]!.shape.length === 0 && this.shape.length > 0) {
      chain = [{ shape: [...this.shape], strides: this.shape.map(() => 0), offset: chain[0]!.offset }, ...chain.slice(1)];
    }
    const key = `${input}|${JSON.stringify(chain)}`;
    const hit = this.loads.get(key);
    if (hit !== undefined) return hit;
    const id = this.add({ kind: "load", input, chain, dtype: v.dtype });
    this.loads.set(key, id);
    return id;
  }

  graph(result: number): ExprGraph {
    return { shape: this.shape, nodes: this.nodes, result };
  }
}

/** The kernel of one equation of an optimised (possibly fused) program. */
export function lowerEqn(e: Eqn): KernelSpec {
  if (isFused(e.prim)) return lowerBody(e.prim.fused.program, e.prim.fused.root, e.inputs, e.out);
  const cls = classifyEqn(e);
  if (cls === "other") {
    const l = e.prim.lowering;
    return { kind: "call", prim: e.prim, params: e.params, kernelClass: l.kind === "kernel" ? l.kernel : l.kind, inputs: e.inputs, out: e.out };
  }
  // A single equation is a body of one equation whose inputs are its variable operands.
  const vars: Var[] = [];
  for (const a of e.inputs) if (a.kind === "var" && !vars.includes(a)) vars.push(a);
  const root = cls === "reduce" || cls === "contraction" ? e : null;
  return lowerBody({ inputs: vars, eqns: [e], outputs: [e.out] }, root, vars, e.out);
}

function lowerBody(
  body: Pick<Program, "inputs" | "eqns" | "outputs">,
  root: Eqn | null,
  operands: readonly Atom[],
  out: Var,
): KernelSpec {
  const defs = new Map<Var, Eqn>(body.eqns.map((e) => [e.out, e]));
  const inputIndex = new Map<Var, number>(body.inputs.map((v, i) => [v, i]));
  const inputs = operands;
  const result = body.outputs[0] as Var;
  if (root === null) {
    const g = new GraphBuilder(result.shape, defs, inputIndex, null);
    return { kind: "loop", inputs, out, graph: g.graph(g.value(result)) };
  }
  const epi = new GraphBuilder(root.out.shape, defs, inputIndex, root);
  const epilogue = epi.graph(epi.value(result));
  const l = root.prim.lowering;
  if (l.kind === "reduce") {
    const x = root.inputs[0]!;
    const pro = new GraphBuilder(x.shape, defs, inputIndex, null);
    const prologue = pro.graph(pro.value(x));
    const axes = root.params["axes"] as readonly number[];
    return { kind: "reduce", inputs, out, axes, identity: l.identity, combine: l.combine, prologue, epilogue };
  }
  if (l.kind !== "kernel") throw new FluxionError(`lower: ${root.prim.name} is not a contraction`);
  const rootOperands = root.inputs.map((a) => {
    const k = a.kind === "var" ? inputIndex.get(a) : undefined;
    if (k === undefined) throw new FluxionError(`lower: the operands of ${root.prim.name} must be kernel inputs`);
    return k;
  });
  const contraction: ContractionRoot = { kernelClass: l.kernel, params: root.params, inputs: root.inputs, out: root.out };
  return { kind: "contraction", inputs, out, root: contraction, operands: rootOperands, epilogue };
}
