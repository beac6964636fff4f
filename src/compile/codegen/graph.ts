// The statements of an expression graph inside a loop nest: each node becomes one `const` at the
// outermost loop level where all its operands are known (loop-invariant code motion for free:
// a broadcast operand is loaded once per row, a rank-0 expression once per call).
//
// Every value is rounded to its dtype as soon as it is computed, exactly as storing it would
// round it: an op's scalar description (src/scalar) ends in its output's type (float32
// values are singles, int32 values wrapped, bools 0/1), and the JS renderer writes it; a float32
// accumulator passes through `Math.fround`. So a fused kernel computes bit for bit what its ops
// compute one by one.

import { FluxionError } from "../../errors.js";
import { type DType, coerceScalar } from "../../tensor/dtype.js";
import type { ExprGraph, ExprNode } from "../lower.js";
import type { StridedLayer, ViewChain } from "../views.js";
import { type Access, accessDepth, emitNest } from "./loops.js";
import { numberLiteral } from "./safety.js";
import type { ScalarExpr } from "../../scalar/expr.js";
import { renderJsExpression, renderJsStatements } from "../scalar/render-js.js";

/**
 * `graph` over a new loop shape: every load's view (which must be one strided layer) re-laid out by
 * `relayout`, or null where a load has several layers or `relayout` declines.
 */
export function relayoutLoads(graph: ExprGraph, shape: readonly number[], relayout: (layer: StridedLayer) => StridedLayer | null): ExprGraph | null {
  const nodes: ExprNode[] = [];
  for (const node of graph.nodes) {
    if (node.kind !== "load") {
      nodes.push(node);
      continue;
    }
    if (node.chain.length !== 1) return null;
    const layer = relayout(node.chain[0]!);
    if (layer === null) return null;
    nodes.push({ ...node, chain: [layer] });
  }
  return { shape, nodes, result: graph.result };
}

/**
 * `expr` (a double accumulator) rounded as storing it in `dtype` would round it: float32 through
 * `Math.fround` (exact rounding of the double, as a Float32Array store does), int32 wrapped with
 * `| 0`. float64 and bool values are already what they store.
 */
export function storedAs(dtype: DType, expr: string): string {
  if (dtype === "float32") return `Math.fround(${expr})`;
  if (dtype === "int32") return `((${expr}) | 0)`; // parenthesised: it may be an operand
  return expr;
}

type OpNode = Extract<ExprNode, { kind: "op" }>;

/** An op node's scalar description (its result already in the node's dtype). */
export function opScalar(n: OpNode): ScalarExpr {
  const l = n.prim.lowering;
  if (l.kind !== "elementwise") throw new FluxionError(`codegen: ${n.prim.name} is not elementwise`);
  return l.scalar(n.params, n.inDtypes, n.dtype);
}

/** An op node's value as one JS expression over its operands' expressions (for epilogues). */
export function opExpression(n: OpNode, args: readonly string[]): string {
  return renderJsExpression(opScalar(n), args);
}

/** Statements defining `const <name>` as an op node's value (shared subexpressions get `<name>_k`). */
export function opStatements(n: OpNode, args: readonly string[], name: string): string[] {
  return renderJsStatements(opScalar(n), args, name, (k) => `${name}_${k}`);
}

/** A literal node's value as it is stored in its dtype (a float32 literal is a float32 value). */
export function literalExpression(value: number, dtype: DType): string {
  return numberLiteral(coerceScalar(value, dtype));
}

/** The strides of a load's first layer over the loop dimensions (via `dimOf`: space dim → loop dim). */
export function loadAccess(chain: ViewChain, loopRank: number, dimOf: (spaceDim: number) => number): Access {
  const top = chain[0]!;
  const strides = new Array<number>(loopRank).fill(0);
  top.strides.forEach((s, d) => (strides[dimOf(d)]! += s));
  return { strides, offset: top.offset };
}

/** Index arithmetic that unravels a flat offset through the layers below the first. */
export function chainTail(flat: string, chain: ViewChain): string {
  let expr = flat;
  for (let k = 1; k < chain.length; k++) expr = unravelLayer(expr, chain[k]!);
  return expr;
}

function unravelLayer(flat: string, layer: StridedLayer): string {
  const terms: string[] = [];
  if (layer.offset !== 0) terms.push(numberLiteral(layer.offset));
  let inner = 1;
  for (let d = layer.shape.length - 1; d >= 0; d--) {
    const n = layer.shape[d]!;
    const s = layer.strides[d]!;
    if (s !== 0 && n !== 1) {
      let q = inner === 1 ? `(${flat})` : `((${flat}) / ${inner} | 0)`;
      if (d > 0) q = `(${q} % ${n})`;
      terms.push(s === 1 ? q : `${q} * ${numberLiteral(s)}`);
    }
    inner *= n;
  }
  return terms.length === 0 ? "0" : terms.join(" + ");
}

/** Which loop-dimension accesses a graph's loads use, registered in a shared access table. */
export class AccessTable {
  readonly accesses: Access[] = [];
  private readonly keys = new Map<string, number>();
  add(a: Access): number {
    const key = `${a.offset}|${a.strides.join(",")}`;
    let id = this.keys.get(key);
    if (id === undefined) {
      id = this.accesses.length;
      this.accesses.push(a);
      this.keys.set(key, id);
    }
    return id;
  }
}

