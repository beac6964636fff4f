// train.save / train.load: a checkpoint — params, state, optimiser state and a JSON `meta` — as
// one safetensors file (format in safetensors.ts). Tensors are named by their pytree path
// (`params.fc1.w`, `optState.0.count`); the trees' shape (objects vs arrays, key order, null,
// plain numbers and strings) goes into "__metadata__" as a JSON description, so `load` gives
// back the structure `save` was given. Writes are atomic: a temporary file beside the target,
// fsynced, renamed over it.

import * as fs from "node:fs";
import * as path from "node:path";
import * as t from "io-ts";
import { ArgumentError, ValueError } from "../errors.js";
import { optionsObject } from "../options/codecs.js";
import { checkArg } from "../options/validate.js";
import { fromArray } from "../tensor/create.js";
import { Tensor, isTensor } from "../tensor/tensor.js";
import { CheckpointError, type StoredTensor, encode, headerLength, parseHeader, readTensors, show } from "./safetensors.js";

export { CheckpointError } from "./safetensors.js";

/** What a checkpoint holds. Only `params` is required; the other parts come back if saved. */
export interface Checkpoint<P = unknown, S = unknown, O = unknown, M = unknown> {
  readonly params: P;
  readonly state?: S;
  readonly optState?: O;
  readonly meta?: M;
}

const PARTS = ["params", "state", "optState"] as const;
/** The metadata keys fluxion writes; other keys are kept out of the way of other tools'. */
const TREE_KEY = "fluxion.tree";
const META_KEY = "fluxion.meta";
const FORMAT_KEY = "fluxion.format";
const FORMAT_VERSION = "1";
/** How deep a stored tree may nest: far beyond any model, well short of the stack's limit. */
const MAX_DEPTH = 256;

// The tree description. A node is one of:
//   ["t", name]                  a tensor stored under `name` (weak: ["t", name, 1])
//   ["o", [[key, node], …]]      a plain object, keys in their original order
//   ["a", [node, …]]             an array
//   ["n", "1.5"]                 a JS number (as text, so NaN, ±Infinity and −0 survive)
//   ["v", json]                  null, a boolean or a string
//   ["u"]                        undefined
type Node = readonly unknown[];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

// The parts of a checkpoint; any other key is refused with the closest valid name.
const SaveArgs = optionsObject({ params: t.unknown, state: t.unknown, optState: t.unknown, meta: t.unknown });

/**
 * Writes `checkpoint` to `file` atomically (the old file stays whole if anything fails).
 * Leaves: concrete tensors of any dtype, numbers, strings, booleans, null, undefined, inside
 * plain objects and arrays. `meta` must be JSON (plain data, finite numbers).
 */
export function save(file: string, checkpoint: Checkpoint): void {
  const op = "save";
  if (typeof file !== "string" || file === "") throw new ValueError(`${op}: path must be a non-empty string, got ${typeof file}`);
  checkArg(op, "checkpoint", SaveArgs, checkpoint);
  if (!("params" in checkpoint)) throw new ArgumentError(`${op}: checkpoint: expected { params, state?, optState?, meta? }, got no params`);

  const tensors: StoredTensor[] = [];
  const used = new Set<string>();
  const parts: [string, Node][] = [];
  for (const part of PARTS) {
    if (part in checkpoint) parts.push([part, describeTree(op, (checkpoint as unknown as Record<string, unknown>)[part], part, tensors, used)]);
  }
  const metadata: Record<string, string> = { [FORMAT_KEY]: FORMAT_VERSION, [TREE_KEY]: JSON.stringify(parts) };
  if (checkpoint.meta !== undefined) {
    checkJson(op, checkpoint.meta, "meta", 0);
    metadata[META_KEY] = JSON.stringify(checkpoint.meta);
  }
  writeAtomic(file, encode(tensors, metadata));
}

/** A short description of a value for messages. */
function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return isPlainObject(x) ? `an object with keys ${Object.keys(x).join(", ") || "(none)"}` : `a ${x.constructor?.name ?? "object"}`;
  return typeof x;
}

