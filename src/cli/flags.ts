// The command line of one command: `--name value`, `--name=value` and bare boolean flags,
// decoded by each flag's io-ts codec into a typed object keyed by the camelCase name
// (--batch-size → batchSize). Every mistake is a UsageError naming the flag and the value:
//   --epochs: expected a positive integer, got "ten"
//   unknown flag --epoch; did you mean --epochs?

import type * as t from "io-ts";
import { closestName, describeValue } from "../options/describe.js";
import { UsageError } from "./errors.js";

/** One flag: its codec (from the string given), a help line, a placeholder and an optional default. */
export interface Flag<A> {
  readonly codec: t.Type<A, A, unknown>;
  readonly help: string;
  /** The value's name in help (N, X, DIR); absent for a boolean switch. */
  readonly placeholder?: string;
  /** The value used when the flag is absent (shown in help). */
  readonly default?: A;
  /** How help shows the default when it is not simply the value ("per optimizer"). */
  readonly defaultText?: string;
}

/** A flag that always has a value (its default when absent). */
export interface FlagWithDefault<A> extends Flag<A> {
  readonly default: A;
}

/** A value flag (with a default: always decoded to a value; without: undefined when absent). */
export function flag<A>(codec: t.Type<A, A, unknown>, placeholder: string, help: string, defaults: { default: A; defaultText?: string }): FlagWithDefault<A>;
export function flag<A>(codec: t.Type<A, A, unknown>, placeholder: string, help: string, defaults?: { defaultText?: string }): Flag<A>;
export function flag<A>(codec: t.Type<A, A, unknown>, placeholder: string, help: string, defaults?: { default?: A; defaultText?: string }): Flag<A> {
  return { codec, placeholder, help, ...defaults };
}

/** A switch: present means true. */
export function switchFlag(help: string): FlagWithDefault<boolean> {
  return { codec: { is: (u: unknown): u is boolean => typeof u === "boolean" } as unknown as t.Type<boolean, boolean, unknown>, help, default: false };
}

export type Flags = Record<string, Flag<any>>;

/** The decoded flags: a flag with a default is always there, the others may be undefined. */
export type Decoded<F extends Flags> = {
  [K in keyof F]: F[K] extends FlagWithDefault<infer A> ? A : F[K] extends Flag<infer A> ? A | undefined : never;
};

/** batchSize → batch-size. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Decodes `argv` (the words after the command's name) by `flags`. `--help` is not handled
 * here: the caller looks for it first.
 */
export function parseFlags<F extends Flags>(command: string, flags: F, argv: readonly string[]): Decoded<F> {
  const byName = new Map(Object.keys(flags).map((k) => [kebab(k), k]));
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith("--") || word === "--") {
      throw new UsageError(`${command}: unexpected argument ${describeValue(word)}; flags are written --name value`);
    }
    const eq = word.indexOf("=");
    const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
    const key = byName.get(name);
    if (key === undefined) {
      const near = closestName(name, [...byName.keys()]);
      throw new UsageError(`${command}: unknown flag --${name}; ${near !== undefined ? `did you mean --${near}?` : `see fluxion ${command} --help`}`);
    }
    if (seen.has(key)) throw new UsageError(`${command}: --${name} is given twice`);
    seen.add(key);
    const spec = flags[key]!;
    if (spec.placeholder === undefined) {
      if (eq >= 0) throw new UsageError(`${command}: --${name} is a switch and takes no value, got ${describeValue(word.slice(eq + 1))}`);
      out[key] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = word.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) throw new UsageError(`${command}: --${name} needs a value (${spec.placeholder}: ${spec.codec.name})`);
      value = next;
      i++;
    }
    out[key] = decodeValue(command, name, spec.codec, value);
  }
  for (const [key, spec] of Object.entries(flags)) if (out[key] === undefined && spec.default !== undefined) out[key] = spec.default;
  return out as Decoded<F>;
}

/** One flag's value through its codec, or a UsageError naming the flag and the value. */
export function decodeValue<A>(command: string, name: string, codec: t.Type<A, A, unknown>, value: string): A {
  const r = codec.validate(value, [{ key: name, type: codec, actual: value }]);
  if (r._tag === "Right") return r.right;
  const own = r.left.find((e) => e.message !== undefined)?.message;
  throw new UsageError(`${command}: --${name}: ${own ?? `expected ${codec.name}, got ${describeValue(value)}`}`);
}
