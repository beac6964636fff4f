// A checkpoint as bytes — params, state, optimiser state and a JSON `meta` in the safetensors
// format (safetensors.ts) — with no file system: train.save / train.load (checkpoint.ts) write
// and read these bytes as files in Node; a browser downloads or uploads them. Tensors are named
// by their pytree path (`params.fc1.w`, `optState.0.count`); the trees' shape (objects vs
// arrays, key order, null, plain numbers and strings) goes into "__metadata__" as a JSON
// description, so loading gives back the structure that was saved.

import * as t from "io-ts";
import { ArgumentError, ValueError } from "../errors.js";
import { optionsObject } from "../options/codecs.js";
import { checkArg } from "../options/validate.js";
import { fromArray } from "../tensor/create.js";
import { Tensor, isTensor } from "../tensor/tensor.js";
import { CheckpointError, type Header, type StoredTensor, encode, headerLength, parseHeader, readTensors, show } from "./safetensors.js";

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
 * The safetensors bytes of `checkpoint`, checked as `op` (save, saveBytes). Leaves: concrete
 * tensors of any dtype, numbers, strings, booleans, null, undefined, inside plain objects and
 * arrays. `meta` must be JSON (plain data, finite numbers).
 */
export function encodeCheckpoint(op: string, checkpoint: Checkpoint): Uint8Array {
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
  return encode(tensors, metadata);
}

/**
 * A checkpoint as the bytes of a safetensors file (what train.save writes), for a download, a
 * fetch body or IndexedDB. Same leaves and checks as train.save.
 */
export function saveBytes(checkpoint: Checkpoint): Uint8Array {
  return encodeCheckpoint("saveBytes", checkpoint);
}

/**
 * The checkpoint in `bytes`, a safetensors file as train.save or saveBytes wrote it (or any file
 * of F32/F64/I32/BOOL tensors, as train.load reads it). Every size and offset is checked before a
 * tensor is allocated; a bad file raises a CheckpointError naming `name` and the fault.
 */
export function loadBytes<P = unknown, S = unknown, O = unknown, M = unknown>(bytes: Uint8Array, name = "(bytes)"): Checkpoint<P, S, O, M> {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`loadBytes: expected a Uint8Array of safetensors bytes, got ${describe(bytes)}`);
  const n = headerLength(name, bytes.subarray(0, 8), bytes.length);
  const header = parseHeader(name, bytes.subarray(8, 8 + n), bytes.length - 8 - n);
  return decodeCheckpoint(name, header, readTensors(name, header, bytes.subarray(8 + n)));
}

/** The checkpoint a validated header and its tensors describe; faults name `source`. */
export function decodeCheckpoint<P = unknown, S = unknown, O = unknown, M = unknown>(source: string, header: Header, tensors: readonly StoredTensor[]): Checkpoint<P, S, O, M> {
  const byName = new Map(tensors.map((x) => [x.name, x]));
  const tree = header.metadata[TREE_KEY];
  if (tree === undefined) {
    const params: Record<string, Tensor> = {};
    for (const x of tensors) Object.defineProperty(params, x.name, { value: fromArray(x.data, x.shape, x.dtype), enumerable: true, writable: true, configurable: true });
    return { params, meta: header.metadata } as Checkpoint<P, S, O, M>;
  }
  const out: Record<string, unknown> = {};
  const claimed = new Set<string>();
  for (const [part, node] of parseTree(source, tree)) out[part] = rebuild({ file: source, byName, claimed }, node, 0);
  const unused = [...byName.keys()].find((n) => !claimed.has(n));
  if (unused !== undefined) throw new CheckpointError(`load: ${source}: tensor ${show(unused)} is in the file but not in the tree description`);
  const meta = header.metadata[META_KEY];
  if (meta !== undefined) out["meta"] = parseJson(source, META_KEY, meta);
  return out as unknown as Checkpoint<P, S, O, M>;
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