/** The description of the tree at `where`, pushing its tensors onto `tensors`. */
function describeTree(op: string, tree: unknown, where: string, tensors: StoredTensor[], used: Set<string>): Node {
  const onPath = new Set<unknown>();
  const walk = (node: unknown, at: string, depth: number): Node => {
    if (depth > MAX_DEPTH) throw new ValueError(`${op}: ${at}: the tree nests deeper than ${MAX_DEPTH} levels`);
    if (isTensor(node)) {
      if (node.isTracer) throw new ValueError(`${op}: ${at} is a traced tensor (inside jit/grad); save concrete values, outside the transform`);
      const name = uniqueName(at, used);
      tensors.push({ name, dtype: node.dtype, shape: node.shape, data: node._concrete(op) });
      return node.weak ? ["t", name, 1] : ["t", name];
    }
    if (node === undefined) return ["u"];
    if (node === null || typeof node === "boolean" || typeof node === "string") return ["v", node];
    if (typeof node === "number") return ["n", Object.is(node, -0) ? "-0" : String(node)];
    if (Array.isArray(node) || isPlainObject(node)) {
      if (onPath.has(node)) throw new ValueError(`${op}: ${at} contains itself (a cycle); a checkpoint holds trees`);
      onPath.add(node);
      const out: Node = Array.isArray(node)
        ? ["a", Array.from(node, (c, i) => walk(c, `${at}.${i}`, depth + 1))]
        : ["o", Object.keys(node).map((k) => [k, walk(node[k], `${at}.${k}`, depth + 1)])];
      onPath.delete(node);
      return out;
    }
    throw new ValueError(`${op}: ${at} is ${describe(node)}; a checkpoint holds tensors, numbers, strings, booleans, null and undefined in plain objects and arrays`);
  };
  return walk(tree, where, 0);
}

/** The tensor's path, made unique if a key with dots collides with a nested path. */
function uniqueName(at: string, used: Set<string>): string {
  let name = at;
  for (let i = 1; used.has(name); i++) name = `${at}#${i}`;
  used.add(name);
  return name;
}

/** Throws unless `x` is plain JSON data that JSON.stringify keeps exactly. */
function checkJson(op: string, x: unknown, at: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new ValueError(`${op}: ${at}: meta nests deeper than ${MAX_DEPTH} levels`);
  if (x === null || typeof x === "string" || typeof x === "boolean") return;
  if (typeof x === "number") {
    if (!Number.isFinite(x) || Object.is(x, -0)) throw new ValueError(`${op}: ${at} is ${x === 0 ? "-0" : x}, which JSON cannot hold; meta must be JSON`);
    return;
  }
  if (Array.isArray(x)) return x.forEach((v, i) => checkJson(op, v, `${at}.${i}`, depth + 1));
  if (isPlainObject(x)) return Object.keys(x).forEach((k) => checkJson(op, x[k], `${at}.${k}`, depth + 1));
  throw new ValueError(`${op}: ${at} is ${describe(x)}; meta must be JSON (plain objects, arrays, strings, finite numbers, booleans, null)`);
}

/** Writes `bytes` to a temporary file beside `file`, fsyncs it, renames it over `file`. */
function writeAtomic(file: string, bytes: Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, "wx");
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw new CheckpointError(`save: ${file}: cannot write the checkpoint (${(e as Error).message}); the previous file, if any, is unchanged`);
  }
  syncDirectory(dir);
}

/** Makes the rename durable where directories can be fsynced (not on Windows). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Opening or syncing a directory is not supported everywhere; the rename itself is done.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Reads a checkpoint `save` wrote, or any safetensors file of F32/F64/I32/BOOL tensors (one
 * without fluxion's tree description loads as `{ params: { name: tensor, … } }` in file order,
 * its other metadata as `meta`). Sizes and offsets are checked against the file before any
 * tensor is allocated, and nothing is returned until the whole file has passed; a bad file
 * raises a CheckpointError naming the file and the fault.
 */
export function load<P = unknown, S = unknown, O = unknown, M = unknown>(file: string): Checkpoint<P, S, O, M> {
  if (typeof file !== "string" || file === "") throw new ValueError(`load: path must be a non-empty string, got ${typeof file}`);
  const { header, tensors } = readFile(file);
  const byName = new Map(tensors.map((x) => [x.name, x]));
  const tree = header.metadata[TREE_KEY];
  if (tree === undefined) {
    const params: Record<string, Tensor> = {};
    for (const x of tensors) Object.defineProperty(params, x.name, { value: fromArray(x.data, x.shape, x.dtype), enumerable: true, writable: true, configurable: true });
    return { params, meta: header.metadata } as Checkpoint<P, S, O, M>;
  }
  const out: Record<string, unknown> = {};
  const claimed = new Set<string>();
  for (const [part, node] of parseTree(file, tree)) out[part] = rebuild({ file, byName, claimed }, node, 0);
  const unused = [...byName.keys()].find((n) => !claimed.has(n));
  if (unused !== undefined) throw new CheckpointError(`load: ${file}: tensor ${show(unused)} is in the file but not in the tree description`);
  const meta = header.metadata[META_KEY];
  if (meta !== undefined) out["meta"] = parseJson(file, META_KEY, meta);
  return out as unknown as Checkpoint<P, S, O, M>;
}

