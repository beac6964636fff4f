// summary(model, inputShape): a table of a model's layers with their per-example output shapes
// and parameter counts, computed abstractly (nothing is drawn or computed). serial models are
// expanded layer by layer; residual and parallel blocks get a row of their own followed by
// their layers, indented.

import { fmtShape } from "../errors.js";
import { abstractInit, countAvals } from "./layers/abstract.js";
import type { InitOptions, Layer } from "./layers/layer.js";

/** One row of a model summary: a layer, its output shape and its parameter count. */
export interface SummaryRow {
  /** The parameter path of the layer (`conv1`, `3.0`), "" for the model itself. */
  readonly path: string;
  /** The layer's name (`conv2d(6, 5×5)`). */
  readonly layer: string;
  /** Nesting depth (0 for the model's own layers). */
  readonly depth: number;
  /** Per-example output shape. */
  readonly outputShape: number[];
  /** Scalars in the layer's params (its whole subtree for a block). */
  readonly params: number;
  /** Scalars in the layer's state (batch-norm statistics). */
  readonly state: number;
}

/** What `summary` returns: a row per layer and the totals, as data (and printed unless `print: false`). */
export interface Summary {
  /** The model's name. */
  readonly model: string;
  readonly inputShape: number[];
  readonly rows: readonly SummaryRow[];
  readonly outputShape: number[];
  readonly totalParams: number;
  readonly totalState: number;
  /** The table as text. */
  toString(): string;
}

/** Options of `summary`: the dtype to initialise with and whether to print the table. */
export interface SummaryOptions extends InitOptions {
  /** Print the table with console.log (default true). */
  readonly print?: boolean;
}

function rowsOf(layer: Layer, shape: readonly number[], path: string, depth: number, options: InitOptions, rows: SummaryRow[]): number[] {
  const join = (name: string) => (path === "" ? name : `${path}.${name}`);
  const children = layer.children ?? [];
  if (layer.combinator === "serial") {
    let s = [...shape];
    for (const [name, child] of children) s = rowsOf(child, s, join(name), depth, options, rows);
    return s;
  }
  const a = abstractInit(layer, shape, options);
  rows.push({ path, layer: layer.name, depth, outputShape: a.outputShape, params: countAvals(a.params), state: countAvals(a.state) });
  if (layer.combinator === "residual") {
    let s = [...shape];
    for (const [name, child] of children) s = rowsOf(child, s, join(name), depth + 1, options, rows);
  } else {
    for (const [name, child] of children) rowsOf(child, shape, join(name), depth + 1, options, rows);
  }
  return a.outputShape;
}

const count = (n: number) => n.toLocaleString("en-US");

function table(s: Omit<Summary, "toString">): string {
  const head = ["layer", "output shape", "params"];
  const body = s.rows.map((r) => [`${"  ".repeat(r.depth)}${r.path === "" ? "" : `${r.path}: `}${r.layer}`, fmtShape(r.outputShape), count(r.params)]);
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `${s.model}: per-example input shape ${fmtShape(s.inputShape)}`,
    line(head),
    rule,
    ...body.map(line),
    rule,
    `total params: ${count(s.totalParams)}${s.totalState > 0 ? ` (plus ${count(s.totalState)} scalars of state)` : ""}`,
  ].join("\n");
}

/** The table of `model`'s layers for per-example inputs of `inputShape` (printed unless { print: false }). */
export function summary(model: Layer, inputShape: readonly number[], options: SummaryOptions = {}): Summary {
  const { print = true, ...initOpts } = options;
  const rows: SummaryRow[] = [];
  const outputShape = rowsOf(model, inputShape, "", 0, initOpts, rows);
  // Every parameter belongs to exactly one top-level row (nested rows repeat their block's).
  const top = rows.filter((r) => r.depth === 0);
  const data = {
    model: model.name,
    inputShape: [...inputShape],
    rows,
    outputShape,
    totalParams: top.reduce((n, r) => n + r.params, 0),
    totalState: top.reduce((n, r) => n + r.state, 0),
  };
  const result: Summary = { ...data, toString: () => table(data) };
  if (print) console.log(result.toString());
  return result;
}
