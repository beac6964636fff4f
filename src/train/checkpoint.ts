// train.save / train.load: a checkpoint (checkpoint-bytes.ts) as one safetensors file. Writes
// are atomic: a temporary file beside the target, fsynced, renamed over it. Reads check the
// header against the file size before reading the tensors.

import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError } from "../errors.js";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "./checkpoint-bytes.js";
import { CheckpointError, headerLength, parseHeader, readTensors } from "./safetensors.js";

export { CheckpointError } from "./safetensors.js";
export type { Checkpoint } from "./checkpoint-bytes.js";

/**
 * Writes `checkpoint` to `file` atomically (the old file stays whole if anything fails).
 * Leaves: concrete tensors of any dtype, numbers, strings, booleans, null, undefined, inside
 * plain objects and arrays. `meta` must be JSON (plain data, finite numbers).
 */
export function save(file: string, checkpoint: Checkpoint): void {
  if (typeof file !== "string" || file === "") throw new ValueError(`save: path must be a non-empty string, got ${typeof file}`);
  writeAtomic(file, encodeCheckpoint("save", checkpoint));
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
  return decodeCheckpoint(file, header, tensors);
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