export interface AccValue {
  readonly expr: (at: (k: number) => string) => string;
  readonly depth: number;
  /** Nodes reading the accumulator are emitted by `accLines` (after the reduction), not by `linesAt`. */
  readonly deferred: boolean;
}

/** Emits the nodes of one graph; `gid` keeps names distinct between graphs of one kernel. */
export class GraphCode {
  private readonly depth: number[] = [];
  private readonly usesAcc: boolean[] = [];
  private readonly names: string[] = [];

  constructor(
    private readonly graph: ExprGraph,
    gid: number,
    /** For each load node, its access id (after coalescing the ids are unchanged). */
    private readonly accessOf: ReadonlyMap<number, number>,
    private readonly accessList: () => readonly Access[],
    private readonly inputName: (k: number) => string,
    private readonly acc?: AccValue,
  ) {
    graph.nodes.forEach((n, i) => {
      this.names.push(n.kind === "lit" ? literalExpression(n.value, n.dtype) : `t${gid}_${i}`);
      if (n.kind === "lit") this.set(i, -1, false);
      else if (n.kind === "acc") {
        if (acc === undefined) throw new FluxionError("codegen: an accumulator read outside a reduction or contraction");
        this.set(i, acc.depth, true);
      } else if (n.kind === "load") this.set(i, -2, false);
      else this.set(i, Math.max(-1, ...n.args.map((a) => this.depth[a]!)), n.args.some((a) => this.usesAcc[a]!));
    });
  }

  private set(i: number, d: number, acc: boolean) {
    this.depth[i] = d;
    this.usesAcc[i] = acc;
  }

  /** Call after coalescing: resolves load depths from their accesses. */
  resolveDepths(): void {
    const accesses = this.accessList();
    this.graph.nodes.forEach((n, i) => {
      if (n.kind === "load") this.depth[i] = accessDepth(accesses[this.accessOf.get(i)!]!);
      else if (n.kind === "op") this.depth[i] = Math.max(-1, ...n.args.map((a) => this.depth[a]!));
    });
  }

  value(i: number): string {
    return this.names[i]!;
  }

  get result(): string {
    return this.value(this.graph.result);
  }

  /** Statements of nodes placed at loop `level` (excluding deferred accumulator readers). */
  linesAt(level: number, at: (k: number) => string): string[] {
    const out: string[] = [];
    this.graph.nodes.forEach((n, i) => {
      if (this.depth[i] !== level || (this.usesAcc[i] && this.acc?.deferred)) return;
      const line = this.line(n, i, at);
      if (line !== null) out.push(line);
    });
    return out;
  }

  /** Statements of the nodes reading a deferred accumulator, in order. */
  accLines(at: (k: number) => string): string[] {
    const out: string[] = [];
    this.graph.nodes.forEach((n, i) => {
      if (!this.usesAcc[i]) return;
      const line = this.line(n, i, at);
      if (line !== null) out.push(line);
    });
    return out;
  }

  private line(n: ExprNode, i: number, at: (k: number) => string): string | null {
    const name = this.names[i]!;
    switch (n.kind) {
      case "lit":
        return null;
      case "acc":
        // The root's double accumulator, rounded to the root's dtype as its stored result would be.
        return `const ${name} = ${storedAs(n.dtype, this.acc!.expr(at))};`;
      case "load": {
        const index = chainTail(at(this.accessOf.get(i)!), n.chain);
        return `const ${name} = ${this.inputName(n.input)}[${index}];`;
      }
      case "op":
        return opStatements(n, n.args.map((a) => this.names[a]!), name).join("\n");
    }
  }
}

/**
 * What an epilogue graph needs from its kernel: the kernel inputs its loads read (in first-use
 * order, each once) and a register slot for every op node (intermediates of an epilogue that
 * must be an expression live in a small Float64 register file; each is rounded to its dtype by
 * `opExpression` before it is written there).
 */
export function epilogueOperands(graph: ExprGraph): { extraInputs: number[]; regOf: Map<number, number> } {
  const extraInputs: number[] = [];
  const regOf = new Map<number, number>();
  graph.nodes.forEach((n, i) => {
    if (n.kind === "load" && !extraInputs.includes(n.input)) extraInputs.push(n.input);
    if (n.kind === "op") regOf.set(i, regOf.size);
  });
  return { extraInputs, regOf };
}

/**
 * The loop nest of an elementwise pass over an output: each level emits the graph's work hoisted
 * to it, and the innermost level stores the graph's result at `outAccess`.
 */
export function emitStoreNest(dims: readonly number[], accesses: readonly Access[], code: GraphCode, outAccess: number): string[] {
  const innermost = dims.length - 1;
  return emitNest(dims, accesses, {
    enter: (level, at) => {
      const ls = code.linesAt(level, at);
      if (level === innermost) ls.push(`out[${at(outAccess)}] = ${code.result};`);
      return ls;
    },
    leave: () => [],
  });
}
