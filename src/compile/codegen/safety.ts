// The guard on generated source. Kernels are made with `new Function` (emitter.ts's
// `compileCheckedSource`, the only place), and every source is checked here first. The guard admits
// the shapes of code the emitters write and nothing else:
//
//  - tokens: numbers, operators, the keywords `return function const let for if else`, `Math`,
//    `NaN`, `Infinity`, and names of the compiler's naming scheme (`t12`, `p3_1`, `in0`, `acc`, the
//    matmul emitter's `PA`, `bt`, `c0_1`, …). No string, template, regex or comment syntax, no
//    backslash, no `=>`, no other identifier (so no `this`, `globalThis`, `constructor`,
//    `__proto__`, `eval`, `Function`).
//  - functions: `return function NAME(params) {` may open the source; no other function exists.
//    A member is only a call: `Math.f(` for a function of `Math`, or `ARRAY.fill(…);` as a statement.
//    No other name is called, and nothing is called on a call's or an index's result.
//  - arrays: the function's parameters, the factory's parameters, and names declared from them
//    (`const in0 = ins[0]`, `const PA = panel`) hold arrays. Such a name appears only as a
//    declaration, a parameter, or directly before `[` or `.fill(`; `ins` and `X` (arrays of arrays)
//    only as `ins[<integer>]` declaring an array or indexed again. `[` follows only such a name (or
//    the `]` of `ins[k]`), so there are no array literals (`[]`), and `{` only opens a block, so
//    there are no object literals.
//
// Consequently every value an expression can compute is a number, a boolean or undefined: no
// string can be formed (no literal, and no array, object or function is ever an operand of `+`),
// so no computed member access can name `constructor`, and no property other than Math's functions
// and `fill` is ever read. That is what closes the route from arithmetic to the Function
// constructor that JSFuck-style bodies (`[][(![]+[])[+[]]+…]`) take. The guard is lexical with a
// little context; it does not prove a source well-formed (a malformed one fails to compile).
// Kernel sources are built only from numbers (`numberLiteral`) and compiler-made names in the first
// place; the guard is the second line of defence.

import { FluxionError } from "../../errors.js";

export class UnsafeSourceError extends FluxionError {}

const KEYWORDS = new Set(["return", "function", "const", "let", "for", "if", "else", "Math", "NaN", "Infinity"]);
/** Functions of `Math` (the only members besides an array's `fill`). */
const MATH_FUNCTIONS = new Set(Object.getOwnPropertyNames(Math).filter((k) => typeof (Math as unknown as Record<string, unknown>)[k] === "function"));
/** Names of the functions a source may define. */
const FUNCTION_NAMES = new Set(["kernel", "matmulKernel"]);
/** Parameters that hold arrays of arrays: read only as `ins[<integer>]`. */
const NESTED_ARRAYS = new Set(["ins", "X"]);
/**
 * Arrays every kernel may read by these names (the scalar renderer's powers of two, bit views and
 * scratch: src/compile/scalar/render-js.ts provides them).
 */
export const SHARED_ARRAY_NAMES = ["P2", "D1", "W1", "S1"] as const;
/** Names the compiler makes: a short prefix and numbers (`t12`, `p3_1`, `in0`, `i2`), or the matmul emitter's names. */
const COMPILER_NAME =
  /^(?:(?:in|t|p|i|x|a|b|c)\d+(?:_\d+)*|(?:ins|out|acc|sc|reg|o|t|p|i|x)(?:\d+(?:_\d+)*)?|A|B|C|X|PA|PB|P2|D1|W1|S1|panel|aOff|bOff|cOff|bt|d|dd|ei|ej|eo|h|ic|icEnd|is|js|j|pa|pb|pc|r|s|w|c)$/;

/** Whether `name` is of the compiler's naming scheme (and no keyword). */
export function isCompilerName(name: string): boolean {
  return COMPILER_NAME.test(name);
}

const OPERATORS = [
  "===", "!==", ">>>", "**", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "<<", ">>",
  "+", "-", "*", "/", "%", "<", ">", "=", "!", "&", "|", "^", "~", "?", ":", ";", ",", ".", "(", ")", "[", "]", "{", "}",
];

