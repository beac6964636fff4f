// The safetensors format, as bytes (no files here; checkpoint.ts does those):
//   8 bytes   N, the header length, an unsigned little-endian 64-bit integer
//   N bytes   a UTF-8 JSON object: tensor name → { dtype, shape, data_offsets: [begin, end] },
//             plus an optional "__metadata__" map of string → string; may end in spaces
//   the rest  the byte buffer: each tensor's raw little-endian values at [begin, end)
// The offsets must tile the whole buffer: no holes, no overlaps (the spec forbids both so a
// file cannot hide a second payload). Every check runs on the header and the file size
// before a tensor is allocated; a failure is a CheckpointError naming the file.

import * as t from "io-ts";
import { FluxionError } from "../errors.js";
import type { DType, TypedArray } from "../tensor/dtype.js";
import { MAX_TENSOR_ELEMENTS } from "../tensor/shape.js";

/** A checkpoint file that cannot be read or written: the message names the file and the fault. */
export class CheckpointError extends FluxionError {}

/** The safetensors dtype codes fluxion reads and writes, and their element sizes. */
const CODES = { F32: "float32", F64: "float64", I32: "int32", BOOL: "bool" } as const satisfies Record<string, DType>;
type Code = keyof typeof CODES;
const CODE_OF: Record<DType, Code> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
const ITEM_BYTES: Record<Code, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1 };

/** The largest header read (the reference implementation's bound too): 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor as stored: its name, dtype, shape and values. */
export interface StoredTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

const NonNegativeSafeInt = new t.Type<number, number, unknown>(
  "a non-negative integer",
  (u): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
);

const EntryCodec = t.exact(
  t.type({
    dtype: t.keyof({ F32: null, F64: null, I32: null, BOOL: null }),
    shape: t.array(NonNegativeSafeInt),
    data_offsets: t.tuple([NonNegativeSafeInt, NonNegativeSafeInt]),
  }),
);
type Entry = t.TypeOf<typeof EntryCodec>;
const MetadataCodec = t.record(t.string, t.string);

