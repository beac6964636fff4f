// The JavaScript renderer of scalar expressions (src/scalar/expr.ts). A value lives in a JS number: an f32
// value is a double holding a single exactly, so every f32 operation is the double operation
// rounded by `Math.fround` (for + − × ÷ and √ of singles that equals the IEEE single operation:
// a double has more than twice the bits of a single, so rounding twice is rounding once); i32
// operations wrap with `| 0` or use `Math.imul`.
//
// Two forms: statements (`const` per node used more than once, for loop kernels) and a single
// expression (for epilogues that must be one expression; nodes used more than once go to a
// scratch array `S1`, written and read within the expression).
//
// Bit-level operations read a double's bits through two views of one buffer (`D1`, `W1`), and
// powers of two come from a table (`P2`): the generated code receives these arrays (see
// `RENDER_ARRAYS`), and no other name.

import { FluxionError } from "../../errors.js";
import { type SHARED_ARRAY_NAMES, numberLiteral } from "../codegen/safety.js";
import { type ScalarExpr, isComparison, topoOrder } from "../../scalar/expr.js";

const doubleView = new Float64Array(1);
const wordView = new Int32Array(doubleView.buffer);
/** Index of the high 32-bit word of a double in `W1` (1 on little-endian platforms). */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** 2ⁿ for n in [−1022, 1023], at index n + 1022. */
const powersOfTwo = Float64Array.from({ length: 2046 }, (_, i) => 2 ** (i - 1022));
const scratch = new Float64Array(256);

/** The arrays generated code may use, by the names it uses them under. */
export const RENDER_ARRAYS: Readonly<Record<(typeof SHARED_ARRAY_NAMES)[number], Float64Array | Int32Array>> = {
  P2: powersOfTwo,
  D1: doubleView,
  W1: wordView,
  S1: scratch,
};

/** How many times each node is read by the others (an operand written twice in a template counts twice). */
function useCounts(order: readonly ScalarExpr[]): Map<ScalarExpr, number> {
  const uses = new Map<ScalarExpr, number>();
  for (const n of order) {
    if (n.kind !== "op" && n.kind !== "libm") continue;
    const weight = n.kind === "op" && n.op === "nearest" ? 3 : 1;
    for (const a of n.args) uses.set(a, (uses.get(a) ?? 0) + weight);
  }
  return uses;
}

/** Whether a node is read more than once and renders as more than its operand (promote is free in JS). */
function worthBinding(n: ScalarExpr, uses: ReadonlyMap<ScalarExpr, number>): boolean {
  if (n.kind === "arg" || n.kind === "const" || (uses.get(n) ?? 0) < 2) return false;
  return !(n.kind === "op" && (n.op === "promote" || n.op === "fromInt"));
}

function paren(s: string): string {
  return `(${s})`;
}

/** A node's JS value from its operands' JS text; `cond` renders operands meant as conditions. */
function renderNode(n: ScalarExpr, ref: (a: ScalarExpr) => string, cond: (a: ScalarExpr) => string): string {
  switch (n.kind) {
    case "arg":
    case "const":
      throw new FluxionError("renderNode: operands are rendered by the caller");
    case "libm":
      return `Math.${n.fn}(${n.args.map(ref).join(", ")})`;
    case "op":
      break;
  }
  const [a, b, c] = n.args;
  const t = n.type;
  const arith = (opText: string) => {
    const e = `${ref(a!)} ${opText} ${ref(b!)}`;
    return t === "f32" ? `Math.fround(${e})` : t === "i32" ? `((${e}) | 0)` : paren(e);
  };
  switch (n.op) {
    case "add":
      return arith("+");
    case "sub":
      return arith("-");
    case "mul":
      return t === "i32" ? `Math.imul(${ref(a!)}, ${ref(b!)})` : arith("*");
    case "div":
      return arith("/");
    case "neg":
      return t === "i32" ? `((-${ref(a!)}) | 0)` : `(-${ref(a!)})`;
    case "abs":
      return t === "i32" ? `(Math.abs(${ref(a!)}) | 0)` : `Math.abs(${ref(a!)})`;
    case "sqrt":
      return t === "f32" ? `Math.fround(Math.sqrt(${ref(a!)}))` : `Math.sqrt(${ref(a!)})`;
    case "floor":
      return `Math.floor(${ref(a!)})`;
    case "ceil":
      return `Math.ceil(${ref(a!)})`;
    case "nearest": {
      const x = ref(a!);
      return `(${x} - Math.floor(${x}) === 0.5 ? 2 * Math.round(${x} / 2) : Math.round(${x}))`;
    }
    case "eq":
    case "ne":
    case "lt":
    case "le":
    case "gt":
    case "ge":
      return `(${cond(n)} ? 1 : 0)`;
    case "and":
    case "or":
      return isBoolValued(n) ? `(${cond(n)} ? 1 : 0)` : `(${ref(a!)} ${n.op === "and" ? "&" : "|"} ${ref(b!)})`;
    case "select":
      return `(${cond(a!)} ? ${ref(b!)} : ${ref(c!)})`;
    case "promote":
    case "fromInt":
      return ref(a!);
    case "demote":
      return `Math.fround(${ref(a!)})`;
    case "toInt":
      return `(${ref(a!)} | 0)`;
    case "exponent": {
      const e = `(D1[0] = ${ref(a!)}, ((W1[${HIGH_WORD}] >>> 20) & 2047) - 1023)`;
      // A single's exponent field is the double's, limited to [−127, 128]: a zero or subnormal
      // single is a double of exponent ≤ −127, ±Inf and NaN have 1024.
      return t === "f32" ? `Math.min(Math.max(${e}, -127), 128)` : e;
    }
    case "pow2":
      // The table's 2ⁿ for n in [−126, 127] are the single powers of two too.
      return `P2[(${ref(a!)} | 0) + 1022]`;
  }
}