const TOKEN = /\s+|[A-Za-z_$][\w$]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;

type Kind = "name" | "number" | "op";
interface Token {
  readonly text: string;
  readonly kind: Kind;
}

function reject(why: string, tok?: string): never {
  const what = tok === undefined ? "" : ` (${JSON.stringify(tok.slice(0, 40))})`;
  throw new UnsafeSourceError(`codegen: generated source ${why}${what}`);
}

function tokenize(source: string): Token[] {
  if (source.includes("//") || source.includes("/*")) reject("contains comment syntax");
  if (source.includes("=>")) reject("contains an arrow function");
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (m !== null && m[0].length > 0) {
      const text = m[0];
      pos += text.length;
      if (/^\s/.test(text)) continue;
      tokens.push({ text, kind: /^[A-Za-z_$]/.test(text) ? "name" : "number" });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, pos));
    if (op === undefined) reject("contains a character outside numbers, operators and identifiers", source[pos]);
    tokens.push({ text: op, kind: "op" });
    pos += op.length;
  }
  return tokens;
}

const OPENERS = new Set(["(", "[", "{"]);
const CLOSERS = new Set([")", "]", "}"]);

/**
 * Throws unless `source` is made only of what the emitters write (see above). `arrays` names
 * arrays the surrounding code provides (the factory's parameters, or a fragment's operands).
 * Returns the source.
 */