/** The parsed header: entries in buffer order, and the metadata. */
export interface Header {
  readonly entries: readonly (Entry & { readonly name: string })[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** What a header check says about `source`: `load: <file>: <fault>`. */
function fail(source: string, fault: string): never {
  throw new CheckpointError(`load: ${source}: ${fault}`);
}

/**
 * A value for messages: JSON two levels deep (deeper parts as `[…]`, `{…}`), cut short. Never
 * a full JSON.stringify, which a hostile, deeply nested header would overflow the stack with.
 */
export function show(u: unknown, depth = 2): string {
  let s: string;
  if (Array.isArray(u)) s = depth === 0 ? "[…]" : `[${u.slice(0, 8).map((x) => show(x, depth - 1)).join(",")}${u.length > 8 ? ",…" : ""}]`;
  else if (typeof u === "object" && u !== null) {
    const keys = Object.keys(u);
    s = depth === 0 ? "{…}" : `{${keys.slice(0, 8).map((k) => `${JSON.stringify(k)}:${show((u as Record<string, unknown>)[k], depth - 1)}`).join(",")}${keys.length > 8 ? ",…" : ""}}`;
  } else s = JSON.stringify(u) ?? String(u);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

/**
 * The header length from the first 8 bytes, checked against the file size and the bound
 * before any header bytes are read.
 */
export function headerLength(source: string, first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8) fail(source, `truncated: the file is ${fileSize} bytes, a safetensors file starts with an 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) fail(source, `header length ${n} runs past the end of the file (${fileSize - 8} bytes follow the length)`);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(source, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (n < 2n) fail(source, `header length ${n} is too short for a JSON object`);
  return Number(n);
}

/** Parses and validates the header; `bufferBytes` is the size of the byte buffer after it. */
export function parseHeader(source: string, headerBytes: Uint8Array, bufferBytes: number): Header {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    fail(source, "the header is not valid UTF-8");
  }
  if (!text.startsWith("{")) fail(source, `the header must be a JSON object starting with "{", it starts with ${show(text.slice(0, 20))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(source, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) fail(source, "the header is not a JSON object");
  const raw = json as Record<string, unknown>;
  let metadata: Record<string, string> = {};
  const entries: (Entry & { name: string })[] = [];
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (name === "__metadata__") {
      const m = MetadataCodec.decode(value);
      if (m._tag === "Left") fail(source, `"__metadata__" must map strings to strings, got ${show(value)}`);
      metadata = m.right;
      continue;
    }
    const e = EntryCodec.decode(value);
    if (e._tag === "Left") {
      fail(source, `tensor ${show(name)}: expected { dtype: "F32"|"F64"|"I32"|"BOOL", shape: [non-negative integers], data_offsets: [begin, end] }, got ${show(value)}`);
    }
    entries.push({ ...e.right, name });
  }
  for (const e of entries) checkEntry(source, e, bufferBytes);
  checkTiling(source, entries, bufferBytes);
  return { entries, metadata };
}

/** An entry's size: offsets ordered and within the buffer, bytes = product(shape) × item size. */
function checkEntry(source: string, e: Entry & { name: string }, bufferBytes: number): void {
  const [begin, end] = e.data_offsets;
  const what = `tensor ${show(e.name)}`;
  if (begin > end) fail(source, `${what}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > bufferBytes) fail(source, `${what}: data_offsets [${begin}, ${end}] run past the ${bufferBytes}-byte data buffer`);
  // The product is bounded step by step so a hostile shape cannot overflow it.
  let elements = 1;
  for (const d of e.shape) {
    elements *= d;
    if (elements > MAX_TENSOR_ELEMENTS) fail(source, `${what}: shape [${e.shape.join(",")}] has more than ${MAX_TENSOR_ELEMENTS} elements`);
  }
  const bytes = elements * ITEM_BYTES[e.dtype];
  if (bytes !== end - begin) {
    fail(source, `${what}: shape [${e.shape.join(",")}] of ${e.dtype} needs ${bytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
}

/** The spec's coverage rule: sorted by offset, the tensors tile [0, bufferBytes) exactly. */
function checkTiling(source: string, entries: (Entry & { name: string })[], bufferBytes: number): void {
  entries.sort((a, b) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
  let at = 0;
  for (const e of entries) {
    const [begin, end] = e.data_offsets;
    if (begin < at) fail(source, `tensor ${show(e.name)}: data_offsets [${begin}, ${end}] overlap the previous tensor, which ends at ${at}`);
    if (begin > at) fail(source, `the data buffer has a hole: bytes [${at}, ${begin}) belong to no tensor`);
    at = end;
  }
  if (at !== bufferBytes) fail(source, `the data buffer has ${bufferBytes - at} bytes after the last tensor (at ${at}) that belong to no tensor`);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The tensors of a validated header, copied out of `buffer` (the bytes after the header). */
export function readTensors(source: string, header: Header, buffer: Uint8Array): StoredTensor[] {
  return header.entries.map((e) => {
    const dtype = CODES[e.dtype];
    const [begin, end] = e.data_offsets;
    const bytes = buffer.slice(begin, end); // a fresh, aligned copy
    const data = view(dtype, bytes);
    if (dtype === "bool") {
      const bad = (data as Uint8Array).findIndex((b) => b > 1);
      if (bad >= 0) fail(source, `tensor ${show(e.name)}: a BOOL element holds byte ${data[bad]} at index ${bad}, expected 0 or 1`);
    }
    return { name: e.name, dtype, shape: e.shape, data };
  });
}

/** Little-endian bytes as a typed array of `dtype` (byte-swapped on a big-endian machine). */
function view(dtype: DType, bytes: Uint8Array): TypedArray {
  const n = bytes.length;
  if (dtype === "bool") return bytes;
  if (LITTLE_ENDIAN) {
    if (dtype === "float32") return new Float32Array(bytes.buffer, 0, n / 4);
    if (dtype === "float64") return new Float64Array(bytes.buffer, 0, n / 8);
    return new Int32Array(bytes.buffer, 0, n / 4);
  }
  const dv = new DataView(bytes.buffer);
  if (dtype === "float32") return Float32Array.from({ length: n / 4 }, (_, i) => dv.getFloat32(4 * i, true));
  if (dtype === "float64") return Float64Array.from({ length: n / 8 }, (_, i) => dv.getFloat64(8 * i, true));
  return Int32Array.from({ length: n / 4 }, (_, i) => dv.getInt32(4 * i, true));
}

/** The little-endian bytes of a typed array. */
function bytesOf(data: TypedArray): Uint8Array {
  if (LITTLE_ENDIAN || data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  data.forEach((v, i) => (data instanceof Float32Array ? dv.setFloat32(4 * i, v, true) : data instanceof Float64Array ? dv.setFloat64(8 * i, v, true) : dv.setInt32(4 * i, v, true)));
  return out;
}

/**
 * A whole safetensors file: tensors laid out in the order given, the header padded with
 * spaces to a multiple of 8 bytes so the data starts aligned (as the reference writer does).
 */
export function encode(tensors: readonly StoredTensor[], metadata: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header["__metadata__"] = metadata;
  let at = 0;
  const chunks = tensors.map((x) => {
    const bytes = bytesOf(x.data);
    header[x.name] = { dtype: CODE_OF[x.dtype], shape: [...x.shape], data_offsets: [at, at + bytes.length] };
    at += bytes.length;
    return bytes;
  });
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let offset = 8 + json.length;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
