// `fx.jit(f, { staticArgnums })`: stages f into IR once per input signature (pytree structure,
// shapes, dtypes, weak flags, static arguments and JS boolean leaves), optimises and compiles it,
// and runs the compiled kernels on later calls with the same signature. A JS number argument is
// traced as a weak scalar (ops treat it as they treat the number, so jit(f) ≡ f); a JS boolean
// is static (f sees the boolean itself, so `flag ? a : b` takes the right branch; one
// compilation per value). Called with tracers (inside grad, trace or another jit),
// a jitted function simply calls f: the enclosing transform records f's equations itself.
//
// As in JAX, concrete tensors f closes over are captured when f is traced; a later change to the
// closure does not re-trace.

import { ValueError } from "../errors.js";
import type { Program } from "../ir/program.js";
import { Tensor } from "../tensor/tensor.js";
import { evalProgram } from "../trace/interpret.js";
import { type ArgLeaf, flattenArgs, outputTensor, traceFlat } from "../trace/trace.js";
import { type TreeDef, flatten, treeDefKey, unflatten } from "../tree/index.js";
import type { Traced, TreeLike } from "../tree/types.js";
import { explainCompiled } from "./explain.js";
import { cacheLimits } from "./limits.js";
import { LruCache } from "./lru.js";
import { type CompileOptions, type CompiledProgram, compileProgram } from "./pipeline.js";
import { checkJitArgs } from "../options/validate.js";

/** Options of `jit`. */
export interface JitOptions {
  /** Positional arguments passed to f as they are (not traced) and made part of the cache key. */
  staticArgnums?: number | readonly number[];
  /**
   * Signatures kept compiled (default `cacheLimits().jitEntries`); beyond it the least recently
   * called one is dropped and compiled again if it comes back.
   */
  cacheLimit?: number;
}

/**
 * A jitted `F`: F's parameters, and F's result with every leaf a tensor (`Traced`: numbers
 * and booleans f returns come back as scalar tensors).
 *
 * @typeParam F - the function that was jitted
 */
export interface Jitted<F extends (...args: any[]) => any> {
  (...args: Parameters<F>): Traced<ReturnType<F>>;
  /** The IR before and after the passes, the kernels and their generated JavaScript. */
  explain(...args: Parameters<F>): string;
  /** Number of signatures held compiled now (at most the cache limit). */
  readonly cacheSize: number;
  /** Drops every compiled signature and its buffers; later calls compile again. */
  clearCache(): void;
}