export function checkKernelSource(source: string, arrays: readonly string[] = []): string {
  const toks = tokenize(source);
  const at = (i: number) => toks[i]?.text ?? "";

  // The header `return function NAME(p, …) {`: its parameters hold arrays.
  const params = new Set<number>();
  const arrayNames = new Set([...arrays, ...SHARED_ARRAY_NAMES]);
  if (at(1) === "function") {
    if (at(0) !== "return" || !FUNCTION_NAMES.has(at(2)) || at(3) !== "(") reject("has a malformed function header");
    let i = 4;
    while (at(i) !== ")") {
      if (!isCompilerName(at(i))) reject("has a parameter the compiler did not name", at(i));
      params.add(i);
      arrayNames.add(at(i));
      i++;
      if (at(i) === ",") i++;
      else if (at(i) !== ")") reject("has a malformed function header");
    }
    if (at(i + 1) !== "{") reject("has a malformed function header");
  }

  // Declarators: names right after `const`/`let`, or after a comma of the same declaration.
  const declarator = new Set<number>();
  const declDepths: number[] = [];
  let depth = 0;
  toks.forEach((t, i) => {
    if (t.text === "const" || t.text === "let") {
      declDepths.push(depth);
      declarator.add(i + 1);
    } else if (OPENERS.has(t.text)) depth++;
    else if (CLOSERS.has(t.text)) {
      depth--;
      while (declDepths.length > 0 && declDepths[declDepths.length - 1]! > depth) declDepths.pop();
    } else if (t.text === ";" && declDepths[declDepths.length - 1] === depth) declDepths.pop();
    else if (t.text === "," && declDepths[declDepths.length - 1] === depth) declarator.add(i + 1);
  });

  const ends = (i: number) => at(i) === "," || at(i) === ";";
  /** Length of an array-valued initializer at i (`ARRAY` or `ins[<int>]` ending the declarator), else 0. */
  const arrayInit = (i: number): number => {
    if (arrayNames.has(at(i)) && !NESTED_ARRAYS.has(at(i)) && ends(i + 1)) return 1;
    if (NESTED_ARRAYS.has(at(i)) && at(i + 1) === "[" && /^\d+$/.test(at(i + 2)) && at(i + 3) === "]" && ends(i + 4)) return 4;
    return 0;
  };
  // Names declared from arrays hold arrays (declared in order, so one pass sees each source first).
  for (const i of declarator) if (at(i + 1) === "=" && arrayInit(i + 2) > 0) arrayNames.add(at(i));
  const isArrayInit = (i: number) => at(i - 1) === "=" && declarator.has(i - 2) && arrayNames.has(at(i - 2)) && arrayInit(i) > 0;

  /** For each `]`, whether it closes an index on an array of arrays (so `[` may follow it). */
  const nestedClose = new Set<number>();
  const brackets: boolean[] = [];
  toks.forEach((t, i) => {
    if (t.text === "[") brackets.push(NESTED_ARRAYS.has(at(i - 1)));
    else if (t.text === "]" && brackets.pop() === true) nestedClose.add(i);
  });

  const fillCalls: number[] = [];
  toks.forEach((t, i) => {
    const prev = at(i - 1);
    const next = at(i + 1);
    if (t.kind === "name") {
      if (prev === ".") {
        const owner = at(i - 2);
        const ok = owner === "Math" ? MATH_FUNCTIONS.has(t.text) : t.text === "fill" && arrayNames.has(owner) && !NESTED_ARRAYS.has(owner);
        if (!ok || next !== "(") reject("reads a property other than a call of Math's functions or an array's fill", t.text);
        if (t.text === "fill") fillCalls.push(i);
        return;
      }
      if (t.text === "return" || t.text === "function" || FUNCTION_NAMES.has(t.text)) {
        if (i !== ["return", "function"].indexOf(t.text) && !(i === 2 && FUNCTION_NAMES.has(t.text) && at(1) === "function")) reject("defines or returns a function outside the kernel header", t.text);
        return;
      }
      if (t.text === "Math") {
        if (next !== ".") reject("uses Math other than to call its functions");
        return;
      }
      if (KEYWORDS.has(t.text)) return;
      if (!isCompilerName(t.text)) reject("contains an identifier the compiler did not make", t.text);
      if (params.has(i)) return;
      if (NESTED_ARRAYS.has(t.text)) {
        if (next !== "[" || !/^\d+$/.test(at(i + 2)) || at(i + 3) !== "]") reject("reads an array of arrays other than at a constant index", t.text);
        if (at(i + 4) !== "[" && !isArrayInit(i)) reject("uses an element of an array of arrays other than to declare an array or index it", t.text);
        return;
      }
      if (arrayNames.has(t.text)) {
        const declaring = declarator.has(i) && next === "=" && arrayInit(i + 2) > 0;
        if (!declaring && next !== "[" && next !== "." && !isArrayInit(i)) reject("uses an array other than to index it", t.text);
        return;
      }
      if (next === "[" || next === "(" || next === ".") reject("indexes, calls or reads a member of a value that is not an array", t.text);
      return;
    }
    if (t.kind === "number") return;
    switch (t.text) {
      case "[":
        if (!(arrayNames.has(prev) || nestedClose.has(i - 1))) reject("contains `[` that does not index an array (an array literal, or an index on an expression)");
        break;
      case "(":
        if (toks[i - 1]?.kind === "number" || prev === ")" || prev === "]") reject("calls the result of an expression");
        break;
      case "{":
        if (i > 0 && ![")", "}", ";", "{", "else"].includes(prev)) reject("contains `{` that does not open a block (an object literal)");
        break;
      case "/":
      case "/=":
        if (!(toks[i - 1]?.kind === "name" || toks[i - 1]?.kind === "number" || prev === ")" || prev === "]")) reject("contains `/` that does not divide (a regular expression)");
        break;
      case ".":
        if (!(prev === "Math" || (arrayNames.has(prev) && !NESTED_ARRAYS.has(prev)))) reject("reads a member of something other than Math or an array");
        break;
    }
  });

  // `ARRAY.fill(…)` is a statement of its own: its result (the array) is never an operand.
  for (const i of fillCalls) {
    if (i >= 3 && ![";", "{", "}"].includes(at(i - 3))) reject("uses the result of fill");
    let d = 0;
    let j = i + 1;
    for (; j < toks.length; j++) {
      if (at(j) === "(") d++;
      else if (at(j) === ")" && --d === 0) break;
    }
    if (at(j + 1) !== ";") reject("uses the result of fill");
  }
  return source;
}

/** A JS numeric literal for `v` (parenthesised when negative, so it can stand for any operand). */
export function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "(-Infinity)";
  if (Object.is(v, -0)) return "(-0)";
  const s = String(v);
  if (!/^-?\d+(?:\.\d+)?(?:e[+-]\d+)?$/.test(s)) throw new UnsafeSourceError(`codegen: cannot write ${s} as a number literal`);
  return v < 0 ? `(${s})` : s;
}