/** Whether a node's value is known to be 0 or 1 (comparisons, and/or/select of such, constants 0 and 1). */
function isBoolValued(n: ScalarExpr): boolean {
  if (n.kind === "const") return n.value === 0 || n.value === 1;
  if (n.kind !== "op") return false;
  if (isComparison(n.op)) return true;
  if (n.op === "and" || n.op === "or") return isBoolValued(n.args[0]!) && isBoolValued(n.args[1]!);
  if (n.op === "select") return isBoolValued(n.args[1]!) && isBoolValued(n.args[2]!);
  return false;
}

const JS_COMPARE: Record<string, string> = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=" };

/**
 * Renders every node of `root` given how bound nodes and operands are named (`named` returns a
 * name, or undefined to write the node inline). Returns the root's text.
 */
function renderTree(root: ScalarExpr, args: readonly string[], named: (n: ScalarExpr) => string | undefined): string {
  const ref = (n: ScalarExpr): string => {
    if (n.kind === "arg") return args[n.index]!;
    if (n.kind === "const") return numberLiteral(n.value);
    return named(n) ?? inline(n);
  };
  const cond = (n: ScalarExpr): string => {
    if (named(n) !== undefined || n.kind !== "op") return ref(n);
    if (isComparison(n.op)) return `${ref(n.args[0]!)} ${JS_COMPARE[n.op]} ${ref(n.args[1]!)}`;
    // Bitwise and/or equal the logical ones only on 0/1 operands.
    if (n.op === "and" && isBoolValued(n)) return `(${cond(n.args[0]!)}) && (${cond(n.args[1]!)})`;
    if (n.op === "or" && isBoolValued(n)) return `(${cond(n.args[0]!)}) || (${cond(n.args[1]!)})`;
    return ref(n);
  };
  const inline = (n: ScalarExpr): string => renderNode(n, ref, cond);
  return root.kind === "arg" || root.kind === "const" ? ref(root) : inline(root);
}

/**
 * Statements computing `root` into `const <result>`: nodes read more than once get a `const`
 * named by `name(k)` (k = 0, 1, …) first. `args` are the operands' names or literals.
 */
export function renderJsStatements(root: ScalarExpr, args: readonly string[], result: string, name: (k: number) => string): string[] {
  const order = topoOrder(root);
  const uses = useCounts(order);
  const names = new Map<ScalarExpr, string>();
  const lines: string[] = [];
  for (const n of order) {
    if (n === root || !worthBinding(n, uses)) continue;
    const text = renderTree(n, args, (m) => (m === n ? undefined : names.get(m)));
    const id = name(names.size);
    lines.push(`const ${id} = ${text};`);
    names.set(n, id);
  }
  lines.push(`const ${result} = ${renderTree(root, args, (m) => (m === root ? undefined : names.get(m)))};`);
  return lines;
}

/** Whether an operand's text assigns (so it must be evaluated before this expression's own scratch writes). */
function assigns(text: string): boolean {
  return /[^=!<>]=[^=]/.test(text);
}

/**
 * `root` as one JS expression. Nodes read more than once are written to the scratch array `S1`
 * in a comma sequence; operands that themselves write scratch are evaluated into it first.
 */
export function renderJsExpression(root: ScalarExpr, args: readonly string[]): string {
  const order = topoOrder(root);
  const uses = useCounts(order);
  const parts: string[] = [];
  let slots = 0;
  const operands = args.map((a) => {
    if (!assigns(a)) return a;
    const slot = `S1[${slots++}]`;
    parts.push(`${slot} = ${a}`);
    return slot;
  });
  const names = new Map<ScalarExpr, string>();
  for (const n of order) {
    if (n === root || !worthBinding(n, uses)) continue;
    if (slots >= scratch.length) throw new FluxionError(`renderJsExpression: more than ${scratch.length} shared nodes`);
    const slot = `S1[${slots++}]`;
    parts.push(`${slot} = ${renderTree(n, operands, (m) => (m === n ? undefined : names.get(m)))}`);
    names.set(n, slot);
  }
  const value = renderTree(root, operands, (m) => (m === root ? undefined : names.get(m)));
  return parts.length === 0 ? value : `(${[...parts, value].join(", ")})`;
}