interface Entry {
  readonly compiled: CompiledProgram | null;
  /** Programs capturing tracers of an enclosing transform are interpreted, not compiled. */
  readonly program: Program;
  readonly outTree: TreeDef;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

/** A cache key for a static argument: structural for plain data, identity for anything else. */
function staticKey(v: unknown): string {
  if (v === null || v === undefined || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v) ?? "undefined";
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return `[${v.map(staticKey).join(",")}]`;
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${staticKey((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  let id = objectIds.get(v as object);
  if (id === undefined) objectIds.set(v as object, (id = nextObjectId++));
  return `#${id}`;
}

/** A pytree result with every leaf a tensor, as a compiled program returns it. */
function asTensors(result: unknown): unknown {
  const [leaves, def] = flatten(result);
  return unflatten(def, leaves.map((l, i) => outputTensor("jit", l, i)));
}

function cacheLimitOf(n: number | undefined): () => number {
  return n === undefined ? () => cacheLimits().jitEntries : () => n;
}

function normalizeStatic(argnums: JitOptions["staticArgnums"]): Set<number> {
  // Validated by checkJitArgs (options/schemas.ts JitOptions).
  return new Set(argnums === undefined ? [] : typeof argnums === "number" ? [argnums] : argnums);
}

/**
 * Compiles f once per input signature and runs the compiled kernels on later calls. The
 * jitted function has f's parameters; it returns f's result with every leaf a tensor.
 *
 * @example
 * const step = fx.jit((w: Tensor, x: Tensor) => [fx.sum(fx.matmul(x, w)), 3]);
 * const [s, three] = step(w, x); // [Tensor, Tensor]
 * console.log(step.explain(w, x)); // IR before/after the passes and the generated JS
 */
export function jit<A extends unknown[], R extends TreeLike>(f: (...args: A) => R, options: JitOptions = {}, compileOptions: CompileOptions = {}): Jitted<(...args: A) => R> {
  checkJitArgs(f, options, compileOptions);
  const statics = normalizeStatic(options.staticArgnums);
  const limit = cacheLimitOf(options.cacheLimit);
  const cache = new LruCache<string, Entry>(limit, (e) => e.compiled?.executable.release());

  const prepare = (args: unknown[]) => {
    const dynamic: unknown[] = [];
    const staticParts: string[] = [];
    args.forEach((a, i) => (statics.has(i) ? staticParts.push(`${i}=${staticKey(a)}`) : dynamic.push(a)));
    const { leaves, tensors, inTree } = flattenArgs("jit", dynamic);
    return { leaves, tensors, inTree, staticPart: staticParts.join(";") };
  };

  /** f with the static arguments put back in place. */
  const withStatics = (args: readonly unknown[]) => (...dyn: unknown[]) => {
    const full: unknown[] = [];
    let k = 0;
    for (let i = 0; i < args.length; i++) full.push(statics.has(i) ? args[i] : dyn[k++]);
    return f(...(full as A));
  };

  const lookup = (args: unknown[], leaves: readonly ArgLeaf[], inTree: TreeDef, staticPart: string): Entry => {
    let key = `${treeDefKey(inTree)}|${staticPart}|`;
    // A weak int is int32 and a weak float float64, so dtype and weak flag name the weak kind.
    for (const l of leaves) key += typeof l === "boolean" ? `=${l};` : `${l.dtype}[${l.shape.join(",")}]${l.weak ? "w" : ""};`;
    let entry = cache.get(key);
    if (entry === undefined) {
      const { program, outTree } = traceFlat("jit", withStatics(args), leaves, inTree);
      const capturesTracers = program.constants.some((c) => c.value.isTracer);
      entry = { compiled: capturesTracers ? null : compileProgram(program, compileOptions), program, outTree };
      // A program capturing an enclosing transform's tracers is only valid for this call.
      if (!capturesTracers) cache.set(key, entry);
    }
    return entry;
  };

  const jitted = ((...args: unknown[]) => {
    const { leaves, tensors, inTree, staticPart } = prepare(args);
    // Inside another transform: f's equations are recorded by it; its output leaves are made
    // tensors as the compiled path makes them, so that jit(f) returns the same kind of value.
    if (tensors.some((t) => t.isTracer)) return asTensors(f(...(args as A)));
    const entry = lookup(args, leaves, inTree, staticPart);
    let outs: Tensor[];
    if (entry.compiled === null) outs = evalProgram(entry.program, tensors);
    else {
      const arrays = entry.compiled.executable.run(tensors.map((t) => t._concrete("jit")));
      outs = arrays.map((data, i) => {
        const a = entry.program.outputs[i]!;
        return new Tensor(a.shape, a.dtype, data);
      });
    }
    return unflatten(entry.outTree, outs);
  }) as unknown as Jitted<(...args: A) => R>;

  Object.defineProperty(jitted, "explain", {
    value: (...args: unknown[]) => {
      const { leaves, tensors, inTree, staticPart } = prepare(args);
      if (tensors.some((t) => t.isTracer)) throw new ValueError("jit.explain: call it with concrete tensors, not inside another transform");
      const entry = lookup(args, leaves, inTree, staticPart);
      if (entry.compiled === null) return `jit: this call captures values of an enclosing transform and is interpreted, not compiled\n${String(entry.program)}`;
      return explainCompiled(entry.compiled);
    },
  });
  Object.defineProperty(jitted, "cacheSize", { get: () => cache.size });
  Object.defineProperty(jitted, "clearCache", { value: () => cache.clear() });
  return jitted;
}
