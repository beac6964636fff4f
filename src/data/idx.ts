// The IDX format of the MNIST family (yann.lecun.com/exdb/mnist): two zero bytes, a type code
// (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double), the rank, then one
// big-endian uint32 per dimension and the elements, big-endian, row-major. Files may be gzip
// compressed (detected by the gzip magic 1f 8b, not by the name).
//
// Everything is checked before anything large is allocated: the file size and the inflated
// size against `maxBytes`, the header length, and that the dimensions' product × element size
// equals exactly the bytes that follow. A bad file is a DataFormatError naming the file.

import { readFileSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fromArray } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { optionsObject, PositiveInt } from "../options/codecs.js";
import { PathCodec } from "./codecs.js";
import { DataFormatError, DataNotFoundError } from "./errors.js";

/** The element types of IDX, by name. */
export type IdxType = "ubyte" | "byte" | "short" | "int" | "float" | "double";

/** An IDX file's contents as stored: the element type, the dimensions, the elements in a typed array of that type. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: "ubyte", bytes: 1 },
  0x09: { type: "byte", bytes: 1 },
  0x0b: { type: "short", bytes: 2 },
  0x0c: { type: "int", bytes: 4 },
  0x0d: { type: "float", bytes: 4 },
  0x0e: { type: "double", bytes: 8 },
};

/** The default bound on a file's bytes (raw or inflated): 1 GiB, well above Fashion-MNIST's 47 MB. */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/** Options of the IDX readers: the largest file they accept. */
export interface IdxOptions {
  /** The most bytes a file may have, raw or after inflating (default 2^30). */
  maxBytes?: number;
}
const IdxOptionsCodec = optionsObject({ maxBytes: PositiveInt });
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a file's bytes, inflating gzip, never more than `maxBytes`. */
function readBytes(op: string, path: string, maxBytes: number): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DataNotFoundError(`${op}: ${path}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof DataNotFoundError) throw e;
    throw new DataNotFoundError(`${op}: ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (size > maxBytes) throw new DataFormatError(`${op}: ${path}: the file has ${size} bytes, more than maxBytes ${maxBytes}`);
  const buf = readFileSync(path);
  // Checked again after reading: the file may have grown since stat.
  if (buf.length > maxBytes) throw new DataFormatError(`${op}: ${path}: the file has ${buf.length} bytes, more than maxBytes ${maxBytes}`);
  const raw = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!isGzip(raw)) return raw;
  try {
    return new Uint8Array(gunzipSync(raw, { maxOutputLength: maxBytes }));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new DataFormatError(`${op}: ${path}: inflates to more than maxBytes ${maxBytes} bytes`);
    throw new DataFormatError(`${op}: ${path}: corrupt gzip data (${(e as Error).message})`);
  }
}

/**
 * Parses IDX bytes (already inflated). `name` is what messages call the source (a path).
 * Elements are decoded from big-endian into a typed array of the stored type.
 */
export function parseIdx(bytes: Uint8Array, name: string, op = "loadIdx"): IdxArray {
  const bad = (what: string): never => {
    throw new DataFormatError(`${op}: ${name}: ${what}`);
  };
  if (bytes.length < 4) bad(`truncated header: ${bytes.length} bytes, an IDX header has at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) bad(`not an IDX file: the magic number starts with ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 00 00`);
  const kind = TYPES[bytes[2]!];
  if (kind === undefined) bad(`unknown IDX type code ${hex(bytes[2]!)} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const { type, bytes: width } = kind!;
  const rank = bytes[3]!;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) bad(`truncated header: rank ${rank} needs ${headerBytes} header bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const available = bytes.length - headerBytes;
  // With no zero dimension the running product only grows, so checking it against the bytes
  // present at each step keeps it small (2^31 × 2^31 is rejected at the second dimension).
  let count = shape.includes(0) ? 0 : 1;
  for (let i = 0; i < rank && count > 0; i++) {
    count *= shape[i]!;
    if (count * width > available) bad(`dimensions [${shape.join(",")}] of ${type} need more than the ${available} data bytes the file has (truncated or corrupt)`);
  }
  const expected = count * width;
  if (expected !== available) {
    bad(`dimensions [${shape.join(",")}] of ${type} need ${expected} data bytes, the file has ${available} (${available - expected} extra bytes at the end)`);
  }
  return { type, shape, data: decode(type, view, headerBytes, count) };
}

function decode(type: IdxType, view: DataView, offset: number, n: number): IdxArray["data"] {
  switch (type) {
    case "ubyte":
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + n));
    case "byte":
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + n));
    case "short": {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case "int": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case "float": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case "double": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/** Reads an IDX file (raw or gzip) as stored: its element type, shape and elements. */
export function readIdx(path: string, options?: IdxOptions): IdxArray {
  const op = "readIdx";
  checkArg(op, "path", PathCodec, path);
  const o = checkOptions(op, IdxOptionsCodec, options);
  return parseIdx(readBytes(op, path, o.maxBytes ?? DEFAULT_MAX_BYTES), path, op);
}

/**
 * Reads an IDX file (raw or gzip) as a Tensor of its shape: the integer types (ubyte, byte,
 * short, int) as int32, float as float32, double as float64. Values are kept as stored (no
 * scaling): divide images by 255 yourself, or use `scale`.
 */
export function loadIdx(path: string, options?: IdxOptions): Tensor {
  const op = "loadIdx";
  checkArg(op, "path", PathCodec, path);
  const o = checkOptions(op, IdxOptionsCodec, options);
  const { type, shape, data } = parseIdx(readBytes(op, path, o.maxBytes ?? DEFAULT_MAX_BYTES), path, op);
  if (type === "float") return fromArray(data as Float32Array, shape, "float32");
  if (type === "double") return fromArray(data as Float64Array, shape, "float64");
  return fromArray(Int32Array.from(data as ArrayLike<number>), shape, "int32");
}

/** Encodes an array as IDX bytes (big-endian), e.g. to write test files or export data. */
export function encodeIdx(type: IdxType, shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const code = Number(Object.keys(TYPES).find((k) => TYPES[Number(k)]!.type === type));
  const width = TYPES[code]!.bytes;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== values.length) throw new DataFormatError(`encodeIdx: shape [${shape.join(",")}] holds ${n} elements, got ${values.length}`);
  const out = new Uint8Array(4 + 4 * shape.length + n * width);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const at = 4 + 4 * shape.length;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (type === "ubyte") view.setUint8(at + i, v);
    else if (type === "byte") view.setInt8(at + i, v);
    else if (type === "short") view.setInt16(at + 2 * i, v, false);
    else if (type === "int") view.setInt32(at + 4 * i, v, false);
    else if (type === "float") view.setFloat32(at + 4 * i, v, false);
    else view.setFloat64(at + 8 * i, v, false);
  }
  return out;
}