/** The header and tensors of `file`, every size checked against the file before reading on. */
function readFile(file: string) {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    throw new CheckpointError(`load: ${file}: cannot open the checkpoint (${(e as Error).message})`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const first8 = readExactly(file, fd, 0, Math.min(8, size));
    const n = headerLength(file, first8, size);
    const header = parseHeader(file, readExactly(file, fd, 8, n), size - 8 - n);
    const buffer = readExactly(file, fd, 8 + n, size - 8 - n);
    return { header, tensors: readTensors(file, header, buffer) };
  } catch (e) {
    // The system's own failures (EISDIR, EIO) as the same kind of error as a bad file.
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`load: ${file}: cannot read the checkpoint (${(e as Error).message})`);
  } finally {
    fs.closeSync(fd);
  }
}

function readExactly(file: string, fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const r = fs.readSync(fd, out, got, length - got, position + got);
    if (r === 0) throw new CheckpointError(`load: ${file}: the file ended after ${position + got} bytes while reading (did it shrink while being read?)`);
    got += r;
  }
  return out;
}

function parseJson(file: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`load: ${file}: metadata ${JSON.stringify(key)} is not valid JSON (${(e as Error).message})`);
  }
}

/** The stored parts: [["params", node], …], each part named once. */
function parseTree(file: string, text: string): [string, Node][] {
  const parts = parseJson(file, TREE_KEY, text);
  const ok =
    Array.isArray(parts) &&
    parts.every((p) => Array.isArray(p) && p.length === 2 && (PARTS as readonly unknown[]).includes(p[0]) && Array.isArray(p[1])) &&
    new Set(parts.map((p) => p[0])).size === parts.length &&
    parts.some((p) => p[0] === "params");
  if (!ok) throw new CheckpointError(`load: ${file}: metadata "${TREE_KEY}" must list [part, tree] pairs for params (and state, optState), got ${show(text.length > 100 ? `${text.slice(0, 97)}...` : text)}`);
  return parts as [string, Node][];
}

/** What rebuilding reads from: the file's tensors, and those already used (each may appear once). */
interface Source {
  readonly file: string;
  readonly byName: ReadonlyMap<string, StoredTensor>;
  readonly claimed: Set<string>;
}

/** The tree a description stands for, its tensors taken from the file's. */
function rebuild(src: Source, node: unknown, depth: number): unknown {
  const { file, byName, claimed } = src;
  const bad = (why: string): never => {
    throw new CheckpointError(`load: ${file}: metadata "${TREE_KEY}": ${why}`);
  };
  if (depth > MAX_DEPTH) bad(`the tree nests deeper than ${MAX_DEPTH} levels`);
  if (!Array.isArray(node) || typeof node[0] !== "string") return bad(`expected a node like ["t", name], got ${show(node)}`);
  const [kind, a, b] = node as [string, unknown, unknown];
  switch (kind) {
    case "t": {
      if (typeof a !== "string" || node.length > 3 || (node.length === 3 && b !== 1)) return bad(`a tensor node is ["t", name] or ["t", name, 1], got ${show(node)}`);
      const x = byName.get(a);
      if (x === undefined) return bad(`tensor ${show(a)} is not in the file`);
      if (claimed.has(a)) return bad(`tensor ${show(a)} appears twice in the tree`);
      const weak = node.length === 3;
      if (weak && (x.shape.length !== 0 || (x.dtype !== "float64" && x.dtype !== "int32"))) return bad(`tensor ${show(a)} is marked weak but is not a float64 or int32 scalar`);
      claimed.add(a);
      return weak ? new Tensor(x.shape, x.dtype, x.data, undefined, true) : fromArray(x.data, x.shape, x.dtype);
    }
    case "o": {
      if (node.length !== 2 || !Array.isArray(a) || !a.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === "string")) return bad(`an object node is ["o", [[key, node], …]], got ${show(node)}`);
      const out: Record<string, unknown> = {};
      for (const [k, child] of a as [string, unknown][]) {
        if (Object.prototype.hasOwnProperty.call(out, k)) return bad(`key ${show(k)} appears twice in an object`);
        // Defined, not assigned: `out["__proto__"] = v` would set the prototype.
        Object.defineProperty(out, k, { value: rebuild(src, child, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "a":
      if (node.length !== 2 || !Array.isArray(a)) return bad(`an array node is ["a", [node, …]], got ${show(node)}`);
      return a.map((c) => rebuild(src, c, depth + 1));
    case "n":
      if (node.length !== 2 || typeof a !== "string" || (Number.isNaN(Number(a)) && a !== "NaN") || a.trim() !== a || a === "") return bad(`a number node is ["n", text], got ${show(node)}`);
      return Number(a);
    case "v":
      if (node.length !== 2 || !(a === null || typeof a === "string" || typeof a === "boolean")) return bad(`a value node is ["v", null | boolean | string], got ${show(node)}`);
      return a;
    case "u":
      if (node.length !== 1) return bad(`an undefined node is ["u"], got ${show(node)}`);
      return undefined;
    default:
      return bad(`unknown node kind ${show(kind)}`);
  }
}
