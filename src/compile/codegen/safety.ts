// The guard on generated source. Kernels are made with `new Function`, so their text must never
// contain anything but what the compiler itself wrote: numbers, operators, a few keywords, `Math`
// functions and identifiers of the compiler's naming scheme. No string, template or comment
// syntax can pass, so no user string (a parameter name, a dtype given at run time, a file's
// contents) can become code even if a template interpolated it. Every kernel source is checked
// here before it is compiled.

import { FluxionError } from "../../errors.js";

export class UnsafeSourceError extends FluxionError {}

const KEYWORDS = new Set(["for", "let", "const", "if", "else", "return", "function", "kernel", "Math", "NaN", "Infinity"]);
/** Properties that may follow a `.`: Math's functions, and `fill` on compiler-made scratch arrays. */
const MEMBERS = new Set([...Object.getOwnPropertyNames(Math).filter((k) => typeof (Math as unknown as Record<string, unknown>)[k] === "function"), "fill"]);
/** Identifiers the compiler makes: a short prefix and numbers (`t12`, `p3_1`, `in0`, `i2`). */
const COMPILER_NAME = /^(?:in|ins|out|acc|sc|reg|o|t|p|i|x)(?:\d+(?:_\d+)*)?$/;

const OPERATORS = [
  "===", "!==", ">>>", "**", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "<<", ">>",
  "+", "-", "*", "/", "%", "<", ">", "=", "!", "&", "|", "^", "~", "?", ":", ";", ",", ".", "(", ")", "[", "]", "{", "}",
];

const TOKEN = /\s+|[A-Za-z_$][\w$]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;

/** Throws unless `source` consists only of compiler-made tokens. Returns the source. */
export function checkKernelSource(source: string): string {
  if (source.includes("//") || source.includes("/*")) throw new UnsafeSourceError("codegen: generated source contains comment syntax");
  let pos = 0;
  let afterDot = false;
  while (pos < source.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (m !== null && m[0].length > 0) {
      const tok = m[0];
      pos += tok.length;
      if (/^\s/.test(tok)) continue;
      if (/^[A-Za-z_$]/.test(tok)) {
        const ok = afterDot ? MEMBERS.has(tok) : KEYWORDS.has(tok) || COMPILER_NAME.test(tok);
        if (!ok) throw new UnsafeSourceError(`codegen: generated source contains an identifier the compiler did not make (${JSON.stringify(tok.slice(0, 40))})`);
      }
      afterDot = false;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, pos));
    if (op === undefined) {
      throw new UnsafeSourceError(`codegen: generated source contains a character outside numbers, operators and identifiers (${JSON.stringify(source[pos])})`);
    }
    afterDot = op === ".";
    pos += op.length;
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
